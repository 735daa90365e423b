"""Bad keda input fails before anything is written, with a message naming the variable to fix.

Runs the real role (its `main` entry point imports the input checks first) and the site playbook's pre-flight
against the bundled emulator, then reads the emulator's request log: a failed run must not have sent one write.
The same play with good input does write (test_keda_role.py::test_good_input_does_write), so the empty logs here
mean something.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REPO_ROOT, KubeEmulator, role_play, run_playbook

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MODELS = [{"name": "llama31-8b", "served_model_name": "llama-3.1-8b-instruct"}]
ROLE_PLAY = role_play("keda")
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "min above max": ({"keda_min_replicas": 3, "keda_max_replicas": 2}, ["keda_min_replicas", "keda_max_replicas"]),
    "model min above max": (
        {"gpuops_models": [{**MODELS[0], "keda": {"min_replicas": 4}}]},
        ["keda_models[llama31-8b].keda.min_replicas", "keda_max_replicas"],
    ),
    "negative threshold": ({"keda_threshold": -1}, ["keda_threshold"]),
    "negative activation threshold": ({"keda_activation_threshold": -0.5}, ["keda_activation_threshold"]),
    "cron end before start": (
        {"keda_cron_enabled": True, "keda_cron_start": "18:00", "keda_cron_end": "08:00"},
        ["keda_cron_end", "keda_cron_start"],
    ),
    "unknown time zone": ({"keda_cron_enabled": True, "keda_cron_timezone": "Europe/Atlantis"}, ["keda_cron_timezone"]),
    "http add-on without routes": (
        {"keda_http_addon_enabled": True, "gpuops_routes_enabled": False, "gpuops_hostname": "llm.example.org"},
        ["keda_http_addon_enabled", "gpuops_routes_enabled"],
    ),
    "http add-on without a routes hostname": (
        {"keda_http_addon_enabled": True, "gpuops_routes_enabled": True, "gpuops_hostname": ""},
        ["keda_http_addon_enabled", "gpuops_hostname"],
    ),
}


def _writes(emulator: KubeEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if r["method"] in WRITES]


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_before_any_write_and_names_the_variable(case: str, kube_emulator: KubeEmulator) -> None:
    extra_vars, named = CASES[case]
    kube_emulator.clear_requests()
    rc, out, err = run_playbook(ROLE_PLAY, {"gpuops_models": MODELS, **extra_vars}, emulator=kube_emulator)
    assert rc != 0, out
    failure = "\n".join(line for line in (out + err).splitlines() if "msg" in line or "ERROR" in line)
    for variable in named:
        assert variable in failure, (variable, failure)
    assert _writes(kube_emulator) == []


@pytest.mark.slow
def test_the_site_preflight_stops_every_role_on_bad_keda_input(kube_emulator: KubeEmulator) -> None:
    kube_emulator.clear_requests()
    # The local inventory puts localhost in the gpuops group the site playbook targets.
    extra = {"keda_min_replicas": 3, "keda_max_replicas": 1}
    run = run_playbook(
        REPO_ROOT / "playbooks" / "site.yml",
        extra,
        emulator=kube_emulator,
        inventory=REPO_ROOT / "inventories" / "local",
    )
    out = run.output
    assert run.rc != 0, out
    assert "Check the inputs of every role before touching the cluster" in out
    assert "keda_min_replicas (3) must not exceed keda_max_replicas (1)" in out
    assert _writes(kube_emulator) == []
