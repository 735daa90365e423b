"""Desired state, validation and diff of node pools, from module parameters alone."""

from __future__ import annotations

from typing import Any

from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh import spec

POOL = {
    "id": "p1",
    "name": "gpu",
    "flavor": "l40s-90",
    "status": "READY",
    "desiredNodes": 1,
    "minNodes": 0,
    "maxNodes": 2,
    "currentNodes": 1,
    "autoscale": False,
    "antiAffinity": False,
    "monthlyBilled": False,
    "availabilityZones": [],
    "updatedAt": "2026-01-01T00:00:00Z",
    "autoscaling": {"scaleDownUtilizationThreshold": 0.5},
    "template": {
        "metadata": {"labels": {"a": "1"}, "annotations": {}, "finalizers": []},
        "spec": {"unschedulable": False, "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]},
    },
}


OPTIONS = (
    "flavor",
    "desired_nodes",
    "min_nodes",
    "max_nodes",
    "autoscale",
    "autoscaling",
    "anti_affinity",
    "monthly_billed",
    "availability_zones",
    "labels",
    "annotations",
    "finalizers",
    "taints",
    "unschedulable",
)


def params(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(OPTIONS)
    base.update(name="gpu", kube_id="k")
    base.update(overrides)
    return base


def test_unset_options_leave_the_pool_as_it_is():
    before = spec.view(POOL)
    assert spec.apply_params(before, params(), exists=True) == before
    assert spec.update_body(before, before) is None


def test_server_managed_fields_are_not_compared():
    view = spec.view(POOL)
    assert "status" not in view
    assert "currentNodes" not in view
    assert "updatedAt" not in view


def test_taint_order_and_missing_values_do_not_count_as_changes():
    before = spec.view(POOL)
    after = spec.apply_params(before, params(taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}]), True)
    assert spec.update_body(before, after) is None
    two = [{"key": "b", "effect": "NoSchedule"}, {"key": "a", "value": None, "effect": "NoExecute"}]
    assert [t["key"] for t in spec.normalize_taints(two)] == ["a", "b"]
    assert spec.normalize_taints(two)[0]["value"] == ""


def test_the_put_body_holds_only_mutable_fields():
    before = spec.view(POOL)
    after = spec.apply_params(before, params(desired_nodes=2, labels={"b": "2"}, flavor="l40s-90"), True)
    body = spec.update_body(before, after)
    assert body is not None
    assert set(body) == {"desiredNodes", "minNodes", "maxNodes", "autoscale", "template"}
    assert body["template"]["metadata"]["labels"] == {"b": "2"}


def test_immutable_changes_are_named_with_old_and_new_values():
    before = spec.view(POOL)
    after = spec.apply_params(before, params(flavor="h100-380", monthly_billed=True), True)
    changes = spec.immutable_changes(before, after)
    assert changes == ["flavor ('l40s-90' -> 'h100-380')", "monthly_billed (False -> True)"]


def test_without_autoscale_lowering_max_pulls_desired_down_only_when_not_given():
    before = spec.view(dict(POOL, desiredNodes=2))
    assert spec.apply_params(before, params(max_nodes=1), True)["desiredNodes"] == 1
    assert spec.apply_params(before, params(max_nodes=3, desired_nodes=3), True)["desiredNodes"] == 3


def test_create_defaults_desired_to_one_inside_the_bounds():
    empty = spec.empty_view()
    assert spec.apply_params(empty, params(flavor="b3-8"), False)["desiredNodes"] == 1
    assert spec.apply_params(empty, params(flavor="b3-8", min_nodes=0, max_nodes=0), False)["desiredNodes"] == 0


def test_create_body_uses_the_api_field_names():
    after = spec.apply_params(spec.empty_view(), params(flavor="b3-8", taints=[], labels={"x": "y"}), False)
    body = spec.create_body(after)
    assert body["flavorName"] == "b3-8"
    assert "flavor" not in body
    assert body["template"]["metadata"]["labels"] == {"x": "y"}


def test_static_problems_cover_names_ranges_and_ids():
    assert spec.static_problems(params()) == []
    assert any("0..100" in p for p in spec.static_problems(params(max_nodes=101)))
    assert any("not a valid" in p for p in spec.static_problems(params(name="a" * 64)))
    assert any("not a valid" in p for p in spec.static_problems(params(name="-gpu")))
    assert any("kube_id is empty" in p for p in spec.static_problems(params(kube_id="")))
