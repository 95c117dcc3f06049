"""The postprovision hook against a recording stand-in for Key Vault and Resource Manager, with a
stand-in `azd` (for `azd auth token`) on PATH: what it writes, what it keeps, what it never prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.recorder import recording_server

REPO = Path(__file__).resolve().parents[2]
GIVEN_KEY = "sk_" + "test_" + "givenByCi123"


def fake_azd(tmp: Path) -> Path:
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    azd = bin_dir / "azd"
    azd.write_text(
        "#!/bin/sh\n"
        'echo "$@" >> "$(dirname "$0")/calls.txt"\n'
        'if [ "$1 $2" = "auth token" ]; then echo \'{"token": "azd-token", "expiresOn": "2099-01-01T00:00:00Z"}\'; fi\n'
    )
    azd.chmod(0o755)
    return bin_dir


def vault_and_arm(method: str, path: str):
    if method == "GET" and path.startswith("/secrets/client-hash-key"):  # already there: kept
        return 200, {"Content-Type": "application/json"}, json.dumps({"value": "existing"}).encode()
    if method == "GET" and path.startswith("/secrets/"):
        return 404, {"Content-Type": "application/json"}, json.dumps({"error": {"code": "SecretNotFound"}}).encode()
    if method == "PUT" and path.startswith("/secrets/"):
        return 200, {"Content-Type": "application/json"}, b"{}"
    if method == "POST" and path.endswith("/restart?api-version=2023-12-01"):
        return 200, {}, b""
    return None


def test_postprovision_writes_secrets_generates_keys_restarts_and_says_what_is_missing(tmp_path):
    bin_dir = fake_azd(tmp_path)
    with recording_server(tmp_path, vault_and_arm) as server:
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "SSL_CERT_FILE": str(server.ca_file),
            "AZURE_RESOURCE_MANAGER_URL": server.url,
            "AZURE_KEY_VAULT_ENDPOINT": f"{server.url}/",
            "AZURE_SUBSCRIPTION_ID": "sub-1",
            "AZURE_RESOURCE_GROUP": "rg-test",
            "AZURE_FUNCTION_NAME": "func-x",
            "AZURE_FUNCTION_URL": "https://func-x.azurewebsites.net",
            "STRIPE_SECRET_KEY": GIVEN_KEY,
        }
        out = subprocess.run(
            [sys.executable, str(REPO / "infra/scripts/postprovision.py")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert out.returncode == 0, out.stdout + out.stderr
    puts = {c["path"].split("?")[0]: json.loads(c["body"])["value"] for c in server.calls if c["method"] == "PUT"}
    assert puts["/secrets/stripe-secret-key"] == GIVEN_KEY
    assert len(puts["/secrets/challenge-hmac-key"]) >= 48  # generated
    assert "/secrets/client-hash-key" not in puts  # existing: never replaced
    assert "/secrets/stripe-webhook-secrets" not in puts  # not given, nobody to ask: reported
    restarts = server.paths("POST")
    assert restarts == [
        "/subscriptions/sub-1/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-x/restart?api-version=2023-12-01"
    ]
    assert all(c["auth"] == "Bearer azd-token" for c in server.calls)  # azd's own sign-in
    assert "NOT READY: stripe-webhook-secrets" in out.stdout
    assert "https://func-x.azurewebsites.net/api/webhooks/stripe" in out.stdout  # what to register
    assert GIVEN_KEY not in out.stdout + out.stderr and puts["/secrets/challenge-hmac-key"] not in out.stdout
    calls = (bin_dir / "calls.txt").read_text()
    assert "auth token --output json --scope https://vault.azure.net/.default" in calls
    assert "env set" not in calls  # secrets never go to azd's environment file


def test_postprovision_refuses_a_malformed_secret_and_writes_nothing(tmp_path):
    bin_dir = fake_azd(tmp_path)
    with recording_server(tmp_path, vault_and_arm) as server:
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "SSL_CERT_FILE": str(server.ca_file),
            "AZURE_RESOURCE_MANAGER_URL": server.url,
            "AZURE_KEY_VAULT_ENDPOINT": f"{server.url}/",
            "AZURE_SUBSCRIPTION_ID": "s",
            "AZURE_RESOURCE_GROUP": "r",
            "AZURE_FUNCTION_NAME": "f",
            "AZURE_FUNCTION_URL": "https://f",
            "STRIPE_SECRET_KEY": "pk_test_the_wrong_key",
        }
        out = subprocess.run(
            [sys.executable, str(REPO / "infra/scripts/postprovision.py")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert out.returncode == 1 and "does not look right" in out.stderr
    assert server.paths("PUT") == [] and server.paths("POST") == []


def run_hook(name: str, bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(bin_dir.parent)}
    return subprocess.run(
        [sys.executable, str(REPO / f"infra/scripts/{name}.py")],
        env={**base, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_preprovision_gives_a_new_deployment_a_suffix_and_needs_the_publishable_key_and_alert_email(tmp_path):
    bin_dir = fake_azd(tmp_path)
    out = run_hook(
        "preprovision", bin_dir, AZURE_ENV_NAME="prod", STRIPE_PUBLISHABLE_KEY="pk_test_abc123", ALERT_EMAIL="ops@example.org"
    )
    assert out.returncode == 0, out.stderr
    [suffix_call] = [c for c in (bin_dir / "calls.txt").read_text().splitlines() if "AZURE_INSTANCE_SUFFIX" in c]
    assert suffix_call.startswith("env set AZURE_INSTANCE_SUFFIX ") and len(suffix_call.split()[-1]) == 6

    (bin_dir / "calls.txt").unlink()
    again = run_hook(
        "preprovision",
        bin_dir,
        AZURE_ENV_NAME="prod",
        AZURE_INSTANCE_SUFFIX="ab12cd",
        AZURE_RESOURCE_GROUP="rg-prod",
        STRIPE_PUBLISHABLE_KEY="pk_test_abc123",
        ALERT_EMAIL="ops@example.org",
    )
    assert again.returncode == 0 and not (bin_dir / "calls.txt").exists()  # same deployment, nothing to set

    missing = run_hook("preprovision", bin_dir, AZURE_ENV_NAME="prod", AZURE_INSTANCE_SUFFIX="ab12cd", ALERT_EMAIL="ops@example.org")
    assert missing.returncode == 1 and "azd env set STRIPE_PUBLISHABLE_KEY" in missing.stderr
    bad_email = run_hook(
        "preprovision",
        bin_dir,
        AZURE_ENV_NAME="prod",
        AZURE_INSTANCE_SUFFIX="ab12cd",
        STRIPE_PUBLISHABLE_KEY="pk_live_abc",
        ALERT_EMAIL="nobody",
    )
    assert bad_email.returncode == 1 and "ALERT_EMAIL" in bad_email.stderr


def test_postdown_picks_a_new_suffix_for_the_next_deployment(tmp_path):
    bin_dir = fake_azd(tmp_path)
    out = run_hook("postdown", bin_dir, AZURE_ENV_NAME="prod", AZURE_INSTANCE_SUFFIX="ab12cd")
    assert out.returncode == 0, out.stderr
    [call] = (bin_dir / "calls.txt").read_text().splitlines()
    assert call.startswith("env set AZURE_INSTANCE_SUFFIX ") and call.split()[-1] != "ab12cd"
