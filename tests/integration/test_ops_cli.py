"""`python -m ops …` as ops staff run it, against the test services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ops(*args: str) -> subprocess.CompletedProcess:
    """`python -m ops --local ...` against the test services (their settings are in this process's environment)."""
    return subprocess.run([sys.executable, "-m", "ops", "--local", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_check_passes_the_samples_and_catches_a_leak(tmp_path):
    samples = sorted((ROOT / "sample_data" / "stories").glob("*.json"))
    ok = ops("check", *map(str, samples))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(": ok") == len(samples)
    story = json.loads(samples[0].read_text())
    story["summary"] += " Her real name is " + story["sensitive_terms"][0] + "."
    leaky = tmp_path / "leaky.json"
    leaky.write_text(json.dumps(story))
    bad = ops("check", str(leaky))
    assert bad.returncode == 1 and "summary: contains a sensitive term" in bad.stdout
    assert story["sensitive_terms"][0] not in bad.stdout  # the report itself does not repeat it


def test_reconcile_and_replay_poison_report_counts(api):
    rec = ops("reconcile", "--since", "1d")
    assert rec.returncode == 0, rec.stderr
    assert "events" in rec.stdout and "corrected" in rec.stdout and "failed 0" in rec.stdout
    replay = ops("replay-poison")
    assert replay.returncode == 0 and "settled" in replay.stdout and "left in payment-events-poison" in replay.stdout
    wrong = ops("reconcile", "--since", "forever")
    assert wrong.returncode == 2 and "--since" in wrong.stderr


def test_import_publish_and_withdraw_a_story(api, tmp_path):
    import requests

    story = json.loads(sorted((ROOT / "sample_data" / "stories").glob("*.json"))[0].read_text())
    story["id"] = "opsclitest" + story["id"][:8]
    path = tmp_path / "story.json"
    path.write_text(json.dumps(story))
    assert ops("import", str(path)).returncode == 0
    assert requests.get(f"{api}/api/stories/{story['id']}").status_code == 404  # a draft is not public
    assert ops("import", str(path)).returncode == 1  # no silent overwrite
    published = ops("publish", story["id"])
    assert published.returncode == 0 and "published" in published.stdout
    assert requests.get(f"{api}/api/stories/{story['id']}").status_code == 200
    withdrawn = ops("withdraw", story["id"])
    assert withdrawn.returncode == 0
    assert requests.get(f"{api}/api/stories/{story['id']}").status_code == 404
    listed = requests.get(f"{api}/api/stories", params={"limit": 50}).json()["items"]
    assert story["id"] not in {i["id"] for i in listed}
    assert ops("publish", story["id"]).returncode == 1  # withdrawn stays withdrawn


def test_import_refuses_a_story_that_leaks(tmp_path):
    story = json.loads(sorted((ROOT / "sample_data" / "stories").glob("*.json"))[0].read_text())
    story["id"] = "opsclileak" + story["id"][:8]
    story["journey"][0]["narrative"] += " " + story["sensitive_terms"][0]
    path = tmp_path / "story.json"
    path.write_text(json.dumps(story))
    refused = ops("import", str(path))
    assert refused.returncode == 1 and "sensitive term" in refused.stderr
