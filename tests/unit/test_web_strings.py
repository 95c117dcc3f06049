"""The portal's strings: every key in English has its Thai (and no Thai key is left without its
English), for the donor pages (web/js/strings/) and the staff pages (web/staff/js/strings.js); and
every key a page or script names exists."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
KEY = re.compile(r'^\s+"([\w.]+)":', re.M)


def keys(text: str) -> set[str]:
    return set(KEY.findall(text))


def test_english_and_thai_have_the_same_keys():
    en, th = (keys((WEB / "js" / "strings" / f"{lang}.js").read_text()) for lang in ("en", "th"))
    assert len(en) > 100 and en == th, (sorted(en - th), sorted(th - en))
    staff = (WEB / "staff" / "js" / "strings.js").read_text()
    staff_en, staff_th = keys(staff[: staff.index("const th = {")]), keys(staff[staff.index("const th = {") :])
    assert len(staff_en) > 20 and staff_en == staff_th, (sorted(staff_en - staff_th), sorted(staff_th - staff_en))


def test_every_key_the_pages_name_exists():
    known = keys((WEB / "js" / "strings" / "en.js").read_text()) | keys((WEB / "staff" / "js" / "strings.js").read_text())
    named = set()
    for page in [*WEB.glob("*.html"), *(WEB / "staff").glob("*.html")]:
        named |= set(re.findall(r'data-i18n="([\w.]+)"', page.read_text()))
    assert named and not named - known, sorted(named - known)
