"""The story map: from the list to a story, every milestone with the Next button and again with the
arrow keys (narrative panel, highlighted icon, the map flying there), icons and the text list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .portal import DESKTOP, PHONE, api_get, map_settled, money, period, story_url


def current_icon(page) -> dict:
    """The highlighted milestone icon(s) on the map."""
    return page.eval_on_selector_all(
        ".leaflet-marker-icon.is-current",
        "els => els.map(e => ({alt: e.getAttribute('alt'), order: e.dataset.order, width: e.getBoundingClientRect().width}))",
    )


def icon_in_view(page, order: int) -> None:
    """The map has flown so that milestone `order`'s icon sits well inside the map."""
    page.wait_for_function(
        """(order) => {
            const map = document.querySelector('#map').getBoundingClientRect();
            const icon = document.querySelector(`.leaflet-marker-icon[data-order="${order}"]`).getBoundingClientRect();
            const x = icon.left + icon.width / 2, y = icon.bottom;
            return x > map.left + map.width * 0.2 && x < map.right - map.width * 0.2
                && y > map.top + map.height * 0.2 && y < map.bottom - map.height * 0.2;
        }""",
        arg=order,
        timeout=5000,
    )


def check_milestone(page, story: dict, i: int) -> None:
    m = story["journey"][i]
    n = len(story["journey"])
    panel = page.locator("#narrative")
    expect(page.locator("#narrative-title")).to_have_text(m["title"])
    expect(panel.locator(".narrative-meta")).to_have_text(f"{period(m['period'])} · {m['place']}")
    expect(panel.locator(".narrative-text")).to_have_text(m["narrative"])
    expect(page.locator("#step-count")).to_have_text(f"Step {i + 1} of {n}")
    if m["image"]:
        expect(panel.locator(".narrative-image")).to_have_attribute("alt", m["image"]["alt"])
    current = page.locator(".leaflet-marker-icon.is-current")
    expect(current).to_have_count(1)  # the map is drawn just after the panel
    expect(current).to_have_attribute("alt", f"{m['order']}. {m['title']}")
    icons = current_icon(page)
    assert icons[0]["width"] > 40  # drawn larger than the others (32 px)
    assert page.locator(".leaflet-marker-icon.milestone-icon").count() == n
    expect(page.locator(f"#steps-list li[data-index='{i}']")).to_have_attribute("aria-current", "step")
    expect(page.locator("#steps-list li[aria-current]")).to_have_count(1)
    if i:
        expect(page.locator("#prev")).to_be_enabled()
    else:
        expect(page.locator("#prev")).to_be_disabled()


def check_closing_card(page, story: dict) -> None:
    expect(page.locator("#narrative-title")).to_have_text(f"Where {story['pseudonym']} is now")
    for need in story["needs"]:
        amount = f"{money(need['raised'], story['currency'])} of {money(need['goal'], story['currency'])}"
        expect(page.locator(f"#narrative [data-need='{need['need']}'] .need-amount")).to_have_text(amount)
    expect(page.locator("#narrative button")).to_have_text(f"Give to {story['pseudonym']}'s next step")
    expect(page.locator("#next")).to_be_disabled()
    assert current_icon(page) == []


def test_follow_every_milestone_with_next_and_with_the_keys(portal, samples, page):
    chosen = samples[0]
    story = api_get(portal, f"/stories/{chosen['id']}")
    n = len(story["journey"])
    assert n >= 3

    page.goto(f"{portal}/?limit=50")
    page.get_by_role("link", name=f"Read {chosen['pseudonym']}'s journey").click()
    page.wait_for_url(f"**/story.html?id={chosen['id']}")
    expect(page.locator("h1")).to_have_text(f"{chosen['pseudonym']}'s journey")
    # Step changes are announced briefly in a live region of their own; the panel is not live, so
    # refreshing it (new funding, another language) does not read the whole milestone out again.
    expect(page.locator("#step-announce")).to_have_attribute("aria-live", "polite")
    assert page.locator("#narrative").get_attribute("aria-live") is None
    expect(page.locator("#steps-list > li")).to_have_count(n)
    assert page.locator("#steps-list h3").all_text_contents() == [m["title"] for m in story["journey"]]

    # With the Next button
    check_milestone(page, story, 0)
    for i in range(1, n):
        page.click("#next")
        check_milestone(page, story, i)
        expect(page.locator("#step-announce")).to_have_text(f"Step {i + 1} of {n}: {story['journey'][i]['title']}")
        icon_in_view(page, story["journey"][i]["order"])
    page.click("#next")
    check_closing_card(page, story)
    expect(page.locator("#step-announce")).to_have_text(f"Where {story['pseudonym']} is now")

    # Back to the start with ←, then through again with → only
    page.locator("h1").click()  # focus on the page, not on a button
    for i in range(n - 1, -1, -1):
        page.keyboard.press("ArrowLeft")
        check_milestone(page, story, i)
    page.keyboard.press("ArrowLeft")  # already at the first: stays
    check_milestone(page, story, 0)
    for i in range(1, n):
        page.keyboard.press("ArrowRight")
        check_milestone(page, story, i)
        icon_in_view(page, story["journey"][i]["order"])
    page.keyboard.press("ArrowRight")
    check_closing_card(page, story)

    # Another language redraws the panel in place without announcing the step again.
    page.click("#lang-switch")
    expect(page.locator("#narrative-title")).to_have_text(f"{story['pseudonym']}ในวันนี้")
    expect(page.locator("#step-announce")).to_have_text(f"Where {story['pseudonym']} is now")


def test_icons_and_the_text_list_move_to_a_milestone(portal, samples, page):
    story = api_get(portal, f"/stories/{samples[1]['id']}")
    page.goto(story_url(portal, story["id"]))
    check_milestone(page, story, 0)

    # Click an icon on the map (force: icons of nearby places may overlap)
    page.locator(".leaflet-marker-icon[data-order='3']").click(force=True)
    check_milestone(page, story, 2)
    icon_in_view(page, 3)

    # An icon is a button for the keyboard too
    page.locator(".leaflet-marker-icon[data-order='5']").focus()
    page.keyboard.press("Enter")
    check_milestone(page, story, 4)

    # The text list: "Show on the map" moves there and puts focus on the narrative
    page.locator("#steps-list li[data-index='1'] .link-button").click()
    check_milestone(page, story, 1)
    assert page.evaluate("document.activeElement.id") == "narrative-title"

    # The arrow keys leave form fields alone
    page.click("#intro-donate")
    page.locator("#d-email").focus()
    page.keyboard.press("ArrowRight")
    check_milestone(page, story, 1)


def test_an_unknown_story_says_so(portal, page):
    page.goto(story_url(portal, "nosuchstory00000"))
    expect(page.locator("#story-status")).to_contain_text("This story is not available")
    expect(page.locator("#story")).to_be_hidden()


def test_story_page_in_thai(portal, samples, page):
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    dated = next(m for m in story["journey"] if "-" in m["period"])
    page.goto(f"{portal}/")
    page.click("#lang-switch")
    page.goto(story_url(portal, story["id"]))
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("h1")).to_have_text(f"เส้นทางของ{story['pseudonym']}")
    expect(page.locator("#next")).to_contain_text("ถัดไป")
    expect(page.locator("#step-count")).to_have_text(f"ขั้นที่ 1 จาก {len(story['journey'])}")
    for button, name in ((".leaflet-control-zoom-in", "ขยายแผนที่"), (".leaflet-control-zoom-out", "ย่อแผนที่")):
        expect(page.locator(button)).to_have_attribute("aria-label", name)
        expect(page.locator(button)).to_have_attribute("title", name)
    page.locator(f"#steps-list li[data-index='{dated['order'] - 1}'] .link-button").click()
    # Thai months, Buddhist-era years: 2022-03 -> มีนาคม 2565
    year, month = map(int, dated["period"].split("-"))
    thai_months = [
        "มกราคม",
        "กุมภาพันธ์",
        "มีนาคม",
        "เมษายน",
        "พฤษภาคม",
        "มิถุนายน",
        "กรกฎาคม",
        "สิงหาคม",
        "กันยายน",
        "ตุลาคม",
        "พฤศจิกายน",
        "ธันวาคม",
    ]
    expect(page.locator(".narrative-meta time")).to_have_text(f"{thai_months[month - 1]} {year + 543}")


HIT = """(order) => {
    const icon = document.querySelector(`.leaflet-marker-icon[data-order="${order}"]`);
    const map = document.querySelector('#map').getBoundingClientRect();
    const r = icon.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const inside = x > map.left && x < map.right && y > map.top && y < map.bottom;
    return inside && document.elementFromPoint(x, y) === icon;
}"""

UNCOVERED = """() => [...document.querySelectorAll('.leaflet-marker-icon.milestone-icon')].map((icon) => {
    const r = icon.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {order: icon.dataset.order, width: r.width, height: r.height, hit: hit === icon};
})"""


def whole_route(page) -> None:
    page.locator(".map-whole a").click()
    map_settled(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_every_milestone_icon_of_every_story_can_be_clicked(portal, samples, new_page, viewport):
    page = new_page(viewport=viewport)
    page.emulate_media(reduced_motion="reduce")  # the map jumps instead of flying: quicker to settle
    for summary in samples:
        story = api_get(portal, f"/stories/{summary['id']}")
        page.goto(story_url(portal, story["id"]))
        expect(page.locator("#narrative-title")).to_have_text(story["journey"][0]["title"])
        page.locator("#map").scroll_into_view_if_needed()
        whole_route(page)
        # With the whole route in view, no icon covers another: each one's centre is its own, and
        # each is at least 24×24 px.
        icons = page.evaluate(UNCOVERED)
        assert len(icons) == len(story["journey"])
        for icon in icons:
            assert icon["hit"], f"{story['pseudonym']}: icon {icon['order']} is covered"
            assert icon["width"] >= 24 and icon["height"] >= 24, icon
        for m in reversed(story["journey"]):  # from the last, so that the first step's state changes too
            icon = page.locator(f".leaflet-marker-icon[data-order='{m['order']}']")
            if not page.evaluate(HIT, m["order"]):
                whole_route(page)
            icon.click()  # the mouse, at the icon's centre: nothing may be on top of it
            expect(page.locator("#narrative-title")).to_have_text(m["title"])
            expect(page.locator("#narrative .narrative-text")).to_have_text(m["narrative"])
            expect(icon).to_have_attribute("aria-current", "step")
            expect(page.locator(".leaflet-marker-icon[aria-current]")).to_have_count(1)
            map_settled(page)


def test_the_map_names_countries_draws_borders_and_has_a_legend(portal, samples, page):
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    page.goto(story_url(portal, story["id"]))
    page.wait_for_selector(".country-name")
    kinds = list(dict.fromkeys(m["kind"] for m in story["journey"]))
    expect(page.locator("#map-legend li")).to_have_count(len(kinds))
    names = [n for n in page.locator(".country-label:not([hidden]) .country-name").all_text_contents() if n]
    assert "Thailand" in names or "Myanmar (Burma)" in names or "Cambodia" in names, names
    assert page.locator(".leaflet-land-pane path[stroke-dasharray]").count() == 1  # the borders
    # No tiles, no web fonts: the names are text in the page's own fonts.
    assert page.evaluate("document.fonts.size") == 0
    # The map stops at the zoom its data can show.
    for _ in range(8):
        if page.locator(".leaflet-control-zoom-in.leaflet-disabled").count():
            break
        page.locator(".leaflet-control-zoom-in").click()
        map_settled(page)
    assert page.evaluate("document.querySelector('.leaflet-control-zoom-in').classList.contains('leaflet-disabled')")
    page.click("#lang-switch")
    expect(page.locator("#map-legend h3")).to_have_text("สัญลักษณ์บนแผนที่")
