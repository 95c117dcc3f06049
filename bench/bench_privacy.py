"""The privacy gate on its corpus (tests/privacy_corpus.py): recall and false alarms, per kind and overall.

    .venv/bin/python bench/bench_privacy.py          # -v also lists every miss and false alarm
    .venv/bin/python bench/bench_privacy.py --corpus other.json   # another set, e.g. one held out

A corpus file is JSON: {"terms": [recorded terms], "cases": [{"text": ..., "kind": a leak kind or
"clean", "topic": ..., "lang": ...}]} ("topic" and "lang" optional), or a Python module shaped like
tests/privacy_corpus.py (CASES, TERMS).

Recall is leaks caught / leaks (caught = the gate reports anything for the sentence; "named" = it
reports the sentence's own kind). False alarms are clean sentences flagged / clean sentences, per
topic of ordinary storytelling. No service is needed.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load(path: Path | None):
    """(cases, terms) of a corpus file, or of tests/privacy_corpus.py."""
    import importlib.util
    import json

    from tests.privacy_corpus import CASES, TERMS, Case

    if path is None:
        return CASES, TERMS
    if path.suffix == ".py":
        spec = importlib.util.spec_from_file_location("corpus", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.CASES, module.TERMS
    raw = json.loads(path.read_text())
    cases = [Case(c["kind"], c.get("topic", c["kind"]), c.get("lang", "?"), c["text"]) for c in raw["cases"]]
    return cases, raw.get("terms", [])


def measure(corpus: Path | None = None) -> tuple[int, int, int, int]:
    """(leaks caught, leaks, clean sentences flagged, clean sentences): the row `make bench` prints."""
    from shared.privacy import scan

    cases, terms = load(corpus)
    leaks = [c for c in cases if c.leak]
    clean = [c for c in cases if not c.leak]
    return (sum(bool(scan(c.text, terms)) for c in leaks), len(leaks), sum(bool(scan(c.text, terms)) for c in clean), len(clean))


def main(verbose: bool = False, corpus: Path | None = None) -> int:
    from shared.privacy import scan

    cases, terms = load(corpus)

    start = time.perf_counter()
    results = [(case, scan(case.text, terms)) for case in cases]
    elapsed = time.perf_counter() - start

    leaks: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # kind: [caught, named, total]
    clean: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # topic: [flagged, total]
    for case, hits in results:
        if case.leak:
            row = leaks[case.kind]
            row[0] += bool(hits)
            row[1] += case.kind in {k for k, _, _ in hits}
            row[2] += 1
            if verbose and case.kind not in {k for k, _, _ in hits}:
                print(f"  missed {case.kind}: {case.text!r} -> {[k for k, _, _ in hits]}")
        else:
            clean[case.topic][0] += bool(hits)
            clean[case.topic][1] += 1
            if verbose and hits:
                print(f"  false alarm ({case.topic}): {case.text!r} -> {[k for k, _, _ in hits]}")

    print(f"{'leak kind':<16}{'recall':>16}{'named':>10}")
    for kind, (caught, named, total) in sorted(leaks.items()):
        print(f"{kind:<16}{caught:>7}/{total:<4}{caught / total:>5.0%}{named:>6}/{total:<4}")
    caught, named, total = (sum(r[i] for r in leaks.values()) for i in range(3))
    print(f"{'all leaks':<16}{caught:>7}/{total:<4}{caught / total:>5.0%}{named:>6}/{total:<4}\n")

    print(f"{'clean topic':<24}{'false alarms':>16}")
    for topic, (flagged, n) in sorted(clean.items()):
        print(f"{topic:<24}{flagged:>9}/{n:<4}{flagged / n:>5.0%}")
    flagged, n = sum(r[0] for r in clean.values()), sum(r[1] for r in clean.values())
    print(f"{'all clean':<24}{flagged:>9}/{n:<4}{flagged / n:>5.0%}\n")

    langs = sorted({c.lang for c in cases})
    print(
        f"{len(cases)} sentences ({', '.join(f'{sum(c.lang == lang for c in cases)} {lang}' for lang in langs)}), "
        f"{len(terms)} recorded terms, {elapsed * 1000 / len(cases):.2f} ms a sentence"
    )
    print(f"overall: recall {caught}/{total} ({caught / total:.1%}), false alarms {flagged}/{n} ({flagged / n:.1%})")
    return 0 if caught == total and flagged == 0 else 1


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--corpus", type=Path, help="a corpus file (.json or .py) instead of tests/privacy_corpus.py")
    args = parser.parse_args()
    sys.exit(main(args.verbose, args.corpus))
