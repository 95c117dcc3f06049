"""Test fixtures: the real local services (Azurite, the Cosmos DB emulator, localstripe) and devhost,
started once per run on their own ports (so `make test` can run beside `make run`)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Shifted from the `make run` ports; set TEST_PORT_SHIFT to run two suites side by side.
PORT_SHIFT = int(os.environ.get("TEST_PORT_SHIFT", "100"))
API_PORT = 7071 + PORT_SHIFT

from devhost.services import example_values  # noqa: E402  (after the path is set)

# The card-testing defence's limits are lifted for the suite (every test is one client on 127.0.0.1);
# the tests of the defence set their own.
NO_LIMITS = {
    name: "1000000"
    for name in (
        "LIMIT_CLIENT_PER_HOUR",
        "LIMIT_STORY_PER_HOUR",
        "LIMIT_SITE_PER_MINUTE",
        "LIMIT_SITE_PER_MINUTE_ATTACK",
        "DECLINE_CLIENT_PER_DAY",
        "DECLINE_CARD_PER_DAY",
        "DECLINE_INTENT_MAX",
        "ATTACK_DECLINES_PER_10_MINUTES",
    )
}
VALUES = {**example_values(PORT_SHIFT), "COSMOS_DATABASE": "secondchance-test", "STORY_LIST_CACHE_SECONDS": "2", **NO_LIMITS}
os.environ.update(VALUES)


@dataclass
class Stack:
    values: dict[str, str]
    services: object

    @property
    def settings(self) -> dict[str, str]:
        return self.values


@pytest.fixture(scope="session")
def stack():
    from devhost.provision import provision
    from devhost.services import LocalServices

    services = LocalServices(VALUES, ROOT / ".local" / f"test-{PORT_SHIFT}")
    services.start()
    try:
        provision(VALUES)
        yield Stack(VALUES, services)
    finally:
        services.stop()


@pytest.fixture(scope="session")
def api(stack):
    """devhost serving the real function_app on the test port; yields its base URL."""
    from devhost.__main__ import make_host

    # Quicker retries than production, so that poison-queue tests take seconds.
    host = make_host(VALUES, {"visibilityTimeout": "00:00:00.5", "maxPollingInterval": "00:00:00.5"})
    host.start(API_PORT)
    from devhost.services import register_stripe_webhook

    register_stripe_webhook(VALUES, f"http://127.0.0.1:{API_PORT}/api/webhooks/stripe")
    try:
        yield f"http://127.0.0.1:{API_PORT}"
    finally:
        host.stop()


@pytest.fixture(scope="session")
def seeded(api):
    """The fictional sample stories loaded (idempotent); yields {story id: story document}."""
    from ops.seed import load_samples, seed

    seed(progress=lambda _: None)
    return {story.id: story for story, _ in load_samples()}


def pytest_configure(config):
    import logging

    for noisy in ("azure", "urllib3", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
