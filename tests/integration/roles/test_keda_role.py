"""The keda role on the test cluster: what a converge alone cannot show.

What the cluster holds after the role ran (each model's ScaledObject and HTTPScaledObject with every field a user
relies on, both releases at their pinned versions, a rerun that changes and writes nothing) is stated once, by the
molecule scenario `keda` (molecule/keda/verify.yml); what the templates render for other inputs, and that it fits
the upstream CRDs, by tests/unit/roles/test_keda_scaledobjects.py. This module converges the role once on one
cluster and states the rest: the run reaches the cluster, check mode writes nothing, and changed inputs remove what
the role made for a dropped model or add-on. Its tests share the converged cluster, so they run in file order on
one worker (`xdist_group`); the last one changes the inputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import KubeEmulator, PlaybookRun, _start, role_play, skip_without_charts

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("keda_role")]

ROLE_PLAY = role_play("keda")
BASE: dict[str, Any] = {"keda_wait": False, "gpuops_hostname": "llm.example.org"}
TWO_MODELS = [{"name": "llama31-8b"}, {"name": "qwen3-4b"}]
FIRST = {**BASE, "gpuops_models": TWO_MODELS, "keda_http_addon_enabled": True}


@pytest.fixture(scope="module")
def converged(
    tmp_path_factory: pytest.TempPathFactory, run_playbook: Any
) -> Iterator[tuple[KubeEmulator, PlaybookRun]]:
    """A test cluster the role converged on with two models and the HTTP add-on, and that run."""
    # The role installs its charts from the test cluster's loopback chart repository.
    for emulator in _start(tmp_path_factory.mktemp("keda-role")):
        skip_without_charts(emulator)
        run = run_playbook(ROLE_PLAY, FIRST, emulator=emulator)
        assert run.rc == 0, run.tail()
        yield emulator, run


def _names(emulator: KubeEmulator, group_version: str, plural: str) -> set[str]:
    status, body = emulator.request("GET", f"/apis/{group_version}/namespaces/vllm/{plural}")
    assert status == 200, body
    return {item["metadata"]["name"] for item in body["items"]}


def test_good_input_does_write(converged: tuple[KubeEmulator, PlaybookRun]) -> None:
    """The play test_keda_bad_input.py runs with bad input reaches the cluster with good input, so the empty write
    logs there mean something."""
    _emulator, run = converged
    assert any("/scaledobjects" in write for write in run.writes), run.writes


def test_check_mode_reports_changes_without_writing(
    converged: tuple[KubeEmulator, PlaybookRun], run_playbook: Any
) -> None:
    emulator, _run = converged
    check_play = ROLE_PLAY.replace("  gather_facts: false", "  gather_facts: false\n  check_mode: true")
    changed = {**BASE, "gpuops_models": TWO_MODELS[:1], "keda_max_replicas": 4}
    run = run_playbook(check_play, changed, emulator=emulator)
    assert run.rc == 0, run.tail()
    assert "changed=0" not in run.stdout
    # kubernetes.core may ask the server for a dry run; anything else would be a real write.
    assert run.real_writes == []
    assert _names(emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b", "vllm-qwen3-4b"}


def test_removed_models_and_a_disabled_addon_leave_nothing_behind(
    converged: tuple[KubeEmulator, PlaybookRun], run_playbook: Any
) -> None:
    emulator, _run = converged
    assert _names(emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b", "vllm-qwen3-4b"}
    assert _names(emulator, "http.keda.sh/v1alpha1", "httpscaledobjects") == {
        "vllm-llama31-8b-http",
        "vllm-qwen3-4b-http",
    }

    second = {**BASE, "gpuops_models": TWO_MODELS[:1], "keda_http_addon_enabled": False}
    run = run_playbook(ROLE_PLAY, second, emulator=emulator)
    assert run.rc == 0, run.tail()
    assert _names(emulator, "keda.sh/v1alpha1", "scaledobjects") == {"vllm-llama31-8b"}
    assert _names(emulator, "http.keda.sh/v1alpha1", "httpscaledobjects") == set()
    (scaled,) = emulator.request("GET", "/apis/keda.sh/v1alpha1/namespaces/vllm/scaledobjects")[1]["items"]
    assert [t["type"] for t in scaled["spec"]["triggers"]] == ["prometheus"]
