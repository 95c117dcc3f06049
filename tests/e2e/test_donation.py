"""The donation step, end to end: the page creates the donation through the API, pays with
localstripe's Stripe.js, localstripe's signed webhook runs the queue pipeline, and the need's
progress bar on the page shows the new amount. A declined card says so and changes nothing."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .portal import api_get, money, story_url

GIFT = 2500  # 25.00 USD


def open_need(samples, currency: str, at_least: int) -> tuple[dict, dict]:
    """A sample story in `currency` and one of its open needs with at least `at_least` still to raise."""
    for summary in samples:
        if summary["currency"] != currency:
            continue
        for need in summary["needs"]:
            if need["open"] and need["remaining"] >= at_least:
                return summary, need
    raise AssertionError(f"no {currency} story has an open need with {at_least} to raise")


def current_need(portal, story_id: str, key: str) -> dict:
    story = api_get(portal, f"/stories/{story_id}")
    return next(n for n in story["needs"] if n["need"] == key)


def give(page, need_key: str, preset: str, card_number: str) -> None:
    """Open the donation step from the need's own button, choose a preset amount, pay by card."""
    page.locator(f"#needs-list li:has([data-need='{need_key}']) button").click()
    expect(page.locator("#donate-title")).to_be_focused()
    expect(page.locator(f"#donate-form input[name=need][value='{need_key}']")).to_be_checked()
    page.locator(".chip", has_text=re.compile(f"^{re.escape(preset)}$")).click()
    expect(page.locator("#donate-submit")).to_have_text(f"Give {preset}")
    card = page.locator("#card")
    card.locator("input").first.wait_for()  # Stripe.js loaded and the card element mounted
    # localstripe's card element: plain inputs named by their placeholders
    card.locator("input[placeholder=number]").fill(card_number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10110")
    page.click("#donate-submit")


def test_donating_25_usd_shows_success_and_the_new_progress(portal, samples, stripe_host, page, artifacts):
    summary, need = open_need(samples, "USD", GIFT)
    before = current_need(portal, summary["id"], need["need"])
    requested = []
    page.on("request", lambda r: requested.append(r))

    page.goto(story_url(portal, summary["id"]))
    bar = page.locator(f"#needs-list [data-need='{need['need']}']")
    expect(bar.locator(".need-amount")).to_have_text(f"{money(before['raised'], 'USD')} of {money(before['goal'], 'USD')}")
    give(page, need["need"], "$25", "4242424242424242")

    expect(page.locator("#donate-success")).to_contain_text("Thank you! Your gift of $25 went through.", timeout=20_000)
    raised = before["raised"] + GIFT
    # the page polls the story until the webhook → queue → Cosmos DB pipeline has counted the gift
    expect(bar.locator(".need-amount")).to_have_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}",
                                                     timeout=45_000)
    expect(bar.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", str(min(raised, before["goal"])))
    expect(page.locator("#donate-success")).to_contain_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}")
    page.locator("#donate").screenshot(path=artifacts / "donation-success.png")
    assert current_need(portal, summary["id"], need["need"])["raised"] == raised

    # The donation went to the API with a fresh Idempotency-Key; Stripe.js came from configuration.
    posts = [r for r in requested if r.method == "POST" and r.url.endswith("/api/donations")]
    assert len(posts) == 1
    assert len(posts[0].headers.get("idempotency-key", "")) >= 16
    body = posts[0].post_data_json
    assert body == {"story_id": summary["id"], "need": need["need"], "amount": GIFT, "currency": "USD",
                    "anonymous": True}
    assert any(stripe_host in r.url and "/js.stripe.com/v3/" in r.url for r in requested)


def test_a_declined_card_says_so_and_funds_nothing(portal, samples, page):
    summary, need = open_need(samples, "USD", GIFT)
    before = current_need(portal, summary["id"], need["need"])

    page.goto(story_url(portal, summary["id"]))
    # localstripe declines charges to 4000 0000 0000 0341 (Stripe's "charge fails" test card)
    give(page, need["need"], "$25", "4000000000000341")

    message = page.locator("#donate-message")
    expect(message).to_have_text(
        "Your card was declined, so no money was taken. Please try another card or contact your bank.", timeout=20_000)
    expect(page.locator("#donate-success")).to_be_hidden()
    expect(page.locator("#donate-submit")).to_be_enabled()  # the donor can try another card

    time.sleep(6)  # longer than the pipeline takes for a successful payment
    after = current_need(portal, summary["id"], need["need"])
    assert after["raised"] == before["raised"]
    assert after["donor_count"] == before["donor_count"]
    bar = page.locator(f"#needs-list [data-need='{need['need']}'] .need-amount")
    expect(bar).to_have_text(f"{money(before['raised'], 'USD')} of {money(before['goal'], 'USD')}")


def test_an_amount_above_what_is_still_needed_is_offered_as_the_remainder(portal, samples, page):
    summary, need = open_need(samples, "USD", 100)
    page.goto(story_url(portal, summary["id"]))
    page.locator(f"#needs-list li:has([data-need='{need['need']}']) button").click()
    page.locator(".chip", has_text="Other amount").click()
    page.fill("#d-other", str(need["remaining"] // 100 + 1000))
    page.click("#donate-submit")
    remaining = money(need["remaining"], "USD")
    expect(page.locator("#donate-message")).to_have_text(
        f"Only {remaining} is still needed for this. We have set your gift to that amount.")
    expect(page.locator("#donate-submit")).to_have_text(f"Give {remaining}")
