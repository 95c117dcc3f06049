"""The command line for ops staff and case workers.

    python -m ops seed                     load the fictional sample stories and their assets (idempotent)
    python -m ops upload-assets            upload the milestone icons and the basemap (deploy step)
    python -m ops check FILE...            privacy-check story files before import
    python -m ops import FILE              store a story file as a draft (after the privacy check)
    python -m ops publish STORY_ID         publish a draft (after the privacy check)
    python -m ops withdraw STORY_ID        consent withdrawn: hide the story at once, cancel its open payments
    python -m ops held                     payments held from public totals (story not published...)
    python -m ops refund PAYMENT_INTENT    refund what is left of a payment through Stripe
    python -m ops unblock ADDRESS          lift the card-testing blocks on a donor's address (or --card FINGERPRINT)
    python -m ops replay-poison            settle payment-events-poison messages now; report those that fail
    python -m ops reconcile --since 3d     check the funding records against Stripe, both ways
    python -m ops audit STORY_ID           print a story's audit trail (who did what, when, to which version)

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
    sub.add_parser("held", help="list payments held from public totals")
    sub.add_parser("refund", help="refund what is left of a payment").add_argument("payment_intent")
    unblock = sub.add_parser("unblock", help="lift the card-testing blocks on a donor's address or a card")
    unblock.add_argument("address", nargs="?", help="the donor's IP address (hashed, never kept)")
    unblock.add_argument("--card", help="a card fingerprint from the Stripe dashboard")
    sub.add_parser("replay-poison", help="settle poison messages now; report those that fail again")
    rec = sub.add_parser("reconcile", help="check the funding records against Stripe, both ways")
    rec.add_argument("--since", default="3d", help="how far back: 3d, 12h (default 3d)")
    sub.add_parser("audit", help="print a story's audit trail").add_argument("story_id")
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

        cancelled: int | None = 0
        try:
            if args.command == "import":
                raw = json.loads(args.file.read_text())
                raw.pop("sample_donations", None)
                story = publishing.import_draft(StoryDoc.model_validate(raw))
            elif args.command == "publish":
                story = publishing.publish(args.story_id)
            else:
                story, cancelled = publishing.withdraw(args.story_id)
        except publishing.PrivacyProblems as exc:
            print("refused, fix first: " + "; ".join(exc.problems), file=sys.stderr)
            return 1
        except (store.NotFound, store.Conflict, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        print(f"story {story.id} is now {story.status}")
        from shared import audit

        audit.from_command_line(story, {"import": "create", "publish": "publish", "withdraw": "withdraw"}[args.command])
        if args.command == "withdraw":
            print(f"cancelled {cancelled} open payment(s) at Stripe" if cancelled is not None else
                  "WARNING: Stripe could not be asked to cancel open payments; any that arrive will be held")
    elif args.command == "held":
        from shared.funding import held_payments

        held = held_payments()
        for r in held:
            print(f"{r.id}  {r.net:>10} {r.currency}  story {r.storyId}  need {r.need}  {r.day}  ({r.hold_reason})")
        print(f"{len(held)} held payment(s)")
    elif args.command == "refund":
        import stripe

        from shared import payments

        try:
            amount = payments.refund(args.payment_intent)
            outcome = payments.process(args.payment_intent, source="ops refund")
        except stripe.StripeError as exc:
            print(f"refused by Stripe: {exc.user_message or exc}", file=sys.stderr)
            return 1
        print(f"refunded {amount} (minor units) of {args.payment_intent}; funding records {outcome}"
              if amount else f"nothing left to refund on {args.payment_intent}; funding records {outcome}")
    elif args.command == "unblock":
        from shared.defence import unblock as lift

        if not args.address and not args.card:
            parser.error("unblock: give an ADDRESS or --card FINGERPRINT")
        try:
            removed = lift(args.address, args.card)
        except ValueError:
            parser.error(f"unblock: {args.address!r} is not an IP address")
        print(f"removed {removed} counter(s); the block is lifted" if removed else "nothing was blocked")
    elif args.command == "replay-poison":
        from shared import payments
        from shared.events_queue import replay_poison

        print("settling payment-events-poison messages ...", flush=True)
        report = replay_poison(payments.handle, progress=print)
        print(f"settled {report['handled']}, failed again {report['failed']}; "
              f"{report['left_in_poison']} left in payment-events-poison")
        return 1 if report["failed"] else 0
    elif args.command == "reconcile":
        from shared.reconcile import parse_since, reconcile

        try:
            since = parse_since(args.since)
        except ValueError as exc:
            parser.error(f"--since: {exc}")
        print(f"reconciling with Stripe, last {args.since} ...", flush=True)
        report = reconcile(since, progress=print)
        print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.items()))
        return 1 if report["failed"] else 0
    elif args.command == "audit":
        from shared import audit

        records = audit.history(args.story_id)
        for line in audit.lines(records):
            print(line)
        print(f"{len(records)} record(s) for story {args.story_id}")
        return 0 if records else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
