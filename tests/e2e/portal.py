"""Helpers of the browser tests: the API as the tests read it, the texts the portal should show
(computed here, independently of web/js), axe-core."""

from __future__ import annotations

import calendar
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


# ------------------------------------------------------------------ API and expected texts
def api_get(portal: str, path: str):
    response = requests.get(f"{portal}/api{path}", headers={"Cache-Control": "no-cache"}, timeout=10)
    response.raise_for_status()
    return response.json()


def open_need(samples, currency: str, at_least: int) -> tuple[dict, dict]:
    """A sample story in `currency` and one of its open needs with at least `at_least` still to raise."""
    for summary in samples:
        if summary["currency"] != currency:
            continue
        for need in summary["needs"]:
            if need["open"] and need["remaining"] >= at_least:
                return summary, need
    raise AssertionError(f"no {currency} story has an open need with {at_least} to raise")


SYMBOLS = {"USD": "$", "THB": "฿"}


def money(minor: int, currency: str) -> str:
    """What the portal shows in English: 2500 USD -> "$25", 2550 -> "$25.50", 120000 THB -> "฿1,200"."""
    major, cents = divmod(minor, 100)
    return f"{SYMBOLS[currency]}{major:,}" + (f".{cents:02d}" if cents else "")


def period(value: str) -> str:
    """ "2019" -> "2019", "2019-03" -> "March 2019"."""
    year, _, month = value.partition("-")
    return f"{calendar.month_name[int(month)]} {year}" if month else year


def story_url(portal: str, story_id: str) -> str:
    return f"{portal}/story.html?id={story_id}"


def run_axe(page, exclude: list[str] | None = None) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Through the DevTools protocol, not a <script> tag: the page's CSP allows no inline scripts.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    context = {"exclude": [[s] for s in exclude]} if exclude else None
    results = page.evaluate(
        """async (context) => {
            const r = await axe.run(context || document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
        }""",
        context,
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


# ------------------------------------------------------------------ waiting for the map
def map_settled(page, timeout: float = 5000) -> None:
    """Wait until the map stopped moving: its panes and milestone icons are where they were a
    moment ago (a fly-to animates for about a second)."""
    page.evaluate("window.__mapAt = null")
    page.wait_for_function(
        """() => {
            const rect = (e) => { const r = e.getBoundingClientRect(); return `${r.left},${r.top},${r.width}`; };
            const at = [document.querySelector('.leaflet-map-pane')?.style.transform || '',
                        ...[...document.querySelectorAll('.leaflet-marker-icon')].map(rect)].join(';');
            const still = window.__mapAt === at;
            window.__mapAt = at;
            return still;
        }""",
        polling=250,
        timeout=timeout,
    )
