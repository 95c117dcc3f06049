"""The donation step, end to end: the page creates the donation through the API, pays with
localstripe's Stripe.js, localstripe's signed webhook runs the queue pipeline, and the need's
progress bar on the page shows the new amount. A declined card says so and changes nothing."""

from __future__ import annotations

import base64
import json
import re

from playwright.sync_api import expect

from .portal import api_get, money, open_need, story_url

GIFT = 2500  # 25.00 USD
DECLINED = "Your card was declined, so no money was taken. Please try another card or contact your bank."


def is_donation_post(response) -> bool:
    return response.url.endswith("/api/donations") and response.request.method == "POST"


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
    pay_with(page, card_number)


def pay_with(page, card_number: str) -> None:
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
    expect(bar.locator(".need-amount")).to_have_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}", timeout=45_000)
    expect(bar.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", str(min(raised, before["goal"])))
    expect(page.locator("#donate-success")).to_contain_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}")
    page.locator("#donate").screenshot(path=artifacts / "donation-success.png")
    assert current_need(portal, summary["id"], need["need"])["raised"] == raised

    # The donation went to the API with a fresh Idempotency-Key; Stripe.js came from configuration.
    posts = [r for r in requested if r.method == "POST" and r.url.endswith("/api/donations")]
    assert len(posts) == 1
    assert len(posts[0].headers.get("idempotency-key", "")) >= 16
    body = posts[0].post_data_json
    challenge = json.loads(base64.b64decode(body.pop("challenge")))  # solved in the browser, nothing to click
    assert challenge["solution"]["derivedKey"].startswith(challenge["challenge"]["parameters"]["keyPrefix"])
    assert body == {"story_id": summary["id"], "need": need["need"], "amount": GIFT, "currency": "USD", "anonymous": True}
    assert any(stripe_host in r.url and "/js.stripe.com/v3/" in r.url for r in requested)


def test_a_declined_card_funds_nothing_and_another_card_then_works(portal, samples, page):
    from shared import store

    summary, need = open_need(samples, "USD", 2 * GIFT)
    story_id, key = summary["id"], need["need"]
    before = current_need(portal, story_id, key)
    ledger_before = len(api_get(portal, f"/stories/{story_id}/funding")["items"])

    page.goto(story_url(portal, story_id))
    # Stripe's generic decline card (the local Stripe declines it as Stripe does)
    with page.expect_response(is_donation_post) as first:
        give(page, key, "$25", "4000000000000002")
    declined = first.value
    assert declined.status == 201
    declined_intent = declined.json()["payment_intent_id"]

    message = page.locator("#donate-message")
    expect(message).to_have_text(DECLINED, timeout=20_000)
    expect(page.locator("#donate-success")).to_be_hidden()
    expect(page.locator("#donate-submit")).to_be_enabled()  # the donor can try another card

    # Another card in the same form: a new attempt with a fresh Idempotency-Key, and it goes through.
    with page.expect_response(is_donation_post) as second:
        pay_with(page, "4242424242424242")
    paid = second.value
    assert paid.status == 201
    paid_intent = paid.json()["payment_intent_id"]
    assert paid_intent != declined_intent
    keys = [r.request.headers.get("idempotency-key") for r in (declined, paid)]
    assert all(keys) and keys[0] != keys[1]
    expect(page.locator("#donate-success")).to_contain_text("Thank you! Your gift of $25 went through.", timeout=20_000)

    # Once the second gift has gone through the pipeline, the first has had every chance to: only
    # the second counts.
    raised = before["raised"] + GIFT
    bar = page.locator(f"#needs-list [data-need='{key}'] .need-amount")
    expect(bar).to_have_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}", timeout=45_000)
    after = current_need(portal, story_id, key)
    assert (after["raised"], after["donor_count"]) == (raised, before["donor_count"] + 1)
    assert len(api_get(portal, f"/stories/{story_id}/funding")["items"]) == ledger_before + 1
    assert store.get_item(story_id, declined_intent) is None, "a funding record for the declined card"
    assert store.get_item(story_id, paid_intent) is not None


def test_an_amount_above_what_is_still_needed_is_offered_as_the_remainder(portal, samples, page):
    summary, need = open_need(samples, "USD", 100)
    page.goto(story_url(portal, summary["id"]))
    page.locator(f"#needs-list li:has([data-need='{need['need']}']) button").click()
    page.locator(".chip", has_text="Other amount").click()
    page.fill("#d-other", str(need["remaining"] // 100 + 1000))
    page.click("#donate-submit")
    remaining = money(need["remaining"], "USD")
    expect(page.locator("#donate-message")).to_have_text(
        f"Only {remaining} is still needed for this. We have set your gift to that amount."
    )
    expect(page.locator("#donate-submit")).to_have_text(f"Give {remaining}")


def test_a_payment_whose_answer_is_lost_is_not_called_unpaid(portal, samples, page):
    """The card is charged but the browser never hears back (the connection drops after Stripe
    confirmed): the page must not say that no money was taken, must not invite a second payment,
    and shows the gift once the pipeline has counted it."""
    summary, need = open_need(samples, "USD", GIFT)
    before = current_need(portal, summary["id"], need["need"])

    def confirm_then_drop(route):
        route.fetch()  # localstripe confirms and charges the card ...
        route.abort("connectionreset")  # ... and the answer is lost

    page.route("**/v1/payment_intents/*/confirm", confirm_then_drop)
    page.goto(story_url(portal, summary["id"]))
    give(page, need["need"], "$25", "4242424242424242")

    message = page.locator("#donate-message")
    expect(message).to_contain_text("We could not confirm your payment. Please do not pay again yet", timeout=20_000)
    expect(message).not_to_contain_text("no money was taken")
    expect(page.locator("#donate-submit")).to_be_disabled()  # while the page checks
    expect(page.locator("#donate-success")).to_contain_text("Thank you! Your gift of $25 went through.", timeout=45_000)
    raised = before["raised"] + GIFT
    bar = page.locator(f"#needs-list [data-need='{need['need']}'] .need-amount")
    expect(bar).to_have_text(f"{money(raised, 'USD')} of {money(before['goal'], 'USD')}")
    assert current_need(portal, summary["id"], need["need"])["raised"] == raised


def totals_text(story: dict) -> str:
    cur = story["currency"]
    donors = "1 donor" if story["donor_count"] == 1 else f"{story['donor_count']} donors"
    return f"{money(story['totals']['raised'], cur)} raised of {money(story['totals']['goal'], cur)} · {donors}"


def test_after_a_gift_the_list_and_the_story_show_the_new_total_at_once(portal, samples, page):
    """The API lets browsers keep its answers for a while (max-age + stale-while-revalidate); after a
    gift the portal reads past that cache, so the donor's own gift shows on the list (back button)
    and on the story opened again, without waiting for the cache to expire."""
    summary, need = open_need(samples, "USD", GIFT)
    page.goto(f"{portal}/?limit=50")
    card = page.locator(f"article[aria-labelledby='name-{summary['id']}']")
    before = api_get(portal, f"/stories/{summary['id']}")
    expect(card.locator(".story-totals")).to_have_text(totals_text(before))  # now in the browser's cache
    card.locator(".story-cta").click()
    page.wait_for_url(f"**/story.html?id={summary['id']}")
    expect(page.locator(".story-totals-text")).to_have_text(totals_text(before))

    give(page, need["need"], "$25", "4242424242424242")
    expect(page.locator("#donate-success")).to_contain_text("Thank you! Your gift of $25 went through.", timeout=20_000)
    after = {
        **before,
        "totals": {**before["totals"], "raised": before["totals"]["raised"] + GIFT},
        "donor_count": before["donor_count"] + 1,
    }
    expect(page.locator(".story-totals-text")).to_have_text(totals_text(after), timeout=45_000)

    # Back to the list: the new total, without waiting for the browser's copy to expire.
    page.go_back()
    expect(card.locator(".story-totals")).to_have_text(totals_text(after), timeout=3000)
    # And the story opened again.
    card.locator(".story-cta").click()
    expect(page.locator(".story-totals-text")).to_have_text(totals_text(after), timeout=3000)


def test_the_thank_you_gives_a_reference_and_the_gift_joins_the_public_ledger(portal, samples, page):
    summary, need = open_need(samples, "USD", GIFT)
    page.goto(story_url(portal, summary["id"]))
    expect(page.locator("#gifts")).to_be_visible()
    page.locator(f"#needs-list li:has([data-need='{need['need']}']) button").click()
    page.locator(".chip", has_text=re.compile(r"^\$25$")).click()
    page.locator("#d-show-name").check()
    page.locator("#d-name").fill("Friend from Chiang Mai")
    page.locator("#d-email").fill("donor@example.com")
    with page.expect_response(is_donation_post) as created:
        pay_with(page, "4242424242424242")
    intent = created.value.json()["payment_intent_id"]

    success = page.locator("#donate-success")
    expect(success).to_contain_text("Thank you! Your gift of $25 went through.", timeout=20_000)
    expect(success.locator(".receipt-ref")).to_have_text(intent)
    expect(success.locator(".receipt-mail")).to_have_text("Stripe, our payment provider, e-mails your receipt to donor@example.com")
    # Once counted, the gift is in the story's recent gifts, under the name the donor chose.
    first = page.locator("#gifts-list li").first
    expect(first.locator(".gift-name")).to_have_text("Friend from Chiang Mai", timeout=45_000)
    expect(first.locator(".gift-amount")).to_have_text("$25")
    ledger = api_get(portal, f"/stories/{summary['id']}/funding")["items"]
    assert any(i["display_name"] == "Friend from Chiang Mai" and i["amount"] == GIFT for i in ledger)
