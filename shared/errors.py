"""The domain's errors: a code a caller can act on, a sentence for people, and details (the
parameter at fault, what remains...). The domain never speaks HTTP: the table in
`functions/http.py` maps each code to a status, and the API description comes from the same table."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A caller's mistake or a known unavailable dependency, named by `code`."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}
