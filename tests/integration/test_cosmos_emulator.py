"""The local Cosmos DB stand-in behaves like Cosmos DB where Second Chance relies on it.

`@vercel/cosmosdb-server` 1.0.1 is patched (patches/@vercel+cosmosdb-server+1.0.1.patch,
applied by patch-package on `npm ci`). Every test here talks to the running emulator
through the real SDK, so a missing or broken patch makes them fail:

- point read of a missing id / with the wrong partition key -> 404 (was 500);
- replace / delete / patch of a missing item -> 404;
- a query sent with a partition key only sees that logical partition;
- transactional batches support every operation, take the partition key from the
  request and are atomic (a failing operation leaves no trace of the others);
- the behaviours that already worked (409, 412, ORDER BY, COUNT, paging) still do.
"""

import uuid

import pytest
from azure.core import MatchConditions
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosBatchOperationError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


@pytest.fixture(scope="module")
def container(stack):
    client = CosmosClient(stack.settings["COSMOS_ENDPOINT"], stack.settings["COSMOS_KEY"])
    database = client.create_database(f"emu-test-{uuid.uuid4().hex[:10]}")
    try:
        yield database.create_container("stories", PartitionKey(path="/storyId"))
    finally:
        client.delete_database(database.id)


def _story():
    return f"story-{uuid.uuid4().hex[:10]}"


def _item(story_id, item_id=None, **fields):
    return {"id": item_id or uuid.uuid4().hex, "storyId": story_id, **fields}


def _exists(container, item_id, story_id):
    try:
        container.read_item(item_id, partition_key=story_id)
    except CosmosResourceNotFoundError:
        return False
    return True


# --- point operations -----------------------------------------------------------


def test_point_read_of_missing_id_is_404(container):
    with pytest.raises(CosmosResourceNotFoundError) as info:
        container.read_item("no-such-id", partition_key=_story())
    assert info.value.status_code == 404


def test_point_read_with_wrong_partition_key_is_404(container):
    story, other = _story(), _story()
    doc = container.create_item(_item(story, title="kept"))
    assert container.read_item(doc["id"], partition_key=story)["title"] == "kept"
    with pytest.raises(CosmosResourceNotFoundError) as info:
        container.read_item(doc["id"], partition_key=other)
    assert info.value.status_code == 404


def test_write_operations_on_missing_item_are_404(container):
    story = _story()
    existing = container.create_item(_item(story, n=1))
    missing = _item(story, "missing-id")
    calls = [
        lambda: container.replace_item("missing-id", missing),
        lambda: container.delete_item("missing-id", partition_key=story),
        lambda: container.patch_item("missing-id", story, [{"op": "set", "path": "/n", "value": 2}]),
        # an existing id in another partition counts as missing too
        lambda: container.replace_item(existing["id"], {**existing, "storyId": "elsewhere"}),
        lambda: container.delete_item(existing["id"], partition_key=_story()),
        lambda: container.patch_item(existing["id"], _story(), [{"op": "incr", "path": "/n", "value": 1}]),
    ]
    for call in calls:
        with pytest.raises(CosmosResourceNotFoundError) as info:
            call()
        # Cosmos-style error body: {"code": "NotFound", "message": ...}
        assert "NotFound" in str(info.value)
        assert "does not exist" in str(info.value)
    assert container.read_item(existing["id"], partition_key=story)["n"] == 1


def test_create_with_existing_id_is_409(container):
    doc = _item(_story())
    container.create_item(doc)
    with pytest.raises(CosmosResourceExistsError) as info:
        container.create_item(doc)
    assert info.value.status_code == 409


def test_replace_and_upsert_with_stale_etag_are_412(container):
    story = _story()
    first = container.create_item(_item(story, v=1))
    second = container.replace_item(first["id"], {**first, "v": 2})
    assert second["_etag"] != first["_etag"]
    with pytest.raises(CosmosAccessConditionFailedError) as info:
        container.replace_item(first["id"], {**first, "v": 3}, etag=first["_etag"], match_condition=MatchConditions.IfNotModified)
    assert info.value.status_code == 412
    with pytest.raises(CosmosAccessConditionFailedError):
        container.upsert_item({**first, "v": 4}, etag=first["_etag"], match_condition=MatchConditions.IfNotModified)
    assert container.read_item(first["id"], partition_key=story)["v"] == 2


def test_patch_item_operations(container):
    story = _story()
    doc = container.create_item(_item(story, count=1, tags=["a"], old="x", swap="before"))
    patched = container.patch_item(
        doc["id"],
        story,
        [
            {"op": "set", "path": "/status", "value": "open"},
            {"op": "incr", "path": "/count", "value": 2},
            {"op": "add", "path": "/tags/-", "value": "b"},
            {"op": "remove", "path": "/old"},
            {"op": "replace", "path": "/swap", "value": "after"},
        ],
    )
    assert patched["status"] == "open"
    assert patched["count"] == 3
    assert patched["tags"] == ["a", "b"]
    assert "old" not in patched
    assert patched["swap"] == "after"
    assert container.read_item(doc["id"], partition_key=story)["count"] == 3
    with pytest.raises(CosmosAccessConditionFailedError):
        container.patch_item(
            doc["id"],
            story,
            [{"op": "incr", "path": "/count", "value": 1}],
            etag=doc["_etag"],
            match_condition=MatchConditions.IfNotModified,
        )
    # conditional patch: the predicate keeps its case ('Open' is not 'open')
    container.patch_item(doc["id"], story, [{"op": "set", "path": "/status", "value": "Open"}])
    again = container.patch_item(
        doc["id"], story, [{"op": "incr", "path": "/count", "value": 1}], filter_predicate="FROM c WHERE c.status = 'Open'"
    )
    assert again["count"] == 4
    with pytest.raises(CosmosAccessConditionFailedError):
        container.patch_item(
            doc["id"], story, [{"op": "incr", "path": "/count", "value": 1}], filter_predicate="FROM c WHERE c.status = 'open'"
        )


# --- queries ---------------------------------------------------------------------


def test_query_with_partition_key_only_returns_that_partition(container):
    story, other = _story(), _story()
    marker = uuid.uuid4().hex
    for i in range(3):
        container.create_item(_item(story, kind=marker, n=i))
    for i in range(2):
        container.create_item(_item(other, kind=marker, n=i))

    # the WHERE clause does not mention storyId
    rows = list(
        container.query_items(
            "SELECT * FROM c WHERE c.kind = @kind",
            parameters=[{"name": "@kind", "value": marker}],
            partition_key=story,
        )
    )
    assert len(rows) == 3
    assert {r["storyId"] for r in rows} == {story}

    count = list(container.query_items("SELECT VALUE COUNT(1) FROM c", partition_key=other))
    assert count == [2]

    everywhere = list(
        container.query_items(
            "SELECT * FROM c WHERE c.kind = @kind",
            parameters=[{"name": "@kind", "value": marker}],
            enable_cross_partition_query=True,
        )
    )
    assert len(everywhere) == 5


def test_cross_partition_order_by_count_and_paging(container):
    marker = uuid.uuid4().hex
    stories = [_story(), _story()]
    for i in range(5):
        container.create_item(_item(stories[i % 2], kind=marker, n=i))
    params = [{"name": "@kind", "value": marker}]

    ordered = [
        r["n"]
        for r in container.query_items(
            "SELECT * FROM c WHERE c.kind = @kind ORDER BY c.n DESC", parameters=params, enable_cross_partition_query=True
        )
    ]
    assert ordered == [4, 3, 2, 1, 0]

    count = list(
        container.query_items(
            "SELECT VALUE COUNT(1) FROM c WHERE c.kind = @kind", parameters=params, enable_cross_partition_query=True
        )
    )
    assert count == [5]

    pager = container.query_items(
        "SELECT * FROM c WHERE c.kind = @kind ORDER BY c.n",
        parameters=params,
        enable_cross_partition_query=True,
        max_item_count=2,
    ).by_page()
    first_page = list(next(pager))
    assert [r["n"] for r in first_page] == [0, 1]
    token = pager.continuation_token
    assert token
    rest = container.query_items(
        "SELECT * FROM c WHERE c.kind = @kind ORDER BY c.n",
        parameters=params,
        enable_cross_partition_query=True,
        max_item_count=2,
    ).by_page(token)
    assert [r["n"] for page in rest for r in page] == [2, 3, 4]

    # paging inside one partition keeps to that partition
    pages = container.query_items(
        "SELECT * FROM c WHERE c.kind = @kind ORDER BY c.n",
        parameters=params,
        partition_key=stories[0],
        max_item_count=2,
    ).by_page()
    assert [[r["n"] for r in page] for page in pages] == [[0, 2], [4]]


# --- transactional batch -----------------------------------------------------------


def test_batch_success_is_applied(container):
    story = _story()
    existing = container.create_item(_item(story, title="old", views=1))
    new_id = uuid.uuid4().hex
    results = container.execute_item_batch(
        [
            ("create", (_item(story, new_id, title="new"),)),
            ("replace", (existing["id"], {**existing, "title": "replaced"}), {"if_match_etag": existing["_etag"]}),
            ("patch", (existing["id"], [{"op": "incr", "path": "/views", "value": 5}])),
        ],
        partition_key=story,
    )

    assert [r["statusCode"] for r in results] == [201, 200, 200]
    assert results[0]["resourceBody"]["id"] == new_id
    assert results[2]["eTag"] == results[2]["resourceBody"]["_etag"]
    assert container.read_item(new_id, partition_key=story)["title"] == "new"
    after = container.read_item(existing["id"], partition_key=story)
    assert after["title"] == "replaced"
    assert after["views"] == 6
    assert after["_etag"] == results[2]["eTag"]


def test_batch_supports_every_operation_type(container):
    story = _story()
    a = container.create_item(_item(story, n=1))
    b = container.create_item(_item(story, n=1))
    c = container.create_item(_item(story, n=1, gone="x"))
    results = container.execute_item_batch(
        [
            ("upsert", (_item(story, "upserted", n=10),)),
            ("read", (a["id"],)),
            ("delete", (b["id"],), {"if_match_etag": b["_etag"]}),
            (
                "patch",
                (
                    c["id"],
                    [
                        {"op": "set", "path": "/s", "value": "v"},
                        {"op": "incr", "path": "/n", "value": 2},
                        {"op": "add", "path": "/list", "value": [1]},
                        {"op": "remove", "path": "/gone"},
                        {"op": "replace", "path": "/n", "value": 7},
                    ],
                ),
                {"if_match_etag": c["_etag"]},
            ),
            ("upsert", ({**a, "n": 2},), {"if_match_etag": a["_etag"]}),
        ],
        partition_key=story,
    )

    assert [r["statusCode"] for r in results] == [201, 200, 204, 200, 200]
    assert results[1]["resourceBody"]["n"] == 1
    assert container.read_item("upserted", partition_key=story)["n"] == 10
    assert not _exists(container, b["id"], story)
    patched = container.read_item(c["id"], partition_key=story)
    assert (patched["s"], patched["n"], patched["list"]) == ("v", 7, [1])
    assert "gone" not in patched
    assert container.read_item(a["id"], partition_key=story)["n"] == 2


def test_batch_failing_create_rolls_back_everything(container):
    story = _story()
    existing = container.create_item(_item(story, n=1))
    new_id = uuid.uuid4().hex
    with pytest.raises(CosmosBatchOperationError) as info:
        container.execute_item_batch(
            [
                ("create", (_item(story, new_id),)),
                ("patch", (existing["id"], [{"op": "incr", "path": "/n", "value": 1}])),
                ("create", (_item(story, existing["id"]),)),  # duplicate id -> 409
                ("create", (_item(story),)),
            ],
            partition_key=story,
        )

    err = info.value
    assert err.error_index == 2
    assert err.status_code == 409
    assert [r["statusCode"] for r in err.operation_responses] == [424, 424, 409, 424]
    assert not _exists(container, new_id, story)
    after = container.read_item(existing["id"], partition_key=story)
    assert after["n"] == 1
    assert after["_etag"] == existing["_etag"]


@pytest.mark.parametrize("op", ["replace", "upsert", "patch", "delete"])
def test_batch_with_stale_etag_fails_and_applies_nothing(container, op):
    story = _story()
    target = container.create_item(_item(story, v=1))
    fresh = container.replace_item(target["id"], {**target, "v": 2})  # target's etag is now stale
    other = container.create_item(_item(story, v=1))
    stale = {"if_match_etag": target["_etag"]}
    failing = {
        "replace": ("replace", (target["id"], {**fresh, "v": 3}), stale),
        "upsert": ("upsert", ({**fresh, "v": 3},), stale),
        "patch": ("patch", (target["id"], [{"op": "set", "path": "/v", "value": 3}]), stale),
        "delete": ("delete", (target["id"],), stale),
    }[op]
    new_id = uuid.uuid4().hex
    with pytest.raises(CosmosBatchOperationError) as info:
        container.execute_item_batch(
            [
                ("create", (_item(story, new_id),)),
                ("replace", (other["id"], {**other, "v": 9})),
                failing,
            ],
            partition_key=story,
        )

    err = info.value
    assert err.error_index == 2
    assert err.status_code == 412
    assert [r["statusCode"] for r in err.operation_responses] == [424, 424, 412]
    assert not _exists(container, new_id, story)
    assert container.read_item(other["id"], partition_key=story)["v"] == 1
    assert container.read_item(target["id"], partition_key=story)["v"] == 2


@pytest.mark.parametrize("op", ["replace", "delete", "patch", "read"])
def test_batch_on_missing_item_is_404_and_rolls_back(container, op):
    story = _story()
    victim = container.create_item(_item(story))
    failing = {
        "replace": ("replace", ("missing-id", _item(story, "missing-id"))),
        "delete": ("delete", ("missing-id",)),
        "patch": ("patch", ("missing-id", [{"op": "set", "path": "/v", "value": 1}])),
        "read": ("read", ("missing-id",)),
    }[op]
    with pytest.raises(CosmosBatchOperationError) as info:
        container.execute_item_batch([("delete", (victim["id"],)), failing], partition_key=story)

    err = info.value
    assert err.error_index == 1
    assert err.status_code == 404
    assert [r["statusCode"] for r in err.operation_responses] == [424, 404]
    assert _exists(container, victim["id"], story)


def test_batch_uses_the_request_partition_key(container):
    story, other = _story(), _story()
    elsewhere = container.create_item(_item(other, n=1))
    # the id exists, but in another logical partition: not visible to this batch
    with pytest.raises(CosmosBatchOperationError) as info:
        container.execute_item_batch([("patch", (elsewhere["id"], [{"op": "incr", "path": "/n", "value": 1}]))], partition_key=story)
    assert info.value.status_code == 404
    assert container.read_item(elsewhere["id"], partition_key=other)["n"] == 1

    # same id created in this batch's partition: independent of the other one
    results = container.execute_item_batch(
        [("create", (_item(story, elsewhere["id"], n=5),)), ("read", (elsewhere["id"],))], partition_key=story
    )
    assert [r["statusCode"] for r in results] == [201, 200]
    assert results[1]["resourceBody"]["n"] == 5
    assert container.read_item(elsewhere["id"], partition_key=other)["n"] == 1


def test_the_emulator_keeps_connections_alive(stack):
    """As Cosmos DB does: one TLS connection serves many requests (the patch's --keep-alive)."""
    import http.client
    import ssl

    endpoint = stack.values["COSMOS_ENDPOINT"].rstrip("/").split("//")[1]
    host, port = endpoint.split(":")
    conn = http.client.HTTPSConnection(host, int(port), context=ssl._create_unverified_context(), timeout=10)  # noqa: S323
    statuses = []
    for _ in range(3):
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        statuses.append(response.getheader("connection"))
    assert statuses == ["keep-alive"] * 3
    assert conn.sock is not None  # the same socket answered all three
