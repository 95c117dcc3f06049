"""ops/target.py: how `python -m ops` decides where it points (no services, no subprocess)."""

from __future__ import annotations

import subprocess

import pytest

from ops.target import TargetError, is_azure, is_loopback, parse_dotenv, resolve

AZD_OUTPUT = """AZURE_ENV_NAME="prod"
AZURE_KEY_VAULT_ENDPOINT="https://kv-abc.vault.azure.net/"
AZURE_STORAGE_BLOB_ENDPOINT="https://stabc.blob.core.windows.net/"
AZURE_STORAGE_QUEUE_ENDPOINT="https://stabc.queue.core.windows.net/"
COSMOS_ENDPOINT="https://cosmos-abc.documents.azure.com:443/"
COSMOS_DATABASE="secondchance"
STRIPE_SECRET_KEY_SECRET_NAME="stripe-secret-key"
"""


def fake_azd(tmp_path, monkeypatch):
    azd = tmp_path / "azd"
    azd.write_text("#!/bin/sh\nexit 1\n")
    azd.chmod(0o755)
    calls = []

    def run(cmd):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, AZD_OUTPUT, "")

    return {"PATH": str(tmp_path)}, run, calls


def test_azd_env_get_values_gives_the_azure_target(tmp_path, monkeypatch):
    environ, run, calls = fake_azd(tmp_path, monkeypatch)
    target = resolve(local=False, environ=environ, run=run)
    assert calls and calls[0][1:4] == ["env", "get-values", "--output"]
    assert target.kind == "azure" and target.name == "prod"
    assert target.values["AzureWebJobsStorage__blobServiceUri"] == "https://stabc.blob.core.windows.net/"
    assert target.values["COSMOS_ENDPOINT"].startswith("https://cosmos-abc.")
    assert {"AzureWebJobsStorage", "COSMOS_KEY"} <= set(target.unset)
    assert target.secret_names()["CLIENT_HASH_KEY"] == "client-hash-key"


def test_env_names_an_azd_environment(tmp_path, monkeypatch):
    environ, run, calls = fake_azd(tmp_path, monkeypatch)
    resolve(local=False, environment="staging", environ={**environ, "AZURE_ENV_NAME": "prod"}, run=run)
    assert calls[0][-2:] == ["--environment", "staging"]


def test_hook_variables_are_used_without_asking_azd():
    environ = {**parse_dotenv(AZD_OUTPUT), "PATH": "/nonexistent"}
    target = resolve(local=False, environ=environ, run=lambda cmd: pytest.fail("azd was called"))
    assert target.kind == "azure"


def test_no_azd_and_no_local_is_no_target():
    with pytest.raises(TargetError, match="no target"):
        resolve(local=False, environ={"PATH": "/nonexistent"})


def test_unprovisioned_environment_is_refused():
    with pytest.raises(TargetError, match="provision"):
        resolve(local=False, environ={"AZURE_ENV_NAME": "new", "PATH": "/nonexistent"})


@pytest.mark.parametrize(
    "setting, value",
    [
        ("COSMOS_ENDPOINT", "https://localhost:8081/"),
        ("AZURE_STORAGE_QUEUE_ENDPOINT", "http://127.0.0.1:10001/devstoreaccount1"),
        ("AZURE_STORAGE_BLOB_ENDPOINT", "http://[::1]:10000/x"),
    ],
)
def test_azure_target_refuses_loopback(setting, value):
    environ = {**parse_dotenv(AZD_OUTPUT), setting: value}
    with pytest.raises(TargetError, match="loopback"):
        resolve(local=False, environ=environ)


def test_the_test_allowance_admits_exactly_one_address():
    environ = {**parse_dotenv(AZD_OUTPUT), "COSMOS_ENDPOINT": "https://127.0.0.1:9999/", "OPS_TEST_AZURE_LOOPBACK": "127.0.0.1:9999"}
    assert resolve(local=False, environ=environ).values["COSMOS_ENDPOINT"] == "https://127.0.0.1:9999/"
    with pytest.raises(TargetError, match="loopback"):
        resolve(local=False, environ={**environ, "OPS_TEST_AZURE_LOOPBACK": "127.0.0.1:9998"})


def test_local_reads_the_settings_file_and_the_environment_wins(tmp_path):
    path = tmp_path / "local.settings.json"
    path.write_text('{"Values": {"COSMOS_ENDPOINT": "https://127.0.0.1:8081/", "COSMOS_DATABASE": "secondchance"}}')
    target = resolve(local=True, environ={"COSMOS_DATABASE": "other"}, settings_file=path)
    assert target.kind == "local"
    assert target.values == {"COSMOS_ENDPOINT": "https://127.0.0.1:8081/", "COSMOS_DATABASE": "other"}


@pytest.mark.parametrize(
    "extra",
    [
        {"COSMOS_ENDPOINT": "https://cosmos-abc.documents.azure.com:443/"},
        {"AZURE_KEY_VAULT_ENDPOINT": "https://kv-abc.vault.azure.net/"},
        {"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=x;EndpointSuffix=core.windows.net"},
        {"STRIPE_SECRET_KEY": "sk_live_123"},
    ],
)
def test_local_refuses_azure(tmp_path, extra):
    environ = {"COSMOS_ENDPOINT": "https://127.0.0.1:8081/", **extra}
    with pytest.raises(TargetError, match="refusing --local"):
        resolve(local=True, environ=environ, settings_file=tmp_path / "none.json")


def test_address_kinds():
    assert is_loopback("https://127.0.0.1:8081/") and is_loopback("http://localhost") and not is_loopback("https://a.b")
    assert is_azure("https://stabc.blob.core.windows.net/") and not is_azure("https://127.0.0.1/")


def test_key_vault_secrets_are_read_with_the_signed_in_identity(tmp_path, monkeypatch):
    import json

    from ops import target as target_module
    from tests.recorder import recording_server

    def vault(method, path):
        if path.startswith("/secrets/stripe-secret-key?"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"value": "sk_test_fromvault"}).encode()
        return 404, {}, b""

    class Credential:
        def get_token(self, scope):
            assert scope == "https://vault.azure.net/.default"
            return type("Token", (), {"token": "signed-in"})()

    monkeypatch.setattr("shared.clients.credential", lambda: Credential())
    with recording_server(tmp_path, vault) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        environ = {**parse_dotenv(AZD_OUTPUT), "AZURE_KEY_VAULT_ENDPOINT": f"{server.url}/", "OPS_TEST_AZURE_LOOPBACK": server.address}
        target = resolve(local=False, environ=environ)
        secrets = target_module.read_key_vault_secrets(target, ["STRIPE_SECRET_KEY", "CLIENT_HASH_KEY"])
    assert secrets == {"STRIPE_SECRET_KEY": "sk_test_fromvault"}  # a missing secret is left out
    assert [c["auth"] for c in server.calls] == ["Bearer signed-in"] * 2
