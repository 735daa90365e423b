"""ovh_mks_nodepool_info reads pools through real python-ovh against the OVH API fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ansible_collections.gpuops.llm_inference.plugins.modules import ovh_mks_nodepool_info

from tests.harness.ovh_fake import OvhFake
from tests.harness.ovh_fake.modules import run_module


@pytest.fixture
def fake() -> Iterator[OvhFake]:
    with OvhFake(transition_seconds=0) as running:
        for name in ("cpu", "gpu"):
            running.state.create_pool(
                running.service_name, running.kube_id, {"name": name, "flavorName": "b3-8", "desiredNodes": 1}
            )
        yield running


def test_lists_every_pool(fake, capsys):
    result = run_module(ovh_mks_nodepool_info, dict(fake.auth_params(), kube_id=fake.kube_id), capsys)
    assert result["changed"] is False
    assert sorted(p["name"] for p in result["nodepools"]) == ["cpu", "gpu"]


def test_filters_by_name_and_returns_an_empty_list_for_unknown_names(fake, capsys):
    args = dict(fake.auth_params(), kube_id=fake.kube_id)
    assert [p["name"] for p in run_module(ovh_mks_nodepool_info, dict(args, name="gpu"), capsys)["nodepools"]] == [
        "gpu"
    ]
    assert run_module(ovh_mks_nodepool_info, dict(args, name="nope"), capsys)["nodepools"] == []


def test_works_in_check_mode(fake, capsys):
    args = dict(fake.auth_params(), kube_id=fake.kube_id)
    assert len(run_module(ovh_mks_nodepool_info, args, capsys, check=True)["nodepools"]) == 2


def test_an_unknown_cluster_fails_with_a_clear_message(fake, capsys):
    result = run_module(ovh_mks_nodepool_info, dict(fake.auth_params(), kube_id="missing"), capsys)
    assert result["failed"] is True
    assert "check service_name and kube_id" in result["msg"]
