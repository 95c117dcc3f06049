"""azd postprovision hook: secrets that work on first use.

Writes to Key Vault what the app reads through Key Vault references, then restarts the function
app so that the references resolve now (the platform re-reads them only on restart, or about
daily):

- stripe-secret-key: from azd's environment (STRIPE_SECRET_KEY, e.g. in CI), else asked for;
  kept as it is when Key Vault has it and nothing new is given;
- stripe-webhook-secrets: the signing secret(s) of the webhook endpoint registered in Stripe for
  <AZURE_FUNCTION_URL>/api/webhooks/stripe (comma-separated during a rotation); same rules;
- client-hash-key, challenge-hmac-key: the card-testing defence's keys, generated at random when
  Key Vault has none (never printed, never stored elsewhere).

Secrets never go to azd's environment file, the templates or the deployment history. Run it
again at any time (rotation, a webhook registered later): `azd hooks run postprovision`.
Until every value is in place, /api/health answers 503 naming stripe.
"""

from __future__ import annotations

import getpass
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from hooklib import ARM, ARM_SCOPE, VAULT_SCOPE, HookError, env, http, interactive, require, run, step, token

API_VERSION_KV = "7.4"
API_VERSION_WEB = "2023-12-01"


@dataclass(frozen=True)
class Secret:
    name: str  # in Key Vault
    env_var: str  # in azd's environment, when given there
    prompt: str
    pattern: re.Pattern | None  # None: generated
    hint: str = ""


STRIPE_KEY = re.compile("(sk|rk)_(test|live)_[A-Za-z0-9]+")
WEBHOOK_SECRETS = re.compile("whsec_[A-Za-z0-9+/=]+(,whsec_[A-Za-z0-9+/=]+)*")


def secrets_to_write(function_url: str) -> list[Secret]:
    return [
        Secret(
            env("STRIPE_SECRET_KEY_SECRET_NAME", "stripe-secret-key"),
            "STRIPE_SECRET_KEY",
            "Stripe secret key (sk_... or a restricted rk_... key)",
            STRIPE_KEY,
            "Stripe dashboard > Developers > API keys",
        ),
        Secret(
            env("STRIPE_WEBHOOK_SECRETS_SECRET_NAME", "stripe-webhook-secrets"),
            "STRIPE_WEBHOOK_SECRETS",
            "Stripe webhook signing secret(s), comma-separated",
            WEBHOOK_SECRETS,
            f"register {function_url.rstrip('/')}/api/webhooks/stripe in Stripe (Developers > Webhooks) for "
            "payment_intent.succeeded, payment_intent.payment_failed, charge.refunded, charge.dispute.created, "
            "charge.dispute.closed; then copy its signing secret",
        ),
        Secret(env("CLIENT_HASH_KEY_SECRET_NAME", "client-hash-key"), "", "", None),
        Secret(env("CHALLENGE_HMAC_KEY_SECRET_NAME", "challenge-hmac-key"), "", "", None),
    ]


def decide(secret: Secret, in_vault: bool, given: str, ask: Callable[[str], str] | None) -> str | None:
    """The value to write, or None to leave Key Vault as it is. Raises HookError for a malformed value."""
    if secret.pattern is None:
        return None if in_vault else secrets.token_urlsafe(48)
    value = given.strip()
    if not value and not in_vault and ask is not None:
        print(f"  {secret.hint}" if secret.hint else "", flush=True)
        value = ask(f"{secret.prompt} (Enter to skip for now): ").strip()
    if not value:
        return None
    if not secret.pattern.fullmatch(value):
        raise HookError(f"{secret.env_var or secret.name} does not look right ({secret.prompt}); nothing written")
    return value


def main() -> None:
    out = require(
        "AZURE_KEY_VAULT_ENDPOINT", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_NAME", "AZURE_FUNCTION_URL"
    )
    vault = out["AZURE_KEY_VAULT_ENDPOINT"].rstrip("/")
    kv = token(VAULT_SCOPE)
    step(f"secrets in Key Vault {vault}")
    ask = getpass.getpass if interactive() else None
    written, missing = 0, []
    for secret in secrets_to_write(out["AZURE_FUNCTION_URL"]):
        status, _ = http("GET", f"{vault}/secrets/{secret.name}?api-version={API_VERSION_KV}", kv)
        if status not in (200, 404):
            raise HookError(
                f"cannot read {secret.name} from Key Vault (HTTP {status}): is your account a "
                "Key Vault Secrets Officer there (AZURE_PRINCIPAL_ID)?"
            )
        value = decide(secret, status == 200, env(secret.env_var) if secret.env_var else "", ask)
        if value is None:
            print(f"  {secret.name}: {'kept' if status == 200 else 'NOT SET'}")
            if status != 200:
                missing.append(secret)
            continue
        status, _ = http("PUT", f"{vault}/secrets/{secret.name}?api-version={API_VERSION_KV}", kv, {"value": value})
        if status != 200:
            raise HookError(f"Key Vault refused {secret.name} (HTTP {status})")
        written += 1
        print(f"  {secret.name}: written")

    if written:
        step("restarting the function app, so that it reads the new secrets")
        site = (
            f"{ARM}/subscriptions/{out['AZURE_SUBSCRIPTION_ID']}/resourceGroups/{out['AZURE_RESOURCE_GROUP']}"
            f"/providers/Microsoft.Web/sites/{out['AZURE_FUNCTION_NAME']}"
        )
        status, body = http("POST", f"{site}/restart?api-version={API_VERSION_WEB}", token(ARM_SCOPE))
        if status not in (200, 202, 204):
            raise HookError(f"restart refused (HTTP {status}): {body}")
        print(f"  {out['AZURE_FUNCTION_NAME']} restarted")
    if missing:
        print(
            "\nNOT READY: " + ", ".join(s.name for s in missing) + " missing. Donations are refused and "
            "/api/health answers 503 (stripe: unconfigured) until you run `azd hooks run postprovision` "
            "with them (or `azd env set STRIPE_SECRET_KEY ...` / `STRIPE_WEBHOOK_SECRETS ...` first)."
        )
        for secret in missing:
            if secret.hint:
                print(f"  {secret.name}: {secret.hint}")


if __name__ == "__main__":
    run(main)
