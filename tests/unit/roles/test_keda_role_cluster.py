"""The keda role on the emulator: dropping a model or the HTTP add-on removes what the role made for it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import KubeEmulator, run_playbook

# The roles install their charts from the test cluster's loopback chart repository.
pytestmark = pytest.mark.needs_charts

ROLE_PLAY = """
- name: Apply the keda role
  hosts: localhost
  gather_facts: false
  roles:
    - role: gpuops.llm_inference.keda
"""
BASE: dict[str, Any] = {"keda_wait": False, "gpuops_hostname": "llm.example.org"}
TWO_MODELS = [{"name": "llama31-8b"}, {"name": "qwen3-4b"}]


def _names(emulator: KubeEmulator, group_version: str, plural: str) -> set[str]:
    status, body = emulator.request("GET", f"/apis/{group_version}/namespaces/vllm/{plural}")
    assert status == 200, body
    return {item["metadata"]["name"] for item in body["items"]}


@pytest.mark.slow
def test_removed_models_and_a_disabled_addon_leave_nothing_behind(kube_emulator: KubeEmulator) -> None:
    first = {**BASE, "gpuops_models": TWO_MODELS, "keda_http_addon_enabled": True}
    rc, out, err = run_playbook(ROLE_PLAY, first, env=kube_emulator.env())
    assert rc == 0, out + err
    assert _names(kube_emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b", "vllm-qwen3-4b"}
    assert _names(kube_emulator, "http.keda.sh/v1alpha1", "httpscaledobjects") == {
        "vllm-llama31-8b-http",
        "vllm-qwen3-4b-http",
    }

    second = {**BASE, "gpuops_models": TWO_MODELS[:1], "keda_http_addon_enabled": False}
    rc, out, err = run_playbook(ROLE_PLAY, second, env=kube_emulator.env())
    assert rc == 0, out + err
    assert _names(kube_emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b"}
    assert _names(kube_emulator, "http.keda.sh/v1alpha1", "httpscaledobjects") == set()
    (scaled,) = kube_emulator.request("GET", "/apis/keda.sh/v1alpha1/namespaces/vllm/scaledobjects")[1]["items"]
    assert [t["type"] for t in scaled["spec"]["triggers"]] == ["prometheus"]


@pytest.mark.slow
def test_check_mode_reports_changes_without_writing(kube_emulator: KubeEmulator) -> None:
    rc, out, err = run_playbook(ROLE_PLAY, {**BASE, "gpuops_models": TWO_MODELS}, env=kube_emulator.env())
    assert rc == 0, out + err
    kube_emulator.clear_requests()
    check_play = ROLE_PLAY.replace("  gather_facts: false", "  gather_facts: false\n  check_mode: true")
    changed = {**BASE, "gpuops_models": TWO_MODELS[:1], "keda_max_replicas": 4}
    rc, out, err = run_playbook(check_play, changed, env=kube_emulator.env())
    assert rc == 0, out + err
    assert "changed=0" not in out
    writes = [r for r in kube_emulator.requests() if r["method"] in {"POST", "PUT", "PATCH", "DELETE"}]
    # kubernetes.core may ask the server for a dry run; anything else would be a real write.
    assert [w for w in writes if "dryRun" not in str(w.get("query", "")) + str(w.get("path", ""))] == []
    assert _names(kube_emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b", "vllm-qwen3-4b"}
