"""Load the fictional sample stories (sample_data/) into Cosmos DB and their assets into Blob Storage.

Idempotent: existing stories are left as they are; sample donations are settled through the
same funding core as Stripe's payments, with fixed ids, so they count once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from shared import assets, funding, store
from shared.models import MILESTONE_KINDS, StoryDoc
from shared.privacy import check_story

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
ICONS = ROOT / "assets" / "icons"
BASEMAP = ROOT / ".local" / "build" / "basemap.json"


def load_samples() -> list[tuple[StoryDoc, list[dict]]]:
    out = []
    for path in sorted((SAMPLES / "stories").glob("*.json")):
        raw = json.loads(path.read_text())
        donations = raw.pop("sample_donations", [])
        out.append((StoryDoc.model_validate(raw), donations))
    return out


def build_basemap(progress: Callable[[str], None] = print) -> Path:
    script = ROOT / "assets" / "build_basemap.mjs"
    if not BASEMAP.exists() or BASEMAP.stat().st_mtime < script.stat().st_mtime:  # rebuilt when the recipe changes
        progress("building the basemap from Natural Earth (world-atlas) ...")
        subprocess.run(["node", str(script), str(BASEMAP)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return BASEMAP


def upload_map_assets(progress: Callable[[str], None] = print) -> int:
    """The assets every story uses: milestone icons and the basemap."""
    for kind in (*MILESTONE_KINDS, "default"):
        assets.upload(assets.icon_path(kind), (ICONS / f"{kind}.svg").read_bytes(), "image/svg+xml")
    assets.upload(assets.BASEMAP_PATH, build_basemap(progress).read_bytes(), "application/json", compress=True)
    return len(MILESTONE_KINDS) + 2


def upload_assets(stories: list[StoryDoc], progress: Callable[[str], None] = print) -> int:
    """The map assets, and each story's drawings made safe as `ops import` makes them."""
    from shared.images import make_safe
    from shared.publishing import image_refs

    count = upload_map_assets(progress)
    for story in stories:
        for _, ref in image_refs(story):
            image = make_safe((SAMPLES / "images" / ref.file).read_bytes(), ref.file)
            assets.upload(assets.story_image_path(story.id, ref.file), image.data, image.content_type)
            count += 1
    return count


def sample_payment(story: StoryDoc, index: int, donation: dict) -> funding.Payment:
    """A fictional gift, settled through the same funding core as Stripe's payments (provider
    "sample", so that reconcile never checks it against Stripe)."""
    day = dt.datetime.fromisoformat(donation["day"]).replace(hour=12, tzinfo=dt.UTC)
    return funding.Payment(
        id=f"sample_{story.id}_{index}",
        provider="sample",
        story_id=story.id,
        need=donation["need"],
        currency=story.currency,
        received=donation["amount"],
        created=int(day.timestamp()),
        display_name=donation.get("display_name"),
        source="sample data",
    )


def seed(progress: Callable[[str], None] = print) -> dict[str, int]:
    samples = load_samples()
    created = applied = 0
    for story, donations in samples:
        problems = check_story(story)
        if problems:
            raise SystemExit(f"sample story {story.id} fails the privacy check: {problems}")
        try:
            store.get_story(story.id)
        except store.NotFound:
            store.upsert_story(story)
            created += 1
        for i, donation in enumerate(donations, 1):
            applied += funding.settle(sample_payment(story, i, donation)) != "unchanged"
    uploaded = upload_assets([s for s, _ in samples], progress)
    progress(f"sample data: {len(samples)} stories ({created} new), {applied} sample donations applied, {uploaded} assets uploaded")
    return {"stories": len(samples), "created": created, "donations": applied, "assets": uploaded}
