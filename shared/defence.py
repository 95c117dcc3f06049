"""Card-testing defence: what stands between an anonymous client and a new PaymentIntent.

Card testers use donation forms to learn which stolen cards work: many small attempts, each
handing them a client secret to confirm cards with. The layers, none of which sends anything to
a third party or asks a donor to solve a puzzle:

1. **Proof of work** (ALTCHA): `GET /api/challenge` issues a signed, expiring challenge; the portal
   solves it in a Web Worker while the donor fills in the form. A donation must carry a solved,
   unexpired challenge, usable once (used ones are remembered until they expire, in the store
   every instance shares). Under attack the challenges get harder.
2. **Velocity limits shared by every instance**: PaymentIntents per client per hour, per story per
   hour and for the whole site per minute (lower under attack), counted in Cosmos DB.
3. **Decline tracking**: every card payment Stripe declines counts against the client and the
   card's fingerprint; past a threshold the client is refused for a day, an intent with too many
   declines is cancelled, and a site-wide spike of declines raises the alarm (harder challenges,
   fewer new PaymentIntents, a log line and a metric for ops).

The client is the address Azure's front end appends to `X-Forwarded-For`, kept only as a keyed
hash (HMAC-SHA256 with CLIENT_HASH_KEY): no raw address is stored or logged.

Counters live in the `guard` container (partition key `/id`, per-item TTL): one document per key
and fixed window, incremented atomically with a patch; a window's document expires after it.
Cosmos DB rather than Table storage because a patch increments atomically on the server (Tables
would need read-modify-write with ETags, which contends under exactly the load we defend
against), TTL removes old windows by itself, and the app already talks to Cosmos DB.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared import store
from shared.errors import DomainError
from shared.settings import get_settings

log = logging.getLogger(__name__)

ALGORITHM = "PBKDF2/SHA-256"
DAY, HOUR, MINUTE = 86_400, 3_600, 60
ATTACK_WINDOW = 600  # declines counted site-wide per 10 minutes


class Decline(BaseModel):
    """A card payment Stripe declined, in the defence's words."""

    event_id: str
    intent: str
    client: str | None = None  # the keyed hash the intent was created for
    card: str | None = None  # the card's fingerprint


# ------------------------------------------------------------------ the client
def client_address(forwarded_for: str | None) -> str | None:
    """The address the platform's front end appended to X-Forwarded-For (the last entry: anything
    before it may come from the client), without a port; None if there is none or it is not an IP."""
    if not forwarded_for:
        return None
    last = forwarded_for.split(",")[-1].strip()
    if last.startswith("["):  # [v6]:port
        last = last[1:].split("]")[0]
    elif last.count(":") == 1:  # v4:port
        last = last.split(":")[0]
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return None


def client_hash(address: str | None) -> str:
    """A keyed hash of the client's address (or of 'unknown'), never the address itself."""
    key = _secret("client_hash_key", "CLIENT_HASH_KEY")
    return hmac.new(key.encode(), (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]


def _secret(attr: str, name: str) -> str:
    value = getattr(get_settings(), attr)
    if not value:
        log.error("%s is not set: donations are refused until it is", name)
        raise DomainError("payments_unavailable", "Payments are briefly unavailable; try again")
    return value


# ------------------------------------------------------------------ proof of work
def new_challenge() -> dict[str, Any]:
    import altcha

    s = get_settings()
    attack = under_attack()
    prefix = s.challenge_attack_prefix_hex if attack else s.challenge_prefix_hex
    challenge = altcha.create_challenge(
        ALGORITHM,
        s.challenge_cost,
        key_prefix="0" * prefix,
        expires_at=int(time.time()) + s.challenge_seconds,
        hmac_secret=_secret("challenge_hmac_key", "CHALLENGE_HMAC_KEY"),
    )
    return challenge.to_dict()


def redeem(payload: str | None, owner: str) -> None:
    """Accept a solved challenge once (and again for the same `owner`: a retried request with the same
    Idempotency-Key), or refuse with the error shape (4xx)."""
    import altcha

    if not payload:
        raise DomainError(
            "challenge_required", "Solve a challenge from GET /api/challenge and send it as 'challenge'", parameter="challenge"
        )
    if len(payload) > 4096:
        raise DomainError("challenge_invalid", "The challenge solution is not valid", parameter="challenge")
    result = altcha.verify_solution(payload, _secret("challenge_hmac_key", "CHALLENGE_HMAC_KEY"))
    if result.expired:
        raise DomainError("challenge_expired", "The challenge has expired; solve a new one", parameter="challenge")
    if not result.verified:
        raise DomainError("challenge_invalid", "The challenge solution is not valid", parameter="challenge")
    challenge = altcha.Payload.from_base64(payload).challenge
    expires = int(challenge.parameters.expires_at or time.time() + get_settings().challenge_seconds)
    marker = "used:" + hashlib.sha256((challenge.signature or "").encode()).hexdigest()[:40]
    if not store.mark_once(marker, ttl=max(60, expires - int(time.time()) + 60), owner=owner):
        raise DomainError("challenge_used", "This challenge was used already; solve a new one", parameter="challenge")


# ------------------------------------------------------------------ limits
@dataclass(frozen=True)
class Limit:
    key: str
    per: int  # window, seconds
    most: int
    code: str
    message: str


def admit(client: str, story_id: str) -> None:
    """Count one new PaymentIntent against the client, the story and the site; refuse past any limit
    (`rate_limited`, `busy`) or while the client is blocked for declines (`declined`), saying when to retry."""
    s = get_settings()
    declines = _count(f"decline:client:{client}", DAY)
    if declines >= s.decline_client_per_day:
        raise _too_many(
            "declined",
            "Too many card payments from this connection were declined. Please try again tomorrow or contact us.",
            _window_left(DAY),
        )
    site = s.limit_site_per_minute_attack if under_attack() else s.limit_site_per_minute
    for limit in (
        Limit(
            f"client:{client}",
            HOUR,
            s.limit_client_per_hour,
            "rate_limited",
            "Too many donation attempts from this connection. Please wait and try again.",
        ),
        Limit(
            f"story:{story_id}",
            HOUR,
            s.limit_story_per_hour,
            "busy",
            "This story is receiving many donation attempts. Please try again shortly.",
        ),
        Limit("site", MINUTE, site, "busy", "We are receiving many donation attempts. Please try again shortly."),
    ):
        if _incr(limit.key, limit.per) > limit.most:
            log.warning("card-testing defence: %s limit reached (%d per %d s)", limit.key.split(":")[0], limit.most, limit.per)
            raise _too_many(limit.code, limit.message, _window_left(limit.per))


def _too_many(code: str, message: str, retry_after: int) -> DomainError:
    return DomainError(code, message, retry_after=retry_after)


def _window_left(per: int) -> int:
    return max(1, per - int(time.time()) % per)


# ------------------------------------------------------------------ declines
def record_decline(decline: Decline) -> dict[str, int]:
    """Count a decline once (per event) against the client, the card, the intent and the site.
    Returns what the counts were; cancels an intent past its limit."""
    s = get_settings()
    if not store.mark_once(f"decline-event:{decline.event_id}", ttl=2 * DAY):
        return {}
    counts = {"site": _incr("decline:site", ATTACK_WINDOW), "intent": _incr(f"decline:intent:{decline.intent}", DAY)}
    if decline.client:
        counts["client"] = _incr(f"decline:client:{decline.client}", DAY)
    if decline.card:
        counts["card"] = _incr(f"decline:card:{decline.card}", DAY)
        if counts["card"] >= s.decline_card_per_day and decline.client:
            # A card declined again and again: whoever tries it is refused for the day.
            _incr(f"decline:client:{decline.client}", DAY, by=s.decline_client_per_day)
    if counts["intent"] >= s.decline_intent_max or counts.get("card", 0) >= s.decline_card_per_day:
        from shared import payments

        payments.cancel_intent(decline.intent)  # its client secret can test no more cards
    if counts["site"] == s.attack_declines_per_10_minutes:
        store.mark_once("attack", ttl=s.attack_minutes * MINUTE)
        log.warning(
            "card-testing alarm: %d declines site-wide in 10 minutes; challenges harder and new "
            "PaymentIntents limited to %d a minute for %d minutes",
            counts["site"],
            s.limit_site_per_minute_attack,
            s.attack_minutes,
            extra={"custom_dimensions": {"metric": "card_testing_alarm", "declines": counts["site"]}},
        )
    return counts


def unblock(address: str | None = None, card: str | None = None) -> int:
    """Lift the blocks on a client address (hashed here, never kept) or a card fingerprint: its
    decline and attempt counters of the current windows are removed. How many were removed."""
    keys = []
    if address:
        client = client_hash(str(ipaddress.ip_address(address)))
        keys += [f"decline:client:{client}:{int(time.time()) // DAY}", f"client:{client}:{int(time.time()) // HOUR}"]
    if card:
        keys.append(f"decline:card:{card}:{int(time.time()) // DAY}")
    return sum(store.remove_mark(k) for k in keys)


def under_attack() -> bool:
    return _exists("attack")


# ------------------------------------------------------------------ windows in the shared store
def _incr(key: str, per: int, by: int = 1) -> int:
    """Count in the current fixed window of `per` seconds; the window's document expires after it."""
    return store.incr(f"{key}:{int(time.time()) // per}", by, ttl=2 * per)


def _count(key: str, per: int) -> int:
    doc = store.read_mark(f"{key}:{int(time.time()) // per}")
    return int(doc["n"]) if doc else 0


def _exists(key: str) -> bool:
    doc = store.read_mark(key)
    return doc is not None and doc.get("expires", 0) >= time.time()
