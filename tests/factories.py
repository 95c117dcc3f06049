"""Test data for every layer: stories, payments, and an in-memory stand-in for one story's partition
that settles payments with the funding core's own `plan` (unit tests only; integration tests use
the Cosmos DB emulator)."""

from __future__ import annotations

import copy
import secrets
import time

from shared import funding
from shared.models import StoryDoc


def story(
    goals: dict[str, int] | None = None, currency: str = "USD", status: str = "published", story_id: str | None = None
) -> StoryDoc:
    goals = goals or {"shelter": 10_000_000, "medical": 5_000_000}
    return StoryDoc.model_validate(
        {
            "id": story_id or secrets.token_hex(8),
            "status": status,
            "pseudonym": "Test",
            "origin": {"country": "TH", "label": "Chiang Mai, Thailand"},
            "headline": "A test story",
            "summary": "Fictional, for tests.",
            "currency": currency,
            "published": "2026-01",
            "needs": [{"need": n, "title": n.title(), "description": "For tests.", "goal": g} for n, g in goals.items()],
            "journey": [
                {
                    "kind": "home",
                    "title": "Home",
                    "narrative": "Home.",
                    "place": "Chiang Mai",
                    "lat": 18.8,
                    "lon": 99.0,
                    "period": "2020",
                },
                {
                    "kind": "future",
                    "title": "Future",
                    "narrative": "Ahead.",
                    "place": "Chiang Mai",
                    "lat": 18.8,
                    "lon": 99.0,
                    "period": "2026",
                },
            ],
            "consent": {"given": "2026-01", "scope": "tests", "recorded_by": "CW-00"},
        }
    )


def payment(s: StoryDoc, amount: int, need: str = "shelter", pid: str | None = None, **kw) -> funding.Payment:
    fields = {
        "id": pid or f"pi_{secrets.token_hex(8)}",
        "story_id": s.id,
        "need": need,
        "currency": s.currency,
        "received": amount,
        "created": int(time.time()),
        **kw,
    }
    return funding.Payment(**fields)


class Partition:
    """One story's partition in memory: the story and its funding records, written all or nothing
    as the transactional batch does."""

    def __init__(self, s: StoryDoc | None) -> None:
        self.story = s
        self.records: dict[str, funding.PaymentRecord] = {}

    def settle(self, p: funding.Payment) -> funding.Outcome:
        s = copy.deepcopy(self.story)
        record = copy.deepcopy(self.records.get(p.id))
        planned = funding.plan(p, s, record)
        if planned is None:
            return "unchanged"
        payment_record, reversals = planned
        for r in [payment_record, *reversals]:
            assert r.id == payment_record.id or r.id not in self.records, "a reversal record is created once"
            self.records[r.id] = r
        if not payment_record.held:
            self.story = s
        return "held" if payment_record.held else "applied"

    def counted(self) -> list[funding.PaymentRecord]:
        return [r for r in self.records.values() if not r.held]


# ------------------------------------------------------------------ the local Stripe (integration tests)
def stripe_api(values: dict[str, str]):
    import stripe

    return stripe.StripeClient(values["STRIPE_SECRET_KEY"], base_addresses={"api": values["STRIPE_API_BASE"]})


def confirm_with_card(values: dict[str, str], intent_id: str, client_secret: str, number: str = "4242424242424242") -> dict:
    """What Stripe.js does in the browser: confirm with the card's details, the publishable key and the secret."""
    import requests

    r = requests.post(
        f"{values['STRIPE_API_BASE']}/v1/payment_intents/{intent_id}/confirm",
        json={
            "key": values["STRIPE_PUBLISHABLE_KEY"],
            "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}},
        },
        timeout=10,
    )
    return r.json()


def paid_intent(
    values: dict[str, str],
    story_id: str,
    amount: int,
    need: str = "shelter",
    currency: str = "usd",
    card: str = "4242424242424242",
    display_name: str | None = None,
    **metadata: str,
) -> dict:
    """A PaymentIntent created and paid at the local Stripe, as a donation through the portal makes it."""
    meta = {"story_id": story_id, "need": need, "donation_ref": secrets.token_hex(6), **metadata}
    if display_name:
        meta["display_name"] = display_name
    intent = stripe_api(values).v1.payment_intents.create(
        params={"amount": amount, "currency": currency, "payment_method_types": ["card"], "metadata": meta}
    )
    return confirm_with_card(values, intent.id, intent.client_secret, card)


def solved_challenge(api: str) -> str:
    """What the portal's solver sends: a challenge from GET /api/challenge, solved (ALTCHA payload)."""
    import altcha
    import requests

    challenge = altcha.Challenge.from_dict(requests.get(f"{api}/api/challenge", timeout=10).json())
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def post_donation(api: str, body: dict, key: str | None = "auto", challenge: str | None = "auto", session=None, **kwargs):
    """POST /api/donations as the portal does: a fresh Idempotency-Key and a solved challenge each time."""
    import uuid

    import requests

    session = session or requests
    headers = {
        **kwargs.pop("headers", {}),
        **({} if key is None else {"Idempotency-Key": str(uuid.uuid4()) if key == "auto" else key}),
    }
    if challenge is not None and "challenge" not in body:
        body = {**body, "challenge": solved_challenge(api) if challenge == "auto" else challenge}
    return session.post(f"{api}/api/donations", json=body, headers=headers, timeout=30, **kwargs)


def session_from(address: str):
    """A requests session whose connections leave from `address` (any of 127.0.0.0/8): another client."""
    import requests
    from requests.adapters import HTTPAdapter

    class FromAddress(HTTPAdapter):
        address = None

        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (address, 0)
            super().init_poolmanager(*args, **kwargs)

    adapter = FromAddress()
    adapter.address = address
    session = requests.Session()
    session.mount("http://", adapter)
    return session


def kinds(findings: dict[str, list[str]]) -> dict[str, set[str]]:
    """Findings without where they are and the gate's explanation: what kind of leak, by field."""
    return {f: {m.split(" at character")[0].split(" (")[0] for m in ms} for f, ms in findings.items()}
