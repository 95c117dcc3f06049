"""`python -m ops …` as ops staff run it, against the test services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ops(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


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
    assert "seen" in rec.stdout and "applied" in rec.stdout and "failed 0" in rec.stdout
    replay = ops("replay-poison")
    assert replay.returncode == 0 and "moved" in replay.stdout and "left in payment-events-poison" in replay.stdout
    wrong = ops("reconcile", "--since", "forever")
    assert wrong.returncode == 2 and "--since" in wrong.stderr
