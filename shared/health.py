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
    status: Literal["up", "down"]
    ms: int


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    dependencies: dict[str, DependencyStatus]

    @property
    def down(self) -> list[str]:
        return [name for name, dep in self.dependencies.items() if dep.status == "down"]


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
    return Health(status="healthy" if all(d.status == "up" for d in deps.values()) else "unhealthy",
                  dependencies=deps)
