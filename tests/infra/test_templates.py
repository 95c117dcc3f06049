"""The deployment templates (infra/, azure.yaml): scanned by checkov, complete, free of secrets.

checkov lives in its own virtual environment (.local/checkov-venv, created by `make checkov`)
because it conflicts with the app's packages. Its Bicep parser silently drops files it cannot
parse, so these tests also prove every .bicep file was parsed.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
CHECKOV_VENV = REPO / ".local" / "checkov-venv"
CHECKOV = CHECKOV_VENV / "bin" / "checkov"
CHECKOV_PYTHON = CHECKOV_VENV / "bin" / "python"

# Settings that exist only for the local stack (emulator keys, local hosts, worker indexing).
LOCAL_ONLY_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME",  # Flex Consumption takes the runtime from functionAppConfig
    "AzureWebJobsFeatureFlags",
    "AzureWebJobsStorage",  # Azure uses the identity-based AzureWebJobsStorage__* settings
    "COSMOS_KEY",  # Azure uses Entra ID (disableLocalAuth)
    "STRIPE_API_BASE",  # localstripe only
    "DEVHOST_FUNCTION_KEY",  # devhost only
}

# Things that must never be written into the templates.
FORBIDDEN_IN_INFRA = [
    "AccountKey=",
    "SharedAccessSignature=",
    "SharedAccessKey=",
    "InstrumentationKey=",
    "listKeys(",
    "listConnectionStrings(",
    "listAccountSas(",
    "listServiceSas(",
    "primaryMasterKey",
    "sk_live",
    "sk_test",
    "rk_live",
    "whsec_",
    "UseDevelopmentStorage",
    "devstoreaccount1",
]

# A name/value pair in a Bicep array of app settings: { name: 'X'  value: ... }
APP_SETTING_RE = re.compile(r"name:\s*'([A-Za-z0-9_]+)'\s*\n\s*value:\s*(.+)")


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def infra_texts() -> dict[Path, str]:
    files = [p for p in INFRA.rglob("*") if p.is_file()] + [REPO / "azure.yaml"]
    return {p: p.read_text(encoding="utf-8") for p in files}


def app_settings() -> dict[str, str]:
    """App setting name -> Bicep value expression, from every name/value pair under infra/."""
    settings: dict[str, str] = {}
    for path in bicep_files():
        for name, value in APP_SETTING_RE.findall(path.read_text(encoding="utf-8")):
            settings[name] = value.strip()
    return settings


def require_checkov() -> None:
    if not CHECKOV.exists():
        pytest.fail(
            f"checkov is not installed at {CHECKOV.relative_to(REPO)}. Create its own venv with "
            "`make checkov` (python3 -m venv .local/checkov-venv && "
            ".local/checkov-venv/bin/pip install 'checkov==3.*'); it cannot share the project venv.",
            pytrace=False,
        )


@functools.cache
def run_checkov() -> dict:
    """One checkov run shared by the tests (called inside them, so a missing checkov FAILS them)."""
    require_checkov()
    proc = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            "infra",
            "--framework",
            "bicep",
            "--skip-download",
            "-o",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # Exit code 1 means failed checks (reported below); anything else non-zero is a crash.
    assert proc.returncode in (0, 1), f"checkov crashed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    report = json.loads(proc.stdout)
    if isinstance(report, list):  # one report per framework when several run
        report = next(r for r in report if r.get("check_type") == "bicep")
    assert report.get("check_type") == "bicep", f"unexpected checkov output: {proc.stdout[:2000]}"
    return report


def test_there_are_templates() -> None:
    names = {p.relative_to(INFRA).as_posix() for p in bicep_files()}
    assert "main.bicep" in names
    assert (INFRA / "main.parameters.json").is_file()
    assert len(names) >= 5, names


def test_checkov_finds_no_failed_checks() -> None:
    checkov_report = run_checkov()
    failed = checkov_report["results"]["failed_checks"]
    summary = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in failed]
    assert not failed, "checkov failed checks:\n" + "\n".join(summary)
    assert checkov_report["summary"]["failed"] == 0
    assert checkov_report["summary"]["passed"] > 0


def test_checkov_parsed_every_bicep_file() -> None:
    checkov_report = run_checkov()
    assert checkov_report["results"]["parsing_errors"] == []
    assert checkov_report["summary"]["parsing_errors"] == 0

    results = checkov_report["results"]
    checked = {
        (INFRA / c["file_path"].lstrip("/")).resolve()
        for key in ("passed_checks", "failed_checks", "skipped_checks")
        for c in results[key]
    }
    # Files holding the security-relevant resources must have been checked, not just parsed.
    for rel in (
        "core/host/functions-flexconsumption.bicep",
        "core/storage/storage-account.bicep",
        "core/database/cosmos-nosql.bicep",
        "core/security/keyvault.bicep",
    ):
        assert (INFRA / rel).resolve() in checked, f"checkov ran no checks on infra/{rel}"

    # Files with no checkable resources (main, wiring modules) leave no trace in the results:
    # parse each with checkov's own Bicep parser, in checkov's venv.
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from checkov.bicep.parser import Parser\n"
        "parser = Parser()\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    template, _ = parser.parse(Path(name))\n"
        "    out[name] = None if template is None else sorted(\n"
        "        k for k in ('resources', 'modules') if template.get(k))\n"
        "print(json.dumps(out))\n"
    )
    files = [str(p) for p in bicep_files()]
    proc = subprocess.run(
        [str(CHECKOV_PYTHON), "-c", script, *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    parsed = json.loads(proc.stdout)
    unparsed = [f for f in files if not parsed.get(f)]
    assert not unparsed, f"checkov's Bicep parser cannot read (or finds nothing in): {unparsed}"


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = []
    for path in bicep_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip" in line:
                skips.append((path.relative_to(REPO).as_posix(), line.strip()))
    for where, line in skips:
        assert re.fullmatch(r"#checkov:skip=CKV2?_AZURE_\d+:.{20,}", line), f"{where}: {line}"


def test_app_settings_cover_every_setting_the_app_reads() -> None:
    example = json.loads((REPO / "local.settings.json.example").read_text(encoding="utf-8"))
    expected = set(example["Values"]) - LOCAL_ONLY_SETTINGS
    assert expected, "no settings found in local.settings.json.example"
    missing = sorted(expected - set(app_settings()))
    assert not missing, f"settings missing from the app settings in infra/: {missing}"


def test_app_settings_are_identity_based() -> None:
    settings = app_settings()
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"
    for name in (
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ):
        assert name in settings, name
    assert "Authorization=AAD" in settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    for name in LOCAL_ONLY_SETTINGS:
        assert name not in settings, f"{name} is local-only and must not be deployed"
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRETS"):
        assert settings[name].startswith("'@Microsoft.KeyVault(SecretUri="), settings[name]


def test_no_secrets_in_infra() -> None:
    for path, text in infra_texts().items():
        for needle in FORBIDDEN_IN_INFRA:
            assert needle.lower() not in text.lower(), f"{needle!r} in {path.relative_to(REPO)}"
        # Secret values are set by ops after deployment, never through a template.
        assert "Microsoft.KeyVault/vaults/secrets" not in text, path
        assert "@secure()" not in text, f"{path.relative_to(REPO)} takes a secret as a parameter"


def test_security_properties_of_the_resources() -> None:
    texts = {p.relative_to(INFRA).as_posix(): t for p, t in infra_texts().items() if p.suffix == ".bicep"}
    everything = "\n".join(texts.values())
    for fragment in (
        "allowSharedKeyAccess: false",
        "allowBlobPublicAccess: false",
        "minimumTlsVersion: 'TLS1_2'",
        "supportsHttpsTrafficOnly: true",
        "disableLocalAuth: true",  # Cosmos DB
        "DisableLocalAuth: true",  # Application Insights
        "enableRbacAuthorization: true",
        "enableSoftDelete: true",
        "enablePurgeProtection: true",
        "name: 'EnableServerless'",
        "'/storyId'",
        "name: 'FC1'",
        "tier: 'FlexConsumption'",
        "runtimeVersion: '3.11'",
        "httpsOnly: true",
        "00000000-0000-0000-0000-000000000002",  # Cosmos DB Built-in Data Contributor
    ):
        assert fragment in everything, fragment
    for name in ("map-assets", "payment-events", "secondchance", "stories",
                 "stripe-secret-key", "stripe-webhook-secrets"):
        assert f"'{name}'" in everything, name
    assert "'${paymentQueueName}-poison'" in texts["core/storage/storage-account.bicep"]


def test_azure_yaml_declares_the_function_service() -> None:
    project = yaml.safe_load((REPO / "azure.yaml").read_text(encoding="utf-8"))
    api = project["services"]["api"]
    assert api == {"project": ".", "language": "python", "host": "function"}
    # The portal on Static Web Apps, found by the tag of the resource in infra/app/web.bicep.
    web = project["services"]["web"]
    assert web == {"project": "./web", "language": "js", "host": "staticwebapp", "dist": "dist"}
    build = json.loads((REPO / "web" / "package.json").read_text())["scripts"]["build"]
    assert "infra/scripts/build-web.sh" in build
    bicep = (INFRA / "app" / "web.bicep").read_text()
    assert "Microsoft.Web/staticSites@" in bicep and "'azd-service-name': serviceName" in bicep
    assert "serviceName string = 'web'" in bicep
    assert project["infra"]["path"] == "infra"
    assert (REPO / project["infra"]["path"] / f"{project['infra'].get('module', 'main')}.bicep").is_file()


def test_parameters_file_matches_main_parameters() -> None:
    params = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    declared = set(re.findall(r"^param (\w+) ", main, flags=re.M))
    assert set(params) <= declared, set(params) - declared
    assert params["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert params["location"]["value"] == "${AZURE_LOCATION}"
    # Every required parameter (no default) is supplied by azd.
    required = set(re.findall(r"^param (\w+) \w+\s*$", main, flags=re.M))
    assert required <= set(params), required - set(params)



def test_postdeploy_hook_is_wired_and_valid_shell():
    import subprocess

    azure_yaml = (REPO / "azure.yaml").read_text()
    assert "postdeploy:" in azure_yaml and "./infra/scripts/publish-web.sh" in azure_yaml
    script = REPO / "infra" / "scripts" / "publish-web.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert "AccountKey" not in text  # Entra ID, never keys
    assert "ops upload-assets" in text
    assert "static-website" not in text and "upload-batch" not in text  # the portal is on Static Web Apps


def test_the_web_build_fills_every_placeholder(tmp_path):
    """build-web.sh, run as azd would (its outputs in the environment), leaves no placeholder and
    points the pages at the API."""
    import shutil
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(REPO / "web", repo / "web", ignore=shutil.ignore_patterns("dist", "vendor"))
    (repo / "infra" / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "infra" / "scripts" / "build-web.sh", repo / "infra" / "scripts")
    (repo / "Makefile").write_text("web:\n\t@true\n")
    env = {"PATH": "/usr/bin:/bin", "AZURE_FUNCTION_URL": "https://func-api-x.azurewebsites.net/",
           "AZURE_STORAGE_BLOB_ENDPOINT": "https://stx.blob.core.windows.net/"}
    done = subprocess.run(["bash", "infra/scripts/build-web.sh"], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = json.loads((repo / "web" / "dist" / "staticwebapp.config.json").read_text())
    assert "_ORIGIN}" not in json.dumps(config)
    csp = next(r["headers"] for r in config["routes"] if r["route"] == "/*.html")["Content-Security-Policy"]
    assert "{" not in csp and "https://func-api-x.azurewebsites.net" in csp and "https://stx.blob.core.windows.net" in csp
    assert "frame-ancestors 'none'" in csp
    page = (repo / "web" / "dist" / "story.html").read_text()
    assert '<meta name="api-base" content="https://func-api-x.azurewebsites.net/api">' in page
    assert not (repo / "web" / "dist" / "package.json").exists()
