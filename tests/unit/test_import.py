"""Importing the function app does no I/O and loads no heavy SDK the first request may not need (nor the
basemap's land, read when a story's journey is first shown)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_function_app_without_services():
    code = (
        "import sys, json, function_app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('azure.cosmos', 'azure.storage', "
        "'azure.identity', 'azure.monitor', 'opentelemetry', 'stripe', 'shared.privacy.land')))))"
    )
    env = {"PATH": "/usr/bin:/bin", "COSMOS_ENDPOINT": "https://127.0.0.1:1/", "AzureWebJobsStorage": "x"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_every_function_is_registered_once():
    code = "import json, function_app; print(json.dumps([f.get_function_name() for f in function_app.app.get_functions()]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    names = json.loads(out.stdout.strip().splitlines()[-1])
    assert "get_health" in names
    assert len(names) == len(set(names))
