"""The OVH API fake behaves like the MKS node pool API for the real python-ovh client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import ovh
import pytest
import requests

from tests.harness.ovh_fake import OvhFake


@pytest.fixture
def fake() -> Iterator[OvhFake]:
    with OvhFake(transition_seconds=0.05, quota_nodes={"h100-380": 1}) as running:
        yield running


def client_for(fake: OvhFake, secret: str | None = None, consumer: str | None = None) -> ovh.Client:
    client = ovh.Client(
        endpoint="ovh-eu",
        application_key=fake.application_key,
        application_secret=secret or fake.application_secret,
        consumer_key=consumer or fake.consumer_key,
    )
    client._endpoint = fake.endpoint
    return client


def pools_path(fake: OvhFake) -> str:
    return f"/cloud/project/{fake.service_name}/kube/{fake.kube_id}/nodepool"


def wait_status(client: ovh.Client, path: str, status: str) -> dict:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pool = client.get(path)
        if pool["status"] == status:
            return pool
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {status}")


def test_auth_time_is_an_integer_and_needs_no_signature(fake: OvhFake) -> None:
    answer = requests.get(fake.endpoint + "/auth/time", timeout=5)
    assert answer.status_code == 200
    assert isinstance(answer.json(), int)


def test_signed_requests_from_python_ovh_are_accepted(fake: OvhFake) -> None:
    assert client_for(fake).get(pools_path(fake)) == []


def test_a_wrong_secret_fails_the_signature_check(fake: OvhFake) -> None:
    with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid signature"):
        client_for(fake, secret="not-the-secret").get(pools_path(fake))


def test_an_unknown_consumer_key_is_an_invalid_credential(fake: OvhFake) -> None:
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client_for(fake, consumer="stranger").get(pools_path(fake))


def test_unsigned_requests_are_refused(fake: OvhFake) -> None:
    answer = requests.get(fake.endpoint + pools_path(fake), timeout=5)
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "INVALID_KEY"


def test_a_pool_installs_then_becomes_ready_with_its_nodes(fake: OvhFake) -> None:
    client = client_for(fake)
    created = client.post(pools_path(fake), name="cpu", flavorName="b3-8", desiredNodes=2, minNodes=1, maxNodes=3)
    assert created["status"] == "INSTALLING"
    assert created["currentNodes"] == 0
    ready = wait_status(client, f"{pools_path(fake)}/{created['id']}", "READY")
    assert ready["currentNodes"] == ready["availableNodes"] == 2


def test_resizing_moves_current_nodes_to_desired(fake: OvhFake) -> None:
    client = client_for(fake)
    pool = client.post(pools_path(fake), name="cpu", flavorName="b3-8", desiredNodes=1, minNodes=0, maxNodes=3)
    path = f"{pools_path(fake)}/{pool['id']}"
    wait_status(client, path, "READY")
    client.put(path, desiredNodes=3, minNodes=0, maxNodes=3)
    assert client.get(path)["status"] == "RESIZING"
    assert wait_status(client, path, "READY")["currentNodes"] == 3


def test_put_refuses_immutable_fields(fake: OvhFake) -> None:
    client = client_for(fake)
    pool = client.post(pools_path(fake), name="cpu", flavorName="b3-8", desiredNodes=1)
    path = f"{pools_path(fake)}/{pool['id']}"
    wait_status(client, path, "READY")
    with pytest.raises(ovh.exceptions.BadParametersError, match="flavorName cannot be updated"):
        client.put(path, flavorName="b3-16")


def test_put_on_a_busy_pool_is_a_conflict(fake: OvhFake) -> None:
    client = client_for(fake)
    pool = client.post(pools_path(fake), name="cpu", flavorName="b3-8", desiredNodes=1)
    with pytest.raises(ovh.exceptions.ResourceConflictError, match="INSTALLING"):
        client.put(f"{pools_path(fake)}/{pool['id']}", desiredNodes=2)


def test_names_flavors_and_counts_are_validated(fake: OvhFake) -> None:
    client = client_for(fake)
    with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid name"):
        client.post(pools_path(fake), name="gpu_pool", flavorName="b3-8", desiredNodes=1)
    with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid flavor"):
        client.post(pools_path(fake), name="gpu", flavorName="x9-999", desiredNodes=1)
    with pytest.raises(ovh.exceptions.BadParametersError, match="minNodes"):
        client.post(pools_path(fake), name="gpu", flavorName="b3-8", desiredNodes=1, minNodes=2, maxNodes=1)
    client.post(pools_path(fake), name="gpu", flavorName="b3-8", desiredNodes=1)
    with pytest.raises(ovh.exceptions.ResourceConflictError, match="already exists"):
        client.post(pools_path(fake), name="gpu", flavorName="b3-8", desiredNodes=1)


def test_a_pool_over_quota_ends_in_user_quota_error(fake: OvhFake) -> None:
    client = client_for(fake)
    pool = client.post(pools_path(fake), name="big", flavorName="h100-380", desiredNodes=2, maxNodes=2)
    assert wait_status(client, f"{pools_path(fake)}/{pool['id']}", "USER_QUOTA_ERROR")["currentNodes"] == 0


def test_unknown_cluster_is_not_found(fake: OvhFake) -> None:
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client_for(fake).get(f"/cloud/project/{fake.service_name}/kube/nope/nodepool")


def test_deleted_pools_go_through_deleting_then_disappear(fake: OvhFake) -> None:
    client = client_for(fake)
    pool = client.post(pools_path(fake), name="cpu", flavorName="b3-8", desiredNodes=1)
    path = f"{pools_path(fake)}/{pool['id']}"
    wait_status(client, path, "READY")
    client.delete(path)
    assert client.get(path)["status"] == "DELETING"
    time.sleep(0.1)
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        client.get(path)


def test_injected_faults_answer_in_order_then_stop(fake: OvhFake) -> None:
    fake.inject_faults([503, 429])
    client = client_for(fake)
    with pytest.raises(ovh.exceptions.APIError) as first:
        client.get(pools_path(fake))
    assert first.value.response.status_code == 503
    with pytest.raises(ovh.exceptions.APIError) as second:
        client.get(pools_path(fake))
    assert second.value.response.status_code == 429
    assert client.get(pools_path(fake)) == []


def test_flaky_mode_fails_a_share_of_calls() -> None:
    with OvhFake(flaky_rate=0.5, flaky_seed=3) as flaky:
        client = client_for(flaky)
        failures = 0
        for _ in range(40):
            try:
                client.get(pools_path(flaky))
            except ovh.exceptions.APIError:
                failures += 1
    assert 5 < failures < 35


def test_clock_skew_is_corrected_by_python_ovh_through_auth_time() -> None:
    with OvhFake(time_offset=3600) as skewed:
        assert client_for(skewed).get(pools_path(skewed)) == []


def test_the_command_line_prints_ready_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.ovh_fake", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line[0] == "ready"
        assert requests.get(line[1] + "/auth/time", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_command_line_writes_its_state_dir_and_seeds_pools(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.harness.ovh_fake",
            "--state-dir",
            str(tmp_path),
            "--seed-pool",
            "name=gpu,flavor=l40s-90,min=0,max=2",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ready ")
        settings = json.loads((tmp_path / "ovh_fake.json").read_text())
        client = ovh.Client(
            endpoint="ovh-eu",
            application_key=settings["application_key"],
            application_secret=settings["application_secret"],
            consumer_key=settings["consumer_key"],
        )
        client._endpoint = (tmp_path / "ovh_fake.url").read_text().strip()
        pools = client.get(f"/cloud/project/{settings['service_name']}/kube/{settings['kube_id']}/nodepool")
        assert [(p["name"], p["flavor"], p["maxNodes"]) for p in pools] == [("gpu", "l40s-90", 2)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
