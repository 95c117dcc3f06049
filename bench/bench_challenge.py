"""What the proof-of-work challenge costs a donor's device: Chromium solving the portal's own
challenges (web/js/challenge.js, the altcha worker) with 1x and 4x CPU throttling (a phone-class
CPU), at the normal and the under-attack difficulty; and what it costs the server to verify one.

    .venv/bin/python bench/bench_challenge.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message="Unverified HTTPS request")
SHIFT = 670
SOLVE_ONCE = """async () => {
  const { solve } = await import('/js/challenge.js');
  const start = performance.now();
  await solve();
  return performance.now() - start;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import altcha
    from playwright.sync_api import sync_playwright

    from bench import local_portal

    with local_portal(SHIFT, "bench-challenge") as portal:
        from shared import defence, store
        from tests.e2e.portal import CHROMIUM, CHROMIUM_ARGS

        rows = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{portal.url}/")
            cdp = page.context.new_cdp_session(page)
            for attack in (False, True):
                if attack:
                    store.mark_once("attack", ttl=3600)
                for rate in (1, 4):
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                    page.evaluate(SOLVE_ONCE)  # warm: module, worker script
                    times = sorted(page.evaluate(SOLVE_ONCE) for _ in range(args.runs))
                    rows.append(
                        (
                            ("under attack" if attack else "normal"),
                            f"{rate}x",
                            statistics.median(times),
                            times[int(0.9 * (len(times) - 1))],
                            times[-1],
                        )
                    )
            browser.close()
        challenge = altcha.Challenge.from_dict(defence.new_challenge())
        payload = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
        start = time.perf_counter()
        for _ in range(20):
            altcha.verify_solution(payload, portal.values["CHALLENGE_HMAC_KEY"])
        verify_ms = (time.perf_counter() - start) / 20 * 1000
        print(f"\nChromium solving the portal's challenge, {args.runs} runs each (ms):")
        print("| difficulty | CPU | median | p90 | max |\n|---|---|---|---|---|")
        for name, rate, med, p90, worst in rows:
            print(f"| {name} | {rate} | {med:.0f} | {p90:.0f} | {worst:.0f} |")
        print(f"\nserver: verifying one solution takes {verify_ms:.1f} ms (one PBKDF2 derivation)")


if __name__ == "__main__":
    main()
