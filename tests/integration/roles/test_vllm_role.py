"""The vllm role on the bundled emulator: refusals before any write, API keys, and the unseeded command line.

Each test runs the real role with ansible-playbook and reads what a user would see: the play's outcome and
message, the objects in the cluster, and the emulator's request log (a refused run must not send one write).
The tests about the role's defaults share one cluster the role converged on once (`converged`); they run in file
order on one worker (`--dist loadfile`; `xdist_group` for `loadgroup`), and the one that changes the key comes last.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import KubeEmulator, _start, run_playbook

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NAMESPACE = "vllm"
AWQ_8B = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"
# The request log shows this run reached the cluster: the play reads the namespace before the role.
ROLE_PLAY = """
- name: Apply the vllm role
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the namespace first, so the request log records this run
      kubernetes.core.k8s_info:
        api_version: v1
        kind: Namespace
        name: vllm
    - name: Apply the vllm role
      ansible.builtin.include_role:
        name: gpuops.llm_inference.vllm
"""
# Seeding needs a Hub; these tests cover the unseeded path (test_vllm_role_seeding.py covers the seeded one).
BASE_VARS: dict[str, Any] = {"vllm_seed_cache": False}

pytestmark = pytest.mark.slow
# The tests that read (or, last, change) the cluster the role converged on with its defaults.
ON_CONVERGED = pytest.mark.xdist_group("vllm_role_converged")


def _apply(emulator: KubeEmulator, **extra_vars: Any) -> tuple[int, str]:
    rc, out, err = run_playbook(ROLE_PLAY, {**BASE_VARS, **extra_vars}, emulator=emulator)
    return rc, out + err


def _writes(emulator: KubeEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if r["method"] in WRITES]


def _get(emulator: KubeEmulator, path: str) -> dict[str, Any]:
    status, body = emulator.request("GET", path)
    assert status == 200, body
    return body


def _deployment(emulator: KubeEmulator, name: str) -> dict[str, Any]:
    return _get(emulator, f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/vllm-{name}")


def _api_key(emulator: KubeEmulator) -> str:
    data = _get(emulator, f"/api/v1/namespaces/{NAMESPACE}/secrets/vllm-api-key")["data"]
    return base64.b64decode(data["api-key"]).decode()


def _real_writes(emulator: KubeEmulator) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in emulator.requests()
        if r["method"] in WRITES and "All" not in str(r.get("query", {}).get("dryRun", ""))
    ]


CHECK_PLAY = ROLE_PLAY.replace("  gather_facts: false\n", "  gather_facts: false\n  check_mode: true\n", 1)


@pytest.fixture(scope="module")
def converged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubeEmulator, str]]:
    """A test cluster the role converged on once with its defaults (one model, a generated key), and that output."""
    for emulator in _start(tmp_path_factory.mktemp("vllm-role")):
        rc, output = _apply(emulator)
        assert rc == 0, output
        yield emulator, output


def test_a_model_that_does_not_fit_is_refused_with_its_numbers_before_any_write(kube_emulator: KubeEmulator) -> None:
    models = [
        {"name": "fits", "repo_id": AWQ_8B},
        {"name": "bf16-8b", "repo_id": "meta-llama/Llama-3.1-8B-Instruct"},
    ]
    kube_emulator.clear_requests()
    rc, output = _apply(kube_emulator, vllm_models=models)
    assert rc != 0
    assert "vllm_models entry 'bf16-8b' (meta-llama/Llama-3.1-8B-Instruct) does not fit gpu_flavor rtx5000-28" in output
    assert "weights 14.96 GiB" in output and "budget 14.18 GiB" in output
    assert "Nearest configuration that fits: bigger flavor l4-90" in output
    requests = kube_emulator.requests()
    assert any(r["method"] == "GET" and r["path"].endswith("/namespaces/vllm") for r in requests), requests
    assert _writes(kube_emulator) == []


def test_a_context_longer_than_the_kv_cache_is_refused_with_the_largest_that_fits(kube_emulator: KubeEmulator) -> None:
    models = [{"name": "long", "repo_id": AWQ_8B, "max_model_len": 131072}]
    kube_emulator.clear_requests()
    rc, output = _apply(kube_emulator, vllm_models=models)
    assert rc != 0
    assert "max_model_len requested 131072, largest that fits 55296" in output
    assert "Nearest configuration that fits: smaller max_model_len" in output
    assert _writes(kube_emulator) == []


def test_every_model_that_does_not_fit_is_refused_in_one_run_one_line_each_before_any_write(
    kube_emulator: KubeEmulator,
) -> None:
    """The molecule scenario vllm_does_not_fit, moved here: the first model fits, the second cannot load its 16-bit
    weights on a 16 GB rtx5000-28, the third asks for a context the KV cache cannot hold; the one run names both
    refusals, one line each, and writes nothing, not even the first model's objects."""
    models = [
        {"name": "fits", "repo_id": AWQ_8B},
        {"name": "too-big", "repo_id": "meta-llama/Llama-3.1-8B-Instruct"},
        {"name": "too-long", "repo_id": AWQ_8B, "max_model_len": 131072},
    ]
    kube_emulator.clear_requests()
    rc, output = _apply(kube_emulator, vllm_models=models, vllm_seed_cache=True, vllm_gpu_flavor="rtx5000-28")
    assert rc != 0
    lines = [line for line in output.replace("\\n", "\n").splitlines() if "vllm_models entry '" in line]
    too_big = [line for line in lines if "vllm_models entry 'too-big'" in line]
    too_long = [line for line in lines if "vllm_models entry 'too-long'" in line]
    assert too_big and too_long, output[-3000:]
    assert "does not fit gpu_flavor rtx5000-28" in too_big[0] and "weights 14.96 GiB" in output
    assert "Nearest configuration that fits: bigger flavor l4-90" in output
    assert "max_model_len requested 131072, largest that fits 55296" in output
    assert "Nearest configuration that fits: smaller max_model_len" in output
    assert "vllm_models entry 'fits'" not in output
    requests = kube_emulator.requests()
    assert any(r["method"] == "GET" and r["path"].endswith("/namespaces/vllm") for r in requests), requests
    assert _writes(kube_emulator) == []
    status, deployments = kube_emulator.request("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments")
    assert status == 200 and deployments["items"] == [], deployments


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        ({"vllm_api_key": "short"}, "at least 32 characters"),
        ({"vllm_models": [{"name": "a", "repo_id": AWQ_8B, "extra_args": ["--api-key=leak"]}]}, "(--api-key)"),
        ({"vllm_models": [{"name": "Bad_Name", "repo_id": AWQ_8B}]}, "vllm_models entry 'Bad_Name'"),
        ({"vllm_models": [{"name": "a", "repo_id": "someone/unknown-model"}]}, "unknown model 'someone/unknown-model'"),
        ({"vllm_models": [{"name": "a", "repo_id": AWQ_8B, "color": "blue"}]}, "color"),
    ],
    ids=["short api key", "api key in extra_args", "bad name", "model not in the catalog", "unknown key"],
)
def test_bad_input_is_refused_before_any_write(kube_emulator: KubeEmulator, extra_vars: dict, message: str) -> None:
    kube_emulator.clear_requests()
    rc, output = _apply(kube_emulator, **extra_vars)
    assert rc != 0
    assert message in output
    assert "--api-key=leak" not in output
    assert _writes(kube_emulator) == []


@ON_CONVERGED
def test_without_seeding_vllm_reads_the_hub_and_gets_a_download_allowance(
    converged: tuple[KubeEmulator, str],
) -> None:
    emulator, _output = converged
    container = _deployment(emulator, "llama31-8b")["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:3] == [AWQ_8B, "--revision", "main"]
    assert "HF_HUB_OFFLINE" not in {e["name"] for e in container["env"]}
    # 120 s base + 180 s compile + ceil(5.41 GiB x 10 s) read + ceil(5.41 GiB x 30 s) download = 518 s.
    probe = container["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] == 520
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/models")
    assert mount.get("readOnly") is not True


@ON_CONVERGED
def test_a_generated_api_key_is_long_random_and_kept_on_rerun(converged: tuple[KubeEmulator, str]) -> None:
    emulator, first_output = converged
    first = _api_key(emulator)
    assert len(first) == 64 and first.isalnum()
    assert first not in first_output
    rc, output = _apply(emulator)
    assert rc == 0, output
    assert _api_key(emulator) == first
    assert "changed=0" in output


def test_check_mode_on_a_new_cluster_writes_nothing(kube_emulator: KubeEmulator) -> None:
    rc, out, err = run_playbook(CHECK_PLAY, BASE_VARS, emulator=kube_emulator)
    assert rc == 0, out + err
    # Objects in the namespace a real run creates first are reported as planned creations, not skipped.
    assert "shown as they would be created" in out + err
    assert _real_writes(kube_emulator) == []


@ON_CONVERGED
def test_check_mode_on_an_existing_cluster_writes_nothing(converged: tuple[KubeEmulator, str]) -> None:
    emulator, _output = converged
    emulator.clear_requests()
    rc, out, err = run_playbook(CHECK_PLAY, {**BASE_VARS, "vllm_api_key": "n" * 40}, emulator=emulator)
    assert rc == 0, out + err
    assert _real_writes(emulator) == []
    assert _api_key(emulator) != "n" * 40


# Last of the tests on the converged cluster: it replaces the key.
@ON_CONVERGED
def test_a_given_api_key_replaces_the_generated_one_and_restarts_the_pods(converged: tuple[KubeEmulator, str]) -> None:
    emulator, _output = converged
    before = _deployment(emulator, "llama31-8b")["spec"]["template"]["metadata"]["annotations"]
    given = "k" * 40
    rc, output = _apply(emulator, vllm_api_key=given)
    assert rc == 0, output
    assert given not in output
    assert _api_key(emulator) == given
    after = _deployment(emulator, "llama31-8b")["spec"]["template"]["metadata"]["annotations"]
    fingerprint = "llm-inference.gpuops.io/api-key-sha256"
    assert after[fingerprint] != before[fingerprint]


def test_an_explicit_startup_budget_replaces_the_rule(kube_emulator: KubeEmulator) -> None:
    models = [{"name": "llama31-8b", "repo_id": AWQ_8B, "startup_budget_seconds": 901}]
    rc, output = _apply(kube_emulator, vllm_models=models)
    assert rc == 0, output
    probe = _deployment(kube_emulator, "llama31-8b")["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    assert (probe["periodSeconds"], probe["failureThreshold"]) == (10, 91)


def test_the_hf_token_goes_into_its_secret_only(kube_emulator: KubeEmulator) -> None:
    token = "hf_" + "x" * 30
    rc, output = _apply(kube_emulator, vllm_hf_token=token)
    assert rc == 0, output
    assert token not in output
    secret = _get(kube_emulator, f"/api/v1/namespaces/{NAMESPACE}/secrets/vllm-hf-token")
    assert base64.b64decode(secret["data"]["token"]).decode() == token
    deployment = json.dumps(_deployment(kube_emulator, "llama31-8b"))
    assert token not in deployment


def test_behind_a_gateway_the_key_can_stay_out_of_the_pods(kube_emulator: KubeEmulator) -> None:
    rc, output = _apply(kube_emulator, vllm_api_key_enabled=False)
    assert rc == 0, output
    template = _deployment(kube_emulator, "llama31-8b")["spec"]["template"]
    assert "VLLM_API_KEY" not in {e["name"] for e in template["spec"]["containers"][0]["env"]}
    assert "llm-inference.gpuops.io/api-key-sha256" not in template["metadata"]["annotations"]
    assert len(_api_key(kube_emulator)) == 64
