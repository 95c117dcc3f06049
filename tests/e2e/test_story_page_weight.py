"""What the story page loads: nothing from hosts other than the portal's and the asset storage's,
at most 100 KB transferred (as the browser received it: compressed, headers included) for HTML,
JS, CSS, JSON, icons and the basemap; how soon the first milestone's narrative shows; screenshots
of the list and the story map."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .portal import DESKTOP, PHONE, api_get, map_settled, story_url

BUDGET = 100_000  # bytes on the wire (issue #12: at most 100 KB with the basemap)


def walk_the_journey(page) -> None:
    while page.locator("#next").is_enabled():
        page.click("#next")
    for step in page.locator("#steps-list li").all():  # the text list's lazy images load in view
        step.scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('#steps-list img')].every(i => i.complete)")


def test_story_page_requests_only_the_portal_and_the_asset_storage(portal, samples, asset_host, stripe_host, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    story_id = samples[0]["id"]
    page.goto(story_url(portal, story_id))
    page.wait_for_selector(".leaflet-pane path")  # the basemap arrived and is drawn
    walk_the_journey(page)
    page.wait_for_load_state("networkidle")

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    portal_host = urlsplit(portal).netloc
    assert hosts == {portal_host, asset_host}, f"unexpected hosts: {hosts - {portal_host, asset_host}}"
    assert any("/basemap/" in url for url in requested)
    assert not any(stripe_host in url for url in requested), "Stripe.js is loaded only on the donation step"


def test_story_page_weight_time_to_narrative_and_screenshots(portal, samples, asset_host, new_page, artifacts, capsys):
    story = api_get(portal, f"/stories/{samples[0]['id']}")
    first = story["journey"][0]

    list_page = new_page()
    list_page.goto(f"{portal}/")
    expect(list_page.locator(".story-card img").first).to_be_visible()
    list_page.wait_for_load_state("networkidle")
    list_page.screenshot(path=artifacts / "list.png", full_page=True)

    page = new_page(viewport=DESKTOP)
    responses = []
    page.on("response", lambda response: responses.append(response))
    started = time.monotonic()
    page.goto(story_url(portal, story["id"]), wait_until="commit")
    # performance.now() counts from the navigation's start
    visible_at_ms = page.wait_for_function(
        """(title) => {
            const h = document.querySelector('#narrative-title');
            const text = document.querySelector('.narrative-text');
            const shown = h && text && h.textContent === title && text.offsetHeight > 0;
            return shown ? performance.now() : false;
        }""",
        arg=first["title"],
        polling="raf",
    ).json_value()
    wall_ms = (time.monotonic() - started) * 1000
    page.wait_for_selector(".leaflet-pane path")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts / "story-desktop-full.png", full_page=True)
    page.evaluate("document.querySelector('#journey-title').scrollIntoView()")
    page.click("#next")
    map_settled(page)  # the map's flight has ended
    page.screenshot(path=artifacts / "story-map-desktop.png")

    # What went over the wire (Chromium's counts: the body as sent, compressed or not, plus headers).
    budget, images, rows = 0, 0, []
    for response in responses:
        sizes = response.request.sizes()
        sent = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        path = urlsplit(response.url).path
        if urlsplit(response.url).netloc == asset_host and "/stories/" in path:
            images += sent
            continue
        budget += sent
        kind = (response.headers.get("content-type") or "").split(";")[0]
        decoded = len(response.body()) if response.status == 200 else 0
        rows.append((sent, decoded, response.headers.get("content-encoding", "-"), kind, path.rsplit("/", 1)[-1] or "/"))

    phone = new_page(viewport=PHONE)
    phone.goto(story_url(portal, story["id"]))
    phone.wait_for_selector(".leaflet-pane path")
    phone.evaluate("document.querySelector('#journey-title').scrollIntoView()")
    map_settled(phone)
    phone.screenshot(path=artifacts / "story-map-360.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "nothing overflows 360 px"

    report = [
        f"story page: {len(responses)} responses; HTML+JS+CSS+JSON+icons+basemap {budget / 1000:.1f} KB "
        f"transferred (budget {BUDGET / 1000:.0f} KB), story images {images / 1000:.1f} KB",
        f"first milestone's narrative visible {visible_at_ms:.0f} ms after navigation start "
        f"({wall_ms:.0f} ms wall clock incl. the test's overhead)",
        f"  {'sent':>10} {'decoded':>10}  {'encoding':8} {'type':24} file",
    ]
    report += [
        f"  {sent / 1000:7.1f} KB {raw / 1000:7.1f} KB  {enc:8} {kind:24} {name}"
        for sent, raw, enc, kind, name in sorted(rows, reverse=True)
    ]
    (artifacts / "story-page-weight.txt").write_text("\n".join(report) + "\n")
    with capsys.disabled():
        print("\n" + "\n".join(report))
    assert budget <= BUDGET
    assert visible_at_ms < 5000
