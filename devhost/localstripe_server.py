"""localstripe bound to 127.0.0.1 with its state in memory.

As shipped, localstripe listens on every interface and pickles its state to /tmp after every
change; here it serves loopback only and keeps nothing on disk.
Usage: python -m devhost.localstripe_server PORT
"""

import logging
import sys

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8420
    resources.Store.dump_to_disk = lambda self: None  # state in memory only
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
