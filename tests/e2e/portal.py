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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


# ------------------------------------------------------------------ API and expected texts
def api_get(portal: str, path: str):
    response = requests.get(f"{portal}/api{path}", headers={"Cache-Control": "no-cache"}, timeout=10)
    response.raise_for_status()
    return response.json()


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
    page.add_script_tag(path=str(AXE))
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
