"""Steady pages: space is reserved for what arrives later (the cards, the story, the map, the needs),
so nothing moves while a page loads (Cumulative Layout Shift, as Chromium reports it, on a phone
and on a laptop, with the API answering slowly); every page has a meta description."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .portal import DESKTOP, PHONE, story_url

SHIFTS = """window.__cls = 0; window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__cls += e.value;
    window.__shifts.push({value: e.value, nodes: e.sources.map(s => s.node && (s.node.id || s.node.className || s.node.nodeName))});
  }
}).observe({type: 'layout-shift', buffered: true});"""
PAGES = ["/", "/about.html", "/money.html", "/faq.html", "/privacy.html", "/contact.html", "/404.html"]


def slow_api(page, delay: float = 0.6) -> None:
    """The API answers after `delay` seconds: what arrives late must not move what is there."""

    def hold(route):
        time.sleep(delay)
        route.continue_()

    page.route("**/api/**", hold)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_list_and_a_story_do_not_move_while_they_load(portal, samples, new_page, viewport, lang):
    for url, ready in (
        (f"{portal}/?lang={lang}", ".story-card"),
        (f"{story_url(portal, samples[0]['id'])}&lang={lang}", "#narrative-title"),
    ):
        page = new_page(viewport=viewport)
        page.add_init_script(SHIFTS)
        slow_api(page)
        page.goto(url)
        expect(page.locator(ready).first).to_be_visible(timeout=10_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        cls, shifts = page.evaluate("[window.__cls, window.__shifts]")
        assert cls <= 0.05, f"{url}: layout shift {cls:.3f}: {shifts}"


@pytest.mark.parametrize("path", PAGES + ["story"])
def test_every_page_has_a_meta_description(portal, samples, page, path):
    page.goto(story_url(portal, samples[0]["id"]) if path == "story" else f"{portal}{path}")
    description = page.locator("meta[name=description]").get_attribute("content")
    assert description and 50 <= len(description) <= 170, description
