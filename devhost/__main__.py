"""Run the portal locally: `python -m devhost run` (services, provisioning, sample data, host)
or `python -m devhost serve` (the host alone, services already running)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

from devhost.services import ROOT, LocalServices

SETTINGS = ROOT / "local.settings.json"
EXAMPLE = ROOT / "local.settings.json.example"


def load_settings(path: Path = SETTINGS) -> dict[str, str]:
    """`Values` of local.settings.json, copied from the example on first use, put into the environment
    as `func start` does (variables already set win). Settings added to the example since the file
    was made are taken from the example."""
    if not path.exists():
        shutil.copy(EXAMPLE, path)
        print(f"created {path.name} from {EXAMPLE.name}")
    values = {**json.loads(EXAMPLE.read_text())["Values"], **json.loads(path.read_text())["Values"]}
    for key, value in values.items():
        os.environ.setdefault(key, str(value))
    return {k: os.environ[k] for k in values}


def make_host(values: dict[str, str], queue_overrides: dict | None = None):
    from devhost.host import Host

    sys.path.insert(0, str(ROOT))
    import function_app

    host_json = json.loads((ROOT / "host.json").read_text())
    host_json["extensions"]["queues"].update(queue_overrides or {})
    # web/ as it is (web/dist is the deploy build for Static Web Apps, with production origins)
    return Host(
        function_app.app,
        host_json,
        values,
        web_root=ROOT / "web",
        function_keys=tuple(k for k in [values.get("DEVHOST_FUNCTION_KEY")] if k),
    )


def seed_sample_data() -> None:
    from ops.seed import seed

    seed(progress=lambda line: print(line, flush=True))


def register_webhook(values: dict[str, str], url: str) -> None:
    from devhost.services import register_stripe_webhook

    register_stripe_webhook(values, url)
    print(f"localstripe sends signed webhooks to {url}", flush=True)


def stop_when_orphaned(stopping: threading.Event) -> None:
    """Stop too when whoever started us (make, a terminal) is gone."""
    parent = os.getppid()
    while not stopping.wait(1):
        if os.getppid() != parent:
            stopping.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost")
    parser.add_argument("command", choices=["run", "serve"])
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--no-seed", action="store_true", help="do not load the sample stories")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    # The local Cosmos DB emulator's certificate is self-signed; the SDK skips verification for it.
    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    for noisy in ("azure", "urllib3", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    values = load_settings()
    services = host = None
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stopping.set())
    threading.Thread(target=stop_when_orphaned, args=(stopping,), daemon=True).start()
    try:
        if args.command == "run":
            t0 = time.monotonic()
            services = LocalServices(values, ROOT / ".local" / "run")
            print("starting Azurite, the Cosmos DB emulator and localstripe ...", flush=True)
            services.start()
            from devhost.provision import provision

            provision(values)
            print(f"services ready and provisioned in {time.monotonic() - t0:.1f} s", flush=True)
            if not args.no_seed:
                seed_sample_data()
        host = make_host(values)
        host.start(args.port, background_triggers=True)
        if args.command == "run":
            register_webhook(values, f"http://127.0.0.1:{args.port}/api/webhooks/stripe")
        print(
            f"\n  Second Chance is running: http://localhost:{args.port}/   (API: http://localhost:{args.port}/api/health)"
            "\n  Ctrl-C stops everything.\n",
            flush=True,
        )
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ...", flush=True)
        if host:
            host.stop()
        if services:
            services.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
