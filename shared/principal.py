"""Who is calling: the staff principal that App Service Authentication ("Easy Auth") passes to the
app in `X-MS-CLIENT-PRINCIPAL` (base64 JSON: `auth_typ`, `name_typ`, `role_typ`, `claims`).

The platform signs staff in with Entra ID and strips any `X-MS-*` header a client sends, so the
header can be trusted when it arrives; devhost does the same locally. App roles arrive as `roles`
claims: `author` writes stories and updates, `reviewer` approves, publishes and withdraws, `ops`
withdraws and reads the audit trail. This module is the only place that reads the header.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

from shared.errors import DomainError

HEADER = "x-ms-client-principal"
ROLES = ("author", "reviewer", "ops")
ROLE_CLAIMS = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
NAME_CLAIMS = ("name", "preferred_username", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid", "sub")


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    roles: frozenset[str]

    def role_for(self, allowed: tuple[str, ...]) -> str:
        """The role under which this principal acts here (the first allowed one it holds)."""
        return next(r for r in allowed if r in self.roles)


TRUSTED_SIGN_IN = ("easyauth", "devhost")


def from_headers(headers: Mapping[str, str]) -> Principal | None:
    """The principal the platform passed, or None (nobody signed in, or a header we cannot read).
    Trusted only where the platform strips a client's own header (STAFF_SIGN_IN says so): without
    Easy Auth in front, anyone could send one."""
    from shared.settings import get_settings

    if get_settings().staff_sign_in not in TRUSTED_SIGN_IN:
        return None
    raw = next((v for k, v in headers.items() if k.lower() == HEADER), None)
    if not raw:
        return None
    try:
        data = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4)))
        claims = [(str(c["typ"]), str(c["val"])) for c in data.get("claims", [])]
    except (ValueError, binascii.Error, TypeError, KeyError, AttributeError):
        return None
    role_typ, name_typ = data.get("role_typ"), data.get("name_typ")
    roles = frozenset(v for t, v in claims if t in ROLE_CLAIMS or t == role_typ) & frozenset(ROLES)
    name = next((v for t, v in claims if t == name_typ), None) or next((v for t, v in claims if t in NAME_CLAIMS), "")
    pid = next((v for t, v in claims if t in ID_CLAIMS), "") or name
    if not pid:
        return None
    return Principal(id=pid[:120], name=(name or pid)[:120], roles=roles)


def require(headers: Mapping[str, str], *allowed: str) -> tuple[Principal, str]:
    """The caller and the role it acts under; `unauthenticated` without a principal, `forbidden`
    when it holds none of the allowed roles."""
    principal = from_headers(headers)
    if principal is None:
        raise DomainError("unauthenticated", "Sign in as staff first")
    if not principal.roles & set(allowed):
        raise DomainError("forbidden", "Your role may not do this")
    return principal, principal.role_for(allowed)


def encode(user_id: str, name: str, roles: list[str], idp: str = "aad") -> str:
    """A header value as the platform makes it (devhost and tests use this)."""
    claims = [
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": user_id},
        {"typ": "name", "val": name},
        *({"typ": "roles", "val": r} for r in roles),
    ]
    body = {"auth_typ": idp, "name_typ": "name", "role_typ": "roles", "claims": claims}
    return base64.b64encode(json.dumps(body).encode()).decode()
