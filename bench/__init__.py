"""The benchmarks (`make bench`, bench/__main__.py), and the one way they start the portal."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Portal(NamedTuple):
    values: dict[str, str]  # the settings it runs with (also in os.environ)
    url: str  # its base URL: pages at /, the API at /api
    host: Any  # devhost's host (its queues, for a bench that drives the worker itself)


@contextlib.contextmanager
def local_portal(
    shift: int,
    name: str,
    *,
    seed: bool = False,
    webhooks: bool = False,
    background_triggers: bool = True,
    **settings: str,
) -> Iterator[Portal]:
    """The local services and devhost on ports shifted by `shift`, with their own database and
    folder (`name`) and `settings` on top of the example values, put into the environment before
    the app reads them; everything stops on leaving.
    `seed`: the sample stories; `webhooks`: the local Stripe signs its webhooks to this devhost."""
    from devhost.services import example_values

    values = {**example_values(shift), "COSMOS_DATABASE": name, **settings}
    os.environ.update(values)
    from devhost.__main__ import make_host
    from devhost.provision import provision
    from devhost.services import LocalServices, register_stripe_webhook

    services = LocalServices(values, ROOT / ".local" / name)
    services.start()
    host = None
    try:
        provision(values)
        if seed:
            from ops.seed import seed as load_samples

            load_samples(progress=lambda _: None)
        host = make_host(values)
        port = 7071 + shift
        host.start(port, background_triggers=background_triggers)
        url = f"http://127.0.0.1:{port}"
        if webhooks:
            register_stripe_webhook(values, f"{url}/api/webhooks/stripe")
        yield Portal(values, url, host)
    finally:
        if host:
            host.stop()
        services.stop()
