"""Starting a donation: checks against the story and its need, then a Stripe PaymentIntent.

The donation itself is counted only when Stripe confirms the payment (webhook -> queue ->
funding record); this module never writes to Cosmos DB. The e-mail goes to Stripe for the
receipt and is not stored by us."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
)

from shared import defence
from shared.errors import DomainError
from shared.models import Category
from shared.names import clean_display_name
from shared.payments import minor_units_per_major, stripe_client
from shared.settings import get_settings
from shared.stories import public_story

MAX_BODY_BYTES = 4096
# Per-currency bounds in major units; other allowed currencies get DEFAULT_BOUNDS.
# The minimums are what a serious donation site asks (about 5 US dollars): gifts that small are rare
# from real donors and common from card testers, who probe with the smallest charge a form takes.
BOUNDS_MAJOR = {
    "USD": (5, 10_000),
    "EUR": (5, 10_000),
    "GBP": (5, 10_000),
    "AUD": (8, 15_000),
    "SGD": (7, 15_000),
    "THB": (100, 300_000),
    "MYR": (20, 40_000),
    "PHP": (250, 500_000),
    "JPY": (700, 1_500_000),
}
DEFAULT_BOUNDS = (5, 10_000)
# Stripe's own minimum charge per currency (minor units); the "exact remainder" of a need may be
# below our minimum but never below this.
STRIPE_MINIMUM = {"USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "SGD": 50, "THB": 1000, "MYR": 200, "PHP": 2500, "JPY": 50}
DEFAULT_STRIPE_MINIMUM = 50
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,190}\.[A-Za-z]{2,24}$")


class DonationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    need: Category
    amount: StrictInt = Field(description="Minor units of the currency (cents, satang; yen for JPY)")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
    display_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    anonymous: StrictBool = True
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    challenge: Annotated[str, StringConstraints(max_length=4096)] | None = Field(
        default=None, description="A solved challenge from GET /api/challenge (ALTCHA payload, base64)"
    )

    @field_validator("display_name")
    @classmethod
    def _plain_name(cls, v: str | None) -> str | None:
        return clean_display_name(v) if v and v.strip() else None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v and not _EMAIL.match(v):
            raise ValueError("is not an e-mail address")
        return v or None


class DonationCreated(BaseModel):
    payment_intent_id: str
    client_secret: str
    publishable_key: str
    amount: int
    currency: str


class PortalConfig(BaseModel):
    stripe_js_url: str
    publishable_key: str
    currencies: list[str]
    min_amount: dict[str, int]
    max_amount: dict[str, int]


def bounds(currency: str) -> tuple[int, int]:
    low, high = BOUNDS_MAJOR.get(currency, DEFAULT_BOUNDS)
    unit = minor_units_per_major(currency)
    return low * unit, high * unit


def portal_config() -> PortalConfig:
    s = get_settings()
    return PortalConfig(
        stripe_js_url=s.stripe_js_url,
        publishable_key=s.stripe_publishable_key or "",
        currencies=s.donation_currencies,
        min_amount={c: bounds(c)[0] for c in s.donation_currencies},
        max_amount={c: bounds(c)[1] for c in s.donation_currencies},
    )


def parse(body: bytes, idempotency_key: str | None) -> DonationCreate:
    if not idempotency_key or not 8 <= len(idempotency_key) <= 255:
        raise DomainError(
            "idempotency_key_required",
            "Send a fresh Idempotency-Key header (8-255 characters) with each donation attempt",
            parameter="Idempotency-Key",
        )
    if len(body) > MAX_BODY_BYTES:
        raise DomainError("body_too_large", "The request body is too large")
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):
        raise DomainError("invalid_json", "The body is not valid JSON") from None
    if not isinstance(data, dict):
        raise DomainError("invalid_body", "The body must be a JSON object")
    try:
        return DonationCreate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        message = "is required" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        raise DomainError("invalid_field", f"'{field}' {message}", parameter=field) from None


def create(donation: DonationCreate, idempotency_key: str, forwarded_for: str | None = None) -> DonationCreated:
    """Start a donation. Every attempt costs a solved challenge; one that passes the story's checks
    counts against the velocity limits before Stripe is asked (shared/defence.py)."""
    s = get_settings()
    defence.redeem(donation.challenge, owner=hashlib.sha256(idempotency_key.encode()).hexdigest()[:24])
    currency = donation.currency.upper()
    if currency not in s.donation_currencies:
        raise DomainError(
            "unsupported_currency", f"Donations are accepted in {', '.join(s.donation_currencies)}", parameter="currency"
        )
    story = public_story(donation.story_id)
    if donation.display_name:
        try:  # again with the story's recorded terms: a donor's name must not name the survivor
            clean_display_name(donation.display_name, story.sensitive_terms)
        except ValueError as exc:
            raise DomainError("invalid_field", f"'display_name' {exc}", parameter="display_name") from None
    if currency != story.currency:
        raise DomainError("currency_mismatch", f"This story's needs are in {story.currency}", parameter="currency")
    need = story.need(donation.need)
    if need is None:
        raise DomainError("need_not_found", "This story has no such need", parameter="need")
    low, high = bounds(currency)
    # The last part of a need may be smaller than the usual minimum: accept exactly that amount, as long
    # as Stripe can charge it.
    remainder = STRIPE_MINIMUM.get(currency, DEFAULT_STRIPE_MINIMUM) <= donation.amount == need.remaining
    if not (low <= donation.amount <= high or remainder):
        raise DomainError(
            "amount_out_of_range", f"The amount must be between {low} and {high} (minor units of {currency})", parameter="amount"
        )
    if not need.open:
        raise DomainError("need_funded", "This need is already fully funded", remaining=0)
    if donation.amount > need.remaining:
        raise DomainError("exceeds_remaining", "The amount is more than this need still requires", remaining=need.remaining)

    client = defence.client_hash(defence.client_address(forwarded_for))
    defence.admit(client, story.id)

    # Derived from the Idempotency-Key so that a retried request sends Stripe identical parameters.
    reference = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
    metadata = {"story_id": story.id, "need": need.need, "donation_ref": reference, "client": client}
    if not donation.anonymous and donation.display_name:
        metadata["display_name"] = donation.display_name
    params = {
        "amount": donation.amount,
        "currency": currency.lower(),
        "payment_method_types": ["card"],
        "description": "Second Chance donation",
        "metadata": metadata,
    }
    if donation.email:
        params["receipt_email"] = donation.email
    intent = _create_intent(params, idempotency_key)
    return DonationCreated(
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        publishable_key=s.stripe_publishable_key or "",
        amount=intent.amount,
        currency=intent.currency.upper(),
    )


def _create_intent(params: dict, idempotency_key: str):
    import stripe

    try:
        return stripe_client().v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.IdempotencyError:
        raise DomainError(
            "idempotency_key_reused", "This Idempotency-Key was used for a different donation; use a fresh key"
        ) from None
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError):
        raise DomainError("payments_unavailable", "Payments are briefly unavailable; try again") from None
    except stripe.StripeError:
        raise DomainError("payment_refused", "The payment provider refused to start this donation") from None
