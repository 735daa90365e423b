"""The vllm role checks what it can before its first write: a run that cannot seed leaves the cluster untouched.

Each case runs the role alone against a fresh emulator with one thing missing, and reads the emulator's request
log: the run fails with a message naming what to set, and not a single write request was sent.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, role_play, run_playbook

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ROLE_PLAY = role_play("vllm")
MODELS = [
    {
        "name": "llama31-8b",
        "repo_id": "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
        "served_model_name": "llama-3.1-8b-instruct",
    }
]
pytestmark = pytest.mark.slow


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_role(emulator: KubeEmulator, **extra_vars: Any) -> str:
    rc, out, err = run_playbook(ROLE_PLAY, {"vllm_models": MODELS, **extra_vars}, emulator=emulator)
    assert rc != 0, out
    return " ".join((out + err).split())


def writes(emulator: KubeEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if r["method"] in WRITES]


def test_an_unreachable_hub_fails_before_the_first_write_and_says_what_to_set(kube_emulator: KubeEmulator) -> None:
    hub = closed_port_url()

    output = run_role(kube_emulator, vllm_hf_endpoint=hub)

    assert (
        f"vllm_models entry 'llama31-8b': the Hugging Face Hub at {hub} did not answer for "
        "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4@main"
    ) in output
    assert "Set vllm_hf_endpoint to a Hub or mirror the controller can reach" in output
    assert "vllm_seed_cache: false" in output
    assert "Nothing was written to the cluster." in output
    assert writes(kube_emulator) == []


def test_a_controller_python_without_the_libraries_fails_before_the_first_write(
    kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    # A Python with nothing but the standard library.
    if not Path("/usr/bin/python3").exists():
        pytest.skip("no system python3")
    bare = tmp_path / "bare-python"
    bare.symlink_to("/usr/bin/python3")

    output = run_role(kube_emulator, ansible_python_interpreter=str(bare), vllm_hf_endpoint=closed_port_url())

    assert f"The controller's Python (ansible_python_interpreter: {bare}) lacks the" in output
    assert "set ansible_python_interpreter to a Python that has them" in output
    assert writes(kube_emulator) == []
