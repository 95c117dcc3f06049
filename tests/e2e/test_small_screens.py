"""Small screens: at 360 px the map, Previous/Next and the start of the current narrative share one
screen, and Next stays where it is from step to step; at 320 px nothing overflows, on any page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .portal import api_get, story_url

BOXES = """() => {
    const box = (s) => { const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.bottom]; };
    const text = document.querySelector('#narrative .narrative-text, #narrative .narrative-needs');
    return {map: box('#map'), next: box('#next'), prev: box('#prev'), text: text.getBoundingClientRect().top};
}"""


@pytest.mark.parametrize("lang", ["en", "th"])
def test_at_360px_map_buttons_and_narrative_share_a_screen_and_next_stays_put(portal, samples, new_page, artifacts, lang):
    page = new_page(viewport={"width": 360, "height": 740})
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    page.goto(f"{story_url(portal, story['id'])}&lang={lang}")
    expect(page.locator("#narrative-title")).to_be_visible()
    page.evaluate("document.querySelector('#journey-title').scrollIntoView()")
    seen = []
    for i in range(len(story["journey"]) + 1):
        boxes = page.evaluate(BOXES)
        height = 740
        assert 0 <= boxes["map"][0] and boxes["map"][1] <= height, boxes
        assert boxes["next"][1] <= height and boxes["prev"][1] <= height, boxes
        assert boxes["text"] + 3 * 24 <= height, f"step {i + 1}: the narrative starts below the screen: {boxes}"
        seen.append(round(boxes["next"][0]))
        if i == 0:
            page.screenshot(path=artifacts / f"story-journey-360-{lang}.png")
        if i < len(story["journey"]):
            page.click("#next")
            page.evaluate("document.querySelector('#journey-title').scrollIntoView()")
    assert len(set(seen)) == 1, f"Next moved between steps: {seen}"


@pytest.mark.parametrize("lang", ["en", "th"])
def test_nothing_overflows_at_320px(portal, samples, new_page, lang):
    page = new_page(viewport={"width": 320, "height": 640})
    for path in [
        "/",
        story_url(portal, samples[0]["id"]).removeprefix(portal),
        "/about.html",
        "/money.html",
        "/faq.html",
        "/privacy.html",
        "/contact.html",
    ]:
        page.goto(f"{portal}{path}{'&' if '?' in path else '?'}lang={lang}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide"
        if "story.html" in path:
            page.click("#intro-donate")  # the donation form too
            expect(page.locator("#donate-title")).to_be_focused()
            page.wait_for_selector("#card input")
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the donation form overflows"
