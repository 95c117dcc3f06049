"""Accessibility: axe-core finds no serious or critical violations on the list and story pages
(English and Thai, the journey's closing card, the donation form), and the story works with the
keyboard alone."""

from __future__ import annotations

from playwright.sync_api import expect

from .portal import PHONE, api_get, open_need, run_axe, story_url


def assert_no_violations(violations: list[dict]) -> None:
    assert not violations, "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations)


def test_axe_on_the_list(portal, page):
    page.goto(f"{portal}/")
    expect(page.locator(".story-card").first).to_be_visible()
    assert_no_violations(run_axe(page))


def test_axe_on_the_list_in_thai_at_360px(portal, new_page):
    page = new_page(viewport=PHONE, locale="th-TH")
    page.goto(f"{portal}/")
    expect(page.locator("html")).to_have_attribute("lang", "th")  # from the browser's language
    expect(page.locator(".story-card").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing overflows 360 px"
    assert_no_violations(run_axe(page))


def test_axe_on_the_story_page(portal, samples, page):
    page.goto(story_url(portal, samples[0]["id"]))
    expect(page.locator("#narrative-title")).to_be_visible()
    page.wait_for_selector(".leaflet-pane path")  # the basemap is drawn
    assert_no_violations(run_axe(page))
    # the closing card (needs and the call to donate)
    while page.locator("#next").is_enabled():
        page.click("#next")
    expect(page.locator("#narrative button")).to_be_visible()
    assert_no_violations(run_axe(page))


def test_axe_on_the_story_page_at_360px(portal, samples, new_page):
    page = new_page(viewport=PHONE)
    page.goto(story_url(portal, samples[0]["id"]))
    expect(page.locator("#narrative-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing overflows 360 px"
    assert_no_violations(run_axe(page))


def test_axe_on_the_donation_form(portal, samples, page):
    page.goto(story_url(portal, samples[0]["id"]))
    page.click("#intro-donate")
    expect(page.locator("#donate-title")).to_be_focused()
    # The card field belongs to Stripe.js (an iframe of Stripe's in production), not to us.
    assert_no_violations(run_axe(page, exclude=["#card"]))


def tab_to(page, element_id: str) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_the_journey_works_with_the_keyboard_alone(portal, samples, page):
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    page.goto(story_url(portal, story["id"]))
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][0]["title"])

    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    # Tab on to the Next button and press it with Enter, then with Space.
    tab_to(page, "next")
    # On the way, Tab passed the map's icons (focusable, announced as buttons).
    assert page.locator(".leaflet-marker-icon[role=button][tabindex='0']").count() == len(story["journey"])
    page.keyboard.press("Enter")
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][1]["title"])
    page.keyboard.press("Space")
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][2]["title"])
    # Shift+Tab back to Previous and use it.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "prev"
    page.keyboard.press("Enter")
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][1]["title"])
    # Previous to the first step disables it: focus goes to the panel's title, not to <body>.
    page.keyboard.press("Enter")
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][0]["title"])
    expect(page.locator("#prev")).to_be_disabled()
    expect(page.locator("#narrative-title")).to_be_focused()

    # On with Tab to Next and Enter, to the closing card: Next is disabled there, and focus lands on
    # the call to donate.
    tab_to(page, "next")
    for i in range(1, len(story["journey"])):
        page.keyboard.press("Enter")
        expect(page.locator("#narrative-title")).to_have_text(story["journey"][i]["title"])
        expect(page.locator("#next")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#narrative-title")).to_have_text(f"Where {story['pseudonym']} is now")
    expect(page.locator("#next")).to_be_disabled()
    donate = page.locator("#narrative button")
    expect(donate).to_be_focused()
    # ← from there replaces the panel: focus moves to the new panel's title.
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#narrative-title")).to_have_text(story["journey"][-1]["title"])
    expect(page.locator("#narrative-title")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(donate).to_be_focused()
    page.keyboard.press("Enter")  # the call to donate opens the donation step
    expect(page.locator("#donate-title")).to_be_focused()

    # The skip link jumps over the map to the journey in words.
    page.locator(".skip-map").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#steps")
    assert page.evaluate("document.activeElement.id") == "steps"


def test_not_now_returns_focus_to_a_live_element(portal, samples, page):
    summary, need = open_need(samples, "USD", 100)
    give = page.locator(f"#needs-list [data-give='{need['need']}']")
    page.goto(story_url(portal, summary["id"]))
    give.click()
    expect(page.locator("#donate-title")).to_be_focused()
    page.click("#lang-switch")  # the needs are drawn again, in Thai: the button that opened the form is gone
    page.get_by_role("button", name="ไว้ก่อน").click()  # "Not now"
    expect(page.locator("#donate")).to_be_hidden()
    expect(give).to_be_focused()  # its successor
