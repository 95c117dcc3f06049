"""Where `python -m ops` points, decided once and said out loud.

Two targets, never guessed:

- **Azure** (the default): the deployment described by azd's environment — the variables azd
  exports to its hooks (`AZURE_ENV_NAME`, the template's outputs), or else `azd env get-values`.
  The settings are built from those outputs only; `local.settings.json` is never read. Emulator
  keys, storage connection strings and loopback endpoints are refused.
- **Local** (`--local`): the local stack, with settings from the environment and, where unset,
  `local.settings.json` (as devhost and `func start` read them). Azure endpoints and live Stripe
  keys are refused.

With neither azd's environment nor `--local`, there is no target: the caller says so and stops.

`OPS_TEST_AZURE_LOOPBACK=host:port` lets the Azure target use one loopback address. It exists
for the tests only (a stand-in server that records what ops sends to "Azure"); never set it
anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TEST_LOOPBACK_VAR = "OPS_TEST_AZURE_LOOPBACK"

# Settings whose value is an address ops will call.
ENDPOINT_SETTINGS = (
    "COSMOS_ENDPOINT",
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "STRIPE_API_BASE",
    "AZURE_KEY_VAULT_ENDPOINT",
)
# Settings that exist only for the local stack; in Azure every connection uses Entra ID.
LOCAL_ONLY_SETTINGS = ("COSMOS_KEY", "AzureWebJobsStorage", "STRIPE_API_BASE")
EMULATOR_MARKERS = ("devstoreaccount1", "UseDevelopmentStorage", "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDu")
AZURE_HOST_SUFFIXES = (
    ".azure.com",
    ".windows.net",
    ".azure.net",
    ".azurewebsites.net",
    ".azure-api.net",
    ".azurestaticapps.net",
    ".azurefd.net",
)
# azd output (infra/main.bicep) -> the app setting it fills.
AZD_OUTPUT_TO_SETTING = {
    "COSMOS_ENDPOINT": "COSMOS_ENDPOINT",
    "COSMOS_DATABASE": "COSMOS_DATABASE",
    "COSMOS_CONTAINER": "COSMOS_CONTAINER",
    "GUARD_CONTAINER": "GUARD_CONTAINER",
    "MAP_ASSETS_CONTAINER": "MAP_ASSETS_CONTAINER",
    "AZURE_STORAGE_BLOB_ENDPOINT": "AzureWebJobsStorage__blobServiceUri",
    "AZURE_STORAGE_QUEUE_ENDPOINT": "AzureWebJobsStorage__queueServiceUri",
    "AZURE_KEY_VAULT_ENDPOINT": "AZURE_KEY_VAULT_ENDPOINT",
}
REQUIRED_AZD_OUTPUTS = ("COSMOS_ENDPOINT", "AZURE_STORAGE_BLOB_ENDPOINT", "AZURE_STORAGE_QUEUE_ENDPOINT")
# Secrets the app reads through Key Vault references: app setting -> (azd output naming the secret, default name).
KEY_VAULT_SECRETS = {
    "STRIPE_SECRET_KEY": ("STRIPE_SECRET_KEY_SECRET_NAME", "stripe-secret-key"),
    "STRIPE_WEBHOOK_SECRETS": ("STRIPE_WEBHOOK_SECRETS_SECRET_NAME", "stripe-webhook-secrets"),
    "CLIENT_HASH_KEY": ("CLIENT_HASH_KEY_SECRET_NAME", "client-hash-key"),
    "CHALLENGE_HMAC_KEY": ("CHALLENGE_HMAC_KEY_SECRET_NAME", "challenge-hmac-key"),
}


class TargetError(Exception):
    """No target, or a target whose settings point somewhere they must not."""


@dataclass(frozen=True)
class Target:
    kind: Literal["azure", "local"]
    name: str  # the azd environment, or the local settings file
    values: dict[str, str]  # settings to put into the environment
    unset: tuple[str, ...] = ()  # settings to take out of it
    azd: dict[str, str] = field(default_factory=dict)  # the azd environment's values (Azure only)

    def describe(self) -> str:
        v = self.values
        blob = v.get("AzureWebJobsStorage__blobServiceUri") or _storage_part(v.get("AzureWebJobsStorage", ""), "BlobEndpoint")
        queue = v.get("AzureWebJobsStorage__queueServiceUri") or _storage_part(v.get("AzureWebJobsStorage", ""), "QueueEndpoint")
        where = "Azure, azd environment" if self.kind == "azure" else "the local stack, settings from"
        lines = [
            f"ops target: {where} {self.name}",
            f"  cosmos  {v.get('COSMOS_ENDPOINT', '?')} database {v.get('COSMOS_DATABASE', 'secondchance')}",
            f"  blob    {blob or '?'}",
            f"  queue   {queue or '?'}",
        ]
        if self.kind == "local":
            lines.append(f"  stripe  {v.get('STRIPE_API_BASE') or 'api.stripe.com'}")
        else:
            lines.append(f"  secrets {v.get('AZURE_KEY_VAULT_ENDPOINT', '?')} (Key Vault, read when a command needs them)")
        return "\n".join(lines)

    def apply(self, environ: os._Environ | dict[str, str] = os.environ) -> None:
        for name in self.unset:
            environ.pop(name, None)
        environ.update(self.values)

    def secret_names(self) -> dict[str, str]:
        """App setting -> Key Vault secret name (Azure)."""
        return {setting: self.azd.get(output) or default for setting, (output, default) in KEY_VAULT_SECRETS.items()}


def _storage_part(connection_string: str, key: str) -> str:
    for part in connection_string.split(";"):
        if part.startswith(key + "="):
            return part.split("=", 1)[1]
    return ""


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


def is_loopback(url: str) -> bool:
    host, _ = _host_port(url)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_azure(url: str) -> bool:
    host, _ = _host_port(url)
    return host.endswith(AZURE_HOST_SUFFIXES)


def _allowed_loopback(url: str, environ: Mapping[str, str]) -> bool:
    allowance = environ.get(TEST_LOOPBACK_VAR, "").strip()
    if not allowance:
        return False
    return _host_port(url) == _host_port(allowance)


def parse_dotenv(text: str) -> dict[str, str]:
    """`azd env get-values` output: KEY="value" lines (shell quoting)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, raw = line.split("=", 1)
        try:
            parsed = shlex.split(raw)
        except ValueError:
            parsed = [raw]
        values[key.strip()] = parsed[0] if parsed else ""
    return values


Runner = Callable[[list[str]], subprocess.CompletedProcess]


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def azd_values(environ: Mapping[str, str], environment: str | None = None, run: Runner = _run) -> dict[str, str]:
    """azd's environment: what azd exported to this process (hooks), else `azd env get-values`.
    Empty when there is none."""
    if environment is None and environ.get("AZURE_ENV_NAME"):
        return dict(environ)
    azd = shutil.which("azd", path=environ.get("PATH"))
    if not azd:
        return {}
    cmd = [azd, "env", "get-values", "--output", "dotenv"] + (["--environment", environment] if environment else [])
    proc = run(cmd)
    if proc.returncode != 0:
        if environment:
            raise TargetError(f"azd has no environment {environment!r}: {proc.stderr.strip()[:300]}")
        return {}
    return parse_dotenv(proc.stdout)


def azure_target(environ: Mapping[str, str], environment: str | None = None, run: Runner = _run) -> Target | None:
    values = azd_values(environ, environment, run)
    if not values.get("AZURE_ENV_NAME") and not any(values.get(k) for k in REQUIRED_AZD_OUTPUTS):
        return None
    name = values.get("AZURE_ENV_NAME", environment or "?")
    missing = [k for k in REQUIRED_AZD_OUTPUTS if not values.get(k)]
    if missing:
        raise TargetError(f"azd environment {name!r} lacks {', '.join(missing)}: provision it first (azd provision)")
    settings = {setting: values[output] for output, setting in AZD_OUTPUT_TO_SETTING.items() if values.get(output)}
    problems = []
    for setting in LOCAL_ONLY_SETTINGS:
        value = environ.get(setting, "")
        if value and not (setting == "STRIPE_API_BASE" and _allowed_loopback(value, environ)):
            kind = "an emulator key" if any(m in value for m in EMULATOR_MARKERS) else "a local-only setting"
            problems.append(f"{setting} is set ({kind}); in Azure every connection uses Entra ID — unset it")
    if environ.get("STRIPE_API_BASE") and _allowed_loopback(environ["STRIPE_API_BASE"], environ):
        settings["STRIPE_API_BASE"] = environ["STRIPE_API_BASE"]
    for setting in ENDPOINT_SETTINGS:
        url = settings.get(setting, "")
        if url and is_loopback(url) and not _allowed_loopback(url, environ):
            problems.append(f"{setting} is a loopback address ({url}), not Azure")
    if problems:
        raise TargetError(f"refusing the Azure target {name!r}:\n  " + "\n  ".join(problems))
    return Target("azure", name, settings, unset=("AzureWebJobsStorage", "COSMOS_KEY"), azd=values)


def local_target(environ: Mapping[str, str], settings_file: Path | None = None) -> Target:
    path = settings_file or ROOT / "local.settings.json"
    values: dict[str, str] = {}
    if path.exists():
        values = {k: str(v) for k, v in json.loads(path.read_text())["Values"].items()}
    watched = (
        set(values) | set(ENDPOINT_SETTINGS) | set(LOCAL_ONLY_SETTINGS) | {"STRIPE_SECRET_KEY", "AzureWebJobsStorage__accountName"}
    )
    values.update({k: v for k, v in environ.items() if k in watched})  # the environment wins, as for devhost
    if not values.get("COSMOS_ENDPOINT"):
        raise TargetError(f"--local: no settings for the local stack: {path.name} is missing (make run creates it)")
    problems = [f"{k} is an Azure address ({values[k]})" for k in ENDPOINT_SETTINGS if is_azure(values.get(k, ""))]
    connection = values.get("AzureWebJobsStorage", "")
    if any(is_azure(_storage_part(connection, part)) for part in ("BlobEndpoint", "QueueEndpoint")) or (
        "EndpointSuffix=core.windows.net" in connection
    ):
        problems.append("AzureWebJobsStorage names an Azure storage account")
    if values.get("AzureWebJobsStorage__accountName"):
        problems.append("AzureWebJobsStorage__accountName is set: that names an Azure storage account")
    if values.get("STRIPE_SECRET_KEY", "").startswith(("sk_live_", "rk_live_")):
        problems.append("STRIPE_SECRET_KEY is a live key")
    if problems:
        raise TargetError("refusing --local:\n  " + "\n  ".join(problems))
    name = (
        str(path.relative_to(ROOT))
        if path.exists() and path.is_relative_to(ROOT)
        else (str(path) if path.exists() else "the environment")
    )
    return Target("local", name, values)


def resolve(
    local: bool,
    environment: str | None = None,
    environ: Mapping[str, str] | None = None,
    settings_file: Path | None = None,
    run: Runner = _run,
) -> Target:
    environ = os.environ if environ is None else environ
    if local:
        if environment:
            raise TargetError("--local and --env exclude each other")
        return local_target(environ, settings_file)
    target = azure_target(environ, environment, run)
    if target is None:
        raise TargetError(
            "no target: azd's environment was not found (run inside `azd env` / an azd hook, or "
            "give --env NAME with azd installed); for the local stack say --local"
        )
    return target


def read_key_vault_secrets(target: Target, settings: list[str]) -> dict[str, str]:
    """The values of the named settings' Key Vault secrets, read with azd's / the signed-in identity
    (DefaultAzureCredential). A missing secret is left out."""
    import urllib.error
    import urllib.request

    from shared.clients import credential

    vault = target.values.get("AZURE_KEY_VAULT_ENDPOINT", "").rstrip("/")
    if not vault.startswith("https://"):
        raise TargetError(f"the azd environment's AZURE_KEY_VAULT_ENDPOINT is not an https address: {vault!r}")
    try:
        token = credential().get_token("https://vault.azure.net/.default").token
    except Exception as exc:  # noqa: BLE001 - any sign-in failure has the same remedy
        raise TargetError(f"cannot sign in to read Key Vault ({type(exc).__name__}): run `azd auth login`") from None
    names = target.secret_names()
    out: dict[str, str] = {}
    for setting in settings:
        request = urllib.request.Request(  # noqa: S310 - https only
            f"{vault}/secrets/{names[setting]}?api-version=7.4",
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as resp:  # noqa: S310 - https Key Vault endpoint
                out[setting] = json.loads(resp.read())["value"]
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                hint = " (you need Key Vault Secrets User or Officer there)" if exc.code == 403 else ""
                raise TargetError(f"Key Vault refused {names[setting]}: HTTP {exc.code}{hint}") from None
        except urllib.error.URLError as exc:
            raise TargetError(f"cannot reach Key Vault {vault}: {exc.reason}") from None
    return out
