"""Leaks no library finds for us: e-mail and web addresses, handles and messaging IDs, document and
account numbers, street addresses, exact dates, and an age given together with a named small place.

Each `find_*` takes text already `prepare`d (ASCII digits, plain spaces and hyphens) and returns the
(start, end) spans it finds. The patterns are written for the kind of leak, in the forms used in
Thailand, Myanmar, Cambodia, Laos, Vietnam, Malaysia, the Philippines, Indonesia and Nepal, in
English and Thai, and are kept narrow where ordinary storytelling looks alike: years alone, a month
and a year, durations, counts, money, an age alone, countries and provinces are not leaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]
THAI = "\u0e00-\u0e7f"
MYANMAR = "\u1000-\u109f"


def _spans(patterns: Iterable[re.Pattern[str]], text: str, group: int | str = 0) -> list[Span]:
    return [m.span(group) for p in patterns for m in p.finditer(text)]


# ------------------------------------------------------------------ markup
_MARKUP = re.compile(r"<[a-zA-Z/!?]")


def find_markup(text: str) -> list[Span]:
    return _spans([_MARKUP], text)


# ------------------------------------------------------------------ money (never a leak: used to rule out)
CURRENCY_WORDS = (
    r"baht|thb|kyats?|mmk|riels?|khr|kip|lak|dong|vnd|ringgit|myr|pesos?|php|rupiah|idr|rupees?|npr|"
    r"dollars?|usd|euros?|eur|บาท|จ๊าด|กีบ|ด่อง|ริงกิต|เปโซ|รูเปีย|รูปี|ดอลลาร์|เหรียญ"
)
_MONEY_AFTER = re.compile(rf"(?i)^\s*(?:{CURRENCY_WORDS}|million|billion|thousand|lakh|crore|ล้าน|พัน|หมื่น|แสน)(?![a-z])")
_MONEY_BEFORE = re.compile(r"(?i)(?:[$฿€£¥₫₭៛₱₹]|\b(?:thb|mmk|khr|lak|vnd|myr|rm|php|idr|npr|rs\.?|usd|us\$|rp\.?))\s*$")


def is_money(text: str, start: int, end: int) -> bool:
    return bool(_MONEY_AFTER.match(text[end : end + 20]) or _MONEY_BEFORE.search(text[max(0, start - 8) : start]))


# ------------------------------------------------------------------ e-mail
_EMAIL = [
    re.compile(r"[\w.+-]*\w@[A-Za-z0-9][\w-]*(?:\.[\w-]+)*"),
    re.compile(r"(?i)[\w.+-]*\w\s*[(\[{<]\s*at\s*[)\]}>]\s*[\w-]+(?:\s*(?:[(\[{<]\s*dot\s*[)\]}>]|\.|\s+dot\s+)\s*[\w-]+)*"),
    re.compile(r"(?i)\b[\w.+-]+\s+at\s+[\w-]+\s+dot\s+[a-z]{2,}\b"),
]


def find_emails(text: str) -> list[Span]:
    return _spans(_EMAIL, text)


# ------------------------------------------------------------------ web addresses and profiles
TLDS = (
    r"com|net|org|info|biz|io|me|ly|gl|gg|co|app|link|xyz|site|online|shop|store|club|page|live|top|asia|"
    r"th|mm|kh|la|vn|my|ph|id|np|sg|cn|ru|uk|us|de|fr|tk|tv|cc|ws|am|ee|be|to"
)
_WEB = [
    re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"]+"),
    re.compile(r"(?i)\bwww\d{0,3}\s*\.\s*[^\s<>\"]+"),
    # a bare domain: the top-level domain in lower case, as addresses are written (not "Thailand.My")
    re.compile(
        rf"(?<![@\w.-])[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.(?:{TLDS})\b"
        r"(?:/[^\s<>\"]*)?"
    ),
    # the generic top-level domains are no English words: in capitals too (NOYJOBS.COM)
    re.compile(
        r"(?<![@\w.-])[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\."
        r"(?i:com|net|org|info|biz|asia|xyz|online)\b(?:/[^\s<>\"]*)?"
    ),
    # written out so that filters miss it: example (dot) com, example[.]com, example dot com, example . com
    re.compile(rf"(?i)\b[a-z0-9-]+\s*[(\[{{]\s*(?:dot|\.)\s*[)\]}}]\s*(?:{TLDS})\b(?:/\S*)?"),
    re.compile(rf"(?i)\b[a-z0-9-]+\s+dot\s+(?:{TLDS})\b(?:/\S*)?"),
    re.compile(rf"\b[A-Za-z0-9-]{{2,}}\s+\.\s*(?:{TLDS})\b"),
]
_SOCIAL = re.compile(
    r"(?i)\b(?:facebook|fb|instagram|instagr\.am|tiktok|twitter|x\.com|t\.me|telegram\.(?:me|org)|wa\.me|"
    r"whatsapp\.com|line\.me|lin\.ee|youtube|youtu\.be|zalo\.me|linkedin|vk\.com|weibo|snapchat|threads\.net|"
    r"discord\.gg|onlyfans|bsky\.app|messenger|m\.me)\b"
)


def find_web(text: str) -> tuple[list[Span], list[Span]]:
    """(web addresses, social-media profile addresses)."""
    web: list[Span] = []
    profiles: list[Span] = []
    for start, end in _spans(_WEB, text):
        (profiles if _SOCIAL.search(text[start:end]) else web).append((start, end))
    return web, profiles


# ------------------------------------------------------------------ handles and messaging IDs
PLATFORMS = (
    r"face\s*book|fb|messenger|insta(?:gram)?|ig|tik\s*tok|twitter|snap\s*chat|snap|telegram|tg|"
    r"whats\s*app|wa|line|viber|signal|we\s*chat|zalo|kakao(?:\s*talk)?|imo|skype|discord|threads|"
    r"youtube|linkedin|onlyfans|tinder|bumble|badoo|x"
)
PLATFORMS_TH = (
    r"เฟซบุ๊ก|เฟซบุ๊ค|เฟสบุ๊ค|เฟสบุ๊ก|เฟซบุค|เฟสบุค|เฟซ|เฟส|ไลน์|ไลน|อินสตาแกรม|อินสตาแกรมส์|ไอจี|"
    r"ติ๊กต๊อก|ติ๊กต็อก|ติ๊กต๊อค|ทวิตเตอร์|เทเลแกรม|เทเลแกรมส์|วอทส์แอป|วอทแอป|วอทสแอป|วอทส์แอพ|"
    r"วีแชท|ยูทูบ|ยูทูป"
)
_TOKEN_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "to",
    "of",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "was",
    "is",
    "were",
    "be",
    "been",
    "her",
    "his",
    "their",
    "my",
    "our",
    "your",
    "its",
    "it",
    "this",
    "that",
    "these",
    "those",
    "no",
    "not",
    "yet",
    "again",
    "anymore",
    "too",
    "every",
    "each",
    "all",
    "group",
    "groups",
    "page",
    "pages",
    "chat",
    "chats",
    "call",
    "calls",
    "message",
    "messages",
    "account",
    "accounts",
    "post",
    "posts",
    "video",
    "videos",
    "live",
    "app",
    "profile",
    "friend",
    "friends",
    "contact",
    "contacts",
    "ad",
    "ads",
    "advert",
    "advertisement",
    "job",
    "jobs",
    "daily",
    "often",
    "only",
    "also",
    "instead",
    "now",
    "then",
    "there",
    "here",
    "private",
    "deleted",
    "closed",
    "hacked",
    "gone",
    "blocked",
    "she",
    "he",
    "they",
    "we",
    "i",
    "you",
    "who",
    "which",
    "where",
    "when",
}
_ID_TOKEN = r"[A-Za-z0-9_.~@+-]*[A-Za-z0-9_]"  # noqa: S105 - a pattern, not a password
_HANDLES = [
    # @name (not an e-mail address: nothing word-like glued before the @)
    re.compile(r"(?<![\w.+-])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"),
    # Line ID noy99 / LINE ID: noy.bkk / ไลน์ไอดี noy99 / ไอดีไลน์ noy99 / ID Line: noy
    re.compile(
        rf"(?i)(?:\bline\s*(?:id|ไอดี)|ไลน์\s*(?:id|ไอดี)|(?:\bid|ไอดี)\s*(?:line|ไลน์))\s*(?:is|was|:|=|-|คือ)?\s*"
        rf"(?P<tok>{_ID_TOKEN})"
    ),
    # WhatsApp: abc / FB = noy.sukjai / Telegram - noy / IG ID: x
    re.compile(
        rf"(?i)\b(?:{PLATFORMS})\b\s*(?:id|user\s*name|username|handle|account|name|profile|page|no\.?)?\s*"
        rf"[:=]\s*(?P<tok>[^\s,;]+)"
    ),
    # Telegram username is noy_x / TikTok handle: x / Instagram account @x / Facebook name is Noy Sukjai
    re.compile(
        rf"\b(?i:{PLATFORMS})\s+(?i:id|user\s*name|username|user\s*id|handle)\s*(?i:is|was|:|=|-)?\s*"
        rf"(?P<tok>{_ID_TOKEN})"
    ),
    re.compile(
        rf"\b(?i:{PLATFORMS})\s+(?i:name|account|profile|page)\s+(?i:is|was|called|named|reads)\s+"
        rf"(?P<tok>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?|{_ID_TOKEN}\d\w*|\w+[_.]\w+)"
    ),
    re.compile(rf"\b(?i:{PLATFORMS})\s*\(\s*(?P<tok>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)*)\s*\)"),
    # find her on Facebook as Pim Kaewmanee / on Line under the name Noy
    re.compile(
        rf"\b(?i:{PLATFORMS})\s+(?i:as|under\s+the\s+name(?:\s+of)?|under)\s+"
        rf"(?P<tok>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)?)"
    ),
    # on Line as noy99 / Line noy_bkk / TikTok @x (a token that can only be an ID: a digit, _ or an inner dot)
    re.compile(
        rf"\b(?i:{PLATFORMS})\s*(?:\s(?i:as|is|at)\s+|\s*-\s*|\s+)(?P<tok>[A-Za-z][A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*|"
        rf"[A-Za-z0-9]+[_.][A-Za-z0-9_.]*[A-Za-z0-9])(?!\w)"
    ),
    # Thai: a platform, then a Latin ID (เฟซบุ๊ก noy.sukjai, ไลน์ noy99, แอดไลน์ @x), or "named" and a name
    re.compile(
        rf"(?:{PLATFORMS_TH})\s*(?:ไอดี|ชื่อ|id|ว่า)?\s*[:=]?\s*"
        rf"(?P<tok>(?=[A-Za-z0-9_.@~-]*[A-Za-z])[A-Za-z0-9_.@~-]*[A-Za-z0-9_]{{2,}})"
    ),
    re.compile(rf"(?:{PLATFORMS_TH})\s*(?:ชื่อ(?:ว่า)?|ไอดี)\s*[:=]?\s*(?P<tok>[{THAI}A-Za-z][^\s,;]*)"),
    # username: x / user ID = x / handle is x
    re.compile(
        rf"(?i)\b(?:user\s*name|username|user\s*id|screen\s*name|handle|gamer\s*tag)\s*(?:is|was|:|=)\s*"
        rf"(?P<tok>{_ID_TOKEN})"
    ),
]


def find_handles(text: str) -> list[Span]:
    found = []
    for pattern in _HANDLES:
        for m in pattern.finditer(text):
            tok = m.groupdict().get("tok")
            if tok is not None and tok.lower().strip(".-") in _TOKEN_STOP:
                continue
            found.append(m.span())
    return found


# ------------------------------------------------------------------ document and account numbers
# Words that say which document or account a number belongs to...
DOC_WORDS = (
    r"passports?|id\s*cards?|identity\s*cards?|identity|identification|national\s*id|citizen\s*id|id|i\.d\.|"
    r"nrc|pink\s*card|work\s*permit|permit|visa|licen[cs]e|registration|reg\.|accounts?|acct\.?|a/c|bank|"
    r"iban|swift|card|promptpay|wallet|truemoney|gcash|kbz\s*pay|wave\s*(?:money|pay)|aba|case|file|"
    r"reference|ref\.?|serial|certificate|household|tabien\s*baan|acc\.|"
    r"scb|kbank|kasikorn|krungthai|ktb|krungsri|bbl|ttb|tmb|gsb|baac|uob|maybank|cimb|rhb|kbz|aya|"
    r"cb\s*bank|acleda|wing|bdo|bpi|metrobank|mandiri|bca|bri|bni|vietcombank|techcombank|agribank|"
    r"หนังสือเดินทาง|พาสปอร์ต|พาสปอต|บัตรประชาชน|บัตรประจำตัว|เลขประจำตัว|เลขบัตร|บัญชี|ธนาคาร|"
    r"พร้อมเพย์|บัตรชมพู|ใบอนุญาตทำงาน|ทะเบียนบ้าน|วีซ่า|กสิกร|กรุงไทย|กรุงเทพ|กรุงศรี|ไทยพาณิชย์|ออมสิน|"
    r"ธ\.ก\.ส\.|ทรูมันนี่"
)
# ...and words that only say "a number": a number after them that is written like a phone number is
# left to the phone detector.
NUMBER_WORDS_GENERIC = r"number|no\.|nos\.|#|หมายเลข|เลขที่|เลข"
_NUMBER_TOKEN = r"(?:\+|(?-i:[A-Z]{1,3})[ -]?)?\d(?:\d|[ ./-](?=\d)){4,}[A-Z]?(?![\w])"  # noqa: S105 - a pattern
_GAP = r"(?:[^\n.!?]|\.(?!\s+[A-Z])){0,25}?"  # up to the number, within the sentence
_DOCS_CUED = re.compile(
    rf"(?i)(?<![a-z])(?P<cue>{DOC_WORDS}|{NUMBER_WORDS_GENERIC})(?![a-z]){_GAP}(?<![\w+])"
    rf"(?P<num>{_NUMBER_TOKEN})"
)
_SPECIFIC_CUE = re.compile(rf"(?i)(?<![a-z])(?:{DOC_WORDS})(?![a-z])")
_PHONE_SHAPED = re.compile(r"^(?:\+|0)[\d ().-]{7,}$")
_DOCS_SHAPED = [
    re.compile(r"(?<![\w-])\d[ -]?\d{4}[ -]?\d{5}[ -]?\d{2}[ -]?\d(?![\w-])"),  # Thai ID: 1-2345-67890-12-3
    re.compile(r"(?<![\w/])\d{1,2}\s*/\s*[A-Za-z]{3,15}\s*\(\s*[A-Za-z]{1,6}\s*\)\s*\d{5,6}(?!\d)"),  # Myanmar NRC
    re.compile(rf"(?<!\d)\d{{1,2}}\s*/\s*[{MYANMAR}]+\s*\(\s*[{MYANMAR}]+\s*\)\s*\d{{5,6}}(?!\d)"),
    re.compile(r"\b[A-Z]{1,2}\d{6,9}[A-Z]?\b"),  # passport AA1234567
    re.compile(r"\b[A-Z]{1,2} \d{7,8}\b"),
    re.compile(r"(?<![\w-])\d{3}-\d-\d{5}-\d(?![\w-])"),  # Thai bank account
    re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),  # IBAN
    re.compile(r"(?<![\w,.])\d{9,}(?![\w,])"),  # any long number
]
_YEARS = re.compile(r"^((19|20|25)\d\d)([ ./-]+((19|20|25)\d\d|\d\d))*$")
_AMOUNT = re.compile(r"^[1-9]\d{0,2}([, ]\d{3})+(\.\d+)?$")


def _number_is_plain(text: str, start: int, end: int) -> bool:
    """An amount, a count or a run of years rather than a document number."""
    raw = text[start:end].strip()
    return bool(_YEARS.match(raw) or _AMOUNT.match(raw) or is_money(text, start, end))


def find_documents(text: str) -> list[Span]:
    found = []
    for m in _DOCS_CUED.finditer(text):
        s, e = m.span("num")
        specific = _SPECIFIC_CUE.search(text[m.start() : s])
        if m["num"].startswith("+") or (not specific and _PHONE_SHAPED.match(m["num"])):
            continue
        if sum(c.isdigit() for c in m["num"]) >= 5 and not _number_is_plain(text, s, e):
            found.append(m.span())
    for s, e in _spans(_DOCS_SHAPED, text):
        if not _number_is_plain(text, s, e) and not (_PHONE_SHAPED.match(text[s:e]) and e - s <= 12):
            found.append((s, e))
    return found


# Thai words that open a clause (pronouns, conjunctions): after a space they are not a place name.
_CLAUSE_START = "(?:เธอ|เขา|ฉัน|ผม|พวก|และ|แต่|ก็|ซึ่ง|จึง|เพราะ|เพื่อ|โดย|จน|แล้ว|จะ|ให้|หลังจาก|ก่อน)"

# ------------------------------------------------------------------ street addresses and postcodes
_NAME = r"[A-Z][\w'’.-]*"
_ROAD = r"Road|Rd\.?|Street|St\.?|Avenue|Ave\.?|Lane|Ln\.?|Alley|Drive|Dr\.?|Boulevard|Blvd\.?|Thanon|Jalan|Jln\.?|Lorong|Lrg\.?"
_ADDRESS = [
    # house number + street: 12 Rama IV Road, No. 45, Bogyoke Aung San Road, 88/1 Thanon Charoen Krung, #7 Lorong 3
    re.compile(
        rf"(?<![\w/])(?:(?i:No\.?|Number|#|house|unit|room|flat|apt\.?)\s*)?\(?\d{{1,5}}\)?(?:/\d{{1,4}})?[A-Za-z]?,?\s+"
        rf"(?:{_NAME}\s+){{0,4}}(?:{_ROAD})(?!\w)"
    ),
    re.compile(
        r"(?<![\w/])(?:(?i:No\.?|Number|#|house)\s*)?\d{1,5}(?:/\d{1,4})?[A-Za-z]?,?\s+(?:Thanon|Jalan|Jln\.?|Lorong|Soi)\s+\w+"
    ),
    re.compile(rf"(?<![\w/])(?!24/7\b)\d{{1,4}}/\d{{1,4}}[A-Za-z]?,?\s+(?:{_NAME}\s+){{1,3}}\d{{1,3}}(?![\w/])"),
    # numbered streets (Yangon, Phnom Penh): 19th Street, Street 271, St. 63
    re.compile(r"(?i)\b\d{1,3}(?:st|nd|rd|th)\s+(?:street|st\.|road|avenue)(?!\w)"),
    re.compile(r"\b(?:Street|St\.|Road|Rd\.?)\s*(?:No\.?\s*)?\(?\d{1,4}[A-Z]?\)?(?![\w/])"),
    # Thai forms in Latin script: Moo 4, Soi Sukhumvit 11, Soi 5, Tambon X, Amphoe X, Khwaeng X, Khet X
    re.compile(r"(?i)(?:(?<![\w/])\d{1,4}(?:/\d{1,4})?,?\s+)?\b(?:moo|mu|muu)(?:\s*(?:no\.?|ที่))?\s*\.?\s*\d{1,2}\b"),
    re.compile(r"(?i)\bvillage\s+(?:no\.?|number)\s*\d{1,3}\b"),
    re.compile(rf"\b(?i:soi)\.?\s+(?:\d+|{_NAME})"),
    re.compile(rf"\b(?i:tambon|tambol|amphoe|amphur|amphoe\s+mueang|khwaeng|khet|king\s+amphoe)\s+{_NAME}"),
    re.compile(rf"\b{_NAME}(?:\s+{_NAME}){{0,2}}\s+(?i:sub-?district|tambon)\b"),
    # Malaysia, Indonesia: Jalan Bukit Bintang, Jln 5/2, Lorong 3, Taman Melati, Jl. Merdeka, Gang Mawar, RT 03/RW 05
    re.compile(rf"\b(?:Jalan|JALAN|Jln\.?|Jl\.|Lorong|Lrg\.?|Taman|Tmn\.?|Persiaran|Lebuh|Gang|Gg\.)\s+(?:\d|{_NAME})"),
    re.compile(r"(?i)\bRT\.?\s*\d{1,3}\s*/?\s*RW\.?\s*\d{1,3}\b"),
    # Myanmar: Hlaing Tharyar Township, Ward 7, (5) Ward, Quarter 3
    re.compile(rf"\b{_NAME}(?:\s+{_NAME}){{0,2}}\s+Township\b"),
    re.compile(r"\b(?:Ward|WARD|Quarter|QUARTER|Block|BLOCK)\s*(?:(?i:no)\.?\s*)?\(?\d{1,3}\)?(?![\w/])"),
    re.compile(r"(?:\b(?i:no)\.?\s*)?\(\d{1,3}\)\s*(?i:ward|quarter|street|block)\b"),
    # Philippines, Cambodia, Vietnam, Indonesia, Nepal: the smallest administrative units, named
    re.compile(
        rf"\b(?:Barangay|Brgy\.?|Purok|Sitio|Sangkat|Khan|Phum|Phường|Phuong|Quận|Quan|Ngõ|Ngo|Hẻm|Hem|"
        rf"Kelurahan|Kecamatan|Desa|Dusun|Tole|VDC)\s+(?:\d|{_NAME})"
    ),
    re.compile(r"(?i)\bward\s+no\.?\s*\d{1,3}"),
    # postcode after a place, or named: Bangkok 10110, Kuala Lumpur 50450, postcode 50200
    re.compile(
        rf"(?:\b[A-Z][\w.'-]+|[{THAI}](?:ฯ)?),?\s+(?P<code>\d{{5,6}})(?=\s*(?:[,.;)]|$|\n|Thailand|Myanmar|"
        rf"Cambodia|Laos|Vietnam|Malaysia|Philippines|Indonesia|Nepal|ประเทศ))"
    ),
    re.compile(r"(?i)\b(?:post\s*code|postal\s*code|zip(?:\s*code)?|รหัสไปรษณีย์)\s*:?\s*\d{4,6}\b"),
    # Thai script: บ้านเลขที่ 12/3, เลขที่ 45/6, หมู่ 4, หมู่ที่ 4, ซอย 5, ซ.สุขุมวิท 11, 12/3 ถ.สุขุมวิท
    re.compile(r"บ้านเลขที่\s*\d"),
    re.compile(r"เลขที่\s*\d{1,4}(?:/\d{1,4})?(?!\d)"),
    re.compile(r"(?:(?<![\w/])\d{1,4}(?:/\d{1,4})?\s*)?หมู่(?:ที่)?\s*\d{1,2}(?!\d)"),
    re.compile(rf"(?:ซอย|ซ\.)\s*[{THAI}A-Za-z]*\s*\d"),
    re.compile(rf"\d{{1,4}}(?:/\d{{1,4}})?\s*(?:ถนน|ถ\.)\s*[{THAI}A-Za-z]"),
    re.compile(rf"(?:ถนน|ถ\.)\s*[{THAI}A-Za-z]+\s*(?:ซอย|ซ\.|เลขที่|\d)"),
    # ตำบล / อำเภอ / แขวง with a name (not "a subdistrict", "the district office")
    # A word after a space that starts a new clause (she, he, they, and, but...) is not the name.
    re.compile(
        rf"(?:ตำบล|(?<![{THAI}])ต\.(?!ค\.))\s*(?!หนึ่ง|เล็ก|ใกล้|นั้น|นี้|ของ|ที่|ใน|ต่าง|ห่าง|ชายแดน|บ้าน)"
        rf"(?!\s*{_CLAUSE_START})[{THAI}]{{2,}}"
    ),
    re.compile(
        rf"(?<!ว่าการ)(?<!ที่ว่าการ)อำเภอ(?!\s+{_CLAUSE_START})\s*(?!หนึ่ง|เล็ก|ใกล้|นั้น|นี้|ของ|ที่|ใน|ต่าง|ห่าง|ชายแดน)"
        rf"[{THAI}]{{2,}}"
    ),
    re.compile(rf"(?<![{THAI}])ต\.\s*[{THAI}]{{2,}}\s*(?<![{THAI}])อ\.\s*[{THAI}]{{2,}}"),
    re.compile(rf"(?<![{THAI}])อ\.\s*[{THAI}]{{2,}}\s*(?:จ\.|จังหวัด)\s*[{THAI}]{{2,}}"),
    re.compile(rf"แขวง\s*(?!หนึ่ง|ต่าง)[{THAI}]{{2,}}"),
    re.compile(r"(?:ถนน|ซอย|หมู่)\S*\s*\S*\s*\d{5}(?!\d)"),
    re.compile(rf"(?:จังหวัด|จ\.|กรุงเทพ(?:มหานคร|ฯ)?)\s*[{THAI}]*\s*\d{{5}}(?!\d)"),
    # Myanmar script: ward, township, numbered street
    re.compile(rf"[{MYANMAR}]*(?:ရပ်ကွက်|မြို့နယ်)"),
    re.compile(r"\d{1,3}\s*လမ်း"),
]


def find_addresses(text: str) -> list[Span]:
    found = []
    for pattern in _ADDRESS:
        for m in pattern.finditer(text):
            if "code" in (pattern.groupindex or {}) and is_money(text, *m.span("code")):
                continue
            found.append(m.span())
    return found


# ------------------------------------------------------------------ exact dates
MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|"
    r"Januari|Februari|Maret|Mac|Mei|Juni|Juli|Julai|Agustus|Ogos|Oktober|Disember|Desember"
)
# "may" and "march" are also ordinary words: as months they are written with a capital.
_MONTH = rf"(?:(?i:{MONTHS.replace('May|', '').replace('March|', '')})|May|MAY|March|MARCH)\.?"
THAI_MONTHS = (
    r"มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|"
    r"ธันวาคม|ม\.\s?ค\.|ก\.\s?พ\.|มี\.\s?ค\.|เม\.\s?ย\.|พ\.\s?ค\.|มิ\.\s?ย\.|ก\.\s?ค\.|ส\.\s?ค\.|ก\.\s?ย\.|"
    r"ต\.\s?ค\.|พ\.\s?ย\.|ธ\.\s?ค\."
)
THAI_WEEKDAYS = r"จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัสฯ|พฤหัส|ศุกร์|เสาร์|อาทิตย์"
WEEKDAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun"
ORDINAL_WORDS = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
    r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty[- ]?first|"
    r"twenty[- ]?second|twenty[- ]?third|twenty[- ]?fourth|twenty[- ]?fifth|twenty[- ]?sixth|"
    r"twenty[- ]?seventh|twenty[- ]?eighth|twenty[- ]?ninth|thirtieth|thirty[- ]?first"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_ORD = r"(?:st|nd|rd|th)"
# words after "<month> <n>" that make n a count ("in March 12 workers left"), not a day
_COUNTED = re.compile(
    r"(?i)^\s+(?:more|other|others|of|people|persons|workers|women|men|girls|boys|children|"
    r"families|survivors|victims|migrants|crew|fishermen|days|weeks|months|years|hours|nights|"
    r"times|kilometres|kilometers|km|miles)\b"
)
_DATES = [
    # 12 March, 12th of March, 12-Mar-2019, 3rd May 2567
    re.compile(rf"(?<![\w/.-]){_DAY}{_ORD}?(?:\s+of)?[\s./-]*{_MONTH}(?![a-z])(?:[\s,./-]*\d{{2,4}}(?!\d))?"),
    # March 12, March 12th, Mar. 3, 2019 (not "in March 5, 300 more workers came")
    re.compile(rf"(?<![\w]){_MONTH}[\s,]*(?:the\s+)?{_DAY}{_ORD}?(?![\d:.]\d|\w)(?!\s*,\s*\d{{3}}\b)"),
    # the fourteenth of March, March fourteenth, first of May
    re.compile(rf"(?i)\b(?:{ORDINAL_WORDS})\s+(?:of\s+)?(?-i:{_MONTH})(?![a-z])"),
    re.compile(rf"(?<![\w]){_MONTH}\s+(?:the\s+)?(?i:{ORDINAL_WORDS})\b"),
    # Friday the 13th, Monday 12th, Tuesday, 3 May (the month case is caught above)
    re.compile(rf"\b(?:{WEEKDAYS})\.?,?\s+(?:the\s+)?{_DAY}(?:{_ORD}\b|(?![\d:]))"),
    # numeric: 12/03/2019, 12.3.2567, 3-12-19, 2019-03-12, 2019/3/12, 20190312
    re.compile(rf"(?<![\w./-]){_DAY}\s?[./-]\s?(?:0?[1-9]|1[0-2])\s?[./-]\s?(?:\d{{4}}|\d{{2}})(?![\w./-]*\d)"),
    re.compile(rf"(?<![\w./-])(?:0?[1-9]|1[0-2])\s?[./-]\s?{_DAY}\s?[./-]\s?(?:\d{{4}}|\d{{2}})(?![\w./-]*\d)"),
    re.compile(rf"(?<![\w./-])(?:19|20|25)\d\d\s?[./-]\s?(?:0?[1-9]|1[0-2])\s?[./-]\s?{_DAY}(?![\w./-]*\d)"),
    re.compile(r"(?<!\d)(?:19|20|25)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"),
    # on 12/3, since 3/12 (a day and a month, with a word that makes it a date)
    re.compile(
        rf"(?i)\b(?:on|since|until|till|from|by|before|after|dated|born)\s+(?:the\s+)?{_DAY}\s?[/.]\s?(?:0?[1-9]|1[0-2])(?![\w/.]*\d)"
    ),
    # on the 14th, the night of the 3rd, since the 21st (a day of the month with no month)
    re.compile(
        rf"(?i)\b(?:on|of|since|until|till|by|before|after|from)\s+the\s+{_DAY}{_ORD}(?=\s*(?:[,.;:!?)]|$|"
        r"\s+(?:of\s|at\s|in\s|when\s|and\s|but\s|she\s|he\s|they\s|we\s|i\s|her\s|his\s|their\s|that\s|"
        r"night|morning|evening|afternoon)))"
    ),
    # Thai: 12 มีนาคม 2567, วันที่ 12 มี.ค. 67, 3 ก.ย., วันจันทร์ที่ 12, วันที่ 12
    re.compile(rf"(?<!\d){_DAY}\s*(?:{THAI_MONTHS})(?:\s*(?:พ\.\s?ศ\.|ค\.\s?ศ\.|ปี)?\s*\d{{2,4}}(?!\d))?"),
    re.compile(rf"วัน(?:{THAI_WEEKDAYS})?\s*ที่\s*{_DAY}(?!\d)(?!\s*(?:ของ|วัน|ของการ|ครั้ง))"),
    re.compile(rf"(?:{THAI_MONTHS})\s*(?:วันที่|ที่)\s*{_DAY}(?!\d)"),
]


def find_dates(text: str) -> list[Span]:
    found = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if _COUNTED.match(text[m.end() : m.end() + 20]) and not re.search(r"\d{4}$", m.group()):
                continue
            found.append(m.span())
    return found


# ------------------------------------------------------------------ an age together with a named small place
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_AGE = re.compile(
    rf"(?i)\b(?:\d{{1,2}}|{NUMBER_WORDS})[\s-]*(?:years?|yrs?)[\s-]*old\b|"
    rf"\b(?:aged?\s*[:=]?|at\s+the\s+age\s+of|age\s+of)\s*(?:\d{{1,2}}|{NUMBER_WORDS})\b|"
    rf"\b\d{{1,2}}\s*-?\s*(?:y[/.-]?o\.?|yrs?\.?)(?!\w)|"
    rf"\bat\s+(?:just\s+|only\s+|barely\s+)?\d{{1,2}}\b(?!\s*(?:[.:]\d|a\.?m\b|p\.?m\b|o'clock|%|h\b|hours?|"
    rf"minutes?|km|kilo|metres?|meters?|miles?|baht|dollars?|kyats?|per|times|degrees|°))|"
    rf"\b(?:girl|boy|child|teenager|teen|daughter|son)\s+of\s+(?:\d{{1,2}}|{NUMBER_WORDS})\b|"
    rf"\b(?:she|he|they)\s+(?:was|were)\s+(?:only\s+|just\s+|barely\s+)?(?:\d{{1,2}}|{NUMBER_WORDS})\b(?!\s*(?:%|km|kilo|hour|day|week|month|minute))|"
    rf"(?<=[A-Za-z]),\s*(?:aged\s+)?\d{{1,2}}\s*,|(?<=[A-Za-z])\s*\(\s*(?:aged?\s+)?\d{{1,2}}\s*\)|"
    rf"(?:อายุ|วัย)\s*(?:เพียง|แค่|ได้)?\s*\d{{1,2}}|\d{{1,2}}\s*ขวบ|(?:เด็ก(?:หญิง|ชาย)?|สาว|หนุ่ม)(?:วัย|อายุ)\s*\d{{1,2}}"
)
_SMALL_PLACE_WORDS = (
    r"village|hamlet|settlement|township|commune|sub-?district|tambon|district|ward|camp|islet|"
    r"neighbourhood|neighborhood|barangay|kampung"
)
_NOT_A_NAME = {
    "The",
    "A",
    "An",
    "Her",
    "His",
    "Their",
    "Our",
    "My",
    "This",
    "That",
    "Small",
    "Remote",
    "Tiny",
    "Poor",
    "Farming",
    "Fishing",
    "Border",
    "Mountain",
    "Hill",
    "Rural",
    "Home",
    "Same",
    "Next",
    "Nearby",
    "Local",
    "Rice",
    "Coastal",
    "Upland",
    "Highland",
    "Forest",
    "From",
    "In",
    "At",
    "Of",
    "She",
    "He",
    "They",
    "When",
    "Where",
    "Its",
    "Whose",
    "One",
    "Another",
    "Each",
    "Every",
    "Refugee",
}
_SMALL_PLACES = [
    re.compile(
        r"\b(?:Ban|Baan|Bann|Muban|Mu\s+Ban|Moo\s+Baan|Bản|Thôn|Xã|Kampung|Kampong|Kg\.?|Barangay|Brgy\.?|"
        r"Sitio|Purok|Phum|Desa|Dusun|Tole|Ywa|Kyauk)\s+(?P<name>[A-Z][\w'-]*)"
    ),
    re.compile(rf"(?P<name>\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){{0,3}})\s+(?:{_SMALL_PLACE_WORDS})\b"),
    re.compile(rf"(?i:\b(?:{_SMALL_PLACE_WORDS}))\s+(?i:of|called|named|known\s+as)\s+(?P<name>[A-Z][\w'-]*)"),
    re.compile(r"(?i:\b(?:tambon|amphoe|sub-?district))\s+(?P<name>[A-Z][\w'-]*)"),
    re.compile(
        rf"หมู่บ้าน\s*(?!เล็ก|ห่าง|ของ|ใน|ชนบท|แห่ง|หนึ่ง|นั้น|นี้|บน|ริม|ติด|ชาย|กลาง|ใกล้|เดิม|เก่า|ที่|และ|เกิด|"
        rf"ตัวเอง|เรา|เขา|เธอ|ยากจน|บนดอย|ต่าง|อื่น|เดียว|ชาว|ประมง|ชนเผ่า)[{THAI}]{{2,}}"
    ),
    re.compile(
        r"บ้าน\s*(?:หนอง|ห้วย|หัวย|โคก|ดอน|ทุ่ง|ปาก|ท่า(?!น)|โนน|วัง|ดง|คลอง|เวียง|สัน|โป่ง|ผา|หาด|ควน|เชียง|"
        r"ม่อน|ซับ|นาง|หลวง|เหล่า|กุด|แก่ง|ลาด|หนองบัว)"
    ),
    re.compile(rf"(?:ตำบล|ต\.(?!ค\.))\s*[{THAI}]{{2,}}"),
]
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def find_age_with_place(text: str) -> list[Span]:
    found = []
    for sentence in _SENTENCE.finditer(text):
        part = sentence.group()
        ages = list(_AGE.finditer(part))
        if not ages:
            continue
        for pattern in _SMALL_PLACES:
            for m in pattern.finditer(part):
                name = m.groupdict().get("name")
                if name is not None and name.split()[0] in _NOT_A_NAME:
                    words = name.split()[1:]
                    if not words or words[0] in _NOT_A_NAME:
                        continue
                start = min(m.start(), ages[0].start()) + sentence.start()
                end = max(m.end(), ages[0].end()) + sentence.start()
                found.append((start, end))
    return found
