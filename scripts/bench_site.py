"""`make bench`: wall time of a first converge and of a no-op rerun of site.yml on the test cluster, the rerun's share
of the first converge, and what the rerun does: tasks, helm invocations by subcommand, requests by verb, and the write
requests (POST/PUT/PATCH/DELETE, server-side dry runs aside) grouped by path; then `--check --diff` on the fresh and
on the converged cluster (changed count, write requests apart from dry runs, time).

Prints figures; asserts nothing. The goals: zero writes on a no-op rerun, and a rerun under 30 % of the first
converge. Wall times depend on the machine's load; the ratio and the counts much less.
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
# helm's subcommand (`helm list ...`, `helm --version=x --repo=y show chart ...`): the first word not an option.
_HELM_WORD = re.compile(r"(?:^|\s)([a-z][a-z-]*)(?=\s|$)")


class Run:
    """One ansible-playbook run of site.yml: wall time, recap, tasks started and helm calls."""

    def __init__(self, seconds: float, stdout: str, helm_calls: list[str]) -> None:
        self.seconds = seconds
        recap = re.search(r"localhost\s+:\s+(ok=\d+\s+changed=\d+)", stdout)
        self.recap = recap.group(1) if recap else "?"
        self.tasks = len(re.findall(r"^TASK \[", stdout, re.MULTILINE))
        self.helm = collections.Counter(_helm_subcommand(call) for call in helm_calls)


def _helm_subcommand(call: str) -> str:
    words = _HELM_WORD.findall(call)
    return " ".join(words[:2]) if words[:1] in (["get"], ["show"], ["plugin"], ["repo"]) else (words[:1] or ["?"])[0]


def helm_logging_path(state_dir: Path, env: dict[str, str]) -> Path:
    """A `helm` first on PATH that appends its arguments to a log and runs the test cluster's helm."""
    bin_dir, log = state_dir / "bench-bin", state_dir / "helm-calls.log"
    bin_dir.mkdir(exist_ok=True)
    helm = shutil.which("helm", path=env["PATH"])
    (bin_dir / "helm").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{helm}" "$@"\n')
    (bin_dir / "helm").chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return log


def converge(env: dict[str, str], helm_log: Path, *flags: str) -> Run:
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", "inventories/local", *flags]
    helm_log.write_text("")
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"site.yml failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return Run(elapsed, proc.stdout, helm_log.read_text().splitlines())


def check(emulator: KubeEmulator, env: dict[str, str], helm_log: Path) -> tuple[float, str, int, int]:
    """Check mode with diffs: time, recap, write requests that were not dry runs, and dry-run ones."""
    run = converge(env, helm_log, "--check", "--diff")
    writes = write_requests(emulator.requests())
    dry = [w for w in writes if w["query"].get("dryRun") == "All"]
    return run.seconds, run.recap, len(writes) - len(dry), len(dry)


def main() -> int:
    state_dir = ROOT / "build" / "bench-site"
    launch.stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    emulator = KubeEmulator(launch.start(state_dir))
    try:
        env = dict(os.environ)
        env.update(emulator.env())
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
        helm_log = helm_logging_path(state_dir, env)
        checks = [("fresh", *check(emulator, env, helm_log))]
        emulator.clear_requests()
        first = converge(env, helm_log)
        first_writes = sum(1 for w in write_requests(emulator.requests()) if w["query"].get("dryRun") != "All")
        emulator.clear_requests()
        rerun = converge(env, helm_log)
        requests = emulator.requests()
        writes = [w for w in write_requests(requests) if w["query"].get("dryRun") != "All"]
        dry = len(write_requests(requests)) - len(writes)
        print(f"first converge of site.yml:  {first.seconds:6.1f} s  ({first.recap}, {first_writes} write requests)")
        print(f"no-op rerun of site.yml:     {rerun.seconds:6.1f} s  ({rerun.recap}, {len(requests)} requests)")
        print(f"rerun / first converge:      {100 * rerun.seconds / first.seconds:5.1f} %  (goal: under 30 %)")
        print(f"tasks started:               {first.tasks} on the first converge, {rerun.tasks} on the rerun")
        helm_total = f"{sum(first.helm.values())} on the first converge, {sum(rerun.helm.values())} on the rerun"
        print(f"helm invocations:            {helm_total}" + (":" if rerun.helm else ""))
        for name, count in rerun.helm.most_common():
            print(f"  {count:3d} x helm {name}")
        verbs = collections.Counter(r["method"] for r in requests)
        print("requests on the rerun by verb: " + ", ".join(f"{v} {n}" for v, n in verbs.most_common()))
        print(f"write requests on the rerun: {len(writes)} ({dry} server-side dry runs aside)")
        for (method, path), count in collections.Counter((w["method"], w["path"]) for w in writes).most_common():
            print(f"  {count:3d} x {method} {path}")
        emulator.clear_requests()
        checks.append(("converged", *check(emulator, env, helm_log)))
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
