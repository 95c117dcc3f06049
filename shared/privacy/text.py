"""Text as the detectors read it.

`prepare` keeps every character where it is (one character in, one out), so that a finding's offset
points into the text the case worker wrote: digits of any script become ASCII digits (Thai ๐-๙,
Myanmar, Khmer, Lao...), full-width forms their ASCII twins, dashes a hyphen, and invisible or
unusual spaces a plain space.

`fold` is for matching recorded terms however they are spelled: accents and other scripts' letters
are transliterated (unidecode; Thai stays Thai, less its tone marks), case is folded, separators
vanish and a doubled letter counts once. Each folded character remembers where it came from and
whether a word starts there.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), " ")


def _prepared_char(ch: str) -> str:
    code = ord(ch)
    if code < 128:
        return ch
    if code in _DASHES:
        return "-"
    if code in _INVISIBLE:
        return " "
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if category == "Zs":
        return " "
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
        return chr(code - 0xFEE0)
    return ch


def prepare(text: str) -> str:
    """The same text, character for character, in the shapes the patterns expect."""
    return "".join(map(_prepared_char, text))


# ------------------------------------------------------------------ folding for recorded terms
THAI = range(0x0E00, 0x0E80)
# Tone marks, the silencer and the short-vowel mark: spellings of one Thai name differ in them most.
_THAI_MARKS = set(range(0x0E47, 0x0E4D))


@dataclass(frozen=True)
class Folded:
    chars: str  # folded characters, no separators, doubled letters squeezed
    origin: tuple[int, ...]  # index in the original text of each folded character
    word_start: tuple[bool, ...]
    word_end: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.chars)


def _fold_char(ch: str) -> str:
    code = ord(ch)
    if code in THAI:
        return "" if code in _THAI_MARKS else ch
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    if unicodedata.category(ch) == "Nd":
        return str(unicodedata.decimal(ch))
    from unidecode import unidecode

    return "".join(c for c in unidecode(ch).casefold() if c.isascii() and c.isalnum())


def fold(text: str) -> Folded:
    text = unicodedata.normalize("NFC", text)
    chars: list[str] = []
    origin: list[int] = []
    starts: list[bool] = []
    boundary = True
    last_script = None
    for i, ch in enumerate(text):
        if unicodedata.category(ch).startswith("M") and ord(ch) not in THAI:
            continue  # a combining accent belongs to its letter
        out = _fold_char(ch)
        if not out:
            if ord(ch) not in _THAI_MARKS:
                boundary = True
            continue
        script = "thai" if ord(out[0]) in THAI else "latin"
        if script != last_script:
            boundary = True
        for c in out:
            if chars and c == chars[-1] and not boundary and not c.isdigit():
                continue  # "Kyaikkami" and "Kyaikami" fold alike
            chars.append(c)
            origin.append(i)
            starts.append(boundary)
            boundary = False
        last_script = script
    ends = [starts[j + 1] for j in range(len(starts) - 1)] + [True] if starts else []
    return Folded("".join(chars), tuple(origin), tuple(starts), tuple(ends))


def is_thai(folded: Folded) -> bool:
    return any(ord(c) in THAI for c in folded.chars)
