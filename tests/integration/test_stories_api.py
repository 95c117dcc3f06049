"""The public read API of stories, through devhost, the Cosmos DB emulator and Azurite."""

from __future__ import annotations

import gzip
import json

import requests

from shared.models import PUBLIC_STATUSES


def _published(seeded):
    return {sid: s for sid, s in seeded.items() if s.status in PUBLIC_STATUSES}


def _all_ids(api, params) -> set[str]:
    ids, cursor = set(), None
    while True:
        body = requests.get(f"{api}/api/stories", params={**params, "limit": 50, **({"cursor": cursor} if cursor else {})}).json()
        ids |= {i["id"] for i in body["items"]}
        cursor = body["next_cursor"]
        if not cursor:
            return ids


def test_list_returns_every_published_story_and_nothing_else(api, seeded):
    ids = _all_ids(api, {})
    assert set(_published(seeded)) <= ids
    hidden = {sid for sid, s in seeded.items() if s.status not in PUBLIC_STATUSES}
    assert hidden and not ids & hidden


def test_cursor_round_trip_over_several_pages(api, seeded):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, "sort": "most_needed", **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{api}/api/stories", params=params).json()
        pages += 1
        assert len(body["items"]) <= 2
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen)) and set(_published(seeded)) <= set(seen)
    totals = [requests.get(f"{api}/api/stories/{sid}").json() for sid in seen]
    keys = [(t["status"] != "open", t["totals"]["percent"]) for t in totals]
    assert keys == sorted(keys)


def test_filters(api, seeded):
    by_country = _all_ids(api, {"country": "la"})
    lao_origin = {sid for sid, s in _published(seeded).items() if s.origin.country == "LA"}
    assert lao_origin and by_country & set(seeded) == lao_origin
    mm = requests.get(f"{api}/api/stories", params={"country": "MM"}).json()["items"]
    assert mm and all(i["origin"]["country"] == "MM" for i in mm)

    legal = requests.get(f"{api}/api/stories", params={"need": "legal", "limit": 50}).json()["items"]
    assert legal and all(any(n["need"] == "legal" and n["open"] for n in i["needs"]) for i in legal)
    expected = {sid for sid, s in _published(seeded).items() if any(n.need == "legal" for n in s.needs)}
    assert {i["id"] for i in legal} & set(seeded) <= expected

    funded = requests.get(f"{api}/api/stories", params={"status": "funded"}).json()["items"]
    assert all(i["status"] == "funded" for i in funded)
    assert _all_ids(api, {"status": "open"}) | _all_ids(api, {"status": "funded"}) == _all_ids(api, {})
    assert not _all_ids(api, {"status": "open"}) & _all_ids(api, {"status": "funded"})


def test_sorts(api, seeded):
    newest = requests.get(f"{api}/api/stories", params={"limit": 50}).json()["items"]
    assert [i["published"] for i in newest] == sorted((i["published"] for i in newest), reverse=True)
    closest = requests.get(f"{api}/api/stories", params={"sort": "closest_to_goal", "limit": 50}).json()["items"]
    open_percents = [i["totals"]["percent"] for i in closest if i["status"] == "open"]
    assert open_percents == sorted(open_percents, reverse=True)


def test_bad_parameters_are_400_naming_the_parameter(api, seeded):
    for params, name in [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"need": "food"}, "need"),
        ({"status": "x"}, "status"),
        ({"country": "Thailand"}, "country"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJrIjpbMV0sInMiOiJuZXdlc3QifQ"}, "cursor"),  # {"k":[1],"s":"newest"}
        ({"colour": "red"}, "colour"),
    ]:
        r = requests.get(f"{api}/api/stories", params=params)
        assert r.status_code == 400, params
        assert r.json()["error"]["parameter"] == name
        assert name in r.json()["error"]["message"]


def test_detail_and_geojson(api, seeded):
    sid, story = next(iter(_published(seeded).items()))
    r = requests.get(f"{api}/api/stories/{sid}")
    assert r.status_code == 200
    body = r.json()
    assert body["pseudonym"] == story.pseudonym
    assert [m["order"] for m in body["journey"]] == list(range(1, len(story.journey) + 1))
    assert [m["title"] for m in body["journey"]] == [m.title for m in story.journey]
    assert body["updates"] and body["basemap_url"]

    geo = requests.get(f"{api}/api/stories/{sid}/journey.geojson")
    assert geo.status_code == 200 and geo.headers["Content-Type"].startswith("application/geo+json")
    fc = geo.json()
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    route = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == len(story.journey) and len(route) == 1
    assert route[0]["geometry"]["coordinates"] == [p["geometry"]["coordinates"] for p in points]
    assert [p["geometry"]["coordinates"] for p in points] == [[m["lon"], m["lat"]] for m in body["journey"]]


def test_draft_withdrawn_and_random_ids_get_the_same_404(api, seeded):
    hidden = [sid for sid, s in seeded.items() if s.status in ("draft", "withdrawn")]
    assert {seeded[sid].status for sid in hidden} == {"draft", "withdrawn"}
    bodies = set()
    for sid in hidden + ["abcdefghijklmnop", "x", "ABC-def_0123456789"]:
        for suffix in ("", "/journey.geojson", "/funding"):
            r = requests.get(f"{api}/api/stories/{sid}{suffix}")
            assert r.status_code == 404, (sid, suffix)
            bodies.add(r.text)
    assert len(bodies) == 1


def test_etag_and_cache_headers(api, seeded):
    sid = next(iter(_published(seeded)))
    for path in ("/api/stories", f"/api/stories/{sid}", f"/api/stories/{sid}/journey.geojson"):
        r = requests.get(f"{api}{path}")
        etag = r.headers["ETag"]
        assert "max-age" in r.headers["Cache-Control"] and "stale-while-revalidate" in r.headers["Cache-Control"]
        again = requests.get(f"{api}{path}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        other = requests.get(f"{api}{path}", headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_json_answers_are_gzipped_for_clients_that_accept_it(api, seeded):
    sid = next(iter(_published(seeded)))
    url = f"{api}/api/stories/{sid}"
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    wire = zipped.raw.read(decode_content=False)
    plain = requests.get(url, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert json.loads(gzip.decompress(wire)) == plain.json() and len(wire) < len(plain.content) / 2
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # one strong ETag per encoding
    for encoding, etag in (("gzip", zipped.headers["ETag"]), ("identity", plain.headers["ETag"])):
        again = requests.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304
    refused = requests.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_cors_allows_listed_origins_only(api, stack, seeded):
    allowed = stack.values["CORS_ALLOWED_ORIGINS"].split(",")[0]
    ok = requests.get(f"{api}/api/stories", headers={"Origin": allowed})
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    refused = requests.get(f"{api}/api/stories", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = requests.options(f"{api}/api/donations", headers={"Origin": allowed, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "*" not in stack.values["CORS_ALLOWED_ORIGINS"]


def test_every_asset_url_is_fetchable_and_sas_refuses_writes(api, seeded):
    sid = next(iter(_published(seeded)))
    body = requests.get(f"{api}/api/stories/{sid}").json()
    urls = [body["cover"]["url"], body["basemap_url"]]
    urls += [m["icon_url"] for m in body["journey"]] + [m["image"]["url"] for m in body["journey"] if m["image"]]
    for url in set(urls):
        r = requests.get(url)
        assert r.status_code == 200, url
        assert len(r.content) > 100
    write = requests.put(body["cover"]["url"], data=b"<svg/>", headers={"x-ms-blob-type": "BlockBlob"})
    assert write.status_code == 403
    tampered = body["cover"]["url"].replace("sp=r", "sp=rw")
    assert requests.get(tampered).status_code == 403


def test_funding_figures_come_from_funding_records(api, seeded):
    from ops.seed import load_samples

    for story, donations in load_samples():
        if story.status not in PUBLIC_STATUSES:
            continue
        body = requests.get(f"{api}/api/stories/{story.id}").json()
        for need in body["needs"]:
            given = sum(d["amount"] for d in donations if d["need"] == need["need"])
            assert need["raised"] >= min(given, need["goal"])  # other tests may have donated since
            assert need["percent"] == min(100, need["raised"] * 100 // need["goal"])
        ledger = requests.get(f"{api}/api/stories/{story.id}/funding").json()["items"]
        assert sum(e["amount"] for e in ledger) == body["totals"]["raised"] + body["totals"]["overfunded"]


def test_basemap_is_stored_compressed_and_static_files_are_served_gzipped(api, seeded):
    sid = next(iter(_published(seeded)))
    url = requests.get(f"{api}/api/stories/{sid}").json()["basemap_url"]
    raw = requests.get(url, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    wire = raw.raw.read(decode_content=False)
    topo = json.loads(gzip.decompress(wire))
    assert topo["type"] == "Topology" and set(topo["objects"]) == {"land", "borders", "labels"}
    assert len(topo["objects"]["labels"]["geometries"]) > 20 and "transform" in topo  # quantized
    assert len(wire) < 25_000

    page = requests.get(f"{api}/story.html", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert page.headers.get("Content-Encoding") == "gzip" and b"<html" in gzip.decompress(page.raw.read())
    plain = requests.get(f"{api}/story.html", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and "<html" in plain.text


def test_sas_urls_are_cached_read_only_and_short_lived(api, seeded):
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    from shared import assets

    first, again = assets.asset_url("icons/home.svg"), assets.asset_url("icons/home.svg")
    assert first == again  # signed once, then served from the cache
    query = parse_qs(urlsplit(first).query)
    assert query["sp"] == ["r"] and query["sr"] == ["b"]
    expiry = dt.datetime.fromisoformat(query["se"][0].replace("Z", "+00:00"))
    assert dt.timedelta(0) < expiry - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
    assert assets.asset_url("icons/shelter.svg") != first  # scoped to one blob
