"""up_to_date (module_utils/helm_guard.py): the helm_release role skips kubernetes.core.helm only when the release it
found is deployed with the chart, version and values asked for; any other difference runs the module, so a change is
still applied."""

import copy

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import chart_name
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import (
    up_to_date as helm_release_up_to_date,
)

VALUES = {"crds": {"enabled": True}, "replicaCount": 2, "extraArgs": ["--a", "--b"]}
STATUS = {"status": "deployed", "chart": "cert-manager-v1.19.1", "values": copy.deepcopy(VALUES), "revision": "3"}


def test_a_deployed_release_with_the_same_chart_version_and_values_is_up_to_date():
    assert helm_release_up_to_date(STATUS, "cert-manager", "v1.19.1", VALUES) is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "failed"),
        ("status", "pending-upgrade"),
        ("status", "uninstalled"),
        ("status", "superseded"),
        ("chart", "cert-manager-v1.18.0"),
        ("chart", "other-chart-v1.19.1"),
        ("values", {}),
        ("values", None),
        ("values", dict(VALUES, replicaCount=3)),
        ("values", dict(VALUES, extra=1)),
        ("values", {k: v for k, v in VALUES.items() if k != "crds"}),
        ("values", dict(VALUES, extraArgs=["--b", "--a"])),
        ("values", dict(VALUES, crds={"enabled": "true"})),
    ],
)
def test_any_difference_in_state_chart_or_values_runs_the_module(field, value):
    assert helm_release_up_to_date(dict(STATUS, **{field: value}), "cert-manager", "v1.19.1", VALUES) is False


@pytest.mark.parametrize("status", [None, {}, "", []])
def test_no_release_is_never_up_to_date(status):
    assert helm_release_up_to_date(status, "cert-manager", "v1.19.1", VALUES) is False


def test_a_version_bump_is_never_up_to_date():
    assert helm_release_up_to_date(STATUS, "cert-manager", "v1.19.2", VALUES) is False


def test_a_value_removed_from_the_inventory_is_never_up_to_date():
    assert helm_release_up_to_date(STATUS, "cert-manager", "v1.19.1", {}) is False


def test_empty_values_match_a_release_installed_without_values():
    status = dict(STATUS, values=None)
    assert helm_release_up_to_date(status, "cert-manager", "v1.19.1", {}) is True
    assert helm_release_up_to_date(status, "cert-manager", "v1.19.1", None) is True


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("keda", "keda"),
        ("jetstack/cert-manager", "cert-manager"),
        ("oci://ghcr.io/irreleph4nt/charts/cert-manager-webhook-desec-http", "cert-manager-webhook-desec-http"),
        ("oci://ghcr.io/org/charts/chart/", "chart"),
    ],
)
def test_the_chart_name_is_the_last_segment_of_a_repository_or_oci_reference(ref, name):
    assert chart_name(ref) == name
    status = dict(STATUS, chart=f"{name}-1.0.1")
    assert helm_release_up_to_date(status, ref, "1.0.1", VALUES) is True


def test_a_local_archive_reference_never_matches_so_the_module_decides():
    status = dict(STATUS, chart="webhook-1.0.1")
    assert helm_release_up_to_date(status, "/charts/webhook-1.0.1.tgz", "1.0.1", VALUES) is False
