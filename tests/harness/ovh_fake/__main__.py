"""Run the OVH API fake: ``python -m tests.harness.ovh_fake --port 0`` prints ``ready <endpoint>``."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading

from . import OvhFake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--transition-seconds", type=float, default=2.0)
    parser.add_argument("--flaky-rate", type=float, default=0.0)
    parser.add_argument("--quota", action="append", default=[], metavar="FLAVOR=NODES")
    args = parser.parse_args(argv)
    quota = {k: int(v) for k, v in (item.split("=", 1) for item in args.quota)}
    fake = OvhFake(args.port, args.transition_seconds, quota_nodes=quota, flaky_rate=args.flaky_rate)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        # The credentials are fixed test values, printed so a shell user can export them.
        print(f"ready {fake.endpoint}", flush=True)
        print(json.dumps(fake.auth_params()), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
