"""localstripe, made to behave like Stripe where the portal relies on it.

As shipped, localstripe listens on every interface and pickles its state to /tmp after every
change; here it serves loopback only and keeps nothing on disk. Three gaps are closed:

- a PaymentIntent accepts `description` and `receipt_email`, as Stripe's does;
- `POST /v1/payment_intents/{id}/confirm` accepts `payment_method` or `payment_method_data`
  (Stripe does; localstripe answered 500);
- its Stripe.js `confirmCardPayment(clientSecret, {payment_method: {card}})` confirms with the
  card element's details (localstripe's only handled the 3-D Secure step);
- `Idempotency-Key` is honoured on POST: the same key and body replay the first answer, the same
  key with another body is an `idempotency_error` (localstripe ignored the header).

Usage: python -m devhost.localstripe_server PORT
"""

import logging
import re
import sys
from pathlib import Path

from aiohttp import web
from localstripe import resources, server
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

    def _api_confirm(cls, id, payment_method=None, payment_method_data=None, client_secret=None,
                     use_stripe_sdk=None, **kwargs):
        if payment_method is not None or payment_method_data is not None:
            intent = cls._api_retrieve(id)
            if client_secret is not None and client_secret != intent.client_secret:
                raise UserError(401, "Unauthorized")
            if payment_method is None:
                payment_method = resources.PaymentMethod._api_create(**payment_method_data).id
            resources.PaymentMethod._api_retrieve(payment_method)  # 404 for an unknown one
            intent.payment_method = payment_method
        return original(cls, id, **kwargs)

    url = "/v1/payment_intents/{id}/confirm"
    replace_handler(url, server.api_extra(classmethod(_api_confirm).__get__(None, resources.PaymentIntent), url))

    # Stripe.js confirms with the publishable key and the client secret; allow that here too.
    confirm_path = re.compile(r"^/v1/payment_intents/\w+/confirm$")

    @web.middleware
    async def publishable_key_confirm(request, handler):
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
                return web.json_response({"error": {"type": "idempotency_error", "message": (
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.")}},
                    status=400)
            return web.Response(body=payload, status=status, content_type="application/json")
        response = await handler(request)
        if isinstance(response, web.Response) and response.status < 500:
            seen[scope] = (body, response.status, response.body)
        return response

    server.app._middlewares.insert(0, idempotency)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8420
    resources.Store.dump_to_disk = lambda self: None  # state in memory only
    accept_receipt_fields()
    confirm_with_payment_method()
    serve_patched_stripe_js()
    honour_idempotency_keys()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
