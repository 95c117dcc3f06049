"""azd preprovision hook: what provisioning needs from the person running it.

1. AZURE_INSTANCE_SUFFIX: a random suffix in every resource name, chosen once per deployment.
   The postdown hook replaces it, so that `azd up` after `azd down` gets new names: a deleted Key
   Vault keeps its name reserved for 90 days (soft delete with purge protection). An environment
   provisioned before the suffix existed keeps its names (no suffix).
2. STRIPE_PUBLISHABLE_KEY (pk_test_... or pk_live_...): asked for once, kept in azd's environment.
   It is public by design (the browser gets it); the secret key goes to Key Vault (postprovision).
3. ALERT_EMAIL: who is told when money is stuck (the alerts' action group). Asked for once.
"""

from __future__ import annotations

import os
import re
import secrets

from hooklib import HookError, azd_env_set, env, interactive, run, step

PUBLISHABLE_KEY = re.compile(r"pk_(test|live)_[A-Za-z0-9]+")
EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


def ask_once(name: str, pattern: re.Pattern, question: str, how: str) -> str:
    """The azd environment's value of `name`, asked for (and kept there) when missing or malformed."""
    value = env(name)
    while not pattern.fullmatch(value):
        if not interactive():
            raise HookError(f"{name} is missing or malformed: azd env set {name} {how}")
        value = input(question).strip()
    if value != env(name):
        azd_env_set(name, value)
    return value


def instance_suffix(current: str | None, provisioned: bool) -> str | None:
    """The suffix to set, or None to keep what there is. `current` is None when never set."""
    if current:
        return None
    if current is None and provisioned:
        return None  # provisioned before suffixes existed: keep its names
    return secrets.token_hex(3)


def main() -> None:
    step("resource names")
    current = os.environ.get("AZURE_INSTANCE_SUFFIX")
    suffix = instance_suffix(current.strip() if current is not None else None, provisioned=bool(env("AZURE_RESOURCE_GROUP")))
    if suffix:
        azd_env_set("AZURE_INSTANCE_SUFFIX", suffix)
        print(f"new deployment: resource names get the suffix {suffix} (AZURE_INSTANCE_SUFFIX)")
    else:
        print(f"keeping this deployment's names (AZURE_INSTANCE_SUFFIX={env('AZURE_INSTANCE_SUFFIX') or 'none'})")

    step("Stripe publishable key")
    key = ask_once(
        "STRIPE_PUBLISHABLE_KEY",
        PUBLISHABLE_KEY,
        "Stripe publishable key (pk_test_... or pk_live_..., Stripe dashboard > Developers > API keys): ",
        "pk_live_...  (Stripe dashboard > Developers > API keys)",
    )
    print(f"publishable key {key[:12]}... ({'live' if key.startswith('pk_live_') else 'test'} mode)")

    step("alerts")
    email = ask_once("ALERT_EMAIL", EMAIL, "E-mail address for alerts (payments stuck, failures, health): ", "ops@example.org")
    print(f"alerts go to {email}")


if __name__ == "__main__":
    run(main)
