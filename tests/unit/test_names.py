"""Display names on the public ledger: normalised, visible length, and nothing that hides or links."""

import pytest

from shared.names import MAX_VISIBLE, clean_display_name


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("A reader in Lyon", "A reader in Lyon"),
        ("  Somchai   and  family ", "Somchai and family"),
        ("Ｆｕｌｌｗｉｄｔｈ", "Fullwidth"),  # NFKC
        ("ครอบครัวใจดี", "ครอบครัวใจดี"),  # Thai, with combining vowels and tone marks
        ("Class of 2019", "Class of 2019"),
        ("José, Ana & co".replace(" & co", ""), "José, Ana"),
        ("e\u0301quipe", "équipe"),  # combining accent composed by NFKC
    ],
)
def test_plain_names_pass_normalised(raw, shown):
    assert clean_display_name(raw) == shown


@pytest.mark.parametrize(
    "raw",
    [
        "evil\u202egnp.exe",  # bidi override
        "a\u200bb",  # zero-width space
        "a\u2028b",
        "a\u2029b",  # line and paragraph separators
        "a\u0085b",
        "a\x07b",  # C1 and C0 controls
        "\ufeffname",  # BOM / zero-width no-break space
        "a\u2066b\u2069",  # bidi isolates
        "https://scam.example",
        "visit www.example.org",
        "example.com",
        "example . com",
        "bit.ly/abc",
        "me@example.org",
        "me (at) example dot org",
        "@handle",
        "tg: @someone",
        "Line ID: abc123",
        "WhatsApp: abc",
        "+66 81 234 5678",
        "081-234-5678",
        "๐๘๑๒๓๔๕๖๗๘",
        "<b>x</b>",
        'a "quoted" name',
        "x" * (MAX_VISIBLE + 1),
    ],
)
def test_names_that_hide_link_or_contact_are_refused(raw):
    with pytest.raises(ValueError):
        clean_display_name(raw)


def test_length_counts_what_a_person_sees():
    thai = "ก\u0e34" * MAX_VISIBLE  # each base letter carries a combining vowel
    assert clean_display_name(thai) == thai
