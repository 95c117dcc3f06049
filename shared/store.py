"""The Cosmos DB store: one container partitioned by `/storyId`, holding each story and its
funding records in the same logical partition. Callers see the store's own exceptions, never
the SDK's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from shared.clients import cosmos_container, guard_container
from shared.models import PUBLIC_STATUSES, StoryDoc


class StoreError(Exception):
    """A Cosmos DB failure the caller may want to tell apart."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass


class PreconditionFailed(StoreError):
    pass


class Throttled(StoreError):
    pass


class Unavailable(StoreError):
    pass


_BY_STATUS = {404: NotFound, 409: Conflict, 412: PreconditionFailed, 429: Throttled}


@contextmanager
def mapped_errors() -> Iterator[None]:
    from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
    from azure.cosmos.exceptions import CosmosBatchOperationError, CosmosHttpResponseError

    try:
        yield
    except CosmosBatchOperationError as exc:
        failed = exc.operation_responses[exc.error_index] if exc.operation_responses else {}
        status = int(failed.get("statusCode") or exc.status_code or 0)
        raise _BY_STATUS.get(status, StoreError)(f"batch operation {exc.error_index} failed with {status}") from exc
    except CosmosHttpResponseError as exc:
        cls = _BY_STATUS.get(exc.status_code or 0, Unavailable if (exc.status_code or 500) >= 500 else StoreError)
        raise cls(f"Cosmos DB answered {exc.status_code}") from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise Unavailable("Cosmos DB is unreachable") from exc
    except AzureError as exc:
        raise Unavailable(str(exc)) from exc


def get_story(story_id: str) -> tuple[StoryDoc, str]:
    """The story and its ETag."""
    with mapped_errors():
        item = cosmos_container().read_item(story_id, partition_key=story_id)
    if item.get("type") != "story":
        raise NotFound(story_id)
    return StoryDoc.model_validate(_without_system_fields(item)), item["_etag"]


def _without_system_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_") and k != "storyId"}


def get_item(story_id: str, item_id: str) -> dict[str, Any] | None:
    try:
        with mapped_errors():
            return cosmos_container().read_item(item_id, partition_key=story_id)
    except NotFound:
        return None


def create_story(story: StoryDoc) -> None:
    """Store a new story; Conflict if one with its id exists (one round trip, no read first)."""
    with mapped_errors():
        cosmos_container().create_item(story.to_cosmos())


def upsert_story(story: StoryDoc) -> None:
    with mapped_errors():
        cosmos_container().upsert_item(story.to_cosmos())


def replace_story(story: StoryDoc, etag: str) -> None:
    """Write the story back if nobody changed it since it was read (else PreconditionFailed)."""
    from azure.core import MatchConditions

    with mapped_errors():
        cosmos_container().replace_item(story.id, story.to_cosmos(), etag=etag, match_condition=MatchConditions.IfNotModified)


PUBLISHED_QUERY = "SELECT * FROM c WHERE c.type = 'story' AND ARRAY_CONTAINS(@statuses, c.status) ORDER BY c.id"


def published_pages(page_size: int = 100, continuation: str | None = None) -> Iterator[tuple[list[StoryDoc], str | None]]:
    """The published stories, page by page, with Cosmos continuation tokens."""
    with mapped_errors():
        pager = (
            cosmos_container()
            .query_items(
                PUBLISHED_QUERY,
                parameters=[{"name": "@statuses", "value": list(PUBLIC_STATUSES)}],
                enable_cross_partition_query=True,
                max_item_count=page_size,
            )
            .by_page(continuation)
        )
        for page in pager:
            items = [s for s in map(_valid_story, page) if s is not None]
            yield items, pager.continuation_token  # type: ignore[attr-defined]  # set by by_page()


def _valid_story(item: dict[str, Any]) -> StoryDoc | None:
    """A stored story, or None (logged) when the document no longer passes the model: one bad
    document must not take every list and timer down with it."""
    import logging

    from pydantic import ValidationError

    try:
        return StoryDoc.model_validate(_without_system_fields(item))
    except ValidationError as exc:
        logging.getLogger(__name__).error(
            "story %s in the store does not pass the model (%d error(s)): skipped in lists; fix it", item.get("id"), exc.error_count()
        )
        return None


def list_published() -> list[StoryDoc]:
    return [story for page, _ in published_pages() for story in page]


def funding_records(story_id: str) -> list[dict[str, Any]]:
    with mapped_errors():
        return list(
            cosmos_container().query_items(
                "SELECT * FROM c WHERE c.storyId = @story AND c.type = 'funding' ORDER BY c.created DESC",
                parameters=[{"name": "@story", "value": story_id}],
                partition_key=story_id,
            )
        )


def _across_partitions(query: str, **parameters: Any) -> list[dict[str, Any]]:
    with mapped_errors():
        return list(
            cosmos_container().query_items(
                query, parameters=[{"name": f"@{k}", "value": v} for k, v in parameters.items()], enable_cross_partition_query=True
            )
        )


def held_funding_records() -> list[dict[str, Any]]:
    return _across_partitions("SELECT * FROM c WHERE c.type = 'funding' AND c.held = true ORDER BY c.created")


def find_funding_record(record_id: str) -> dict[str, Any] | None:
    found = _across_partitions("SELECT * FROM c WHERE c.type = 'funding' AND c.id = @id", id=record_id)
    return found[0] if found else None


def payment_records_since(ts: int, provider: str) -> list[dict[str, Any]]:
    return _across_partitions(
        "SELECT * FROM c WHERE c.type = 'funding' AND c.kind = 'payment' "
        "AND c.provider = @provider AND c.created >= @since ORDER BY c.created",
        provider=provider,
        since=ts,
    )


# ------------------------------------------------------------------ "a story changed"
_listeners: list[Callable[[str], None]] = []


def on_story_changed(listener: Callable[[str], None]) -> None:
    """Call `listener(story_id)` after every write that changes what the public sees of a story."""
    _listeners.append(listener)


def story_changed(story_id: str) -> None:
    for listener in _listeners:
        listener(story_id)


def execute_batch(story_id: str, operations: list[tuple]) -> None:
    """All operations in one logical partition, atomically (Cosmos transactional batch)."""
    with mapped_errors():
        cosmos_container().execute_item_batch(operations, partition_key=story_id)


# ------------------------------------------------------------------ the guard: shared counters and markers
def incr(doc_id: str, by: int, ttl: int) -> int:
    """Add `by` to a counter, created on first use with a lifetime of `ttl` seconds; the new count.
    Atomic across instances (a server-side patch)."""
    for _ in range(5):
        try:
            with mapped_errors():
                done = guard_container().patch_item(
                    doc_id, partition_key=doc_id, patch_operations=[{"op": "incr", "path": "/n", "value": by}]
                )
            return int(done["n"])
        except NotFound:
            try:
                with mapped_errors():
                    guard_container().create_item({"id": doc_id, "n": by, "ttl": ttl})
                return by
            except Conflict:
                continue  # another instance created it first: increment theirs
    raise Unavailable(f"could not count {doc_id}")


def mark_once(doc_id: str, ttl: int, owner: str = "") -> bool:
    """True the first time `doc_id` is marked (until it expires after `ttl` seconds), and again for
    the same `owner` (a retried request); False for anyone else."""
    import time

    body = {"id": doc_id, "ttl": ttl, "expires": int(time.time()) + ttl, "owner": owner}
    try:
        with mapped_errors():
            guard_container().create_item(body)
        return True
    except Conflict:
        doc = read_mark(doc_id)
        if doc is not None and owner and doc.get("owner") == owner:
            return True
        if doc is None or doc.get("expires", 0) >= time.time():
            return False
        try:  # expired but not yet removed by TTL: take it over, once
            from azure.core import MatchConditions

            with mapped_errors():
                guard_container().replace_item(doc_id, body, etag=doc["_etag"], match_condition=MatchConditions.IfNotModified)
            return True
        except PreconditionFailed:
            return False


def read_mark(doc_id: str) -> dict[str, Any] | None:
    try:
        with mapped_errors():
            return guard_container().read_item(doc_id, partition_key=doc_id)
    except NotFound:
        return None


def remove_mark(doc_id: str) -> bool:
    try:
        with mapped_errors():
            guard_container().delete_item(doc_id, partition_key=doc_id)
        return True
    except NotFound:
        return False


# ------------------------------------------------------------------ optimistic concurrency
T = TypeVar("T")
RETRYABLE = (PreconditionFailed, Throttled)


def with_retries(attempt: Callable[[int], T], what: str, attempts: int = 60) -> T:
    """Run `attempt(n)` until it does not raise PreconditionFailed or Throttled (another writer came
    first, or Cosmos DB asks us to slow down), with a short random pause between tries: the one way
    this code retries an ETag-guarded write."""
    import random
    import time

    for n in range(attempts):
        try:
            return attempt(n)
        except RETRYABLE:
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** min(n, 6))))  # noqa: S311 - jitter, not a secret
    raise Unavailable(f"{what}: gave up after {attempts} concurrent attempts")


# ------------------------------------------------------------------ every story (the staff list)
def all_stories() -> list[StoryDoc]:
    return [s for s in map(_valid_story, _across_partitions("SELECT * FROM c WHERE c.type = 'story'")) if s is not None]
