"""Create, idempotently, what infra/ creates in Azure: the Cosmos database and container,
the queues and the blob container (with CORS so the portal can fetch map data)."""

from __future__ import annotations

from azure.core.exceptions import ResourceExistsError
from azure.cosmos import CosmosClient, PartitionKey
from azure.storage.blob import BlobServiceClient, CorsRule
from azure.storage.queue import QueueServiceClient

from shared.events_queue import PAYMENT_EVENTS, POISON

QUEUES = (PAYMENT_EVENTS, POISON)


def provision(values: dict[str, str]) -> None:
    cosmos = CosmosClient(values["COSMOS_ENDPOINT"], credential=values["COSMOS_KEY"])
    db = cosmos.create_database_if_not_exists(values["COSMOS_DATABASE"])
    db.create_container_if_not_exists(values["COSMOS_CONTAINER"], partition_key=PartitionKey(path="/storyId"))
    # The card-testing defence's counters: TTL on, set per item (-1 = no default expiry).
    db.create_container_if_not_exists(values.get("GUARD_CONTAINER", "guard"), partition_key=PartitionKey(path="/id"), default_ttl=-1)

    queues = QueueServiceClient.from_connection_string(values["AzureWebJobsStorage"])
    for name in QUEUES:
        try:
            queues.create_queue(name)
        except ResourceExistsError:
            pass

    blobs = BlobServiceClient.from_connection_string(values["AzureWebJobsStorage"])
    try:
        blobs.create_container(values["MAP_ASSETS_CONTAINER"])
    except ResourceExistsError:
        pass
    origins = values.get("CORS_ALLOWED_ORIGINS", "")
    if origins:
        blobs.set_service_properties(
            cors=[
                CorsRule(
                    allowed_origins=[o.strip() for o in origins.split(",") if o.strip()],
                    allowed_methods=["GET", "HEAD"],
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age_in_seconds=3600,
                )
            ]
        )
