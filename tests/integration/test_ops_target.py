"""`python -m ops` acts where it says: on Azure with azd's environment (even when local.settings.json
is there), on the local stack only with --local, and nowhere without either.

"Azure" here is a stand-in HTTPS server on loopback that records every call (blob storage and the
managed identity token endpoint). The Azure target refuses loopback addresses, so the test names
this one recorder in OPS_TEST_AZURE_LOOPBACK, the test-only allowance of ops/target.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VALUES
from tests.recorder import Recorder, recording_server

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_COSMOS_KEY = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]["COSMOS_KEY"]


@pytest.fixture
def recorder(tmp_path) -> Iterator[Recorder]:
    with recording_server(tmp_path) as server:
        yield server


@pytest.fixture
def local_settings_file() -> Iterator[Path]:
    """local.settings.json present, as on every developer machine after `make run`."""
    path = ROOT / "local.settings.json"
    created = not path.exists()
    if created:
        shutil.copy(ROOT / "local.settings.json.example", path)
    try:
        yield path
    finally:
        if created:
            path.unlink()


def azd_env(recorder: Recorder, allow_recorder: bool = True, **extra: str) -> dict[str, str]:
    """What azd exports to a hook, with every "Azure" address at the recorder; none of the local stack's settings."""
    env = {k: v for k, v in os.environ.items() if k not in VALUES and not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    env.update(
        {
            "AZURE_ENV_NAME": "recorded",
            "AZURE_RESOURCE_GROUP": "rg-recorded",
            "COSMOS_ENDPOINT": f"{recorder.url}/",
            "COSMOS_DATABASE": "secondchance",
            "COSMOS_CONTAINER": "stories",
            "AZURE_STORAGE_BLOB_ENDPOINT": f"{recorder.url}/recordedaccount/",
            "AZURE_STORAGE_QUEUE_ENDPOINT": f"{recorder.url}/recordedaccount/",
            "AZURE_KEY_VAULT_ENDPOINT": f"{recorder.url}/",
            "MAP_ASSETS_CONTAINER": "map-assets",
            # DefaultAzureCredential's managed identity source, served by the recorder; its certificate trusted.
            "IDENTITY_ENDPOINT": f"{recorder.url}/msi/token",
            "IDENTITY_HEADER": "recorded-identity-header",
            "REQUESTS_CA_BUNDLE": str(recorder.ca_file),
        }
    )
    if allow_recorder:
        env["OPS_TEST_AZURE_LOOPBACK"] = recorder.address
    env.update(extra)
    return env


def run_ops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_with_azd_environment_ops_acts_on_azure_not_the_local_stack(recorder, local_settings_file):
    out = run_ops("upload-assets", env=azd_env(recorder))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "ops target: Azure, azd environment recorded"  # said before anything is done
    assert f"blob    {recorder.url}/recordedaccount/" in out.stdout
    puts = [c for c in recorder.calls if c["method"] == "PUT"]
    assert any(c["path"].startswith("/recordedaccount/map-assets/icons/") for c in puts), recorder.calls
    assert any(c["path"] == "/recordedaccount/map-assets/basemap/asia.json" for c in puts), puts
    # Entra ID with the identity's token, never a key; the token came from the (recorded) identity endpoint.
    assert all(c["auth"] == "Bearer recorded-token" for c in puts)
    assert any(c["path"].startswith("/msi/token") and c["identity_header"] == "recorded-identity-header" for c in recorder.calls)
    assert "uploaded" in out.stdout


def test_azure_target_refuses_loopback_endpoints(recorder, local_settings_file):
    out = run_ops("upload-assets", env=azd_env(recorder, allow_recorder=False))
    assert out.returncode == 2
    assert "loopback" in out.stderr and "COSMOS_ENDPOINT" in out.stderr
    assert recorder.calls == []  # nothing was sent anywhere


def test_azure_target_refuses_emulator_keys(recorder):
    out = run_ops("held", env=azd_env(recorder, COSMOS_KEY=EMULATOR_COSMOS_KEY))
    assert out.returncode == 2 and "COSMOS_KEY" in out.stderr and "emulator key" in out.stderr
    out = run_ops("held", env=azd_env(recorder, AzureWebJobsStorage="UseDevelopmentStorage=true"))
    assert out.returncode == 2 and "AzureWebJobsStorage" in out.stderr
    assert recorder.calls == []


def test_without_azd_environment_or_local_there_is_no_target(recorder, local_settings_file):
    env = {k: v for k, v in azd_env(recorder).items() if not k.startswith(("AZURE_", "COSMOS_"))}
    env["PATH"] = "/usr/bin:/bin"  # no azd to ask
    out = run_ops("held", env=env)
    assert out.returncode == 2
    assert "no target" in out.stderr and "--local" in out.stderr
    assert out.stdout == "" and recorder.calls == []


def test_local_acts_on_the_local_stack_and_refuses_azure_endpoints(stack):
    env = dict(os.environ)
    out = run_ops("--local", "upload-assets", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("ops target: the local stack")
    assert f"127.0.0.1:{VALUES['COSMOS_ENDPOINT'].split(':')[-1]}" in out.stdout

    from azure.storage.blob import BlobServiceClient

    blobs = BlobServiceClient.from_connection_string(VALUES["AzureWebJobsStorage"])
    assert blobs.get_blob_client("map-assets", "icons/default.svg").exists()

    azure = run_ops("--local", "held", env={**env, "COSMOS_ENDPOINT": "https://cosmos-x.documents.azure.com:443/"})
    assert azure.returncode == 2 and "Azure address" in azure.stderr
