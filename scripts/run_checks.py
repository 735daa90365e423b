"""Run every check of the repository and fail loudly if any fails (what `make test` and CI run).

Every step runs even after another failed, so one CI log shows every problem. Most steps spend their time waiting
on subprocesses (ansible-playbook, helm, the test cluster), so `--jobs` steps run at once (default 2), longest
first: the durations of the last run (build/check-logs/durations.json) order them, else the figures below. Each
step writes its own log, build/check-logs/<step>.log; on failure its tail is printed. A step that needs others
(the secret search over the molecule logs) starts when they have finished. The last line is the plain summary
"N passed, N failed" over the steps; the exit code is non-zero when any step failed.

Molecule scenarios can run side by side: each starts its own test cluster (port 0) in its own molecule ephemeral
directory (state, kubeconfig, request log, helm homes, `bin/`), and kubernetes.core's discovery cache is keyed by
the cluster's URL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "build" / "check-logs"
DURATIONS = LOG_DIR / "durations.json"
SECRET_STEP = "no secret in molecule logs"  # noqa: S105 - a step name, not a secret
# Seconds measured in a clean clone on an idle 2-core machine, one step at a time; used until a run records its own.
ESTIMATES = {
    "ansible-lint": 35,
    "ansible-test sanity": 77,
    "pytest unit and harness": 300,
    "pytest integration": 300,
    "molecule site": 169,
    "molecule routes_keda": 92,
    "molecule routes": 82,
    "molecule vllm_two_models": 66,
    "molecule istio": 57,
    "molecule vllm": 46,
}


@dataclass
class Step:
    name: str
    argv: list[str]
    group: str
    needs: list[str] = field(default_factory=list)  # steps that must have finished first

    @property
    def log_path(self) -> Path:
        return LOG_DIR / (self.name.replace(" ", "-") + ".log")


@dataclass
class Result:
    step: Step
    ok: bool
    seconds: float
    rc: int


def molecule_scenarios() -> list[str]:
    """Every scenario directory under molecule/, except shared helpers (names starting with '_')."""
    return sorted(
        p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml") if not p.parent.name.startswith("_")
    )


def steps(scenarios: list[str] | None = None) -> list[Step]:
    # --durations: each log lists its slowest tests, so the next speed-up starts from figures.
    pytest = [str(BIN / "pytest"), "-p", "no:cacheprovider", "--durations=25"]
    found = [
        Step("ruff check", [str(BIN / "ruff"), "check", "."], "lint"),
        Step("ruff format", [str(BIN / "ruff"), "format", "--check", "."], "lint"),
        Step("changelog lint", [str(BIN / "antsibull-changelog"), "lint"], "lint"),
        Step("ansible-lint", [str(BIN / "ansible-lint"), "--profile", "production"], "lint"),
        Step("ansible-test sanity", [str(ROOT / "scripts" / "sanity.sh")], "sanity"),
        # Pure unit and harness tests are CPU-bound: two workers use both cores.
        Step("pytest unit and harness", [*pytest, "-n", "2", "tests/unit", "tests/harness"], "pytest"),
        # Integration tests wait on ansible-playbook subprocesses, each against its own test cluster. `loadfile`: a
        # module's tests run on one worker, so a module-scoped converged cluster (test_routes_security.py,
        # test_keda_role.py, ...) is converged once, not once per worker. Not `loadgroup` (pyproject's default):
        # with pytest 9.2 and xdist 3.8 it silently stops grouping (pytest-dev/pytest-xdist#1386).
        Step("pytest integration", [*pytest, "-n", "2", "--dist", "loadfile", "tests/integration"], "pytest"),
    ]
    names = molecule_scenarios() if scenarios is None else scenarios
    molecule = [Step(f"molecule {name}", [str(BIN / "molecule"), "test", "-s", name], "molecule") for name in names]
    found += molecule
    found.append(
        Step(
            SECRET_STEP,
            [sys.executable, "-m", "scripts.check_logs_for_secrets"],
            "molecule",
            [s.name for s in molecule],
        )
    )
    return found


def expected_seconds(step: Step, recorded: dict[str, float]) -> float:
    return recorded.get(step.name, ESTIMATES.get(step.name, 30))


def run(step: Step, print_lock: threading.Lock) -> Result:
    argv = list(step.argv)
    if step.name == SECRET_STEP:
        argv += [str(p) for p in sorted(LOG_DIR.glob("molecule-*.log"))]
    with print_lock:
        print(f"==> {step.name}: {' '.join(argv)}", flush=True)
    started = time.monotonic()
    with step.log_path.open("w") as log:
        try:
            rc = subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
        except OSError as exc:  # the step's program is missing: a failure, never a hung run
            log.write(f"cannot run {argv[0]}: {exc}\n")
            rc = 127
    result = Result(step, rc == 0, time.monotonic() - started, rc)
    with print_lock:
        if not result.ok:
            tail = step.log_path.read_text(errors="replace").splitlines()[-80:]
            print(f"---- last lines of {step.log_path} ----", *tail, sep="\n")
        status = "ok" if result.ok else f"FAILED (exit {rc})"
        print(f"<== {step.name}: {status} in {result.seconds:.0f}s, log: {step.log_path}", flush=True)
    return result


def run_all(selected: list[Step], jobs: int) -> list[Result]:
    """Run the steps, at most `jobs` at once, longest expected first; a step starts once the steps it needs ended."""
    recorded: dict[str, float] = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    pending = sorted(selected, key=lambda s: -expected_seconds(s, recorded))
    names = {s.name for s in selected}
    done: dict[str, Result] = {}
    running: dict[str, threading.Thread] = {}
    lock, print_lock = threading.Lock(), threading.Lock()
    finished = threading.Condition(lock)

    def worker(step: Step) -> None:
        result = run(step, print_lock)
        with finished:
            done[step.name] = result
            del running[step.name]
            finished.notify_all()

    with finished:
        while pending or running:
            ready = [s for s in pending if all(n in done or n not in names for n in s.needs)]
            while ready and len(running) < jobs:
                step = ready.pop(0)
                pending.remove(step)
                running[step.name] = threading.Thread(target=worker, args=(step,), name=step.name)
                running[step.name].start()
            finished.wait()
    recorded.update({name: round(r.seconds, 1) for name, r in done.items()})
    DURATIONS.write_text(json.dumps(recorded, indent=1, sort_keys=True))
    return [done[s.name] for s in selected]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", action="append", default=[], help="run only this group: lint, sanity, pytest, molecule"
    )
    parser.add_argument("--skip", action="append", default=[], help="skip this group")
    parser.add_argument(
        "--scenario", action="append", default=None, help="run only this molecule scenario (repeatable)"
    )
    parser.add_argument(
        "--jobs", type=int, default=int(os.environ.get("GPUOPS_CHECK_JOBS", "2")), help="steps run at once (2)"
    )
    args = parser.parse_args()
    unknown = sorted(set(args.scenario or []) - set(molecule_scenarios()))
    if unknown:
        parser.error(f"unknown molecule scenario(s): {', '.join(unknown)}")
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    selected = [s for s in steps(args.scenario) if (not args.only or s.group in args.only) and s.group not in args.skip]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if any(s.group == "molecule" for s in selected):
        for stale in LOG_DIR.glob("molecule-*.log"):  # only this run's logs are searched for secrets
            stale.unlink()
    started = time.monotonic()
    results = run_all(selected, max(1, args.jobs))
    print(f"\nSummary ({args.jobs} at once, {time.monotonic() - started:.0f}s wall):")
    for result in results:
        print(f"  {'ok    ' if result.ok else 'FAILED'} {result.seconds:6.0f}s  {result.step.name}")
    failed = [r.step.name for r in results if not r.ok]
    if failed:
        print(f"Failed: {', '.join(failed)} (logs in {LOG_DIR})")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
