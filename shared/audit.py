"""The audit trail: one append-only record per staff action, in the story's partition of Cosmos DB
(written in the same transactional batch as the change it records). Who (principal id and name),
under which role, when, what, which story and version, and details that are never the sensitive
terms themselves (a withdrawal reason has them blanked). Records are created, never replaced."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from shared import store
from shared.principal import Principal

ACTIONS = ("create", "edit", "image", "submit", "approve", "publish", "update", "withdraw", "consent", "consent_expired")


def record(story_id: str, who: Principal, role: str, action: str, version: int, **details: Any) -> dict[str, Any]:
    assert action in ACTIONS, action
    return {
        "id": f"audit.{uuid.uuid4().hex}",
        "type": "audit",
        "storyId": story_id,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "action": action,
        "version": version,
        "by": {"id": who.id, "name": who.name},
        "role": role,
        "details": {k: v for k, v in details.items() if v is not None},
    }


def append(story, who: Principal, role: str, action: str, **details: Any) -> None:
    """Write one record on its own, at the story's current version (actions that change no story
    document: a picture added, a command-line step, the consent timer; the others are written in
    the same batch as their change)."""
    from shared.clients import cosmos_container

    version = story.editorial.version if story.editorial else 1
    with store.mapped_errors():
        cosmos_container().create_item(record(story.id, who, role, action, version, **details))


def from_command_line(story, action: str) -> None:
    """Record an action taken with `python -m ops` (who: the operating-system user, role ops)."""
    import getpass
    import socket

    user = getpass.getuser()
    who = Principal(id=f"cli:{user}@{socket.gethostname()}", name=user, roles=frozenset({"ops"}))
    append(story, who, "ops", action, via="python -m ops")


def redact(text: str, terms: list[str]) -> str:
    for term in sorted((t.strip() for t in terms if t.strip()), key=len, reverse=True):
        text = re.sub(re.escape(term), "[redacted]", text, flags=re.IGNORECASE)
    return text


def history(story_id: str) -> list[dict[str, Any]]:
    """The story's audit records, oldest first."""
    with store.mapped_errors():
        from shared.clients import cosmos_container

        items = cosmos_container().query_items(
            "SELECT * FROM c WHERE c.storyId = @story AND c.type = 'audit' ORDER BY c.at",
            parameters=[{"name": "@story", "value": story_id}],
            partition_key=story_id,
        )
        return [{k: v for k, v in i.items() if not k.startswith("_")} for i in items]


def lines(records: list[dict[str, Any]]) -> list[str]:
    """The trail as text, one line per action (for `python -m ops audit`)."""
    out = []
    for r in records:
        details = ", ".join(f"{k}={v}" for k, v in r.get("details", {}).items())
        out.append(
            f"{r['at']}  v{r['version']:<3} {r['action']:<9} {r['by']['name']} ({r['role']}, {r['by']['id']})"
            + (f"  {details}" if details else "")
        )
    return out
