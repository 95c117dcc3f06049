"""azd postdown hook: the next `azd up` of this environment gets new resource names.

`azd down` leaves the Key Vault soft-deleted; purge protection keeps its name reserved (90 days)
and nobody can purge it sooner, so reusing the name would fail. A new AZURE_INSTANCE_SUFFIX gives
every resource a new name instead (see preprovision.py).
"""

from __future__ import annotations

import secrets

from hooklib import azd_env_set, run, step


def main() -> None:
    step("resource names for the next deployment")
    suffix = secrets.token_hex(3)
    azd_env_set("AZURE_INSTANCE_SUFFIX", suffix)
    print(f"the next azd up creates new resources with the suffix {suffix}")


if __name__ == "__main__":
    run(main)
