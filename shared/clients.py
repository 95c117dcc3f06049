"""SDK clients, created lazily and once per process. Importing this module does no I/O.

Locally the settings carry a Cosmos key and a storage connection string (the emulators);
in Azure they carry endpoints only and the managed identity is used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.settings import get_settings

if TYPE_CHECKING:
    from azure.cosmos import ContainerProxy, CosmosClient
    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient


@lru_cache(maxsize=1)
def credential():
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def cosmos_client(timeout: float | None = None, retries: int | None = None) -> CosmosClient:
    from azure.cosmos import CosmosClient

    s = get_settings()
    options: dict[str, Any] = {}
    if timeout is not None:
        options.update(
            connection_timeout=timeout, timeout=timeout, retry_total=retries or 0, retry_connect=retries or 0, retry_read=retries or 0
        )
    return CosmosClient(s.cosmos_endpoint, credential=s.cosmos_key or credential(), **options)


@lru_cache(maxsize=1)
def cosmos_container() -> ContainerProxy:
    s = get_settings()
    return cosmos_client().get_database_client(s.cosmos_database).get_container_client(s.cosmos_container)


@lru_cache(maxsize=1)
def guard_container() -> ContainerProxy:
    """The card-testing defence's counters and markers (partition key /id, per-item TTL)."""
    s = get_settings()
    return cosmos_client().get_database_client(s.cosmos_database).get_container_client(s.guard_container)


def _storage_options() -> dict:
    # The SDK's default retries back off for over a minute; the webhook must answer Stripe fast.
    from azure.storage.queue import ExponentialRetry

    return {
        "connection_timeout": 5,
        "read_timeout": 10,
        "retry_policy": ExponentialRetry(
            initial_backoff=0.2,  # type: ignore[arg-type]  # seconds; the SDK annotates int
            increment_base=1,
            retry_total=2,
        ),
    }


@lru_cache(maxsize=1)
def blob_service() -> BlobServiceClient:
    from azure.storage.blob import BlobServiceClient

    s = get_settings()
    if s.storage_connection_string:
        return BlobServiceClient.from_connection_string(s.storage_connection_string, **_storage_options())
    return BlobServiceClient(s.storage_blob_uri or "", credential=credential(), **_storage_options())


@lru_cache(maxsize=1)
def queue_service() -> QueueServiceClient:
    from azure.storage.queue import QueueServiceClient

    s = get_settings()
    if s.storage_connection_string:
        return QueueServiceClient.from_connection_string(s.storage_connection_string, **_storage_options())
    return QueueServiceClient(s.storage_queue_uri or "", credential=credential(), **_storage_options())


def reset() -> None:
    """Forget the settings and every client (after the environment changed: tests, ops)."""
    get_settings.cache_clear()
    for cached in (cosmos_container, guard_container, blob_service, queue_service):
        cached.cache_clear()
