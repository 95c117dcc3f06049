"""The command line for ops staff and case workers.

    python -m ops seed                     load the fictional sample stories and their assets (idempotent)
    python -m ops upload-assets            upload the milestone icons and the basemap (deploy step)
    python -m ops check FILE...            privacy-check story files before import
    python -m ops import FILE              store a story file as a draft (after the privacy check)
    python -m ops publish STORY_ID         publish a draft (after the privacy check)
    python -m ops withdraw STORY_ID        consent withdrawn: hide the story at once
    python -m ops replay-poison            move payment-events-poison messages back to payment-events
    python -m ops reconcile --since 3d     apply Stripe events whose webhook never arrived

Settings come from the environment; where unset, from local.settings.json (as for devhost).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_local_settings() -> None:
    path = ROOT / "local.settings.json"
    if path.exists():
        for key, value in json.loads(path.read_text())["Values"].items():
            os.environ.setdefault(key, str(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="load the sample stories and their assets")
    sub.add_parser("upload-assets", help="upload the milestone icons and the basemap")
    check = sub.add_parser("check", help="privacy-check story files")
    check.add_argument("files", nargs="+", type=Path)
    imp = sub.add_parser("import", help="store a story file as a draft")
    imp.add_argument("file", type=Path)
    for name, text in (("publish", "publish a draft story"), ("withdraw", "hide a story at once (consent withdrawn)")):
        sub.add_parser(name, help=text).add_argument("story_id")
    sub.add_parser("replay-poison", help="move poison messages back to the payment-events queue")
    rec = sub.add_parser("reconcile", help="apply Stripe events missing from the funding records")
    rec.add_argument("--since", default="3d", help="how far back: 3d, 12h (default 3d)")
    args = parser.parse_args(argv)
    _load_local_settings()
    warnings.filterwarnings("ignore", message="Unverified HTTPS request")  # the local Cosmos DB emulator

    if args.command == "seed":
        from ops.seed import seed

        seed()
    elif args.command == "upload-assets":
        from ops.seed import upload_map_assets

        print(f"uploaded {upload_map_assets()} map assets")
    elif args.command == "check":
        from shared.models import StoryDoc
        from shared.privacy import check_story

        failed = 0
        for path in args.files:
            raw = json.loads(path.read_text())
            raw.pop("sample_donations", None)
            problems = check_story(StoryDoc.model_validate(raw))
            failed += bool(problems)
            print(f"{path}: " + ("ok" if not problems else "; ".join(problems)))
        return 1 if failed else 0
    elif args.command in ("import", "publish", "withdraw"):
        from shared import publishing, store
        from shared.models import StoryDoc

        try:
            if args.command == "import":
                raw = json.loads(args.file.read_text())
                raw.pop("sample_donations", None)
                story = publishing.import_draft(StoryDoc.model_validate(raw))
            else:
                story = getattr(publishing, args.command)(args.story_id)
        except publishing.PrivacyProblems as exc:
            print("refused, fix first: " + "; ".join(exc.problems), file=sys.stderr)
            return 1
        except (store.NotFound, store.Conflict, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        print(f"story {story.id} is now {story.status}")
    elif args.command == "replay-poison":
        from shared.events_queue import replay_poison

        report = replay_poison()
        print(f"moved {report['moved']} message(s) back to payment-events; "
              f"{report['left_in_poison']} left in payment-events-poison")
    elif args.command == "reconcile":
        from shared.reconcile import parse_since, reconcile

        try:
            since = parse_since(args.since)
        except ValueError as exc:
            parser.error(f"--since: {exc}")
        print(f"reconciling Stripe events of the last {args.since} ...", flush=True)
        report = reconcile(since, progress=print)
        print(f"seen {report['seen']}, applied {report['applied']}, already recorded {report['already']}, "
              f"not ours {report['ignored']}, failed {report['failed']}")
        return 1 if report["failed"] else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
