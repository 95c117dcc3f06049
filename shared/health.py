"""Dependency checks for `GET /api/health`: each bounded by a short timeout, none raising."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import BaseModel

from shared.clients import cosmos_client, credential
from shared.events_queue import PAYMENT_EVENTS
from shared.settings import get_settings

log = logging.getLogger(__name__)


class DependencyStatus(BaseModel):
    status: Literal["up", "down", "unconfigured"]
    ms: int


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    dependencies: dict[str, DependencyStatus]

    @property
    def down(self) -> list[str]:
        return [name for name, dep in self.dependencies.items() if dep.status != "up"]


def check_cosmos(timeout: float) -> None:
    s = get_settings()
    client = cosmos_client(timeout=timeout)
    client.get_database_client(s.cosmos_database).get_container_client(s.cosmos_container).read(timeout=timeout)


def check_storage(timeout: float) -> None:
    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient

    s = get_settings()
    options: dict[str, Any] = dict(connection_timeout=timeout, read_timeout=timeout, retry_total=0)
    if s.storage_connection_string:
        blobs = BlobServiceClient.from_connection_string(s.storage_connection_string, **options)
        queues = QueueServiceClient.from_connection_string(s.storage_connection_string, **options)
    else:
        blobs = BlobServiceClient(s.storage_blob_uri or "", credential=credential(), **options)
        queues = QueueServiceClient(s.storage_queue_uri or "", credential=credential(), **options)
    blobs.get_container_client(s.map_assets_container).get_container_properties(timeout=int(timeout) or 1)
    queues.get_queue_client(PAYMENT_EVENTS).get_queue_properties(timeout=int(timeout) or 1)


CHECKS: dict[str, Callable[[float], None]] = {"cosmos": check_cosmos, "storage": check_storage}

KEY_VAULT_REFERENCE = "@microsoft.keyvault("


def _unusable(value: str | None) -> bool:
    """Empty, or a Key Vault reference the platform has not resolved (the secret was missing when the
    app started; it re-reads them on restart)."""
    return not value or not value.strip() or value.strip().lower().startswith(KEY_VAULT_REFERENCE)


def unconfigured_payment_settings() -> list[str]:
    """The settings a donation needs that are not usable yet (names only, never values)."""
    s = get_settings()
    webhook_secrets: list[str | None] = list(s.stripe_webhook_secrets) or [None]
    needed: dict[str, list[str | None]] = {
        "STRIPE_SECRET_KEY": [s.stripe_secret_key],
        "STRIPE_PUBLISHABLE_KEY": [s.stripe_publishable_key],
        "STRIPE_WEBHOOK_SECRETS": webhook_secrets,
        "CLIENT_HASH_KEY": [s.client_hash_key],
        "CHALLENGE_HMAC_KEY": [s.challenge_hmac_key],
    }
    return [name for name, values in needed.items() if any(_unusable(v) for v in values)]


def check_stripe_configured() -> DependencyStatus:
    missing = unconfigured_payment_settings()
    if missing:
        log.warning(
            "health: stripe is unconfigured: %s empty or unresolved Key Vault reference; set them "
            "(azd hooks run postprovision) and restart the app",
            ", ".join(missing),
        )
    return DependencyStatus(status="unconfigured" if missing else "up", ms=0)


def _run(name: str, check: Callable[[float], None], timeout: float) -> DependencyStatus:
    start = time.perf_counter()
    try:
        check(timeout)
        status: Literal["up", "down"] = "up"
    except Exception as exc:  # any failure means down; the reason goes to the log, not the body
        log.warning("health: %s is down: %s", name, type(exc).__name__)
        status = "down"
    return DependencyStatus(status=status, ms=round((time.perf_counter() - start) * 1000))


def check_all() -> Health:
    timeout = get_settings().health_timeout_seconds
    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        futures = {name: pool.submit(_run, name, check, timeout) for name, check in CHECKS.items()}
        deps = {name: f.result() for name, f in futures.items()}
    deps["stripe"] = check_stripe_configured()
    return Health(status="healthy" if all(d.status == "up" for d in deps.values()) else "unhealthy", dependencies=deps)
