"""Run the OVH API fake: ``python -m tests.harness.ovh_fake --port 0`` prints ``ready <endpoint>``.

``--state-dir DIR`` also writes DIR/ovh_fake.url and DIR/ovh_fake.pid (for molecule, which starts it
in the background), and ``--seed-pool name=gpu,flavor=l40s-90,min=0,max=2,desired=0`` creates a pool
at start. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

from . import OvhFake


def _pool_body(spec: str) -> dict[str, object]:
    fields = dict(item.split("=", 1) for item in spec.split(","))
    return {
        "name": fields["name"],
        "flavorName": fields.get("flavor", "b3-8"),
        "minNodes": int(fields.get("min", 0)),
        "maxNodes": int(fields.get("max", 2)),
        "desiredNodes": int(fields.get("desired", fields.get("min", 0))),
        "autoscale": fields.get("autoscale", "true") == "true",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--transition-seconds", type=float, default=2.0)
    parser.add_argument("--flaky-rate", type=float, default=0.0)
    parser.add_argument("--quota", action="append", default=[], metavar="FLAVOR=NODES")
    parser.add_argument("--seed-pool", action="append", default=[], metavar="name=...,flavor=...,min=..,max=..")
    parser.add_argument("--state-dir", type=Path)
    args = parser.parse_args(argv)
    quota = {k: int(v) for k, v in (item.split("=", 1) for item in args.quota)}
    fake = OvhFake(args.port, args.transition_seconds, quota_nodes=quota, flaky_rate=args.flaky_rate)
    for spec in args.seed_pool:
        fake.state.create_pool(fake.service_name, fake.kube_id, _pool_body(spec))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        if args.state_dir:
            args.state_dir.mkdir(parents=True, exist_ok=True)
            (args.state_dir / "ovh_fake.pid").write_text(f"{os.getpid()}\n")
            (args.state_dir / "ovh_fake.json").write_text(json.dumps({**fake.auth_params(), "kube_id": fake.kube_id}))
            (args.state_dir / "ovh_fake.url").write_text(f"{fake.endpoint}\n")
        # The credentials are fixed test values, printed so a shell user can export them.
        print(f"ready {fake.endpoint}", flush=True)
        print(json.dumps(fake.auth_params()), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
