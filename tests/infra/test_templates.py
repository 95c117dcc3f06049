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
    "UseDevelopmentStorage",
    "devstoreaccount1",
]

# Secret values (not the prefixes a hook checks input against).
SECRET_VALUE_RE = re.compile(r"\b(sk_live|sk_test|rk_live|rk_test|whsec)_[A-Za-z0-9]{6,}")

# A name/value pair in a Bicep array of app settings: { name: 'X'  value: ... }
APP_SETTING_RE = re.compile(r"name:\s*'([A-Za-z0-9_]+)'\s*\n\s*value:\s*(.+)")


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def infra_texts() -> dict[Path, str]:
    files = [p for p in INFRA.rglob("*") if p.is_file() and "__pycache__" not in p.parts] + [REPO / "azure.yaml"]
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


BICEP_CHECK = REPO.parent / "shared" / "tools" / "bicep-check" / "run"


def test_bicep_check_finds_no_errors_or_warnings():
    """The team's schema checker (../shared/tools/bicep-check): types, API versions, properties, module wiring."""
    if not BICEP_CHECK.exists():
        pytest.fail(f"bicep-check is missing: expected {BICEP_CHECK} (the shared/ checkout beside this repo)", pytrace=False)
    proc = subprocess.run([str(BICEP_CHECK), "infra"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    summary = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"bicep-check: \d+ files, \d+ resources, 0 errors, 0 warnings", summary), proc.stdout[-4000:]
    assert int(summary.split()[1]) == len(bicep_files())  # every file read


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
        assert not SECRET_VALUE_RE.search(text), f"a Stripe secret in {path.relative_to(REPO)}"
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
    for name in ("map-assets", "payment-events", "secondchance", "stories", "stripe-secret-key", "stripe-webhook-secrets"):
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
    assert "infra/scripts/build_web.py" in build
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


HOOKS = ("preprovision", "postprovision", "postdeploy", "postdown")


def test_hooks_are_python_on_every_platform():
    project = yaml.safe_load((REPO / "azure.yaml").read_text(encoding="utf-8"))
    for name in HOOKS:
        hook = project["hooks"][name]
        script = f"infra/scripts/{name}.py"
        assert (REPO / script).is_file(), script
        assert hook["posix"]["run"] == f"python3 {script}" and hook["windows"]["run"] == f"python {script}"
        compile((REPO / script).read_text(encoding="utf-8"), script, "exec")
    assert project["hooks"]["preprovision"]["posix"]["interactive"] is True  # it asks for the publishable key
    assert project["hooks"]["postprovision"]["posix"]["interactive"] is True  # and for the Stripe secrets
    assert not list((REPO / "infra" / "scripts").glob("*.sh")), "hooks are Python (cross-platform)"


def test_hooks_need_only_the_standard_library_and_azds_login():
    import ast
    import sys

    scripts = REPO / "infra" / "scripts"
    local = {p.stem for p in scripts.glob("*.py")}
    for path in scripts.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        outside = imported - set(sys.stdlib_module_names) - local - {"__future__"}
        assert not outside, f"{path.name} imports {outside}"
        text = path.read_text(encoding="utf-8")
        assert "az login" not in text and "AccountKey" not in text
    assert '"auth", "token"' in (scripts / "hooklib.py").read_text()  # azd's own sign-in
    assert '"-m", "ops", "upload-assets"' in (scripts / "postdeploy.py").read_text()  # ops, on Azure


def test_names_change_with_each_deployment_not_with_each_provision():
    """azd up after azd down must not reuse the soft-deleted Key Vault's name (purge protection keeps it 90 days)."""
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    token = re.search(r"^var resourceToken = (.+)$", main, flags=re.M)
    assert token and "instanceSuffix" in token.group(1)
    assert "uniqueString(subscription().id, environmentName, location)" in token.group(1)  # older deployments keep names
    assert "'kv-${resourceToken}'" in main
    params = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert params["instanceSuffix"]["value"] == "${AZURE_INSTANCE_SUFFIX=}"
    # No output writes the suffix back: an empty one would be taken for "pick a new one".
    assert "output AZURE_INSTANCE_SUFFIX" not in main

    hooks = _load_hooks()
    assert hooks["preprovision"].instance_suffix(None, provisioned=False)  # a new environment: a suffix
    assert hooks["preprovision"].instance_suffix("", provisioned=True)  # after azd down cleared it
    assert hooks["preprovision"].instance_suffix("ab12cd", provisioned=True) is None  # same deployment: same names
    assert hooks["preprovision"].instance_suffix(None, provisioned=True) is None  # provisioned before suffixes
    assert "AZURE_INSTANCE_SUFFIX" in (REPO / "infra" / "scripts" / "postdown.py").read_text()


def test_publishable_key_is_required():
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    assert re.search(r"^param stripePublishableKey string\s*$", main, flags=re.M)
    params = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert params["stripePublishableKey"]["value"] == "${STRIPE_PUBLISHABLE_KEY}"  # no empty default


def test_postprovision_writes_what_is_given_and_generates_the_card_testing_keys(monkeypatch):
    hooks = _load_hooks()
    post = hooks["postprovision"]
    monkeypatch.setenv("AZURE_FUNCTION_URL", "https://func.example")
    by_name = {s.name: s for s in post.secrets_to_write("https://func.example")}
    assert set(by_name) == {"stripe-secret-key", "stripe-webhook-secrets", "client-hash-key", "challenge-hmac-key"}
    key = "sk_" + "test_" + "abc123"
    assert post.decide(by_name["stripe-secret-key"], in_vault=False, given=key, ask=None) == key
    assert post.decide(by_name["stripe-secret-key"], in_vault=True, given="", ask=None) is None  # kept
    assert post.decide(by_name["stripe-secret-key"], in_vault=False, given="", ask=None) is None  # not asked: reported
    asked = post.decide(by_name["stripe-webhook-secrets"], in_vault=False, given="", ask=lambda _: "wh" + "sec_one,wh" + "sec_two")
    assert asked and asked.count(",") == 1
    with pytest.raises(Exception, match="does not look right"):
        post.decide(by_name["stripe-secret-key"], in_vault=False, given="pk_test_oops", ask=None)
    generated = post.decide(by_name["client-hash-key"], in_vault=False, given="", ask=None)
    assert generated and len(generated) >= 48
    assert generated != post.decide(by_name["challenge-hmac-key"], in_vault=False, given="", ask=None)
    assert post.decide(by_name["client-hash-key"], in_vault=True, given="", ask=None) is None  # never replaced


def _load_hooks() -> dict:
    import importlib
    import sys

    scripts = str(REPO / "infra" / "scripts")
    sys.path.insert(0, scripts)
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ inside infra/
    try:
        return {name: importlib.import_module(name) for name in ("preprovision", "postprovision", "postdown")}
    finally:
        sys.path.remove(scripts)
        sys.dont_write_bytecode = writes


RESOURCE_RE = re.compile(r"^resource (\w+) '([\w./]+)@[\w-]+'", flags=re.M)


def resources() -> dict[str, list[tuple[str, str]]]:
    """Resource type -> [(symbolic name, file)] over infra/."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in bicep_files():
        text = path.read_text(encoding="utf-8")
        for name, kind in RESOURCE_RE.findall(text):
            if f"resource {name} '{kind}@" in text and re.search(rf"^resource {name} '[^']+' existing", text, flags=re.M):
                continue  # `existing` references are not resources we create
            found.setdefault(kind, []).append((name, path.relative_to(INFRA).as_posix()))
    return found


def block(path: str, name: str) -> str:
    """The text of resource `name` in infra/<path>, up to the next top-level declaration."""
    text = (INFRA / path).read_text(encoding="utf-8")
    start = re.search(rf"^resource {name} ", text, flags=re.M)
    assert start, f"no resource {name} in {path}"
    end = re.search(r"^(resource|module|output|param|var) ", text[start.end() :], flags=re.M)
    return text[start.start() : start.end() + (end.start() if end else len(text))]


def test_alerts_reach_a_person():
    found = resources()
    [(group, where)] = found["Microsoft.Insights/actionGroups"]
    text = block(where, group)
    assert "emailReceivers" in text and "emailAddress: alertEmail" in text
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    assert re.search(r"^param alertEmail string\s*$", main, flags=re.M)  # required: someone must be told
    params = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert params["alertEmail"]["value"] == "${ALERT_EMAIL}"
    alerts = [
        block(w, n)
        for kind in ("Microsoft.Insights/scheduledQueryRules", "Microsoft.Insights/metricAlerts")
        for n, w in found.get(kind, [])
    ]
    assert all("actionGroup" in a for a in alerts), "an alert that tells nobody"


def test_the_alerts_that_say_money_is_stuck_exist():
    found = resources()
    queries = {n: block(w, n) for n, w in found["Microsoft.Insights/scheduledQueryRules"]}
    metric_alerts = {n: block(w, n) for n, w in found["Microsoft.Insights/metricAlerts"]}
    everything = "\n".join([*queries.values(), *metric_alerts.values()])
    # Any message in payment-events-poison, measured by the timer (shared/telemetry.py metric name).
    poison = next(q for q in queries.values() if '"payment_events_poison"' in q)
    assert "operator: 'GreaterThan'" in poison and "threshold: 0" in poison
    # Function failures.
    assert any("requests | where success == false" in q for q in queries.values())
    # Reconcile not run for 26 hours (the timer records reconcile_run).
    reconcile = next(q for q in queries.values() if '"reconcile_run"' in q)
    assert "ago(26h)" in reconcile and "overrideQueryTimeRange: 'P2D'" in reconcile
    # Cosmos DB 429s.
    assert "metricName: 'TotalRequests'" in everything and "'429'" in everything
    # Availability of /api/health.
    [(test, where)] = found["Microsoft.Insights/webtests"]
    webtest = block(where, test)
    assert "/api/health'" in webtest and "ExpectedHttpStatusCode: 200" in webtest and "hidden-link:" in webtest
    assert "WebtestLocationAvailabilityCriteria" in everything
    # The metric and dimension names the alerts query are the ones the app writes.
    from shared import telemetry

    assert {"payment_events_poison", "reconcile_run"} <= set(telemetry.Metric.__args__)
    functions = (REPO / "functions" / "payments.py").read_text(encoding="utf-8")
    assert 'record("reconcile_run"' in functions and 'record("payment_events_poison"' in functions


def test_diagnostic_settings_send_key_vault_cosmos_and_storage_to_log_analytics_with_a_cap():
    found = resources()
    settings = [block(w, n) for n, w in found["Microsoft.Insights/diagnosticSettings"]]
    scopes = {re.search(r"scope: (\w+)", s).group(1) for s in settings}  # type: ignore[union-attr]
    assert {"vault", "cosmos", "storage", "blobService", "queueService"} <= scopes
    assert all("workspaceId: logAnalyticsWorkspaceId" in s for s in settings)
    monitoring = (INFRA / "core/monitor/monitoring.bicep").read_text(encoding="utf-8")
    assert "dailyQuotaGb: dailyCapGb" in monitoring


def test_backups_and_versions_to_recover_from():
    cosmos = (INFRA / "core/database/cosmos-nosql.bicep").read_text(encoding="utf-8")
    assert "type: 'Continuous'" in cosmos and "tier: 'Continuous7Days'" in cosmos
    assert "Periodic" not in cosmos
    storage = (INFRA / "core/storage/storage-account.bicep").read_text(encoding="utf-8")
    blob = block("core/storage/storage-account.bicep", "blobService")
    assert "isVersioningEnabled: true" in blob
    assert "deleteRetentionPolicy" in blob and "containerDeleteRetentionPolicy" in blob
    assert re.search(r"^param deleteRetentionDays int = 30$", storage, flags=re.M)
    assert "daysAfterCreationGreaterThan: deleteRetentionDays" in storage  # old versions do not pile up


def test_the_web_build_fills_every_placeholder(tmp_path, monkeypatch):
    """build_web.py, run as azd would (its outputs in the environment), leaves no placeholder and
    points the pages at the API (node and the vendor files are not fetched here)."""
    import importlib
    import shutil
    import sys

    scripts = str(REPO / "infra" / "scripts")
    sys.path.insert(0, scripts)
    try:
        build = importlib.import_module("build_web")
    finally:
        sys.path.remove(scripts)
    web = tmp_path / "web"
    shutil.copytree(REPO / "web", web, ignore=shutil.ignore_patterns("dist", "vendor"))
    monkeypatch.setattr(build, "WEB", web)
    monkeypatch.setattr(build, "DIST", web / "dist")
    monkeypatch.setattr(build, "ensure_node", lambda: "node")
    monkeypatch.setattr(build, "ensure_vendor", lambda node: None)
    monkeypatch.setenv("AZURE_FUNCTION_URL", "https://func-api-x.azurewebsites.net/")
    monkeypatch.setenv("AZURE_STORAGE_BLOB_ENDPOINT", "https://stx.blob.core.windows.net/")
    build.main()
    config = json.loads((web / "dist" / "staticwebapp.config.json").read_text())
    assert "_ORIGIN}" not in json.dumps(config)
    csp = next(r["headers"] for r in config["routes"] if r["route"] == "/*.html")["Content-Security-Policy"]
    assert "{" not in csp and "https://func-api-x.azurewebsites.net" in csp and "https://stx.blob.core.windows.net" in csp
    assert "frame-ancestors 'none'" in csp
    page = (web / "dist" / "story.html").read_text()
    assert '<meta name="api-base" content="https://func-api-x.azurewebsites.net/api">' in page
    assert not (web / "dist" / "package.json").exists()
