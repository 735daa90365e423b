"""Start and stop a detached Kubernetes API emulator, for pytest and molecule alike.

    python -m tests.harness.launch start --state-dir DIR [extra emulator args...]
    python -m tests.harness.launch stop --state-dir DIR

`start` leaves DIR/kubeconfig (0600), DIR/pid, DIR/url, DIR/emulator.log and DIR/bin/{helm,terraform} (stand-ins),
plus DIR/bin/kubectl, a link to the real kubectl that `make setup` installs in .tools/bin, when it is there.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
STANDINS = {"helm": "tests.harness.helm_standin", "terraform": "tests.harness.terraform_standin"}


class LaunchError(RuntimeError):
    """The emulator did not come up; the message carries the tail of its log."""


@dataclass
class Emulator:
    url: str
    kubeconfig: Path
    token: str
    pid: int
    bin_dir: Path
    state_dir: Path


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _write_wrappers(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "terraformrc").write_text("")
    for name, module in STANDINS.items():
        script = bin_dir / name
        script.write_text(
            "#!/bin/sh\n"
            f"# {name} stand-in of the test harness (see tests/harness/README.md)\n"
            f"PYTHONPATH={shlex.quote(str(REPO_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
            "export PYTHONPATH\n"
            # Each emulator gets its own helm repository list and an empty terraform CLI config, so parallel
            # scenarios never share ~/.config/helm and a missing ~/.terraformrc prints no warning.
            f": ${{HELM_CONFIG_HOME:={shlex.quote(str(bin_dir.parent / 'helm'))}}}\n"
            f": ${{HELM_REPOSITORY_CONFIG:=$HELM_CONFIG_HOME/repositories.yaml}}\n"
            f": ${{HELM_CACHE_HOME:={shlex.quote(str(bin_dir.parent / 'helm-cache'))}}}\n"
            "export HELM_CONFIG_HOME HELM_REPOSITORY_CONFIG HELM_CACHE_HOME\n"
            + (
                f"TF_CLI_CONFIG_FILE={shlex.quote(str(bin_dir / 'terraformrc'))}\nexport TF_CLI_CONFIG_FILE\n"
                if name == "terraform"
                else ""
            )
            + f'exec {shlex.quote(sys.executable)} -m {module} "$@"\n'
        )
        script.chmod(0o755)
    kubectl, link = tools_bin() / "kubectl", bin_dir / "kubectl"
    link.unlink(missing_ok=True)
    if kubectl.is_file():
        link.symlink_to(kubectl)


def tools_bin() -> Path:
    """Where `make setup` installs the real helm and kubectl (GPUOPS_TOOLS_DIR overrides .tools)."""
    tools = os.environ.get("GPUOPS_TOOLS_DIR")
    return Path(tools) / "bin" if tools else TOOLS_BIN


def _wait_ready(proc: subprocess.Popen[bytes], log_path: Path, offset: int) -> str:
    """Poll the log (the emulator's stdout and stderr) for the `ready <url>` line written after `offset`."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        with log_path.open("rb") as log:
            log.seek(offset)
            for line in log.read().decode(errors="replace").splitlines():
                if line.startswith("ready "):
                    return line.split(" ", 1)[1].strip()
        if proc.poll() is not None:
            raise LaunchError(f"the emulator exited with {proc.returncode}; log tail:\n{_tail(log_path)}")
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    raise LaunchError(f"the emulator did not report ready within {READY_TIMEOUT:.0f}s; log tail:\n{_tail(log_path)}")


def start(state_dir: str | os.PathLike[str], extra_args: list[str] | None = None) -> Emulator:
    """Start an emulator in its own session, logging to DIR/emulator.log; returns once it serves."""
    state = Path(state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    stop(state)
    kubeconfig, log_path = state / "kubeconfig", state / "emulator.log"
    argv = [sys.executable, "-m", "tests.harness.kube_emulator", "--port", "0", "--kubeconfig", str(kubeconfig)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    with log_path.open("ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            argv + list(extra_args or []),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = _wait_ready(proc, log_path, offset)
    (state / "pid").write_text(f"{proc.pid}\n")
    (state / "url").write_text(f"{url}\n")
    bin_dir = state / "bin"
    _write_wrappers(bin_dir)
    return Emulator(url, kubeconfig, read_token(kubeconfig), proc.pid, bin_dir, state)


def read_token(kubeconfig: Path) -> str:
    config = yaml.safe_load(kubeconfig.read_text())
    return config["users"][0]["user"]["token"]


def stop(state_dir: str | os.PathLike[str]) -> None:
    """SIGTERM the emulator recorded in DIR/pid and wait for it; nothing to do if it is not running."""
    pid_file = Path(state_dir) / "pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    if not _is_emulator(pid):  # a stale pid file: the number may belong to an unrelated process by now
        pid_file.unlink(missing_ok=True)
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def _is_emulator(pid: int) -> bool:
    """True if `pid` runs the emulator (checked through /proc where there is one)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():
        return True
    try:
        return b"tests.harness.kube_emulator" in cmdline.read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it when it is our own child so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness.launch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--state-dir", required=True)
    args, extra = parser.parse_known_args(argv)
    if args.action == "stop":
        stop(args.state_dir)
        return 0
    try:
        emulator = start(args.state_dir, extra)
    except LaunchError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"emulator {emulator.url} pid {emulator.pid} kubeconfig {emulator.kubeconfig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
