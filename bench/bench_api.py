"""Side-by-side measurements on the local stack (ratios; absolute times vary on these machines).

    .venv/bin/python bench/bench_api.py

1. GET /api/stories with the per-instance list cache vs. without it (cache 0 s).
2. Applying 60 payments to one story: one worker vs. 16 workers with the per-story lock
   vs. 16 workers racing on the story's ETag alone (the lock replaced by a no-op).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message="Unverified HTTPS request")
SHIFT = 600


def timed(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    import requests

    from bench import local_portal

    with local_portal(SHIFT, "bench", seed=True, background_triggers=False) as portal:
        from shared import clients, funding, store
        from shared.models import StoryDoc
        from shared.stories import list_cache

        url = f"{portal.url}/api/stories"
        session = requests.Session()

        print("1. GET /api/stories (median of 40)")
        cached = timed(lambda: session.get(url).raise_for_status(), 40)
        os.environ["STORY_LIST_CACHE_SECONDS"] = "0"
        clients.reset()
        list_cache.invalidate()
        uncached = timed(lambda: session.get(url).raise_for_status(), 40)
        print(f"   with cache {cached * 1000:.1f} ms, without {uncached * 1000:.1f} ms: cache is {uncached / cached:.1f}x faster")

        def story() -> StoryDoc:
            doc = StoryDoc.model_validate(json.loads(next((ROOT / "sample_data" / "stories").glob("*.json")).read_text()))
            doc = doc.model_copy(update={"id": uuid.uuid4().hex[:16], "status": "published"})
            for need in doc.needs:
                need.goal, need.raised, need.donor_count = 10**9, 0, 0
            store.upsert_story(doc)
            return doc

        def events(doc: StoryDoc, n: int = 60) -> list[funding.Payment]:
            return [
                funding.Payment(
                    id=f"pi_{doc.id}_{i}",
                    story_id=doc.id,
                    need=doc.needs[0].need,
                    received=100,
                    currency=doc.currency,
                    created=int(time.time()),
                )
                for i in range(n)
            ]

        def run(workers: int) -> float:
            batch = events(story())
            start = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                assert list(pool.map(funding.settle, batch)).count("applied") == len(batch)
            return time.perf_counter() - start

        print("2. 60 payments applied to one story")
        one = run(1)
        locked = run(16)
        stripes = funding._STRIPES
        funding._STRIPES = [contextlib.nullcontext() for _ in stripes]
        try:
            racing = run(16)
        finally:
            funding._STRIPES = stripes
        print(
            f"   1 worker {one:.2f} s; 16 workers with the per-story lock {locked:.2f} s "
            f"({one / locked:.2f}x of one worker's speed); 16 workers on the ETag alone {racing:.2f} s "
            f"(the lock is {racing / locked:.1f}x faster)"
        )


if __name__ == "__main__":
    main()
