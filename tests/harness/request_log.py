"""`python -m tests.harness.request_log {clear,writes} --state-dir DIR`: the request log of the emulator started in
DIR (by `tests.harness.launch start`), from outside a test: molecule's shared idempotence check clears it before the
idempotence step and asserts afterwards that the rerun sent no write.

`writes` prints every POST/PUT/PATCH/DELETE that was not a server-side dry run (`dryRun=All`), one per line, and
exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tests.conftest import KubeEmulator
from tests.harness import launch

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def emulator_in(state_dir: Path) -> KubeEmulator:
    kubeconfig = state_dir / "kubeconfig"
    url = (state_dir / "url").read_text().strip()
    pid = int((state_dir / "pid").read_text().strip())
    return KubeEmulator(
        launch.Emulator(url, kubeconfig, launch.read_token(kubeconfig), pid, state_dir / "bin", state_dir)
    )


def real_writes(requests: list[dict[str, Any]]) -> list[str]:
    """The requests that changed state: writes other than server-side dry runs."""
    return [
        f"{r['method']} {r['path']} -> {r['status']}"
        for r in requests
        if r["method"] in WRITES and r["query"].get("dryRun") != "All"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness.request_log", description=__doc__)
    parser.add_argument("action", choices=["clear", "writes"])
    parser.add_argument("--state-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    emulator = emulator_in(args.state_dir)
    if args.action == "clear":
        emulator.clear_requests()
        return 0
    requests = emulator.requests()
    writes = real_writes(requests)
    print(f"{len(writes)} write request(s) out of {len(requests)} request(s)")
    print("\n".join(writes))
    return 1 if writes else 0


if __name__ == "__main__":
    sys.exit(main())
