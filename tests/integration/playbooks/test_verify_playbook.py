"""playbooks/verify.yml against the loopback OpenAI endpoint: each misconfiguration fails naming its check, the
correct configuration passes, bad inputs stop before any request, and no key is ever printed."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, run_playbook
from tests.harness.openai_endpoint import Misconfig, OpenAIEndpoint
from tests.harness.openai_endpoint.server import Settings

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[3]
KEYS = {"team-a": "fake-key-team-a-7f3c9d21e8b4a6f0", "team-b": "fake-key-team-b-1a2b3c4d5e6f7a8b"}
REVOKED = "fake-key-revoked-9e8d7c6b5a4f3e2d"
SERVED = "llama-3.1-8b-instruct"
MODELS = [
    {"name": "llama31-8b", "repo_id": "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "served_model_name": SERVED}
]


def run_verify(tmp: Path, extra: dict[str, Any], *args: str, emulator: KubeEmulator | None = None) -> tuple[int, str]:
    inventory = tmp / "hosts.yml"
    inventory.write_text(
        "gpuops:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        f"      ansible_python_interpreter: {sys.executable}\n"
    )
    run = run_playbook(REPO_ROOT / "playbooks" / "verify.yml", extra, inventory=inventory, args=args, emulator=emulator)
    return run.rc, run.output


def inputs(endpoint: OpenAIEndpoint, **overrides: Any) -> dict[str, Any]:
    return {
        "routes_hostname": "llm.local.test",
        "routes_api_keys": [{"name": name, "key": key} for name, key in KEYS.items()],
        "vllm_models": MODELS,
        "verify_url": endpoint.url,
        "verify_http_url": endpoint.http_url,
        "verify_ca_path": str(endpoint.ca_path),
        "verify_revoked_keys": [REVOKED],
        "verify_cluster": False,
        **overrides,
    }


def settings(misconfig: Misconfig | None = None, cold: float | None = None) -> Settings:
    return Settings(
        keys=list(KEYS.values()), models=[SERVED], revoked=[REVOKED], misconfig=misconfig, cold_start_seconds=cold
    )


def failure_line(output: str) -> str:
    lines = [line for line in output.splitlines() if "Verification failed:" in line]
    assert lines, output
    return lines[-1]


def test_a_correct_endpoint_passes_and_no_key_appears_at_any_verbosity(tmp_path: Path) -> None:
    with OpenAIEndpoint(settings(), tmp_path / "endpoint") as endpoint:
        rc, out = run_verify(tmp_path, inputs(endpoint), "-vvv")
    assert rc == 0, out
    assert "failed=0" in out
    for name in (f"key {n}" for n in KEYS):
        assert f'"{name}' in out
    assert f"stream {SERVED}" in out and "TTFT " in out and "tokens/s" in out
    assert "issuer gpuops-openai-fake-ca, expires in 59 days" in out
    for key in [*KEYS.values(), REVOKED]:
        assert key not in out


# The check each misconfiguration must fail, and what its message must say.
MISCONFIGS = {
    Misconfig.AUTH_OFF: "no key refused: GET /v1/models answered 200, expected 401",
    Misconfig.METRICS_EXPOSED: "closed /metrics: GET /metrics answered 200",
    Misconfig.REVOKED_KEY_ACCEPTED: "revoked key 1 refused: GET /v1/models answered 200",
    Misconfig.NO_REDIRECT: "http redirect: GET http://localhost:",
    Misconfig.WRONG_NAME: "tls: https://localhost:",
    Misconfig.EXPIRED: "certificate has expired",
    Misconfig.MODEL_MISSING: f"key team-a: GET /v1/models does not list {SERVED}",
    Misconfig.COLD_START_503: f"cold start {SERVED}: first request after scale-to-zero answered 503",
}


@pytest.mark.parametrize("misconfig", list(MISCONFIGS), ids=lambda m: m.value)
def test_each_misconfiguration_fails_naming_its_check(tmp_path: Path, misconfig: Misconfig) -> None:
    cold = 0.2 if misconfig is Misconfig.COLD_START_503 else None
    extra = {"verify_cold_start": True} if cold else {}
    with OpenAIEndpoint(settings(misconfig, cold), tmp_path / "endpoint") as endpoint:
        rc, out = run_verify(tmp_path, inputs(endpoint, **extra))
    assert rc != 0, out
    line = failure_line(out)
    assert MISCONFIGS[misconfig] in line, line
    assert "Traceback" not in out
    if misconfig is Misconfig.WRONG_NAME:
        assert "Hostname mismatch" in line
    for key in [*KEYS.values(), REVOKED]:
        assert key not in out


def test_a_cold_model_that_wakes_passes_and_prints_the_time_to_first_byte(tmp_path: Path) -> None:
    with OpenAIEndpoint(settings(cold=0.5), tmp_path / "endpoint") as endpoint:
        rc, out = run_verify(tmp_path, inputs(endpoint, verify_cold_start=True))
        first_post = next(r for r in endpoint.requests if r[0] == "POST")
    assert rc == 0, out
    assert first_post[1] == "/v1/completions"
    figure = next(line for line in out.splitlines() if f"cold start {SERVED}" in line)
    assert "PASS" in figure
    assert float(figure.split("first byte after ")[1].split("s")[0]) >= 0.5


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"routes_hostname": "", "verify_url": ""}, "set routes_hostname (the deployed host name) or verify_url"),
        ({"routes_api_keys": []}, "routes_api_keys is empty"),
        ({"verify_ca_path": "/nonexistent/ca.pem"}, "verify_ca_path /nonexistent/ca.pem is not a readable file"),
        (
            {"verify_environment": "production", "gpuops_environment": "staging"},
            "verify_environment is production but the inventory is staging",
        ),
    ],
    ids=["no-hostname", "no-keys", "unreadable-ca", "wrong-environment"],
)
def test_bad_inputs_stop_before_any_request(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    with OpenAIEndpoint(settings(), tmp_path / "endpoint") as endpoint:
        rc, out = run_verify(tmp_path, inputs(endpoint, **overrides))
        sent = endpoint.requests
    assert rc != 0
    assert message in out
    assert sent == []
    assert "Traceback" not in out


def test_an_endpoint_that_does_not_answer_is_a_failed_check_naming_the_url(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with OpenAIEndpoint(settings(), tmp_path / "endpoint") as endpoint:
        extra = inputs(endpoint, verify_url=f"https://localhost:{port}", verify_http_url=f"http://localhost:{port}")
    rc, out = run_verify(tmp_path, extra)
    assert rc != 0
    line = failure_line(out)
    assert f"tls: https://localhost:{port} is not valid for localhost: Connection refused" in line or (
        f"https://localhost:{port}" in line and "refused" in line.lower()
    ), line
    assert f"http redirect: no answer from http://localhost:{port}/v1/models" in line
    assert "Traceback" not in out
