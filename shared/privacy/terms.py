"""Recorded sensitive terms (real names, exact places, boat names...) found however they are spelled.

Both the term and the text are folded (see `text.fold`): case, accents, hyphens, spaces, words run
together and doubled letters make no difference. What is left is compared with rapidfuzz's
Levenshtein distance, allowing one edit in a term of 5 to 7 folded characters and two from 8 on (a
letter missing, added or changed). Latin-script terms are compared with runs of whole words; Thai
is written without spaces between words, so Thai terms are looked for at every position. Digits in
a term must match exactly ("Sea Pearl 9" is not "Sea Pearl 8").
"""

from __future__ import annotations

import re
from functools import lru_cache

from shared.privacy.text import Folded, fold, is_thai

_DIGITS = re.compile(r"\d")


def allowed_edits(length: int) -> int:
    if length <= 4:
        return 0
    return 1 if length <= 7 else 2


@lru_cache(maxsize=1024)
def _folded_term(term: str) -> Folded:
    return fold(term)


def find_terms(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) in `text` of every recorded term found in it."""
    from rapidfuzz.distance import Levenshtein

    folded = fold(text)
    found: list[tuple[int, int]] = []
    if not folded.chars:
        return found
    n = len(folded)
    for term in terms:
        t = _folded_term(term)
        if len(t) < 2:
            continue
        k = allowed_edits(len(t))
        digits = _DIGITS.findall(t.chars)
        thai = is_thai(t)
        for start in range(n):
            if not thai and not folded.word_start[start]:
                continue
            if t.chars[0] != folded.chars[start] and k == 0:
                continue
            best = None
            for length in range(max(1, len(t) - k), min(n - start, len(t) + k) + 1):
                end = start + length
                if not thai and not folded.word_end[end - 1]:
                    continue
                window = folded.chars[start:end]
                if _DIGITS.findall(window) != digits:
                    continue
                d = Levenshtein.distance(t.chars, window, score_cutoff=k)
                if d <= k and (best is None or d < best[0]):
                    best = (d, end)
            if best is not None:
                found.append((folded.origin[start], folded.origin[best[1] - 1] + 1))
    return found
