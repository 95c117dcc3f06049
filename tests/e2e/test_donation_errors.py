"""The donation step when the API refuses or cannot be reached (answers faked with page.route): the
donor reads what happened and what to do, in their language, never the server's own text, and can
try again. Also: no attempt before the card form is there, and one attempt at a time."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .portal import api_get, money, open_need, story_url

SERVER_TEXT = "raw server text that the page must not show"


def fake(status: int, **error) -> dict:
    return {"status": status, "content_type": "application/json", "body": json.dumps({"error": {"message": SERVER_TEXT, **error}})}


def open_form(page, portal, story_id: str) -> None:
    page.goto(story_url(portal, story_id))
    page.click("#intro-donate")
    page.locator("#card input").first.wait_for()
    expect(page.locator("#donate-submit")).to_be_enabled()


def answer_donations_with(page) -> dict:
    """Route POST /api/donations to `answer["next"]`: fulfil() arguments, or "abort"."""
    answer = {"next": None, "posts": 0}

    def handle(route):
        answer["posts"] += 1
        answer.setdefault("challenges", []).append((route.request.post_data_json or {}).get("challenge"))
        if answer["next"] == "abort":
            route.abort("connectionrefused")
        else:
            route.fulfill(**answer["next"])

    page.route("**/api/donations", handle)
    return answer


def attempt(page, answer: dict, reply, expected: str) -> None:
    answer["next"] = reply
    page.click("#donate-submit")
    message = page.locator("#donate-message")
    expect(message).to_have_text(expected)
    expect(message).not_to_contain_text(SERVER_TEXT)
    expect(page.locator("#donate-submit")).to_be_enabled()  # the donor can try again
    expect(page.locator("#donate-success")).to_be_hidden()


def test_refusals_and_failures_read_as_what_to_do(portal, samples, page):
    summary, need = open_need(samples, "USD", 2500)
    config = api_get(portal, "/config")
    answer = answer_donations_with(page)
    open_form(page, portal, summary["id"])
    expect(page.locator("#donate-submit")).to_have_text("Give $25")

    attempt(
        page,
        answer,
        fake(503, code="payments_unavailable"),
        "Payments are briefly unavailable, and no money was taken. Please try again in a minute.",
    )
    low, high = money(config["min_amount"]["USD"], "USD"), money(config["max_amount"]["USD"], "USD")
    attempt(
        page,
        answer,
        fake(400, code="amount_out_of_range", parameter="amount"),
        f"Gifts online can be from {low} to {high}. No money was taken.",
    )
    attempt(
        page,
        answer,
        fake(400, code="invalid_field", parameter="email"),
        "Please check the email address and try again. No money was taken.",
    )
    attempt(page, answer, "abort", "We could not reach the server. Check your connection and try again; no money was taken.")
    attempt(
        page,
        answer,
        {"status": 500, "content_type": "text/plain", "body": "Internal Server Error"},
        "Something went wrong on our side, and no money was taken. Please try again in a moment.",
    )
    expect(page.locator("#donate-message")).not_to_contain_text("HTTP")
    # Someone else gave in the meantime: the form offers what is still needed.
    attempt(
        page,
        answer,
        fake(409, code="exceeds_remaining", remaining=1234),
        "Only $12.34 is still needed for this. We have set your gift to that amount.",
    )
    expect(page.locator("#donate-submit")).to_have_text("Give $12.34")
    expect(page.locator(f"#donate-form input[name=need][value='{need['need']}'] ~ * .choice-sub")).to_have_text("$12.34 still needed")
    # The card-testing defence refuses (429): when to try again, in minutes.
    attempt(
        page,
        answer,
        fake(429, code="rate_limited", retry_after=1500),
        "There have been too many donation attempts from your connection, so this one was not started and no "
        "money was taken. Please try again in 25 minutes.",
    )
    attempt(
        page,
        answer,
        fake(429, code="busy", retry_after=40),
        "We are receiving a very large number of donation attempts, so this one was not started and no money "
        "was taken. Please try again in 1 minute.",
    )
    assert answer["posts"] == 8
    # Every attempt carried a solved challenge of its own.
    assert len(set(answer["challenges"])) == 8 and all(answer["challenges"])


def test_refusals_in_thai(portal, samples, new_page):
    page = new_page(locale="th-TH")
    summary, _ = open_need(samples, "USD", 2500)
    answer = answer_donations_with(page)
    open_form(page, portal, summary["id"])
    expect(page.locator("html")).to_have_attribute("lang", "th")

    attempt(page, answer, fake(503, code="payments_unavailable"), "ระบบชำระเงินขัดข้องชั่วคราว ไม่มีการตัดเงิน โปรดลองอีกครั้งในอีกสักครู่")
    attempt(page, answer, fake(400, code="invalid_field", parameter="display_name"), "โปรดตรวจสอบชื่อที่ต้องการแสดงแล้วลองอีกครั้ง ไม่มีการตัดเงิน")
    attempt(
        page,
        answer,
        {"status": 500, "content_type": "application/json", "body": "{}"},
        "เกิดข้อผิดพลาดในระบบของเรา ไม่มีการตัดเงิน โปรดลองอีกครั้งในอีกสักครู่",
    )
    attempt(
        page,
        answer,
        fake(429, code="declined", retry_after=7200),
        "บัตรที่ใช้จากการเชื่อมต่อของคุณถูกปฏิเสธหลายครั้ง จึงพักการชำระเงินใหม่ไว้ชั่วคราว ไม่มีการตัดเงิน โปรดลองอีกครั้งในอีก 120 นาที หรือติดต่อเรา",
    )
    expect(page.locator("#donate-message")).not_to_contain_text("HTTP")


def test_no_attempt_before_the_card_form_and_one_at_a_time(portal, samples, page):
    summary, _ = open_need(samples, "USD", 2500)
    held = []
    page.route("**/js.stripe.com/v3/**", lambda route: held.append(route))  # Stripe.js waits here
    answer = answer_donations_with(page)
    answer["next"] = fake(503, code="payments_unavailable")

    page.goto(story_url(portal, summary["id"]))
    page.click("#intro-donate")
    expect(page.locator("#card")).to_contain_text("Loading the secure card form")
    for _ in range(100):  # until the page has asked for Stripe.js
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "Stripe.js was never requested"
    expect(page.locator("#donate-submit")).to_be_disabled()
    page.evaluate("document.querySelector('#donate-form').requestSubmit()")  # e.g. Enter in a field
    held[0].continue_()
    page.locator("#card input").first.wait_for()
    expect(page.locator("#donate-submit")).to_be_enabled()
    assert answer["posts"] == 0, "nothing was sent before the card form was there"

    # Two submits in a row (a double click, Enter pressed twice): one attempt.
    page.evaluate("""() => {
        const form = document.querySelector('#donate-form');
        form.requestSubmit();
        form.requestSubmit();
    }""")
    expect(page.locator("#donate-message")).to_contain_text("Payments are briefly unavailable")
    assert answer["posts"] == 1


def test_the_last_part_of_a_need_may_be_below_the_minimum(portal, samples, page):
    """The API takes exactly a need's remainder even below the minimum gift; so does the page."""
    summary, need = open_need(samples, "USD", 2500)
    low = api_get(portal, "/config")["min_amount"]["USD"]
    last = low // 2

    def almost_funded(route):
        story = route.fetch().json()
        for n in story["needs"]:
            if n["need"] == need["need"]:
                n["raised"], n["remaining"] = n["goal"] - last, last
        route.fulfill(json=story)

    page.route(f"**/api/stories/{summary['id']}", almost_funded)
    answer = answer_donations_with(page)
    answer["next"] = fake(503, code="payments_unavailable")
    open_form(page, portal, summary["id"])
    page.locator(".chip", has_text="Other amount").click()

    page.fill("#d-other", f"{(last - 1) / 100:.2f}")  # below the minimum and not the remainder
    page.click("#donate-submit")
    expect(page.locator("#donate-message")).to_have_text(f"The smallest gift we can take is {money(low, 'USD')}.")
    assert answer["posts"] == 0

    page.fill("#d-other", f"{last / 100:.2f}")  # exactly what is left
    with page.expect_request("**/api/donations") as sent:
        page.click("#donate-submit")
    assert sent.value.post_data_json["amount"] == last
    expect(page.locator("#donate-message")).to_contain_text("Payments are briefly unavailable")
