"""``python -m tests.harness.hf_fake --port 0 --repo-dir DIR`` serves DIR/<org>/<name>/ and prints ``ready <url>``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from tests.harness.hf_fake.repo import load_repo_dir
from tests.harness.hf_fake.server import HubServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness.hf_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--repo-dir", type=Path, required=True, help="holds <org>/<name>/ folders (.gated marks gated)")
    parser.add_argument("--token", action="append", default=[], help="token allowed to read gated repos")
    args = parser.parse_args(argv)
    server = HubServer(host=args.host, port=args.port)
    for repo in load_repo_dir(args.repo_dir):
        server.add(repo)
    for token in args.token:
        server.allow_token(token)
    server.start()
    print(f"ready {server.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
