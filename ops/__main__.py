"""The command line for ops staff and case workers.

    python -m ops [--local | --env NAME] COMMAND ...

    python -m ops seed                     load the fictional sample stories and their assets (idempotent)
    python -m ops upload-assets            upload the milestone icons and the basemap (deploy step)
    python -m ops check FILE...            privacy-check story files and their images before import
    python -m ops import FILE              store a story file as a draft, with its images made safe (after the checks)
    python -m ops publish STORY_ID         publish a draft (after the privacy check)
    python -m ops withdraw STORY_ID        consent withdrawn: hide the story at once, delete its images, cancel
                                           its open payments
    python -m ops held                     payments held from public totals (story not published...)
    python -m ops refund PAYMENT_INTENT    refund what is left of a payment through Stripe
    python -m ops unblock ADDRESS          lift the card-testing blocks on a donor's address (or --card FINGERPRINT)
    python -m ops replay-poison            settle payment-events-poison messages now; report those that fail
    python -m ops reconcile --since 3d     check the funding records against Stripe, both ways
    python -m ops audit STORY_ID           print a story's audit trail (who did what, when, to which version)

Where it acts is always explicit (ops/target.py): on Azure, the deployment of azd's environment
(inside azd hooks, or `azd env get-values`; `--env NAME` picks one), with `--local` on the local
stack (settings from the environment, then local.settings.json). It prints its target first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_IMAGES = ROOT / "sample_data" / "images"
# Commands that read Key Vault secrets when they act on Azure, and which.
SECRETS_NEEDED = {
    "refund": ["STRIPE_SECRET_KEY"],
    "replay-poison": ["STRIPE_SECRET_KEY"],
    "reconcile": ["STRIPE_SECRET_KEY"],
    "withdraw": ["STRIPE_SECRET_KEY"],
    "unblock": ["CLIENT_HASH_KEY"],
}
NO_SERVICES = ("check",)  # commands that touch no service need no target


def _target_options(parser: argparse.ArgumentParser) -> None:
    """Given before the command: python -m ops --local held."""
    group = parser.add_argument_group("target (Azure by default, from azd's environment)")
    group.add_argument("--local", action="store_true", help="act on the local stack (local.settings.json) instead of Azure")
    group.add_argument("--env", dest="environment", metavar="NAME", help="the azd environment to act on (default: azd's current one)")


def _point_at_target(args: argparse.Namespace) -> int:
    """Resolve the target, say where it is, and put its settings into the environment. Non-zero: stop."""
    from ops.target import TargetError, read_key_vault_secrets, resolve

    try:
        target = resolve(local=args.local, environment=args.environment)
    except TargetError as exc:
        print(f"ops: {exc}", file=sys.stderr)
        return 2
    print(target.describe(), flush=True)
    if target.kind == "azure" and args.command == "seed":
        print("ops: refusing to seed fictional sample stories into Azure", file=sys.stderr)
        return 2
    target.apply()
    if target.kind == "azure" and args.command in SECRETS_NEEDED:
        try:
            os.environ.update(read_key_vault_secrets(target, SECRETS_NEEDED[args.command]))
        except TargetError as exc:
            print(f"ops: {exc}", file=sys.stderr)
            return 2
    from shared.clients import reset

    reset()
    return 0


def _story_file(path: Path, images: Path | None):
    """The story of a file, and the bytes of each of its images found on disk: under --images, beside
    the story file, in an `images/` folder beside its folder (the layout of sample_data/), or among the
    sample drawings."""
    from shared.models import StoryDoc
    from shared.publishing import image_refs

    raw = json.loads(path.read_text())
    raw.pop("sample_donations", None)
    story = StoryDoc.model_validate(raw)
    folders = [f for f in (images, path.parent, path.parent.parent / "images", SAMPLE_IMAGES) if f is not None]
    files: dict[str, bytes] = {}
    for _, ref in image_refs(story):
        found = next((f / ref.file for f in folders if (f / ref.file).is_file()), None)
        if found is not None:
            files[ref.file] = found.read_bytes()
    return story, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__.split("\n")[0])
    _target_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="load the sample stories and their assets")
    sub.add_parser("upload-assets", help="upload the milestone icons and the basemap")
    check = sub.add_parser("check", help="privacy-check story files and their images")
    check.add_argument("files", nargs="+", type=Path)
    imp = sub.add_parser("import", help="store a story file as a draft, with its images made safe")
    imp.add_argument("file", type=Path)
    for p in (check, imp):
        p.add_argument("--images", type=Path, help="folder the story's image files are named from (default: beside the story file)")
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
    if args.command not in NO_SERVICES and (code := _point_at_target(args)):
        return code
    warnings.filterwarnings("ignore", message="Unverified HTTPS request")  # the local Cosmos DB emulator

    if args.command == "seed":
        from ops.seed import seed

        seed()
    elif args.command == "upload-assets":
        from ops.seed import upload_map_assets

        print(f"uploaded {upload_map_assets()} map assets")
    elif args.command == "check":
        from shared.privacy import check_story
        from shared.publishing import review_images

        failed = 0
        for path in args.files:
            story, files = _story_file(path, args.images)
            problems = check_story(story) + review_images(story, files)[1]
            failed += bool(problems)
            print(f"{path}: " + ("ok" if not problems else "; ".join(problems)))
        return 1 if failed else 0
    elif args.command in ("import", "publish", "withdraw"):
        from shared import publishing, store

        cancelled: int | None = 0
        try:
            if args.command == "import":
                story = publishing.import_draft(*_story_file(args.file, args.images))
            elif args.command == "publish":
                story = publishing.publish(args.story_id)
            else:
                story, cancelled = publishing.withdraw(args.story_id)
        except publishing.PrivacyProblems as exc:
            print("refused, fix first: " + "; ".join(exc.problems), file=sys.stderr)
            return 1
        except publishing.AssetsRemain as exc:
            print(f"WARNING: {exc}", file=sys.stderr)
            return 1
        except (store.NotFound, store.Conflict, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        print(f"story {story.id} is now {story.status}")
        from shared import audit

        audit.from_command_line(story, {"import": "create", "publish": "publish", "withdraw": "withdraw"}[args.command])
        if args.command == "withdraw":
            from shared.assets import story_prefix
            from shared.settings import get_settings

            print("its images are deleted: URLs given out before answer 404")
            print(
                f"cancelled {cancelled} open payment(s) at Stripe"
                if cancelled is not None
                else "WARNING: Stripe could not be asked to cancel open payments; any that arrive will be held"
            )
            if get_settings().asset_base_url:
                print(f"CDN mode (ASSET_BASE_URL): purge /{story_prefix(story.id)}* from the CDN now (README, 'Withdrawal')")
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
        print(
            f"refunded {amount} (minor units) of {args.payment_intent}; funding records {outcome}"
            if amount
            else f"nothing left to refund on {args.payment_intent}; funding records {outcome}"
        )
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
        print(
            f"settled {report['handled']}, failed again {report['failed']}; {report['left_in_poison']} left in payment-events-poison"
        )
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
