"""The StoryMapJS bench's pure parts: our story as a StoryMapJS story, and the ratios it reports."""

from bench.bench_storymap import Side, first_words, paired_ratios, storymap_story, summary_rows

DETAIL = {
    "headline": "Back home <at last>",
    "summary": "A long road.",
    "journey": [
        {"title": "A town & a boat", "narrative": "He grew up by the sea.", "lat": 7.8, "lon": 123.0},
        {"title": "Sabah", "narrative": "Work on an estate.", "lat": 5.9, "lon": 118.1},
    ],
}


def test_one_slide_per_milestone_in_order_with_escaped_text():
    story = storymap_story(DETAIL, "http://127.0.0.1:1/tiles/{z}/{x}/{y}.png")
    slides = story["storymap"]["slides"]
    assert [s["location"] for s in slides] == [{"lat": 7.8, "lon": 123.0}, {"lat": 5.9, "lon": 118.1}]
    assert slides[0]["text"] == {"headline": "A town &amp; a boat", "text": "<p>He grew up by the sea.</p>"}
    assert story["storymap"]["map_type"] == "http://127.0.0.1:1/tiles/{z}/{x}/{y}.png"
    assert story["font_css"] == "stock:georgia-helvetica"  # system fonts: the default set needs Google Fonts


def test_overview_slide_comes_first():
    slides = storymap_story(DETAIL, "t", overview=True)["storymap"]["slides"]
    assert slides[0]["type"] == "overview"
    assert slides[0]["text"]["headline"] == "Back home &lt;at last&gt;"
    assert len(slides) == 3


def test_first_words():
    assert first_words("  Rodel grew up\nin a coastal town where most", 4) == "Rodel grew up in"


def test_ratios_are_ours_over_theirs_per_pair_and_of_medians():
    assert paired_ratios([200, 300], [100, 600]) == [2.0, 0.5]
    ours, theirs = Side("ours"), Side("StoryMapJS")
    ours.paints["throttled"] = [100.0, 200.0, 300.0]
    theirs.paints["throttled"] = [200.0, 200.0, 1000.0]
    rows = dict((r[0], r[1:]) for r in summary_rows(ours, theirs))
    assert rows["throttled"] == ("200 ms", "200 ms", "1.00x", "0.50x")
    assert rows["unthrottled"] == ("-", "-", "-", "-")
