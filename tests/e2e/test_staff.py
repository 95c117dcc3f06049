"""The staff pages in Chromium, signed in through devhost's Easy Auth emulation: an author writes a
story with five milestones placed on the map and a need, a leak blocks submission next to its
field, the same person cannot approve, a reviewer approves and publishes, a donor sees the story;
and gives to it; the history lists every step; axe finds nothing serious on the staff pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .portal import run_axe, story_url
from .test_accessibility import assert_no_violations
from .test_donation import give

AUTHOR, REVIEWER = "Ploy Srisuk", "Hnin Aye"
# Where the author clicks on the editor's map (pixels from its top left corner).
CLICKS = [(150, 160), (230, 250), (330, 300), (420, 220), (470, 330)]
MILESTONES = [
    ("home", "Home in the hills", "Northern Thailand", "2017", "She helped her aunt sell vegetables at the market."),
    ("recruitment", "A promise of work", "Central Thailand", "2019-02", "A broker promised a job in a restaurant."),
    ("exploitation", "Years without pay", "Abroad", "2019", "The job was not what was promised."),
    ("rescue", "Found by a partner team", "Abroad", "2022-06", "A partner team brought her to safety."),
    ("future", "Her own kitchen", "Northern Thailand", "2026", "She is training to become a cook."),
]


def sign_in(page, portal: str, person: str, role: str, to: str = "/staff/") -> None:
    page.goto(f"{portal}/.auth/login/dev?post_login_redirect_uri={to}")
    page.get_by_label(re.compile(person)).check()
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{to}")
    expect(page.locator("#who")).to_contain_text(person)


def test_author_writes_reviewer_publishes_donor_sees(portal, new_page, artifacts, tmp_path):
    from shared.privacy import coarsen

    # ---- the author, signed in, writes a new story
    author = new_page()
    author.goto(f"{portal}/staff/")
    expect(author.get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(author, portal, AUTHOR, "author")
    expect(author.locator("section[data-state=editing] h2")).to_be_visible()
    assert_no_violations(run_axe(author))

    author.get_by_role("link", name="New story").click()
    author.wait_for_selector(".leaflet-pane path")  # the basemap is drawn
    author.fill("#pseudonym", "Mali")
    author.fill("#origin-label", "Northern Thailand")
    author.fill("#headline", "From a locked kitchen to her own")
    author.fill("#summary", "Mali is a fictional survivor who wants to become a cook.")
    author.fill("#terms", "Ban Rak Thai")
    author.click("#add-need")
    author.select_option("#need-0", "education")
    author.fill("#need-0-title", "Cooking school")
    author.fill("#need-0-description", "A year of classes and the tools of the trade.")
    author.fill("#need-0-goal", "450")

    the_map = author.locator("#map")
    for i, (x, y) in enumerate(CLICKS, 1):
        the_map.click(position={"x": x, "y": y})
        expect(author.locator(".milestone-card")).to_have_count(i)
        expect(author.locator(f".staff-pin >> text='{i}'")).to_be_visible()
    for i, (kind, title, place, when, narrative) in enumerate(MILESTONES, 1):
        author.select_option(f"#m-{i}-kind", kind)
        author.fill(f"#m-{i}-title", title)
        author.fill(f"#m-{i}-place", place)
        author.fill(f"#m-{i}-period", when)
        author.fill(f"#m-{i}-narrative", narrative)
    # reorder: move the last milestone up and back down again
    author.get_by_role("button", name="Move milestone 5 up").click()
    expect(author.locator("#m-4-title")).to_have_value("Her own kitchen")
    author.get_by_role("button", name="Move milestone 4 down").click()
    expect(author.locator("#m-5-title")).to_have_value("Her own kitchen")

    # ---- a leak typed into a narrative: saved, shown next to that field, submission refused
    author.fill("#m-2-narrative", "A broker promised a job. Her cousin's number is 081 234 5678.")
    author.click("#save")
    expect(author.locator("#save-status")).to_contain_text("found 1 problem")
    finding = author.locator("#m-2-narrative-finding")
    expect(finding).to_contain_text("Privacy check: contains a phone number")
    expect(author.locator("#m-2-narrative")).to_have_attribute("aria-invalid", "true")
    expect(author.locator("#m-2-narrative")).to_have_attribute("aria-describedby", "m-2-narrative-finding")
    assert author.locator(".finding:visible").count() == 1  # next to that field only
    author.click("#submit")
    expect(author.locator("#save-status")).to_contain_text("The privacy check found problems")
    expect(finding).to_be_visible()
    assert_no_violations(run_axe(author))
    author.screenshot(path=str(artifacts / "staff-editor-finding.png"), full_page=True)

    author.fill("#m-2-narrative", MILESTONES[1][4])
    # a picture for the last milestone, through the safe-image path (GPS and the rest of the metadata go)
    from tests.photos import jpeg_with_metadata, sample

    photo = tmp_path / "Kitchen Photo.JPG"
    photo.write_bytes(jpeg_with_metadata(sample("coffee")))
    author.fill("#m-5-alt", "A cup of coffee on a kitchen table")
    author.set_input_files("#m-5-image", str(photo))
    expect(author.locator("#m-5-image-note")).to_contain_text("Picture added (m5-kitchen-photo.jpg)")
    author.click("#save")
    expect(author.locator("#save-status")).to_have_text("Saved as version 2.")
    expect(finding).to_be_hidden()
    story_id = re.search(r"id=([a-z0-9]+)", author.url).group(1)
    saved = author.request.get(f"{portal}/api/manage/stories/{story_id}").json()["story"]
    assert saved["journey"][4]["image"] == {"file": "m5-kitchen-photo.jpg", "alt": "A cup of coffee on a kitchen table"}
    assert [m["kind"] for m in saved["journey"]] == [m[0] for m in MILESTONES]
    for m in saved["journey"]:  # placed on the privacy grid, as donors will see them
        assert (m["lat"], m["lon"]) == (coarsen(m["lat"]), coarsen(m["lon"]))
    assert saved["needs"] == [
        {
            "need": "education",
            "title": "Cooking school",
            "goal": 45000,
            "raised": 0,
            "donor_count": 0,
            "description": "A year of classes and the tools of the trade.",
        }
    ]
    author.click("#submit")
    expect(author.locator("#save-status")).to_have_text("Submitted for review.")

    # the preview is the donor's story page itself
    author.goto(story_url(portal, story_id) + "&preview=1")
    expect(author.locator(".preview-banner")).to_be_visible()
    expect(author.locator("#story-title")).to_have_text("Mali's journey")
    expect(author.locator("#narrative-title")).to_have_text("Home in the hills")

    # ---- the same person, as a reviewer, cannot approve what she wrote
    sign_in(author, portal, AUTHOR, "reviewer", to=f"/staff/review.html?id={story_id}")
    author.click("#approve")
    expect(author.locator("#action-status")).to_have_text("You wrote this version. Another reviewer must approve it.")

    # ---- a reviewer sees what changed, approves and publishes
    reviewer = new_page()
    sign_in(reviewer, portal, REVIEWER, "reviewer")
    reviewer.locator(f"li[data-id='{story_id}'] a").click()
    expect(reviewer.locator("#review-title")).to_have_text("Review Mali")
    expect(reviewer.locator("#changes")).to_contain_text("Never approved: everything is new.")
    expect(reviewer.locator(".changes")).to_contain_text("journey.5.narrative")
    assert_no_violations(run_axe(reviewer))
    reviewer.click("#approve")
    expect(reviewer.locator("#action-status")).to_have_text("Approved.")
    reviewer.click("#publish")
    expect(reviewer.locator("#action-status")).to_have_text("Record the survivor's consent (not expired) before publishing.")
    reviewer.fill("#consent-given", "2026-01")
    reviewer.fill("#consent-scope", "Story, map and updates on the portal")
    reviewer.fill("#consent-expires", "2028-01")
    reviewer.get_by_role("button", name="Record consent").click()
    expect(reviewer.locator("#consent-now")).to_contain_text("recorded by Hnin Aye")
    reviewer.click("#publish")
    expect(reviewer.locator("#action-status")).to_have_text("Published. Donors can see it now.")

    # the history lists each step, with who and when
    rows = reviewer.locator("#history tr")
    expect(rows).to_have_count(7)
    steps = [(r.locator("td").nth(1).inner_text(), r.locator("td").nth(2).inner_text()) for r in rows.all()]
    assert steps == [
        (f"{AUTHOR} (author)", "Created"),
        (f"{AUTHOR} (author)", "Picture added"),
        (f"{AUTHOR} (author)", "Edited"),
        (f"{AUTHOR} (author)", "Submitted for review"),
        (f"{REVIEWER} (reviewer)", "Approved"),
        (f"{REVIEWER} (reviewer)", "Consent recorded"),
        (f"{REVIEWER} (reviewer)", "Published"),
    ]
    assert all(re.search(r"\d{4}.*UTC", r.locator("td").first.inner_text()) for r in rows.all())
    reviewer.screenshot(path=str(artifacts / "staff-review.png"), full_page=True)

    # ---- the author posts an update: the gate checks it, donors see it, the trail has it
    sign_in(author, portal, AUTHOR, "author", to=f"/staff/review.html?id={story_id}")
    author.fill("#update-period", "2026-03")
    author.fill("#update-text", "Mali started school. Write to her at mali@example.org")
    author.get_by_role("button", name="Post an update").click()
    expect(author.locator("#finding-update")).to_contain_text("Privacy check: contains an e-mail address")
    expect(author.locator("#update-text")).to_have_attribute("aria-invalid", "true")
    author.fill("#update-text", "Mali started cooking school this month.")
    author.get_by_role("button", name="Post an update").click()
    expect(author.locator("#action-status")).to_have_text("Update posted.")
    expect(author.locator("#finding-update")).to_be_hidden()
    expect(author.locator("#history tr")).to_have_count(8)
    expect(author.locator("#history tr").last).to_contain_text(f"{AUTHOR} (author)")
    expect(author.locator("#history tr").last.locator("td").nth(2)).to_have_text("Update posted")

    # ---- a donor sees it on the portal
    donor = new_page()
    donor.goto(f"{portal}/")
    card = donor.locator(".story-card", has_text="From a locked kitchen to her own")
    expect(card).to_be_visible(timeout=15_000)
    expect(card.locator(".badge-update")).to_have_text("New update")
    donor.goto(story_url(portal, story_id))
    expect(donor.locator("#story-title")).to_have_text("Mali's journey")
    expect(donor.locator(".preview-banner")).to_have_count(0)
    expect(donor.locator("#needs-list")).to_contain_text("Cooking school")
    expect(donor.locator("#updates-list")).to_contain_text("Mali started cooking school this month.")
    expect(donor.locator("#updates-list")).to_contain_text("March 2026")
    # ... and gives to it: Stripe, the webhook and the queue count the gift on the new story
    give(donor, "education", "$25", "4242424242424242")
    expect(donor.locator("#donate-success")).to_contain_text("Thank you! Your gift of $25 went through.", timeout=20_000)
    expect(donor.locator("#needs-list [data-need='education'] .need-amount")).to_have_text("$25 of $450", timeout=45_000)


def test_staff_pages_in_thai_pass_axe(portal, new_page):
    page = new_page(locale="th-TH")
    sign_in(page, portal, REVIEWER, "reviewer")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("h1")).to_have_text("เรื่องราวตามสถานะ")
    assert_no_violations(run_axe(page))
    page.locator("section[data-state=published] .state-list a").first.click()  # the review screen
    expect(page.locator("#review-title")).to_contain_text("ตรวจทานเรื่องของ")
    expect(page.locator("#review-state")).to_contain_text("เผยแพร่แล้ว")
    assert_no_violations(run_axe(page))
    page.goto(f"{portal}/staff/edit.html")
    page.wait_for_selector(".leaflet-pane path")
    expect(page.locator("#edit-title")).to_have_text("เรื่องใหม่")
    page.locator("#map").click(position={"x": 200, "y": 200})
    expect(page.locator(".milestone-card")).to_have_count(1)
    page.locator("#place-centre").focus()
    page.keyboard.press("Enter")  # a milestone without a pointer
    expect(page.locator(".milestone-card")).to_have_count(2)
    expect(page.locator("#m-2-title")).to_be_focused()
    assert_no_violations(run_axe(page))


def test_no_principal_sees_how_to_sign_in_and_a_role_less_account_is_told(portal, new_page):
    page = new_page()
    page.goto(f"{portal}/staff/edit.html")
    expect(page.locator("#page-status")).to_have_text("Sign in with your organisation account to write and review stories.")
    expect(page.locator("#editor")).to_be_hidden()
    sign_in(page, portal, "Sam Okafor", "none")
    expect(page.locator("#page-status")).to_contain_text("Your account has no role here")


def test_ops_withdraws_a_story_from_the_review_screen(portal, new_page):
    import requests

    from tests.integration.test_manage import AUTHOR as A
    from tests.integration.test_manage import REVIEWER as R
    from tests.integration.test_manage import draft, staff

    author, reviewer = staff(portal, A, "author"), staff(portal, R, "reviewer")
    sid = author.post(f"{portal}/api/manage/stories", json=draft()).json()["story"]["id"]
    author.post(f"{portal}/api/manage/stories/{sid}/submit", json={"version": 1}).raise_for_status()
    reviewer.post(f"{portal}/api/manage/stories/{sid}/approve", json={"version": 1}).raise_for_status()
    reviewer.post(f"{portal}/api/manage/stories/{sid}/consent", json={"given": "2026-01", "scope": "Portal"})
    reviewer.post(f"{portal}/api/manage/stories/{sid}/publish", json={"version": 1}).raise_for_status()

    page = new_page()
    sign_in(page, portal, "Sam Okafor", "ops", to=f"/staff/review.html?id={sid}")
    expect(page.locator("#update-form")).to_be_hidden()  # not for ops
    expect(page.locator("#approve")).to_be_hidden()
    page.fill("#withdraw-reason", "She asked us to; she has moved away from Wiang Haeng")
    page.get_by_role("button", name="Withdraw the story").click()
    expect(page.locator("#action-status")).to_have_text("Withdrawn. Donors no longer see it.")
    expect(page.locator("#review-state")).to_contain_text("Withdrawn")
    last = page.locator("#history tr").last
    expect(last).to_contain_text("Sam Okafor (ops)")
    expect(last.locator("td").nth(2)).to_have_text("Withdrawn: She asked us to; she has moved away from [redacted]")
    assert requests.get(f"{portal}/api/stories/{sid}").status_code == 404
