"""Donors' display names: what may appear next to a gift on a survivor's public ledger.

A name is normalised (NFKC, runs of spaces collapsed) and refused when it carries anything a
reader cannot see or that turns the ledger into a channel: control, format (bidi, zero-width),
line and paragraph separator characters, markup, links, e-mail addresses, handles and phone
numbers (found by the privacy gate's own detectors, `shared.privacy`), long numbers, or a term the
story's case worker recorded as sensitive. Its length is counted as a person sees it: combining
marks do not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_VISIBLE = 40

_MARKUP = re.compile(r"[<>&\"'`\\{}\[\]]")
_DIGITS = re.compile(r"\d")
# The gate's kinds of leak that turn a name into a channel, in the order they are reported.
_CONTACT_KINDS = {
    "email": "may not contain an e-mail address",
    "profile": "may not contain a link",
    "web": "may not contain a link",
    "handle": "may not contain a social media or messaging handle",
    "phone": "may not contain a phone number or other long number",
}


def visible_length(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Mc"))


def clean_display_name(raw: str, sensitive_terms: Iterable[str] = ()) -> str:
    """The name as it will be shown, or ValueError saying what is wrong with it. `sensitive_terms`:
    the story's recorded terms, when the caller has the story (a name must not repeat them)."""
    text = unicodedata.normalize("NFKC", raw)
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (category == "Zs" and ch != " "):
            raise ValueError(f"may not contain invisible or control characters (U+{ord(ch):04X})")
    text = " ".join(text.split())
    if not text:
        raise ValueError("is empty")
    if visible_length(text) > MAX_VISIBLE:
        raise ValueError(f"may be at most {MAX_VISIBLE} characters long")
    if _MARKUP.search(text):
        raise ValueError("may not contain markup, quotes or brackets")
    from shared.privacy import scan

    found = {kind for kind, _, _ in scan(text, sensitive_terms, kinds={*_CONTACT_KINDS, "sensitive_term"})}
    if "sensitive_term" in found:
        raise ValueError("may not contain a name the survivor's case worker asked to keep private")
    for kind, message in _CONTACT_KINDS.items():
        if kind in found:
            raise ValueError(message)
    if len(_DIGITS.findall(text)) >= 6:
        raise ValueError("may not contain a phone number or other long number")
    return text
