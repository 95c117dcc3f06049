"""Browser tests of the donor portal: Playwright for Python driving Debian's Chromium against devhost
(the function app + web/ on the test port), with the sample stories seeded."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .portal import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, ROOT, api_get


@pytest.fixture(scope="session")
def portal(api, stack):
    """The portal's base URL, with web/vendor/ built and the sample stories loaded."""
    if not (ROOT / "web" / "vendor" / "map.js").exists():
        subprocess.run(["make", "-s", "web"], cwd=ROOT, check=True)
    from ops.seed import seed

    seed(progress=lambda _: None)
    return api


@pytest.fixture
def samples(portal) -> list[dict]:
    """The published sample stories as the list API gives them now (newest first); other tests may
    publish stories of their own, which these tests leave alone."""
    from ops.seed import load_samples

    ids = {story.id for story, _ in load_samples()}
    return [s for s in api_get(portal, "/stories?limit=50")["items"] if s["id"] in ids]


@pytest.fixture(scope="session")
def asset_host(stack) -> str:
    """host:port of the asset storage (Azurite's blob endpoint in tests)."""
    conn = dict(part.split("=", 1) for part in stack.values["AzureWebJobsStorage"].split(";") if "=" in part)
    return urlsplit(conn["BlobEndpoint"]).netloc


@pytest.fixture(scope="session")
def stripe_host(stack) -> str:
    return urlsplit(stack.values["STRIPE_JS_URL"]).netloc


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=..., lang=...) -> a page in a fresh context (empty cache, empty storage).
    Uncaught page errors fail the test."""
    contexts, errors = [], []

    def make(viewport=DESKTOP, locale="en-US"):
        context = browser.new_context(viewport=viewport, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
