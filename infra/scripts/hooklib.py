"""What the azd hooks share. Standard library only: a hook runs on any machine that has azd and
Python 3.11+, with azd's own sign-in (`azd auth token`), and installs nothing it does not need.

azd runs hooks from the project root and exports the environment's values (AZURE_ENV_NAME, the
template's outputs) to them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Azure Resource Manager. Another cloud (e.g. https://management.chinacloudapi.cn) or a test's
# stand-in: AZURE_RESOURCE_MANAGER_URL.
ARM = os.environ.get("AZURE_RESOURCE_MANAGER_URL", "https://management.azure.com").rstrip("/")
VAULT_SCOPE = "https://vault.azure.net/.default"
ARM_SCOPE = "https://management.azure.com/.default"


class HookError(Exception):
    """A step that cannot go on; the message says what to do."""


def step(text: str) -> None:
    print(f"== {text}", flush=True)


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def require(*names: str) -> dict[str, str]:
    missing = [n for n in names if not env(n)]
    if missing:
        raise HookError(f"{', '.join(missing)} not set: run through azd (azd up / azd provision / azd deploy)")
    return {n: env(n) for n in names}


def azd(*args: str, secret_args: bool = False) -> str:
    exe = shutil.which("azd")
    if not exe:
        raise HookError("azd is not on PATH")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        shown = args[:2] if secret_args else args
        raise HookError(f"azd {' '.join(shown)} failed: {proc.stderr.strip()[:500]}")
    return proc.stdout


def azd_env_set(name: str, value: str) -> None:
    azd("env", "set", name, value, secret_args=True)
    os.environ[name] = value


def token(scope: str) -> str:
    """An access token from azd's sign-in (azd auth login)."""
    return json.loads(azd("auth", "token", "--output", "json", "--scope", scope))["token"]


def http(method: str, url: str, bearer: str, body: dict | None = None) -> tuple[int, dict]:
    if not url.startswith("https://"):
        raise HookError(f"refusing a non-https address: {url}")
    data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PUT") else None)
    request = urllib.request.Request(  # noqa: S310 - https only (checked above)
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - https only
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw.strip() else {})
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw) if raw.strip() else {}
        except ValueError:
            return exc.code, {"raw": raw[:500].decode(errors="replace")}


def interactive() -> bool:
    """A person at a terminal (azd attaches it to hooks marked interactive); never in CI."""
    return sys.stdin.isatty()


def run(main) -> None:
    try:
        main()
    except HookError as exc:
        print(f"hook failed: {exc}", file=sys.stderr)
        sys.exit(1)
