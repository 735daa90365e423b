"""Run every check of the repository and fail loudly if any fails (what `make test` and CI run).

Steps run in order and all of them run even after a failure, so one CI log shows every problem.
Long outputs (ansible-lint, sanity, molecule) go to build/check-logs/<step>.log; on failure the tail is
printed. The last line is the plain summary "N passed, N failed" over the steps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "build" / "check-logs"


@dataclass
class Step:
    name: str
    argv: list[str]
    group: str
    stream: bool = False  # print output live instead of only into the log file


def molecule_scenarios() -> list[str]:
    """Every scenario directory under molecule/, except shared helpers (names starting with '_')."""
    return sorted(
        p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml") if not p.parent.name.startswith("_")
    )


def steps() -> list[Step]:
    found = [
        Step("ruff check", [str(BIN / "ruff"), "check", "."], "lint", stream=True),
        Step("ruff format", [str(BIN / "ruff"), "format", "--check", "."], "lint", stream=True),
        Step("changelog lint", [str(BIN / "antsibull-changelog"), "lint"], "lint", stream=True),
        Step("ansible-lint", [str(BIN / "ansible-lint"), "--profile", "production"], "lint"),
        Step("ansible-test sanity", [str(ROOT / "scripts" / "sanity.sh")], "sanity"),
        # Two workers: most tests wait on ansible-playbook subprocesses, and each has its own emulator.
        Step(
            "pytest",
            [str(BIN / "pytest"), "-p", "no:cacheprovider", "-n", "2", "tests/unit", "tests/harness"],
            "pytest",
            True,
        ),
    ]
    found += [
        Step(f"molecule {name}", [str(BIN / "molecule"), "test", "-s", name], "molecule")
        for name in molecule_scenarios()
    ]
    found.append(
        Step("no secret in molecule logs", [sys.executable, "-m", "scripts.check_logs_for_secrets"], "molecule")
    )
    return found


def run(step: Step) -> tuple[bool, float]:
    if step.name == "no secret in molecule logs":
        step.argv = step.argv + [str(p) for p in sorted(LOG_DIR.glob("molecule-*.log"))]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / (step.name.replace(" ", "-") + ".log")
    print(f"\n==> {step.name}: {' '.join(step.argv)}", flush=True)
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(step.argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if step.stream:
                sys.stdout.write(line)
        rc = proc.wait()
    elapsed = time.monotonic() - started
    ok = rc == 0
    if not ok and not step.stream:
        tail = log_path.read_text(errors="replace").splitlines()[-80:]
        print("\n".join(tail))
    print(f"<== {step.name}: {'ok' if ok else f'FAILED (exit {rc})'} in {elapsed:.0f}s, log: {log_path}", flush=True)
    return ok, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", action="append", default=[], help="run only this group: lint, sanity, pytest, molecule"
    )
    parser.add_argument("--skip", action="append", default=[], help="skip this group")
    args = parser.parse_args()
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    selected = [s for s in steps() if (not args.only or s.group in args.only) and s.group not in args.skip]
    if any(s.group == "molecule" for s in selected):
        for stale in LOG_DIR.glob("molecule-*.log"):  # only this run's logs are searched for secrets
            stale.unlink()
    results = [(s, *run(s)) for s in selected]
    print("\nSummary:")
    for step, ok, elapsed in results:
        print(f"  {'ok    ' if ok else 'FAILED'} {elapsed:6.0f}s  {step.name}")
    failed = sum(1 for result in results if not result[1])
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
