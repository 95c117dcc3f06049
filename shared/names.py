"""Donors' display names: what may appear next to a gift on a survivor's public ledger.

A name is normalised (NFKC, runs of spaces collapsed) and refused when it carries anything a
reader cannot see or that turns the ledger into a channel: control, format (bidi, zero-width),
line and paragraph separator characters, markup, links, e-mail addresses, handles and phone
numbers. Its length is counted as a person sees it: combining marks do not count.
"""

from __future__ import annotations

import re
import unicodedata

MAX_VISIBLE = 40

_MARKUP = re.compile(r"[<>&\"'`\\{}\[\]]")
_LINK = re.compile(
    r"(?i)(\b[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]{1,63}\s*(\.|\(dot\)|\[dot\])\s*"
    r"(com|net|org|info|io|me|ly|gl|co|app|link|xyz|site|online|ru|cn|th|mm|la|kh|vn|my|ph|id|np|uk|de|fr|tk)\b)")
_EMAIL = re.compile(r"\S+@\S+\.\S+|\S+\s*(\(at\)|\[at\])\s*\S+")
_HANDLE = re.compile(r"(?i)(^|\s)@\w|\b(telegram|whatsapp|line\s*id|wechat|viber|signal|instagram|facebook|fb|"
                     r"tiktok|snapchat|skype|discord|twitter|x\.com|t\.me|wa\.me|ig)\b\s*[:=@/]")
_DIGITS = re.compile(r"\d")


def visible_length(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Mc"))


def clean_display_name(raw: str) -> str:
    """The name as it will be shown, or ValueError saying what is wrong with it."""
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
    if _EMAIL.search(text):
        raise ValueError("may not contain an e-mail address")
    if _LINK.search(text):
        raise ValueError("may not contain a link")
    if _HANDLE.search(text):
        raise ValueError("may not contain a social media or messaging handle")
    if len(_DIGITS.findall(text)) >= 6:
        raise ValueError("may not contain a phone number or other long number")
    return text
