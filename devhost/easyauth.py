"""App Service Authentication ("Easy Auth"), emulated for local work and tests.

In Azure the platform signs staff in with Entra ID, keeps the session in a cookie, and passes the
principal to the app in `X-MS-CLIENT-PRINCIPAL` (plus `-NAME`, `-ID`, `-IDP`), after stripping any
`X-MS-*` header the client sent. Locally `/.auth/login/dev` offers a few fictional staff members
and a role to pick; then the same cookie and headers follow, and `/.auth/me` and `/.auth/logout`
answer as Azure's do. Sessions live in memory, signed with a key made at start.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from shared import principal as principals

COOKIE = "AppServiceAuthSession"
PROVIDER = "dev"

# Fictional staff of the partner organisation (names made up for local work).
STAFF = (
    ("a1f0c6de-0000-4000-8000-000000000001", "Ploy Srisuk", "ploy@casework.example"),
    ("a1f0c6de-0000-4000-8000-000000000002", "Marco Reyes", "marco@casework.example"),
    ("a1f0c6de-0000-4000-8000-000000000003", "Hnin Aye", "hnin@casework.example"),
    ("a1f0c6de-0000-4000-8000-000000000004", "Sam Okafor", "sam@ops.example"),
)
ROLE_CHOICES = (*principals.ROLES, "none")

Response = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Session:
    user_id: str
    name: str
    email: str
    roles: tuple[str, ...]


class EasyAuth:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- requests to the app
    def inbound_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """The client's headers as the app receives them: its own X-MS-* removed, the principal
        of its session (if any) added."""
        kept = {k: v for k, v in headers.items() if not k.lower().startswith("x-ms-")}
        session = self.session(headers)
        if session:
            kept.update(
                {
                    "X-MS-CLIENT-PRINCIPAL": principals.encode(session.user_id, session.name, list(session.roles), idp="aad"),
                    "X-MS-CLIENT-PRINCIPAL-NAME": session.email,
                    "X-MS-CLIENT-PRINCIPAL-ID": session.user_id,
                    "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
                }
            )
        return kept

    def session(self, headers: dict[str, str]) -> Session | None:
        raw = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
        cookie = SimpleCookie()
        try:
            cookie.load(raw)
        except Exception:  # noqa: BLE001 - a malformed cookie header is no session
            return None
        token = cookie[COOKIE].value if COOKIE in cookie else ""
        sid, _, sig = token.partition(".")
        if not sid or not hmac.compare_digest(sig, self._sign(sid)):
            return None
        with self._lock:
            return self._sessions.get(sid)

    def _sign(self, sid: str) -> str:
        return hmac.new(self._key, sid.encode(), hashlib.sha256).hexdigest()[:32]

    # ---------------------------------------------------------------- /.auth/*
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | None:
        parts = urlsplit(target)
        path, query = parts.path.rstrip("/"), dict(parse_qsl(parts.query))
        if path == "/.auth/me" and method == "GET":
            return self.me(headers)
        if path == "/.auth/logout":
            return self.logout(headers, query)
        if path == f"/.auth/login/{PROVIDER}":
            if method == "POST":
                return self.login(dict(parse_qsl(body.decode("utf-8", "replace"))), query)
            return self.login_page(query)
        if path.startswith("/.auth/"):
            return 404, {"Content-Type": "text/plain"}, b"Not found (locally, sign in at /.auth/login/dev)"
        return None

    def me(self, headers: dict[str, str]) -> Response:
        session = self.session(headers)
        if session is None:  # as App Service answers without a session
            return 401, {"Content-Type": "text/plain"}, b"Unauthorized"
        claims = [
            {"typ": "name", "val": session.name},
            {"typ": "preferred_username", "val": session.email},
            {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": session.user_id},
            *({"typ": "roles", "val": r} for r in session.roles),
        ]
        body = [{"provider_name": "aad", "user_id": session.email, "user_claims": claims}]
        return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()

    def login_page(self, query: dict[str, str], error: str = "") -> Response:
        redirect = _safe_redirect(query.get("post_login_redirect_uri") or query.get("post_login_redirect_url"))
        people = "".join(
            f'<li><label><input type="radio" name="user" value="{html.escape(uid)}"{" checked" if i == 0 else ""}> '
            f"{html.escape(name)} <small>({html.escape(email)})</small></label></li>"
            for i, (uid, name, email) in enumerate(STAFF)
        )
        roles = "".join(
            f'<li><label><input type="radio" name="role" value="{r}"{" checked" if i == 0 else ""}> {r}</label></li>'
            for i, r in enumerate(ROLE_CHOICES)
        )
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in (local) · Second Chance</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1f2a2a}}
fieldset{{margin:0 0 1rem;border:1px solid #8a9a98;border-radius:6px}}ul{{list-style:none;padding:0;margin:0}}
button{{font:inherit;padding:.5rem 1.2rem;background:#1d5c55;color:#fff;border:0;border-radius:6px}}
.error{{color:#9b1c1c}}</style></head><body><main>
<h1>Sign in to Second Chance (local)</h1>
<p>On Azure, Microsoft Entra ID signs you in here. Locally, pick a fictional staff member and a role.</p>
{f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""}
<form method="post"><input type="hidden" name="redirect" value="{html.escape(redirect)}">
<fieldset><legend>Staff member</legend><ul>{people}</ul></fieldset>
<fieldset><legend>Role</legend><ul>{roles}</ul></fieldset>
<button type="submit">Sign in</button></form></main></body></html>"""
        return 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, page.encode()

    def login(self, form: dict[str, str], query: dict[str, str]) -> Response:
        person = next((s for s in STAFF if s[0] == form.get("user")), None)
        role = form.get("role", "")
        if person is None or role not in ROLE_CHOICES:
            status, headers, body = self.login_page(query, "Pick a staff member and a role.")
            return 400, headers, body
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[sid] = Session(person[0], person[1], person[2], () if role == "none" else (role,))
        redirect = _safe_redirect(form.get("redirect") or query.get("post_login_redirect_uri"))
        return (
            302,
            {
                "Location": redirect,
                "Cache-Control": "no-store",
                "Set-Cookie": f"{COOKIE}={sid}.{self._sign(sid)}; Path=/; HttpOnly; SameSite=Lax",
            },
            b"",
        )

    def logout(self, headers: dict[str, str], query: dict[str, str]) -> Response:
        session_cookie = self.session(headers)
        if session_cookie is not None:
            with self._lock:
                for sid, s in list(self._sessions.items()):
                    if s is session_cookie:
                        del self._sessions[sid]
        redirect = _safe_redirect(query.get("post_logout_redirect_uri"), default="/.auth/logout/complete")
        if redirect == "/.auth/logout/complete":
            redirect = "/"
        return (
            302,
            {"Location": redirect, "Cache-Control": "no-store", "Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"},
            b"",
        )


def _safe_redirect(value: str | None, default: str = "/staff/") -> str:
    """Only paths on this site (as Azure allows only its own host and the listed external URLs)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
