"""`make bench`: wall time of a first converge and of a no-op rerun of site.yml on the test cluster, and the write
requests (POST/PUT/PATCH/DELETE, server-side dry runs aside) the no-op rerun sends, grouped by path; and
`--check --diff` on the fresh and on the converged cluster (changed count, write requests apart from dry runs, time).

Prints figures; asserts nothing. The goal is zero writes on a no-op rerun.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from scripts.cluster_report import write_requests
from tests.conftest import KubeEmulator
from tests.harness import launch

ROOT = Path(__file__).resolve().parent.parent


def converge(env: dict[str, str], *flags: str) -> tuple[float, str]:
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", "inventories/local", *flags]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"site.yml failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    recap = re.search(r"localhost\s+:\s+(ok=\d+\s+changed=\d+)", proc.stdout)
    return elapsed, recap.group(1) if recap else "?"


def check(emulator: KubeEmulator, env: dict[str, str]) -> tuple[float, str, int, int]:
    """Check mode with diffs: time, recap, write requests that were not dry runs, and dry-run ones."""
    seconds, recap = converge(env, "--check", "--diff")
    writes = write_requests(emulator.requests())
    dry = [w for w in writes if w["query"].get("dryRun") == "All"]
    return seconds, recap, len(writes) - len(dry), len(dry)


def main() -> int:
    state_dir = ROOT / "build" / "bench-site"
    launch.stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    emulator = KubeEmulator(launch.start(state_dir))
    try:
        env = dict(os.environ)
        env.update(emulator.env())
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
        checks = [("fresh", *check(emulator, env))]
        emulator.clear_requests()
        first, first_recap = converge(env)
        first_writes = sum(1 for w in write_requests(emulator.requests()) if w["query"].get("dryRun") != "All")
        emulator.clear_requests()
        rerun, rerun_recap = converge(env)
        requests = emulator.requests()
        writes = [w for w in write_requests(requests) if w["query"].get("dryRun") != "All"]
        dry = len(write_requests(requests)) - len(writes)
        print(f"first converge of site.yml:  {first:6.1f} s  ({first_recap}, {first_writes} write requests)")
        print(f"no-op rerun of site.yml:     {rerun:6.1f} s  ({rerun_recap}, {len(requests)} requests)")
        print(f"write requests on the rerun: {len(writes)} ({dry} server-side dry runs aside)")
        for (method, path), count in collections.Counter((w["method"], w["path"]) for w in writes).most_common():
            print(f"  {count:3d} x {method} {path}")
        emulator.clear_requests()
        checks.append(("converged", *check(emulator, env)))
        for name, seconds, recap, real, dry in checks:
            print(
                f"--check --diff, {name} cluster: {seconds:6.1f} s  ({recap}, {real} write requests, "
                f"{dry} dry-run write requests)"
            )
    finally:
        launch.stop(state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
