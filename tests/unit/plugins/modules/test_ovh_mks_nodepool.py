"""ovh_mks_nodepool drives node pools through real python-ovh against the OVH API fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.modules import ovh_mks_nodepool

from tests.harness.ovh_fake import OvhFake
from tests.harness.ovh_fake.modules import run_module

GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


@pytest.fixture
def fake() -> Iterator[OvhFake]:
    with OvhFake(transition_seconds=0.05, quota_nodes={"h100-380": 1}) as running:
        yield running


@pytest.fixture
def run(fake: OvhFake, capsys: pytest.CaptureFixture[str]):
    def _run(check: bool = False, diff: bool = False, **options: Any) -> dict[str, Any]:
        args = dict(fake.auth_params(), kube_id=fake.kube_id, wait_sleep=0.02, wait_timeout=10)
        args.update(options)
        return run_module(ovh_mks_nodepool, args, capsys, check=check, diff=diff)

    return _run


def gpu_pool(**overrides: Any) -> dict[str, Any]:
    options = dict(
        name="gpu",
        flavor="l40s-90",
        desired_nodes=1,
        min_nodes=0,
        max_nodes=2,
        labels={"nvidia.com/gpu.present": "true"},
        taints=[GPU_TAINT],
    )
    options.update(overrides)
    return options


def writes(fake: OvhFake) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


def pools(fake: OvhFake) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in fake.state.list_pools(fake.service_name, fake.kube_id)}


def test_creates_a_pool_and_waits_until_it_is_ready_with_its_nodes(fake, run):
    result = run(**gpu_pool())
    assert result["changed"] is True
    assert result["nodepool"]["status"] == "READY"
    assert result["nodepool"]["currentNodes"] == 1
    stored = pools(fake)["gpu"]
    assert stored["flavor"] == "l40s-90"
    assert stored["template"]["spec"]["taints"] == [GPU_TAINT]
    assert stored["template"]["metadata"]["labels"] == {"nvidia.com/gpu.present": "true"}


def test_a_second_run_changes_nothing_and_writes_nothing(fake, run):
    run(**gpu_pool())
    before = len(writes(fake))
    result = run(**gpu_pool())
    assert result["changed"] is False
    assert len(writes(fake)) == before


def test_check_mode_reports_the_creation_without_calling_post(fake, run):
    result = run(check=True, diff=True, **gpu_pool())
    assert result["changed"] is True
    assert result["diff"]["after"]["flavor"] == "l40s-90"
    assert writes(fake) == []
    assert pools(fake) == {}


def test_diff_shows_the_node_count_change(fake, run):
    run(**gpu_pool())
    result = run(diff=True, **gpu_pool(desired_nodes=2))
    assert result["changed"] is True
    assert (result["diff"]["before"]["desiredNodes"], result["diff"]["after"]["desiredNodes"]) == (1, 2)
    assert result["nodepool"]["currentNodes"] == 2


def test_no_diff_is_returned_outside_diff_mode(run):
    assert "diff" not in run(**gpu_pool())


def test_scaling_up_puts_only_mutable_fields_and_waits_for_the_new_size(fake, run):
    run(**gpu_pool())
    result = run(**gpu_pool(desired_nodes=2, min_nodes=1))
    assert result["nodepool"]["currentNodes"] == 2
    put = [r for r in fake.requests if r.method == "PUT"]
    assert len(put) == 1
    assert set(put[0].body) <= {"desiredNodes", "minNodes", "maxNodes", "autoscale", "autoscaling", "template"}
    assert pools(fake)["gpu"]["minNodes"] == 1


def test_changing_the_taints_updates_the_template(fake, run):
    run(**gpu_pool())
    result = run(**gpu_pool(taints=[]))
    assert result["changed"] is True
    assert pools(fake)["gpu"]["template"]["spec"]["taints"] == []


def test_autoscaling_tuning_is_applied(fake, run):
    run(**gpu_pool(autoscale=True, autoscaling={"scale_down_unneeded_time_seconds": 300}))
    assert pools(fake)["gpu"]["autoscaling"]["scaleDownUnneededTimeSeconds"] == 300
    assert pools(fake)["gpu"]["autoscale"] is True


def test_with_the_autoscaler_on_desired_nodes_is_left_to_it(fake, run):
    run(**gpu_pool(autoscale=True))
    result = run(**gpu_pool(autoscale=True, desired_nodes=2))
    assert result["changed"] is False
    assert pools(fake)["gpu"]["desiredNodes"] == 1


def test_raising_min_nodes_pulls_desired_nodes_up_under_the_autoscaler(fake, run):
    run(**gpu_pool(autoscale=True, desired_nodes=0))
    result = run(**gpu_pool(autoscale=True, desired_nodes=None, min_nodes=1))
    assert result["nodepool"]["desiredNodes"] == 1


def test_changing_an_immutable_field_fails_clearly_without_writing(fake, run):
    run(**gpu_pool())
    before = writes(fake)
    result = run(**gpu_pool(flavor="h100-380"))
    assert result["failed"] is True
    assert "flavor ('l40s-90' -> 'h100-380') cannot be changed" in result["msg"]
    assert "recreate=true" in result["msg"]
    assert writes(fake) == before


def test_recreate_replaces_the_pool_with_the_new_flavor(fake, run):
    first = run(**gpu_pool())
    result = run(recreate=True, **gpu_pool(flavor="a100-180", anti_affinity=True))
    assert result["changed"] is True
    assert result["nodepool"]["id"] != first["nodepool"]["id"]
    assert pools(fake)["gpu"]["flavor"] == "a100-180"
    assert pools(fake)["gpu"]["antiAffinity"] is True


def test_absent_deletes_and_waits_then_is_idempotent(fake, run):
    run(**gpu_pool())
    assert run(name="gpu", state="absent")["changed"] is True
    assert pools(fake) == {}
    assert run(name="gpu", state="absent")["changed"] is False


def test_absent_in_check_mode_keeps_the_pool(fake, run):
    run(**gpu_pool())
    assert run(check=True, name="gpu", state="absent")["changed"] is True
    assert "gpu" in pools(fake)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (gpu_pool(min_nodes=3, max_nodes=2), "min_nodes=3 is above max_nodes=2"),
        (gpu_pool(desired_nodes=5), "desired_nodes=5 is above max_nodes=2"),
        (gpu_pool(min_nodes=1, desired_nodes=0), "desired_nodes=0 is below min_nodes=1"),
        (gpu_pool(name="gpu_pool"), "'_' is refused by OVH"),
        (gpu_pool(name="GPU"), "is not a valid OVH node pool name"),
        (gpu_pool(kube_id=" "), "kube_id is empty"),
        (gpu_pool(endpoint="ovh-mars"), "neither an OVH region"),
        (gpu_pool(autoscaling={"scale_down_utilization_threshold": 2.0}), "outside 0..1"),
    ],
)
def test_bad_input_fails_before_any_api_call(fake, capsys, options, message):
    args = dict(fake.auth_params(), kube_id=fake.kube_id)
    args.update(options)
    result = run_module(ovh_mks_nodepool, args, capsys)
    assert result["failed"] is True
    assert message in result["msg"]
    assert fake.requests == []


def test_missing_credentials_fail_before_any_api_call(fake, capsys, monkeypatch):
    for var in ("OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(var, raising=False)
    args = dict(endpoint=fake.endpoint, service_name=fake.service_name, kube_id=fake.kube_id, **gpu_pool())
    result = run_module(ovh_mks_nodepool, args, capsys)
    assert "missing OVH credentials: application_key, application_secret, consumer_key" in result["msg"]
    assert fake.requests == []


def test_credentials_come_from_the_ovh_environment_variables(fake, capsys, monkeypatch):
    monkeypatch.setenv("OVH_ENDPOINT", fake.endpoint)
    monkeypatch.setenv("OVH_APPLICATION_KEY", fake.application_key)
    monkeypatch.setenv("OVH_APPLICATION_SECRET", fake.application_secret)
    monkeypatch.setenv("OVH_CONSUMER_KEY", fake.consumer_key)
    monkeypatch.setenv("OVH_CLOUD_PROJECT_SERVICE", fake.service_name)
    result = run_module(ovh_mks_nodepool, dict(kube_id=fake.kube_id, wait=False, **gpu_pool()), capsys)
    assert result["changed"] is True
    assert fake.application_secret not in str(result)


def test_wrong_credentials_fail_at_the_first_call_with_a_clear_message(fake, run):
    result = run(**gpu_pool(consumer_key="revoked"))
    assert result["failed"] is True
    assert "OVH refused the credentials (INVALID_CREDENTIAL)" in result["msg"]
    assert len([r for r in fake.requests if r.path != "/auth/time"]) == 1


def test_an_unknown_cluster_says_to_check_the_kube_id(fake, run):
    result = run(**gpu_pool(kube_id="00000000-0000-0000-0000-000000000000"))
    assert "not found; check service_name and kube_id (HTTP 404)" in result["msg"]


def test_an_unknown_flavor_is_refused_before_post_with_the_available_ones(fake, run):
    result = run(**gpu_pool(flavor="rtx9000-1"))
    assert "unknown flavor 'rtx9000-1'" in result["msg"]
    assert "l40s-90" in result["msg"]
    assert writes(fake) == []


def test_429_and_5xx_are_retried(fake, run, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    fake.inject_faults([503, 429, 502])
    result = run(**gpu_pool())
    assert result["changed"] is True
    assert [r.status for r in fake.requests if r.path != "/auth/time"][:3] == [503, 429, 502]


def test_retries_give_up_with_the_last_status(fake, run, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    fake.inject_faults([500, 500, 500])
    result = run(api_retries=2, **gpu_pool())
    assert "still failing after 2 retries (HTTP 500)" in result["msg"]


def test_a_create_that_failed_but_took_effect_is_reported_with_the_pool(fake, run, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    fake.inject_faults([502], after_processing=True, method="POST")
    result = run(**gpu_pool())
    assert result["failed"] is True
    assert result["changed"] is True
    assert "a node pool named gpu exists anyway" in result["msg"]
    assert result["nodepool"]["name"] == "gpu"
    assert len([r for r in fake.requests if r.method == "POST"]) == 2


def test_a_quota_error_ends_the_wait_and_reports_the_created_pool(fake, run):
    result = run(**gpu_pool(name="big", flavor="h100-380", desired_nodes=2))
    assert result["failed"] is True
    assert result["changed"] is True
    assert "USER_QUOTA_ERROR" in result["msg"]
    assert "the pool was created" in result["msg"]
    assert result["nodepool"]["name"] == "big"


def test_a_pool_in_error_fails_the_wait_with_its_status(fake, run):
    run(**gpu_pool())
    fake.state.force_status(fake.service_name, fake.kube_id, "gpu", "ERROR")
    result = run(**gpu_pool())
    assert "ended in status ERROR" in result["msg"]


def test_a_timeout_reports_the_last_observed_state(fake, run):
    fake.state.transition_seconds = 60
    result = run(wait_timeout=0, **gpu_pool())
    assert "Timed out after 0s" in result["msg"]
    assert "status=INSTALLING" in result["msg"]


def test_wait_false_returns_while_the_pool_installs(fake, run):
    result = run(wait=False, **gpu_pool())
    assert result["nodepool"]["status"] == "INSTALLING"
