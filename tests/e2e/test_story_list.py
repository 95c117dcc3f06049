"""The story list: cards as the API describes them, the need and country filters, "show more" by
cursor, and the language switch."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .portal import api_get, money


def card_texts(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".story-card",
        """cards => cards.map(c => ({
            name: c.querySelector(".story-name").textContent,
            origin: c.querySelector(".story-origin").textContent,
            headline: c.querySelector(".story-headline").textContent,
            href: c.querySelector("a.story-cta").getAttribute("href"),
            needs: [...c.querySelectorAll(".need-progress")].map(n => ({
                need: n.dataset.need,
                amount: n.querySelector(".need-amount").textContent,
                now: Number(n.querySelector("[role=progressbar]").getAttribute("aria-valuenow")),
            })),
            totals: c.querySelector(".story-totals").textContent,
            cover: c.querySelector("img").getAttribute("alt"),
        }))""",
    )


def expected_card(story: dict) -> dict:
    cur = story["currency"]
    donors = "1 donor" if story["donor_count"] == 1 else f"{story['donor_count']} donors"
    return {
        "name": story["pseudonym"],
        "origin": story["origin"]["label"],
        "headline": story["headline"],
        "href": f"story.html?id={story['id']}",
        "needs": [
            {"need": n["need"], "amount": f"{money(n['raised'], cur)} of {money(n['goal'], cur)}", "now": min(n["raised"], n["goal"])}
            for n in story["needs"]
        ],
        "totals": f"{money(story['totals']['raised'], cur)} raised of {money(story['totals']['goal'], cur)} · {donors}",
        "cover": story["cover"]["alt"],
    }


def test_list_shows_every_published_story_as_a_card(portal, page):
    stories = api_get(portal, "/stories?limit=50")["items"]
    assert len(stories) >= 6
    page.goto(f"{portal}/?limit=50")
    expect(page.locator("#list-status")).to_have_text(f"Showing all {len(stories)} stories")
    assert card_texts(page) == [expected_card(s) for s in stories]
    expect(page.locator("#more")).to_be_hidden()


def test_filters_by_need_and_country(portal, page):
    page.goto(f"{portal}/")
    expect(page.locator(".story-card").first).to_be_visible()

    everything = api_get(portal, "/stories?limit=50")["items"]
    page.select_option("#f-need", "repatriation")
    wanted = api_get(portal, "/stories?need=repatriation")["items"]
    assert 0 < len(wanted) < len(everything)
    expect(page.locator(".story-card")).to_have_count(len(wanted))
    assert [c["name"] for c in card_texts(page)] == [s["pseudonym"] for s in wanted]
    assert "need=repatriation" in page.url

    page.select_option("#f-need", "")
    page.select_option("#f-country", "KH")
    wanted = api_get(portal, "/stories?country=KH")["items"]
    assert wanted and all(s["origin"]["country"] == "KH" for s in wanted)
    expect(page.locator(".story-card")).to_have_count(len(wanted))
    assert [c["origin"] for c in card_texts(page)] == [s["origin"]["label"] for s in wanted]

    options = page.eval_on_selector_all("#f-country option", "os => os.map(o => o.value).filter(Boolean)")
    nobody = next(c for c in options if not api_get(portal, f"/stories?country={c}")["items"])
    page.select_option("#f-country", nobody)
    expect(page.locator("#list-status")).to_have_text(re.compile("No stories match"))
    expect(page.locator(".story-card")).to_have_count(0)

    # The filters live in the address, so a reload (or a shared link) shows the same list.
    page.reload()
    expect(page.locator("#f-country")).to_have_value(nobody)


def test_show_more_follows_the_cursor(portal, page):
    everything = api_get(portal, "/stories?limit=50")["items"]
    page.goto(f"{portal}/?limit=4")
    expect(page.locator(".story-card")).to_have_count(4)
    expect(page.locator("#list-status")).to_have_text("Showing 4 stories")
    more = page.locator("#more")
    expect(more).to_be_visible()
    more.click()
    expect(page.locator(".story-card")).to_have_count(min(8, len(everything)))
    # Focus moves to the first new card, so keyboard users continue where the new cards start.
    focused = page.evaluate("document.activeElement.closest('.story-card') && document.activeElement.textContent")
    assert focused == f"Read {everything[4]['pseudonym']}'s journey"
    while more.is_visible():
        more.click()
        page.wait_for_function("() => !document.querySelector('#more').disabled")
    expect(page.locator(".story-card")).to_have_count(len(everything))
    assert [c["name"] for c in card_texts(page)] == [s["pseudonym"] for s in everything]
    expect(page.locator("#list-status")).to_have_text(f"Showing all {len(everything)} stories")


def test_language_switch_is_remembered(portal, page):
    page.goto(f"{portal}/")
    expect(page.locator("h1")).to_have_text("Help someone take the next step")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("h1")).to_have_text("ช่วยให้ใครสักคนได้ก้าวต่อไป")
    expect(page.locator(".story-cta").first).to_contain_text("อ่านเส้นทางของ")
    expect(page.locator("#lang-switch")).to_have_text("English")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("h1")).to_have_text("ช่วยให้ใครสักคนได้ก้าวต่อไป")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("localStorage.getItem('sc.lang')") == "en"
