"""Headers from one file: every page carries the headers web/staticwebapp.config.json declares (as
Azure Static Web Apps sends them; devhost reads the same file), a framing attempt is refused, the
pages run under their policy without a violation (map, Stripe.js, the proof-of-work worker), the
404 page answers unknown addresses, and the API's JSON answers carry their own strict headers and
are not compressed (the Functions host on Linux does not compress)."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from playwright.sync_api import expect

from .portal import ROOT, run_axe, story_url

CONFIG = json.loads((ROOT / "web" / "staticwebapp.config.json").read_text())
PAGE_HEADERS = next(r["headers"] for r in CONFIG["routes"] if r["route"] == "/*.html")
PAGES = ["/", "/about.html", "/money.html", "/faq.html", "/privacy.html", "/contact.html"]
VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def check_page_headers(headers: dict, asset_host: str, stripe_host: str) -> None:
    csp = headers["content-security-policy"]
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in csp.split(";")) if d)
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["worker-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in directives["script-src"]
    # only our origin, the asset storage's and Stripe's (here: the local stand-in's too)
    for directive in ("script-src", "connect-src", "img-src", "frame-src"):
        for source in directives[directive].split():
            hashed = directive == "script-src" and source.startswith("'sha256-")  # web/js/lang.js, inline
            assert source == "'self'" or hashed or asset_host in source or "stripe.com" in source or stripe_host in source, (
                f"{directive}: {source}"
            )
    assert asset_host in directives["connect-src"] and asset_host in directives["img-src"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == PAGE_HEADERS["Referrer-Policy"]
    assert headers["permissions-policy"] == PAGE_HEADERS["Permissions-Policy"]


@pytest.mark.parametrize("path", PAGES + ["story"])
def test_every_page_carries_the_headers_of_the_config_file(portal, samples, asset_host, stripe_host, page, path):
    page.add_init_script(VIOLATIONS)
    url = story_url(portal, samples[0]["id"]) if path == "story" else f"{portal}{path}"
    response = page.goto(url)
    assert response.status == 200
    check_page_headers(response.all_headers(), asset_host, stripe_host)
    page.wait_for_load_state("networkidle")
    if path == "story":
        page.wait_for_selector(".leaflet-pane path")  # the basemap from the asset storage
        page.click("#intro-donate")  # Stripe.js and the proof-of-work worker
        page.locator("#card input").first.wait_for()
        page.wait_for_function("() => document.querySelector('#donate-submit') && !document.querySelector('#donate-submit').disabled")
    assert page.evaluate("window.__csp") == [], "the page broke its own policy"


def test_unknown_addresses_get_the_404_page_with_the_same_headers(portal, asset_host, stripe_host, page):
    response = page.goto(f"{portal}/no-such-page.html?lang=th")
    assert response.status == 404
    check_page_headers(response.all_headers(), asset_host, stripe_host)
    expect(page.locator("[data-lang='th'] h1")).to_have_text("ไม่พบหน้านี้")
    assert run_axe(page) == []
    page.click("#lang-switch")
    expect(page.locator("[data-lang='en'] h1")).to_have_text("This page does not exist")
    assert run_axe(page) == []
    for hidden in ("/staticwebapp.config.json", "/package.json"):
        assert requests.get(f"{portal}{hidden}", timeout=10).status_code == 404


def test_a_framing_attempt_is_refused(portal, samples, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
        page.set_content(f'<iframe id="f" src="{story_url(portal, samples[0]["id"])}" width="800" height="600"></iframe>')
        page.wait_for_timeout(1500)
        frame = page.frame_locator("#f")
        assert frame.locator("#main").count() == 0, "the story page rendered inside another site's frame"
        child = [f for f in page.frames if f != page.main_frame]
        assert child and not child[0].url.startswith(portal), child[0].url
    finally:
        context.close()


def test_api_answers_are_strict_and_compressed_by_the_app_static_files_by_the_host(portal, samples):
    # devhost compresses static files only, as Static Web Apps does; the Functions host compresses
    # nothing, so the app gzips its own large JSON answers (functions/http.py), and only those
    for path, zipped in (("/api/stories", True), (f"/api/stories/{samples[0]['id']}", True), ("/api/stories/nosuchstory00000", False)):
        response = requests.get(f"{portal}{path}", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert (response.headers.get("Content-Encoding") == "gzip") is zipped, path
        body = response.raw.read()
        json.loads(gzip.decompress(body) if zipped else body)
    page = requests.get(f"{portal}/js/journey.js", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    assert page.headers["Content-Encoding"] == "gzip" and gzip.decompress(page.raw.read()).startswith(b"//")
    # Scripts, styles and data are never sniffed; the page policies ride on the pages only (every
    # header on every file would cost the story page ~20 KB over HTTP/1.1).
    assert page.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" not in page.headers
