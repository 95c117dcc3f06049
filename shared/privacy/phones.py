"""Phone numbers, found by Google's libphonenumber (`phonenumbers`) for the region we work in.

A number is taken when libphonenumber finds it valid for one of the regions or in international
form, or when it is a possible number that is written like a phone number: it starts with `+`, `0`
or a parenthesis, or a word such as "call", "tel", "WhatsApp" or "โทร" comes just before it.
Amounts of money, year ranges and dates are not phone numbers.
"""

from __future__ import annotations

import re

REGIONS = ("TH", "MM", "KH", "LA", "VN", "MY", "PH", "ID", "NP")

_CUE = re.compile(
    r"(?i)(phone|tel|telephone|mobile|cell|call|calls|called|calling|ring|reach|reached|dial|dialled|dialed|text|texted|sms|hotline|number|no\.|"
    r"contact|whats\s*app|wa|viber|line|telegram|signal|zalo|imo|โทร|เบอร์|มือถือ|ติดต่อ|ไลน์)"
    r"(\W{0,4}\b(her|him|them|me|us|at|on|is|was|to|it|via)\b){0,3}\W{0,6}$"
)
_CURRENCY_AFTER = re.compile(
    r"(?i)^\s*(baht|thb|kyat|kyats|mmk|riel|riels|khr|kip|lak|dong|vnd|ringgit|myr|rm|pesos?|php|rupiah|idr|"
    r"rupees?|npr|rs|dollars?|usd|us\$|euros?|eur|บาท|จ๊าด|กีบ|ด่อง|ริงกิต|เปโซ|รูปี|ดอลลาร์|million|billion|thousand|"
    r"ล้าน|พัน|หมื่น|แสน)\b"
)
_CURRENCY_BEFORE = re.compile(r"(?i)([$฿€£¥₫₭៛₱₹]|\b(thb|mmk|khr|lak|vnd|myr|rm|php|idr|npr|rs\.?|usd|us\$))\s*$")
_YEAR_RANGE = re.compile(r"^\(?(19|20|25)\d\d\s*[-/]\s*((19|20|25)\d\d|\d\d)\)?$")
_AMOUNT = re.compile(r"[1-9]\d{0,2}([, ]\d{3})+(\.\d+)?")
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{2,4}$")


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def find_phones(text: str) -> list[tuple[int, int]]:
    """(start, end) of every phone number in `text` (already `prepare`d: ASCII digits)."""
    from phonenumbers import Leniency, PhoneNumberMatcher

    spans: dict[tuple[int, int], bool] = {}
    for region in REGIONS:
        for leniency, valid in ((Leniency.VALID, True), (Leniency.POSSIBLE, False)):
            for m in PhoneNumberMatcher(text, region, leniency=leniency):
                spans[(m.start, m.end)] = spans.get((m.start, m.end), False) or valid
    found = []
    for (start, end), valid in spans.items():
        raw = text[start:end]
        before, after = text[max(0, start - 30) : start], text[end : end + 20]
        if _CURRENCY_AFTER.match(after) or _CURRENCY_BEFORE.search(before):
            continue
        if _YEAR_RANGE.match(raw.strip()) or _DATE_LIKE.match(raw.strip()):
            continue
        if _AMOUNT.fullmatch(raw.strip()):
            continue  # 1,200,000 or 1 200 000: an amount or a count
        digits = _digits(raw)
        cued = bool(_CUE.search(before))
        shaped = raw.lstrip()[:1] in "+0(" and digits >= 8
        if (valid and digits >= 8) or shaped or (cued and digits >= 6):
            found.append((start, end))
    return found
