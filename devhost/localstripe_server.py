"""localstripe, made to behave like Stripe where the portal relies on it.

As shipped, localstripe listens on every interface and pickles its state to /tmp after every
change; here it serves loopback only and keeps nothing on disk. Gaps closed:

- a PaymentIntent accepts `description` and `receipt_email`, as Stripe's does;
- `POST /v1/payment_intents/{id}/confirm` accepts `payment_method` or `payment_method_data`
  (Stripe does; localstripe answered 500), also again after a declined attempt; confirming in
  another state is Stripe's 400 `payment_intent_unexpected_state`;
- its Stripe.js `confirmCardPayment(clientSecret, {payment_method: {card}})` confirms with the
  card element's details (localstripe's only handled the 3-D Secure step);
- `Idempotency-Key` is honoured on POST: the same key and body replay the first answer, the same
  key with another body is an `idempotency_error` (localstripe ignored the header);
- Stripe's test cards decline as documented, however the card arrives (`payment_method_data`,
  a PaymentMethod, `pm_card_…` test ids, `PaymentIntent.create(confirm=True)`): 0002 generic,
  9995 insufficient funds, 9987 lost, 9979 stolen, 0069 expired, 0127 incorrect CVC, 0119
  processing error; 0341 attaches but every charge fails (localstripe let all but 0341 through).
  A decline answers 402 with a `card_error` (`code`, `decline_code` for card_declined, `charge`,
  `payment_method`, `payment_intent`), leaves the intent in `requires_payment_method` without a
  payment method and with `last_payment_error`, and emits `payment_intent.payment_failed`;
- 0259 (`pm_card_createDispute`) succeeds, then a fraudulent dispute opens on its charge moments
  later;
- a PaymentIntent has `amount_received`, and `latest_charge` is the charge's id, expanded only
  with `expand[]=latest_charge` (localstripe always inlined it); a charge has
  `amount_captured`, `disputed`, `payment_method_details.card` and `outcome`;
- `POST /v1/refunds` without `amount` refunds what remains (localstripe refunded the whole charge
  again), refuses more than remains (400, `charge_already_refunded` once nothing remains), refuses
  a disputed charge (`charge_disputed`), accepts `reason`, links the intent, and emits
  `refund.created` and `charge.refunded` (with the charge after the refund);
- disputes (localstripe had none): `GET /v1/disputes` (filters `charge`, `payment_intent`,
  `created`), `GET|POST /v1/disputes/{id}`, `POST /v1/disputes/{id}/close`; submitted evidence
  puts a dispute `under_review`, and `uncategorized_text` `winning_evidence` / `losing_evidence`
  closes it `won` / `lost` moments later; closing it loses it. Events
  `charge.dispute.created|updated|closed`. Test helper (no Stripe equivalent; no key needed,
  like /_config/): `POST /_test/disputes` with `charge` or `payment_intent` (optional `reason`,
  `amount`) opens a dispute on a succeeded charge at once and answers the dispute;
- `POST /v1/payment_intents/{id}/cancel` accepts `cancellation_reason`, sets `canceled_at` and
  emits `payment_intent.canceled`; `GET /v1/payment_intents` lists intents newest first with
  `limit`, `starting_after`, `customer` and `created[gt|gte|lt|lte]`;
- events carry `pending_webhooks` and `request`, and `GET /v1/events` lists them newest first,
  as Stripe does; an unknown id is Stripe's 404 `resource_missing`;
- webhooks are retried while the endpoint answers non-2xx or cannot be reached: the first try
  1 s after the event (as localstripe), then after LOCALSTRIPE_WEBHOOK_RETRY_BASE_SECONDS
  (default 1), doubling up to LOCALSTRIPE_WEBHOOK_RETRY_MAX_SECONDS (default 30), at most
  LOCALSTRIPE_WEBHOOK_MAX_ATTEMPTS tries in all (default 8); every try is signed with a fresh
  timestamp, and each delivery runs on its own. `DELETE /_config/webhooks/{id}` removes an
  endpoint (and stops its retries).

Usage: python -m devhost.localstripe_server PORT
"""

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from localstripe import resources, server, webhooks
from localstripe.errors import UserError

# Appended to localstripe's Stripe.js: confirmCardPayment with a card element, as Stripe.js does it.
CONFIRM_CARD_PAYMENT_JS = """
(function () {
  const makeStripe = Stripe;
  Stripe = function (apiKey) {
    const stripe = makeStripe(apiKey);
    const authenticate = stripe.confirmCardPayment;
    stripe.confirmCardPayment = async function (clientSecret, data) {
      const card = data && data.payment_method && data.payment_method.card;
      if (!card || !card.value) {
        return authenticate(clientSecret, data);
      }
      const intent = clientSecret.split('_secret_')[0];
      const billing = Object.assign({address: {postal_code: card.value.postal_code}},
                                    data.payment_method.billing_details || {});
      const response = await fetch(LOCALSTRIPE_BASE_API + '/v1/payment_intents/' + intent + '/confirm', {
        method: 'POST',
        body: JSON.stringify({key: apiKey, client_secret: clientSecret,
                              payment_method_data: {type: 'card', card: card.value.card, billing_details: billing}}),
      });
      const body = await response.json().catch(function () { return {}; });
      if (response.status !== 200 || body.error) {
        return {error: body.error || {message: 'The payment failed.'}};
      }
      if (body.status === 'requires_action') {
        return authenticate(clientSecret, data);
      }
      return {paymentIntent: body};
    };
    return stripe;
  };
})();
"""


log = logging.getLogger("devhost.localstripe")

GENERIC_DECLINE = ("card_declined", "generic_decline", "Your card was declined.")
# Stripe's test cards that fail: number -> (error code, decline code, message), as in Stripe's testing docs.
DECLINES = {
    "4000000000000002": GENERIC_DECLINE,
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": ("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000069": ("expired_card", None, "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "4000000000000119": ("processing_error", None, "An error occurred while processing your card. Try again in a little bit."),
    "4242424242424241": ("incorrect_number", None, "Your card number is incorrect."),
    "4000000000000341": GENERIC_DECLINE,  # attaches to a customer, but every charge fails
    "4000008260003178": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),  # after 3DS
    "4000008400001629": GENERIC_DECLINE,  # after 3-D Secure
}
DISPUTE_CARDS = {"4000000000000259": "fraudulent"}  # the charge succeeds, then is disputed
# Stripe's test PaymentMethod ids, each a card.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_createDispute": "4000000000000259",
}
SOON = 0.5  # seconds: "moments later" for what Stripe does asynchronously (0259's dispute, a test dispute's outcome)


class CardError(UserError):
    """Stripe's 402 `card_error` (localstripe's UserError is always an `invalid_request_error`)."""

    def __init__(self, message: str, fields: dict):
        super().__init__(402, message, {k: v for k, v in fields.items() if v is not None})
        self.body["error"]["type"] = "card_error"


def emit(kind: str, obj) -> None:
    """Store an event about `obj` as it is now and send it to the webhooks."""
    resources.schedule_webhook(resources.Event(kind, obj))


def soon(action, *args) -> None:
    """Run `action(*args)` moments from now, on the server's loop."""

    def run():
        try:
            action(*args)
        except Exception:
            log.exception("deferred %s failed", getattr(action, "__name__", action))

    asyncio.get_running_loop().call_later(SOON, run)


def card_number(payment_method_id) -> str | None:
    try:
        return getattr(resources.PaymentMethod._api_retrieve(payment_method_id), "_card_number", None)
    except (UserError, AttributeError, TypeError):
        return None


def doc_url(code: str) -> str:
    return "https://stripe.com/docs/error-codes/" + code.replace("_", "-")


def decline_fields(charge) -> dict:
    """A declined charge as Stripe reports it (`last_payment_error`, and the error of a 402)."""
    try:
        payment_method = resources.PaymentMethod._api_retrieve(charge.payment_method)._export()
    except UserError:
        payment_method = None
    fields = {
        "type": "card_error",
        "charge": charge.id,
        "code": charge.failure_code,
        "decline_code": getattr(charge, "_decline_code", None),
        "doc_url": doc_url(charge.failure_code),
        "message": charge.failure_message,
        "payment_method": payment_method,
    }
    return {k: v for k, v in fields.items() if v is not None}


def decline_error(charge, intent=None) -> CardError:
    fields = decline_fields(charge)
    if intent is not None:
        fields["payment_intent"] = intent._export()
    return CardError(fields.pop("message"), {k: v for k, v in fields.items() if k != "type"})


def unexpected_state(intent, action: str, allowed=None) -> UserError:
    message = f"You cannot {action} this PaymentIntent because it has a status of {intent.status}."
    if allowed:
        message += f" Only a PaymentIntent with one of the following statuses may be {action}ed: {', '.join(allowed)}."
    return UserError(400, message, {"code": "payment_intent_unexpected_state", "payment_intent": intent._export()})


def created_filter(created):
    """Stripe's `created` list filter: an exact timestamp or a dict of gt/gte/lt/lte."""
    if created is None:
        return lambda obj: True
    tests = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "eq": lambda a, b: a == b,
    }
    bounds = []
    for op, value in (created if isinstance(created, dict) else {"eq": created}).items():
        value = resources.try_convert_to_int(value)
        if op not in tests or type(value) is not int:
            raise UserError(400, "Invalid created filter", {"param": "created"})
        bounds.append((tests[op], value))
    return lambda obj: all(test(obj.created, value) for test, value in bounds)


def unknown_parameters(kwargs: dict) -> None:
    if kwargs:
        name = next(iter(kwargs))
        raise UserError(400, f"Received unknown parameter: {name}", {"param": name})


def merge_metadata(target: dict, metadata) -> dict:
    """Stripe's metadata update: keys are set, an empty value unsets a key, an empty string unsets all."""
    if metadata == "":
        return {}
    if not isinstance(metadata, dict):
        raise UserError(400, "Invalid metadata", {"param": "metadata"})
    merged = dict(target)
    for key, value in metadata.items():
        if value in ("", None):
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


def money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


DISPUTE_REASONS = {
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
}
EVIDENCE_FIELDS = {
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
}
TEST_EVIDENCE = {"winning_evidence": "won", "losing_evidence": "lost"}  # Stripe test mode's outcomes
OPEN_DISPUTE = ("needs_response", "warning_needs_response")


class Dispute(resources.StripeObject):
    """A dispute on a charge, with Stripe's fields, its test-mode outcomes and its events."""

    object = "dispute"
    _id_prefix = "du_"

    def __init__(self, charge, reason: str = "fraudulent", amount: int | None = None):
        super().__init__()
        self.amount = charge.amount if amount is None else amount
        self.balance_transactions = []
        self.charge = charge.id
        self.currency = charge.currency
        self.evidence = {}
        self.evidence_details = {"due_by": self.created + 7 * 86400, "has_evidence": False, "past_due": False, "submission_count": 0}
        self.is_charge_refundable = False
        self.metadata = {}
        self.payment_intent = charge.payment_intent
        self.reason = reason
        self.status = "needs_response"

    @classmethod
    def _open(cls, charge, reason="fraudulent", amount=None) -> "Dispute":
        if charge.status != "succeeded" or not charge.captured:
            raise UserError(400, f"Charge {charge.id} has not succeeded, so it cannot be disputed.")
        if charge.disputed:
            raise UserError(400, f"Charge {charge.id} is already disputed.", {"code": "charge_disputed"})
        amount = resources.try_convert_to_int(amount)
        if amount is not None and (type(amount) is not int or not 0 < amount <= charge.amount):
            raise UserError(400, "The disputed amount must be between 1 and the charge's amount.", {"param": "amount"})
        if reason not in DISPUTE_REASONS:
            raise UserError(400, f"Invalid reason: {reason}", {"param": "reason"})
        dispute = cls(charge, reason, amount)
        emit("charge.dispute.created", dispute)
        return dispute

    def _close(self, status: str) -> None:
        self.status = status
        emit("charge.dispute.closed", self)

    @classmethod
    def _api_open_for_test(cls, charge=None, payment_intent=None, reason="fraudulent", amount=None, **kwargs):
        unknown_parameters(kwargs)
        if payment_intent is not None:
            charge_obj = resources.PaymentIntent._api_retrieve(payment_intent).latest_charge
            if charge_obj is None:
                raise UserError(400, f"PaymentIntent {payment_intent} has no charge.")
        elif charge is not None:
            charge_obj = resources.Charge._api_retrieve(charge)
        else:
            raise UserError(400, "Pass a charge or a payment_intent.")
        return cls._open(charge_obj, reason, amount)

    @classmethod
    def _api_update(cls, id, evidence=None, metadata=None, submit=None, **kwargs):
        unknown_parameters(kwargs)
        dispute = cls._api_retrieve(id)
        submitting = resources.try_convert_to_bool(submit if submit is not None else True)
        if type(submitting) is not bool:
            raise UserError(400, "Invalid boolean", {"param": "submit"})
        submitting = submitting and (evidence is not None or submit is not None)
        if evidence is not None and (not isinstance(evidence, dict) or not set(evidence) <= EVIDENCE_FIELDS):
            raise UserError(400, "Invalid evidence", {"param": "evidence"})
        if (evidence is not None or submitting) and dispute.status not in OPEN_DISPUTE:
            raise UserError(400, f"This dispute is {dispute.status}; its evidence can no longer be changed.")
        if metadata is not None:
            dispute.metadata = merge_metadata(dispute.metadata, metadata)
        if evidence is not None:
            dispute.evidence.update(evidence)
            dispute.evidence_details["has_evidence"] = True
        if submitting:
            dispute.evidence_details["submission_count"] += 1
            dispute.status = dispute.status.replace("needs_response", "under_review")
            outcome = TEST_EVIDENCE.get(dispute.evidence.get("uncategorized_text"))
            if outcome:
                soon(dispute._close, outcome)
        emit("charge.dispute.updated", dispute)
        return dispute

    @classmethod
    def _api_close(cls, id, **kwargs):
        unknown_parameters(kwargs)
        dispute = cls._api_retrieve(id)
        if dispute.status not in OPEN_DISPUTE:
            raise UserError(400, f"This dispute is {dispute.status} and cannot be closed.")
        dispute._close("lost" if dispute.status == "needs_response" else "warning_closed")
        return dispute

    @classmethod
    def _api_list_all(cls, url, charge=None, payment_intent=None, created=None, limit=None, starting_after=None, **kwargs):
        unknown_parameters(kwargs)
        keep = created_filter(created)
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        li._list = [
            d for d in reversed(li._list) if keep(d) and charge in (None, d.charge) and payment_intent in (None, d.payment_intent)
        ]
        return li


def disputes_of(charge_id: str) -> list:
    return [obj for key, obj in resources.store.items() if key.startswith("dispute:") and obj.charge == charge_id]


def replace_handler(path: str, handler) -> None:
    """Serve `path` with `handler` instead of localstripe's own (routes are registered at import)."""
    for resource in server.app.router.resources():
        if resource.canonical == path:
            for route in resource:
                route._handler = handler


def accept_receipt_fields() -> None:
    original = resources.PaymentIntent.__init__

    def __init__(self, *args, description=None, receipt_email=None, **kwargs):
        original(self, *args, **kwargs)
        self.description, self.receipt_email = description, receipt_email

    resources.PaymentIntent.__init__ = __init__


def confirm_with_payment_method() -> None:
    original = resources.PaymentIntent._api_confirm.__func__

    def _api_confirm(cls, id, payment_method=None, payment_method_data=None, client_secret=None, use_stripe_sdk=None, **kwargs):
        intent = cls._api_retrieve(id)
        if client_secret is not None and client_secret != intent.client_secret:
            raise UserError(401, "Unauthorized")
        if payment_method is not None or payment_method_data is not None:
            if intent.status not in ("requires_payment_method", "requires_confirmation", "requires_action"):
                raise unexpected_state(intent, "confirm")
            if payment_method is None:
                if not isinstance(payment_method_data, dict):
                    raise UserError(400, "Invalid payment_method_data", {"param": "payment_method_data"})
                payment_method = resources.PaymentMethod._api_create(**payment_method_data).id
            intent.payment_method = resources.PaymentMethod._api_retrieve(payment_method).id  # 404 for an unknown one
            intent.next_action = None
            if intent.latest_charge is not None and intent.latest_charge.status == "failed":
                intent.latest_charge = None  # a new attempt after a decline, as Stripe allows
        if intent.status != "requires_confirmation":
            raise unexpected_state(intent, "confirm")
        return original(cls, id, **kwargs)

    url = "/v1/payment_intents/{id}/confirm"
    replace_handler(url, server.api_extra(classmethod(_api_confirm).__get__(None, resources.PaymentIntent), url))

    # Stripe.js confirms with the publishable key and the client secret; allow that here too.
    # (Test helpers under /_test/ need no key, like localstripe's /_config/.)
    confirm_path = re.compile(r"^/v1/payment_intents/\w+/confirm$")

    @web.middleware
    async def publishable_key_confirm(request, handler):
        if request.path.startswith("/_test/"):
            return await handler(request)
        if request.method == "POST" and confirm_path.match(request.path):
            data = await server.get_post_data(request, remove_auth=False) or {}
            if str(data.get("key", "")).startswith("pk_") and data.get("client_secret"):
                return await handler(request)
        return await server.auth_middleware(request, handler)

    middlewares = server.app._middlewares
    middlewares[middlewares.index(server.auth_middleware)] = publishable_key_confirm


def serve_patched_stripe_js() -> None:
    source = Path(resources.__file__).with_name("localstripe-v3.js").read_text() + CONFIRM_CARD_PAYMENT_JS

    async def localstripe_js(request):
        return web.Response(text=source, content_type="application/javascript")

    replace_handler("/js.stripe.com/v3/", localstripe_js)


def honour_idempotency_keys() -> None:
    seen: dict[str, tuple[bytes, int, bytes]] = {}

    @web.middleware
    async def idempotency(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()
        scope = f"{request.headers.get('Authorization', '')} {request.path} {key}"
        if scope in seen:
            first_body, status, payload = seen[scope]
            if first_body != body:
                return web.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": (
                                "Keys for idempotent requests can only be used with the same parameters they were first used with."
                            ),
                        }
                    },
                    status=400,
                )
            return web.Response(body=payload, status=status, content_type="application/json")
        response = await handler(request)
        if isinstance(response, web.Response) and response.status < 500:
            seen[scope] = (body, response.status, response.body)
        return response

    server.app._middlewares.insert(0, idempotency)


def resource_missing_errors() -> None:
    """An unknown id is Stripe's 404 `resource_missing` (localstripe answered a bare 'Not Found')."""
    original = resources.StripeObject._api_retrieve.__func__

    def _api_retrieve(cls, id):
        try:
            return original(cls, id)
        except UserError as exc:
            if exc.code != 404:
                raise
            raise UserError(
                404,
                f"No such {cls.object}: '{id}'",
                {"code": "resource_missing", "param": "id", "doc_url": doc_url("resource_missing")},
            ) from None

    resources.StripeObject._api_retrieve = classmethod(_api_retrieve)


def decline_test_cards() -> None:
    """Stripe's declining test cards decline with Stripe's codes, as a 402 card_error, leaving the
    intent without a payment method and with `last_payment_error`."""
    PaymentIntent, PaymentMethod, Charge = resources.PaymentIntent, resources.PaymentMethod, resources.Charge

    original_declined = PaymentMethod._charging_is_declined

    def _charging_is_declined(self):
        return getattr(self, "_card_number", None) in DECLINES or original_declined(self)

    PaymentMethod._charging_is_declined = _charging_is_declined

    def _set_auth_failure(self):
        code, decline_code, message = DECLINES.get(card_number(self.payment_method), GENERIC_DECLINE)
        self.status, self.failure_code, self.failure_message = "failed", code, message
        self._decline_code = decline_code

    def _raise_failure(self):
        raise decline_error(self)

    Charge._set_auth_failure, Charge._raise_failure = _set_auth_failure, _raise_failure

    original_report, original_async_report = PaymentIntent._report_failure, PaymentIntent._report_async_failure

    def _report_failure(self):
        self.payment_method = None  # Stripe takes a declined card off the intent
        try:
            original_report(self)  # the payment_failed event (with last_payment_error), then the charge's 402
        except UserError:
            pass
        raise decline_error(self.latest_charge, self)

    def _report_async_failure(self):
        self.payment_method = None
        original_async_report(self)

    PaymentIntent._report_failure, PaymentIntent._report_async_failure = _report_failure, _report_async_failure

    original_error = PaymentIntent.last_payment_error.fget

    def last_payment_error(self):
        charge = self.latest_charge
        if not self._authentication_failed and charge is not None and charge.status == "failed":
            return decline_fields(charge)
        return original_error(self)

    PaymentIntent.last_payment_error = property(last_payment_error)

    original_attach = PaymentMethod._api_attach.__func__

    def _api_attach(cls, id, customer=None, **kwargs):
        payment_method = cls._api_retrieve(id)
        if payment_method._attaching_is_declined():
            code, decline_code, message = DECLINES.get(getattr(payment_method, "_card_number", None), GENERIC_DECLINE)
            raise CardError(message, {"code": code, "decline_code": decline_code, "doc_url": doc_url(code)})
        return original_attach(cls, payment_method.id, customer=customer, **kwargs)

    url = "/v1/payment_methods/{id}/attach"
    replace_handler(url, server.api_extra(classmethod(_api_attach).__get__(None, PaymentMethod), url))

    def _try_get_canonical_test_article(cls, id):
        number = TEST_PAYMENT_METHODS.get(id)
        if number:
            return PaymentMethod(type="card", card={"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"})

    PaymentMethod._try_get_canonical_test_article = classmethod(_try_get_canonical_test_article)

    original_init = PaymentIntent.__init__

    def __init__(self, payment_method=None, **kwargs):
        if payment_method in TEST_PAYMENT_METHODS:  # the intent holds the PaymentMethod made for it, as Stripe's does
            payment_method = PaymentMethod._api_retrieve(payment_method).id
        original_init(self, payment_method=payment_method, **kwargs)

    PaymentIntent.__init__ = __init__


def charge_and_intent_fields() -> None:
    """Stripe's fields on charges and intents; `latest_charge` is an id unless expanded."""
    PaymentIntent, PaymentMethod, Charge = resources.PaymentIntent, resources.PaymentMethod, resources.Charge

    card_fields = ("brand", "country", "exp_month", "exp_year", "fingerprint", "funding", "last4")

    def payment_method_details(self):
        try:
            pm = PaymentMethod._api_retrieve(self.payment_method)
        except UserError:
            return None
        if isinstance(pm, resources.Card):  # a legacy card source
            return {"type": "card", "card": {k: getattr(pm, k) for k in card_fields} | {"brand": pm.brand.lower()}}
        if getattr(pm, "type", None) == "card":
            return {"type": "card", "card": {k: pm.card.get(k) for k in card_fields}}
        details = getattr(pm, str(getattr(pm, "type", "")), None)
        return {"type": pm.type, **({pm.type: dict(details)} if isinstance(details, dict) else {})}

    def outcome(self):
        if self.status == "failed":
            return {
                "network_status": "declined_by_network",
                "reason": getattr(self, "_decline_code", None) or self.failure_code,
                "risk_level": "normal",
                "seller_message": "The bank declined the payment.",
                "type": "issuer_declined",
            }
        if self.status == "succeeded":
            return {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            }
        return None

    Charge.amount_captured = property(lambda self: self.amount if self.captured and self.status == "succeeded" else 0)
    Charge.disputed = property(lambda self: bool(disputes_of(self.id)))
    Charge.payment_method_details = property(payment_method_details)
    Charge.outcome = property(outcome)

    PaymentIntent.amount_received = property(lambda self: self.latest_charge.amount_captured if self.latest_charge is not None else 0)
    original_export = PaymentIntent._export

    def _export(self, expand=None):
        obj = original_export(self, expand=expand)
        expanded = {path.split(".")[0] for path in expand or []}
        if isinstance(obj.get("latest_charge"), dict) and "latest_charge" not in expanded:
            obj["latest_charge"] = obj["latest_charge"]["id"]
        return obj

    PaymentIntent._export = _export

    # The 0259 card: the payment succeeds, then its charge is disputed moments later.
    original_trigger = Charge._trigger_payment

    def _trigger_payment(self, on_success=None):
        def succeeded():
            if on_success:
                on_success()
            reason = DISPUTE_CARDS.get(card_number(self.payment_method))
            if reason:
                soon(Dispute._open, self, reason)

        original_trigger(self, on_success=succeeded)

    Charge._trigger_payment = _trigger_payment


def refunds_like_stripe() -> None:
    """Refund what remains by default, never more; link the intent; emit Stripe's events."""
    Refund, Charge, PaymentIntent = resources.Refund, resources.Charge, resources.PaymentIntent

    def _api_create(cls, charge=None, payment_intent=None, amount=None, reason=None, metadata=None, **kwargs):
        unknown_parameters(kwargs)
        if payment_intent is not None:
            paid = PaymentIntent._api_retrieve(payment_intent).latest_charge
            if paid is None or paid.status != "succeeded":
                raise UserError(
                    400,
                    f"This PaymentIntent ({payment_intent}) does not have a successful charge to refund.",
                    {"param": "payment_intent"},
                )
            if charge is not None and charge != paid.id:
                raise UserError(400, f"Charge {charge} does not belong to PaymentIntent {payment_intent}.", {"param": "charge"})
        elif charge is not None:
            paid = Charge._api_retrieve(charge)
            if paid.status != "succeeded":
                raise UserError(400, f"Charge {charge} has not succeeded, so it cannot be refunded.", {"param": "charge"})
        else:
            raise UserError(400, "One of charge or payment_intent is required.", {"param": "charge"})
        if paid.disputed:
            raise UserError(
                400,
                f"Charge {paid.id} has been charged back; cannot issue a refund.",
                {"code": "charge_disputed", "doc_url": doc_url("charge_disputed")},
            )
        remaining = paid.amount - paid.amount_refunded
        if remaining <= 0:
            raise UserError(
                400,
                f"Charge {paid.id} has already been refunded.",
                {"code": "charge_already_refunded", "doc_url": doc_url("charge_already_refunded")},
            )
        amount = remaining if amount is None else resources.try_convert_to_int(amount)
        if type(amount) is not int or amount <= 0:
            raise UserError(400, "Invalid positive integer", {"param": "amount"})
        if amount > remaining:
            raise UserError(
                400,
                f"Refund amount ({money(amount, paid.currency)}) is greater than unrefunded amount "
                f"on charge ({money(remaining, paid.currency)})",
                {"param": "amount"},
            )
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
            raise UserError(400, f"Invalid reason: {reason}", {"param": "reason"})
        refund = Refund(charge=paid.id, amount=amount, metadata=metadata)
        refund.payment_intent, refund.reason = paid.payment_intent, reason
        emit("refund.created", refund)
        emit("charge.refunded", paid)
        return refund

    Refund._api_create = classmethod(_api_create)


def serve_disputes() -> None:
    """Disputes under /v1/disputes, and the test helper POST /_test/disputes."""
    router = server.app.router
    router.add_get("/v1/disputes", server.api_list_all(Dispute, "/v1/disputes"))
    router.add_get("/v1/disputes/{id}", server.api_retrieve(Dispute, "/v1/disputes/{id}"))
    router.add_post("/v1/disputes/{id}", server.api_update(Dispute, "/v1/disputes/{id}"))
    router.add_post("/v1/disputes/{id}/close", server.api_extra(Dispute._api_close, "/v1/disputes/{id}/close"))
    router.add_post("/_test/disputes", server.api_extra(Dispute._api_open_for_test, "/_test/disputes"))


def cancel_and_list_intents() -> None:
    """Cancel with Stripe's reason, time and event; list intents newest first with Stripe's filters."""
    PaymentIntent = resources.PaymentIntent
    cancelable = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action")
    original_cancel = PaymentIntent._api_cancel.__func__
    PaymentIntent.cancellation_reason = PaymentIntent.canceled_at = None  # exported as fields

    def _api_cancel(cls, id, cancellation_reason=None, **kwargs):
        unknown_parameters(kwargs)
        intent = cls._api_retrieve(id)
        if intent.status not in cancelable:
            raise unexpected_state(intent, "cancel", cancelable)
        if cancellation_reason not in (None, "duplicate", "fraudulent", "requested_by_customer", "abandoned"):
            raise UserError(400, f"Invalid cancellation_reason: {cancellation_reason}", {"param": "cancellation_reason"})
        original_cancel(cls, id)
        intent.cancellation_reason, intent.canceled_at = cancellation_reason, int(time.time())
        emit("payment_intent.canceled", intent)
        return intent

    url = "/v1/payment_intents/{id}/cancel"
    replace_handler(url, server.api_extra(classmethod(_api_cancel).__get__(None, PaymentIntent), url))

    def _api_list_all(cls, url, customer=None, created=None, limit=None, starting_after=None, **kwargs):
        unknown_parameters(kwargs)
        keep = created_filter(created)
        li = super(PaymentIntent, cls)._api_list_all(url, limit=limit, starting_after=starting_after)
        li._list = [pi for pi in reversed(li._list) if keep(pi) and customer in (None, pi.customer)]
        return li

    PaymentIntent._api_list_all = classmethod(_api_list_all)


def subscribed(endpoint, kind: str) -> bool:
    return endpoint.events is None or kind in endpoint.events or "*" in endpoint.events


def stripe_event_fields() -> None:
    """Events carry `pending_webhooks` and `request`, and are listed newest first, as Stripe's are."""
    Event = resources.Event
    original_init, original_list = Event.__init__, Event._api_list_all.__func__

    def __init__(self, type, data):
        original_init(self, type, data)
        self.pending_webhooks = sum(subscribed(w, type) for w in webhooks._webhooks.values())
        self.request = {"id": None, "idempotency_key": None}

    def _api_list_all(cls, url, **kwargs):
        li = original_list(cls, url, **kwargs)
        li._list.reverse()
        return li

    Event.__init__, Event._api_list_all = __init__, classmethod(_api_list_all)


def retry_webhook_deliveries() -> None:
    """Each event goes to each subscribed endpoint in its own task, retried with exponential backoff
    while the endpoint answers non-2xx or cannot be reached, each try freshly signed."""
    base = float(os.environ.get("LOCALSTRIPE_WEBHOOK_RETRY_BASE_SECONDS") or 1)
    cap = float(os.environ.get("LOCALSTRIPE_WEBHOOK_RETRY_MAX_SECONDS") or 30)
    attempts = max(1, int(os.environ.get("LOCALSTRIPE_WEBHOOK_MAX_ATTEMPTS") or 8))
    running: set[asyncio.Task] = set()

    async def deliver(endpoint_id: str, endpoint, event, payload: bytes) -> None:
        await asyncio.sleep(1)  # as localstripe: after the API's answer has gone out
        for attempt in range(1, attempts + 1):
            if webhooks._webhooks.get(endpoint_id) is not endpoint:
                return  # removed or replaced: Stripe stops retrying too
            timestamp = int(time.time())
            signature = hmac.new(endpoint.secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+localstripe)",
                "Stripe-Signature": f"t={timestamp},v1={signature}",
            }
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                    async with session.post(endpoint.url, data=payload, headers=headers) as response:
                        outcome = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                outcome = type(exc).__name__
            if isinstance(outcome, int) and 200 <= outcome < 300:
                event.pending_webhooks = max(0, event.pending_webhooks - 1)
                return
            if attempt < attempts:
                delay = min(base * 2 ** (attempt - 1), cap)
                log.info(
                    "webhook %s %s to %s: %s (try %d of %d), again in %.1f s",
                    event.type,
                    event.id,
                    endpoint.url,
                    outcome,
                    attempt,
                    attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        log.warning("webhook %s %s to %s: gave up after %d tries (last: %s)", event.type, event.id, endpoint.url, attempts, outcome)

    def schedule_webhook(event) -> None:
        payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
        for endpoint_id, endpoint in list(webhooks._webhooks.items()):
            if subscribed(endpoint, event.type):
                task = asyncio.ensure_future(deliver(endpoint_id, endpoint, event, payload))
                running.add(task)
                task.add_done_callback(running.discard)

    webhooks.schedule_webhook = resources.schedule_webhook = schedule_webhook

    async def forget_webhook(request):
        if webhooks._webhooks.pop(request.match_info["id"], None) is None:
            raise UserError(404, "No such webhook endpoint", {"code": "resource_missing"})
        return web.Response()

    server.app.router.add_delete("/_config/webhooks/{id}", forget_webhook)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8420
    resources.Store.dump_to_disk = lambda self: None  # state in memory only
    accept_receipt_fields()
    confirm_with_payment_method()
    serve_patched_stripe_js()
    honour_idempotency_keys()
    resource_missing_errors()
    decline_test_cards()
    charge_and_intent_fields()
    refunds_like_stripe()
    serve_disputes()
    cancel_and_list_intents()
    stripe_event_fields()
    retry_webhook_deliveries()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
