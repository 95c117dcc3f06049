"""The API's pure rules without services: list filters, sorting and cursors; donation bodies and
bounds; settings; the client address; and that every error code the domain raises has a status."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from functions.http import STATUS
from shared import defence, donations, stories
from shared.errors import DomainError
from shared.settings import Settings
from tests.factories import story

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ the list: filters, sorting, cursors
@pytest.fixture
def listed(monkeypatch):
    """Seven stories in memory as the list sees them (no store, no SAS signing)."""
    monkeypatch.setattr(stories.assets, "asset_url", lambda path: f"https://assets.example/{path}")
    docs = []
    for i, (raised, country, month) in enumerate(
        [
            (0, "TH", "2026-01"),
            (500, "MM", "2026-03"),
            (1000, "TH", "2025-11"),
            (250, "KH", "2026-02"),
            (999, "TH", "2026-05"),
            (10, "LA", "2024-07"),
            (750, "TH", "2026-04"),
        ]
    ):
        s = story({"shelter": 1000}, story_id=f"{i:016d}")
        s.needs[0].raised = raised
        s.origin.country = country
        s.published = month
        s.status = "funded" if raised >= 1000 else "published"
        docs.append(s)
    summaries = [stories.summary(s) for s in docs]
    monkeypatch.setattr(stories, "published_summaries", lambda: summaries)
    return summaries


def page_ids(**params) -> list[str]:
    return [s.id for s in stories.list_stories(stories.parse_list_query(params)).items]


def test_filters_by_country_status_and_open_need(listed):
    assert set(page_ids(country="th")) == {s.id for s in listed if s.origin.country == "TH"}
    assert page_ids(status="funded") == [listed[2].id]
    assert listed[2].id not in page_ids(need="shelter")  # its need is funded


def test_sorts_put_open_stories_first_and_order_by_share_or_date(listed):
    most_needed = page_ids(sort="most_needed")
    assert most_needed[0] == listed[0].id and most_needed[-1] == listed[2].id
    closest = page_ids(sort="closest_to_goal")
    assert closest[0] == listed[4].id  # 99.9% and still open
    newest = page_ids(sort="newest")
    assert newest[0] == listed[4].id and newest[-1] == listed[5].id


@pytest.mark.parametrize("sort", ["newest", "most_needed", "closest_to_goal"])
def test_cursors_walk_every_story_once_in_order(listed, sort):
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": "2", **({"cursor": cursor} if cursor else {})}
        result = stories.list_stories(stories.parse_list_query(params))
        seen += [s.id for s in result.items]
        cursor = result.next_cursor
        if not cursor:
            break
    assert seen == page_ids(sort=sort, limit="50") and len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"bogus": "1"},
        {"limit": "0"},
        {"limit": "51"},
        {"sort": "random"},
        {"country": "Thailand"},
        {"need": "food"},
        {"cursor": "!!!"},
        {"cursor": "eyJrIjpbMV0sInMiOiJuZXdlc3QifQ"},
    ],
)
def test_bad_list_parameters_name_the_parameter(listed, params):
    with pytest.raises(DomainError) as refused:
        stories.list_stories(stories.parse_list_query(params))
    assert refused.value.code == "bad_parameter" and refused.value.details["parameter"] == next(iter(params))


def test_a_cursor_of_one_sort_is_refused_by_another(listed):
    cursor = stories.list_stories(stories.parse_list_query({"sort": "newest", "limit": "2"})).next_cursor
    with pytest.raises(DomainError):
        stories.list_stories(stories.parse_list_query({"sort": "most_needed", "cursor": cursor}))


# ------------------------------------------------------------------ donation bodies and bounds
def parsed(body, key="k" * 16):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return donations.parse(raw, key)


GOOD = {"story_id": "a" * 16, "need": "shelter", "amount": 2500, "currency": "USD"}


@pytest.mark.parametrize(
    "body, code, parameter",
    [
        (b"not json", "invalid_json", None),
        (b"[" * 3000, "invalid_json", None),
        (b"[1, 2]", "invalid_body", None),
        ({**GOOD, "amount": 25.0}, "invalid_field", "amount"),
        ({**GOOD, "amount": "2500"}, "invalid_field", "amount"),
        ({**GOOD, "anonymous": "yes"}, "invalid_field", "anonymous"),
        ({**GOOD, "surprise": 1}, "invalid_field", "surprise"),
        ({**GOOD, "need": "food"}, "invalid_field", "need"),
        ({**GOOD, "display_name": "Ana\u202e"}, "invalid_field", "display_name"),
        ({**GOOD, "email": "not-an-email"}, "invalid_field", "email"),
        ({**GOOD, "display_name": "x" * 201}, "invalid_field", "display_name"),
        ({k: v for k, v in GOOD.items() if k != "story_id"}, "invalid_field", "story_id"),
    ],
)
def test_bad_bodies_are_refused_with_a_code_and_the_field(body, code, parameter):
    with pytest.raises(DomainError) as refused:
        parsed(body)
    assert refused.value.code == code and refused.value.details.get("parameter") == parameter
    assert "Value error" not in refused.value.message


def test_the_idempotency_key_is_required_and_the_body_bounded():
    for key in (None, "short"):
        with pytest.raises(DomainError) as refused:
            parsed(GOOD, key)
        assert refused.value.code == "idempotency_key_required"
    with pytest.raises(DomainError) as refused:
        parsed(b"{" + b" " * donations.MAX_BODY_BYTES + b"}")
    assert refused.value.code == "body_too_large"
    assert parsed({**GOOD, "display_name": "  Ana  "}).display_name == "Ana"


def test_bounds_follow_each_currency_and_stripe_minimums_stay_below_ours():
    assert donations.bounds("USD") == (500, 1_000_000)
    assert donations.bounds("THB") == (10_000, 30_000_000)
    assert donations.bounds("JPY") == (700, 1_500_000)  # zero-decimal: yen are the minor unit
    for currency, minimum in donations.STRIPE_MINIMUM.items():
        assert minimum <= donations.bounds(currency)[0], currency


# ------------------------------------------------------------------ settings
def test_settings_split_lists_and_refuse_out_of_range_values(monkeypatch):
    monkeypatch.setenv("COSMOS_ENDPOINT", "https://cosmos.example/")
    monkeypatch.setenv("DONATION_CURRENCIES", " usd, thb ,")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRETS", "whsec_a,whsec_b")
    s = Settings()  # type: ignore[call-arg]
    assert s.donation_currencies == ["USD", "THB"] and s.stripe_webhook_secrets == ["whsec_a", "whsec_b"]
    monkeypatch.setenv("ASSET_SAS_MINUTES", "600")
    with pytest.raises(ValidationError):
        Settings()  # type: ignore[call-arg]


# ------------------------------------------------------------------ the client address
@pytest.mark.parametrize(
    "header, address",
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7:443", "203.0.113.7"),  # what the client claimed comes first: ignored
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("not an address", None),
        ("", None),
        (None, None),
    ],
)
def test_the_client_is_the_last_forwarded_address(header, address):
    assert defence.client_address(header) == address


def test_the_client_hash_is_keyed_and_never_the_address(monkeypatch):
    from shared.settings import get_settings

    monkeypatch.setenv("COSMOS_ENDPOINT", "https://cosmos.example/")
    monkeypatch.setenv("CLIENT_HASH_KEY", "one")
    get_settings.cache_clear()
    first = defence.client_hash("203.0.113.7")
    monkeypatch.setenv("CLIENT_HASH_KEY", "two")
    get_settings.cache_clear()
    try:
        assert defence.client_hash("203.0.113.7") != first and "203.0.113.7" not in first
    finally:
        get_settings.cache_clear()


# ------------------------------------------------------------------ every code has a status
def test_every_error_code_the_code_raises_has_a_status():
    raised = set()
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "DomainError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                raised.add(node.args[0].value)
    assert raised and raised <= set(STATUS), f"codes without a status: {raised - set(STATUS)}"


# ------------------------------------------------------------------ compression
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000, identity", False),
        ("deflate, br", False),
    ],
)
def test_gzip_only_for_clients_that_accept_it(header, expected):
    import azure.functions as func

    from functions.http import accepts_gzip

    req = func.HttpRequest("GET", "/api/stories", headers={"Accept-Encoding": header}, body=b"")
    assert accepts_gzip(req) is expected
