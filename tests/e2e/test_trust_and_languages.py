"""Trust and languages: the partner organisation and who checked each story, the static pages
(About, How your money reaches them, FAQ, Privacy, Contact) linked from every footer in English and
Thai, story texts in Thai where a translation exists (each element marked with the language it is
really in), ?lang=th honoured and kept in every link, axe on every page in both languages."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .portal import PHONE, ROOT, api_get, period, run_axe, story_url

PAGES = ["about.html", "money.html", "faq.html", "privacy.html", "contact.html"]
SAMPLES = ROOT / "sample_data" / "stories"


def sample(story_id: str) -> dict:
    return json.loads((SAMPLES / f"{story_id}.json").read_text())


def partly_thai(samples) -> tuple[dict, dict]:
    """A published sample with some milestones translated into Thai and some not, and its file."""
    for s in samples:
        th = sample(s["id"]).get("translations", {}).get("th", {})
        translated = {int(k.split(".")[1]) for k in th if re.fullmatch(r"journey\.\d+\.narrative", k)}
        if translated and len(translated) < len(sample(s["id"])["journey"]):
            return s, sample(s["id"])
    raise AssertionError("no sample story is partly translated")


def assert_no_violations(violations: list[dict]) -> None:
    assert not violations, "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations)


def test_a_story_names_its_partner_and_who_checked_it(portal, samples, page):
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    assert story["partner"] and story["verified_by"] and story["verified"]
    page.goto(story_url(portal, story["id"]))
    trust = page.locator("#story-trust")
    expect(trust).to_contain_text(f"Supported on the ground by {story['partner']}.")
    expect(trust).to_contain_text(f"Story checked against the case file by {story['verified_by']}, {period(story['verified'])}.")
    money_link = trust.get_by_role("link", name="How your money reaches them")
    expect(money_link).to_have_attribute("href", "money.html")  # English: no lang in the address


def test_thai_story_texts_are_marked_thai_and_english_ones_english(portal, samples, page):
    summary, doc = partly_thai(samples)
    story = api_get(portal, f"/stories/{summary['id']}")
    th = doc["translations"]["th"]
    page.goto(f"{story_url(portal, story['id'])}&lang=th")  # a shared link, in a browser set to English
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("#story-headline")).to_have_text(th["headline"])
    expect(page.locator("#story-headline")).to_have_attribute("lang", "th")
    # the first milestone has a Thai text
    expect(page.locator("#narrative .narrative-text")).to_have_text(th["journey.1.narrative"])
    expect(page.locator("#narrative .narrative-text")).to_have_attribute("lang", "th")
    expect(page.locator("#narrative-title")).to_have_attribute("lang", "th")
    # a later one has none: its English text says it is English
    untranslated = next(m for m in story["journey"] if f"journey.{m['order']}.narrative" not in th)
    page.locator(f"#steps-list li[data-index='{untranslated['order'] - 1}'] .link-button").click()
    expect(page.locator("#narrative .narrative-text")).to_have_text(untranslated["narrative"])
    expect(page.locator("#narrative .narrative-text")).to_have_attribute("lang", "en")
    expect(page.locator("#narrative-title")).to_have_attribute("lang", "en")
    expect(page.locator(f"#steps-list li[data-index='{untranslated['order'] - 1}'] h3")).to_have_attribute("lang", "en")
    # The interface around it is Thai, and every link to our pages keeps the language.
    expect(page.locator("#next")).to_contain_text("ถัดไป")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    own = [h for h in hrefs if not re.match(r"^(#|[a-z]+:|//)", h)]
    assert own and all(parse_qs(urlsplit(h).query).get("lang") == ["th"] for h in own), own
    # Switching to English: the texts follow, marked English.
    page.click("#lang-switch")
    expect(page.locator("#story-headline")).to_have_text(story["headline"])
    expect(page.locator("#story-headline")).to_have_attribute("lang", "en")
    assert "lang=th" not in page.url


def test_the_list_in_thai_from_the_address_keeps_the_language(portal, samples, page):
    summary, doc = partly_thai(samples)
    page.goto(f"{portal}/?lang=th&limit=50")
    card = page.locator(f"article[aria-labelledby='name-{summary['id']}']")
    expect(card.locator(".story-headline")).to_have_text(doc["translations"]["th"]["headline"])
    expect(card.locator(".story-headline")).to_have_attribute("lang", "th")
    card.locator(".story-cta").click()
    page.wait_for_url(re.compile(r"story\.html\?id=\w+&lang=th$"))
    expect(page.locator("html")).to_have_attribute("lang", "th")


@pytest.mark.parametrize("path", PAGES)
def test_static_pages_in_both_languages_linked_from_every_footer(portal, page, path):
    page.goto(f"{portal}/{path}")
    expect(page.locator("[data-lang='en'] h1")).to_be_visible()
    expect(page.locator("[data-lang='th']")).to_be_hidden()
    assert page.locator("meta[name=description]").get_attribute("content")
    assert page.locator(".footer-nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))") == PAGES
    expect(page.locator(f".footer-nav a[href='{path}']")).to_have_attribute("aria-current", "page")
    assert_no_violations(run_axe(page))
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("[data-lang='th'] h1")).to_be_visible()
    expect(page.locator("[data-lang='en']")).to_be_hidden()
    assert page.url.endswith(f"{path}?lang=th")
    assert page.locator(".footer-nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))") == [f"{p}?lang=th" for p in PAGES]
    assert_no_violations(run_axe(page))


def test_a_thai_reader_never_sees_the_english_of_the_html_first(portal, page):
    """js/lang.js marks the page before it is drawn; while the Thai strings are on their way (held
    here until the checks are done) the English texts wait hidden and the Thai blocks already show."""
    held = []
    page.route("**/js/strings/th.js", lambda route: held.append(route))  # answered when released below
    page.goto(f"{portal}/about.html?lang=th", wait_until="domcontentloaded")
    page.wait_for_timeout(300)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "th")
    expect(html).to_have_class(re.compile(r"\bi18n-pending\b"))
    nav = page.locator(".footer-nav a").first
    assert nav.evaluate("e => getComputedStyle(e).visibility") == "hidden"  # not "About us" in English
    expect(page.locator('[data-lang="en"]').first).to_be_hidden()
    expect(page.locator('[data-lang="th"]').first).to_be_visible()
    # once the strings are in, the page is Thai and nothing waits hidden
    assert held, "the Thai strings were not asked for"
    held[0].continue_()
    expect(html).not_to_have_class(re.compile(r"\bi18n-pending\b"), timeout=10_000)
    expect(nav).to_have_text("เกี่ยวกับเรา")
    assert nav.evaluate("e => getComputedStyle(e).visibility") == "visible"


def test_every_page_links_the_static_pages_and_the_money_page_states_the_fees(portal, samples, page):
    for url in (f"{portal}/", story_url(portal, samples[0]["id"])):
        page.goto(url)
        assert page.locator(".footer-nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))") == PAGES
    page.goto(f"{portal}/money.html")
    text = page.locator("[data-lang='en']").inner_text()
    assert "Stripe" in text and "Our fee" in text and "partner organisation" in text


@pytest.mark.parametrize("lang", ["en", "th"])
@pytest.mark.parametrize("width", [1280, 360])
def test_axe_on_the_list_and_a_translated_story(portal, samples, new_page, lang, width):
    page = new_page(viewport={"width": width, "height": 800 if width == 1280 else PHONE["height"]})
    summary, _ = partly_thai(samples)
    page.goto(f"{portal}/?lang={lang}")
    expect(page.locator(".story-card").first).to_be_visible()
    assert_no_violations(run_axe(page))
    page.goto(f"{story_url(portal, summary['id'])}&lang={lang}")
    expect(page.locator("#narrative-title")).to_be_visible()
    page.wait_for_selector(".leaflet-pane path")
    expect(page.locator("#gifts")).to_be_visible()
    assert_no_violations(run_axe(page))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
