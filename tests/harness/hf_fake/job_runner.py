"""A `--job-runner` for the Kubernetes API emulator that runs the model seeding Job for real, locally.

``python -m tests.harness.kube_emulator --job-runner tests.harness.hf_fake.job_runner:run`` makes the emulator
call `run(job)` for every Job. For a seeding Job (its container runs ``downloader.py``) this runs the collection's
downloader in a subprocess, as the container would: the PVC mounted at ``hf_home`` becomes the directory
``$GPUOPS_FAKE_PVC_ROOT/<namespace>/<claimName>``, the container's env is passed on (``HF_ENDPOINT`` points at
the fake Hub), and the termination message is the file the downloader writes as ``/dev/termination-log``.
Secrets are not resolved: ``valueFrom`` env vars are left out. Other Jobs succeed with an empty log.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
# The in-Job downloader: a script the seeding Job runs, shipped by the model_cache action plugin (not a module_util).
DOWNLOADER = REPO_ROOT / "files" / "job_downloader.py"
PVC_ROOT_ENV = "GPUOPS_FAKE_PVC_ROOT"
# Emulator flags that make every Job run through this runner (pytest: `pytest.mark.emulator_args(EMULATOR_ARGS)`).
EMULATOR_ARGS = ["--job-runner", "tests.harness.hf_fake.job_runner:run"]


def load_downloader() -> ModuleType:
    """files/job_downloader.py as a module, for tests and benchmarks that call it in-process (loaded once)."""
    if "job_downloader" not in sys.modules:
        spec = importlib.util.spec_from_file_location("job_downloader", DOWNLOADER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["job_downloader"] = module
        spec.loader.exec_module(module)
    return sys.modules["job_downloader"]


def pvc_dir(namespace: str, claim: str) -> Path:
    root = os.environ.get(PVC_ROOT_ENV) or os.path.join(tempfile.gettempdir(), "gpuops-fake-pvcs")
    return Path(root) / namespace / claim


def _mount_map(job: dict[str, Any], container: dict[str, Any]) -> dict[str, Path]:
    namespace = job["metadata"]["namespace"]
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"].get("volumes") or []}
    mounts = {}
    for mount in container.get("volumeMounts") or []:
        claim = (volumes.get(mount["name"]) or {}).get("persistentVolumeClaim")
        if claim:
            mounts[mount["mountPath"].rstrip("/")] = pvc_dir(namespace, claim["claimName"])
    return mounts


def _rewrite(value: str, mounts: dict[str, Path]) -> str:
    for mount_path, local in mounts.items():
        if value == mount_path or value.startswith(mount_path + "/"):
            return str(local) + value[len(mount_path) :]
    return value


def run(job: dict[str, Any]) -> dict[str, Any]:
    containers = job["spec"]["template"]["spec"].get("containers") or []
    container = containers[0] if containers else {}
    command = [str(part) for part in (container.get("command") or []) + (container.get("args") or [])]
    if not any(part.endswith("downloader.py") for part in command):
        return {"succeeded": True, "log": "", "message": ""}
    mounts = _mount_map(job, container)
    for local in mounts.values():
        local.mkdir(parents=True, exist_ok=True)
    args = [
        _rewrite(a, mounts)
        for a in command[command.index(next(p for p in command if p.endswith("downloader.py"))) + 1 :]
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = _rewrite(str(item["value"]), mounts)
    with tempfile.TemporaryDirectory(prefix="seed-job-") as tmp:
        termination = Path(tmp) / "termination-log"
        proc = subprocess.run(
            [sys.executable, str(DOWNLOADER), *args, "--termination-log", str(termination)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        message = termination.read_text() if termination.exists() else ""
    # stderr first: a real pod interleaves both, and the record must stay the last line.
    return {"succeeded": proc.returncode == 0, "log": proc.stderr + proc.stdout, "message": message}
