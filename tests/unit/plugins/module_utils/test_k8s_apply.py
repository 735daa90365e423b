"""The collection's one way to apply objects (the gpuops.llm_inference.k8s action): server-side apply under the
collection's field manager, and a write only when a server-side dry run shows a change."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.k8s_apply import (
    FIELD_MANAGER,
    apply_options,
    needs_write,
    owns_fields,
    unchanged_result,
)

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": {"a": "1"}}
LABELLED_NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": {"x": "y"}}}
BARE_NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
LIVE = {
    **CONFIGMAP,
    "metadata": {
        **CONFIGMAP["metadata"],
        "uid": "u-1",
        "resourceVersion": "7",
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": FIELD_MANAGER, "operation": "Apply", "time": "2026-01-01T00:00:00Z"}],
    },
}


def test_the_field_manager_is_named_after_the_collection() -> None:
    assert FIELD_MANAGER == "gpuops.llm_inference"


@pytest.mark.parametrize("state", [None, "present"])
@pytest.mark.parametrize("task_choice", [{}, {"apply": False}, {"apply": True}, {"server_side_apply": {"x": 1}}])
def test_every_object_that_states_fields_is_applied_server_side_under_the_collection_manager_whatever_the_task_says(
    state: str | None, task_choice: dict[str, Any]
) -> None:
    params = {"state": state, "definition": CONFIGMAP, **task_choice}
    options = apply_options(params, [CONFIGMAP])
    assert options["apply"] is True
    assert options["server_side_apply"] == {"field_manager": FIELD_MANAGER, "force_conflicts": True}
    assert options["definition"] == CONFIGMAP


@pytest.mark.parametrize("definition", [CONFIGMAP, LABELLED_NS])
def test_removing_an_object_never_applies(definition: dict[str, Any]) -> None:
    options = apply_options({"state": "absent", "apply": True, "server_side_apply": {}}, [definition])
    assert "apply" not in options
    assert "server_side_apply" not in options


def test_an_object_named_only_by_kind_and_name_takes_no_field_ownership() -> None:
    # Applying {name} under the collection's manager would drop the labels another task applied to it.
    options = apply_options({"state": "present", "kind": "Namespace", "name": "n", "apply": True}, [BARE_NS])
    assert "apply" not in options
    assert "server_side_apply" not in options


@pytest.mark.parametrize(
    ("definition", "owns"),
    [
        (BARE_NS, False),
        ({**BARE_NS, "metadata": {"name": "n", "namespace": "x"}}, False),
        (LABELLED_NS, True),
        ({**BARE_NS, "metadata": {"name": "n", "annotations": {"a": "b"}}}, True),
        (CONFIGMAP, True),
        ({**BARE_NS, "spec": {}}, True),
    ],
)
def test_a_definition_owns_fields_when_it_states_more_than_its_identity(definition: dict[str, Any], owns: bool) -> None:
    assert owns_fields(definition) is owns


def dry_run(before: dict[str, Any], after: dict[str, Any], changed: bool = True) -> dict[str, Any]:
    return {"changed": changed, "method": "apply", "result": after, "diff": {"before": before, "after": after}}


@pytest.mark.parametrize(
    "metadata",
    [
        {"resourceVersion": "8"},
        {"generation": 3},
        {"managedFields": [{"manager": FIELD_MANAGER, "operation": "Apply", "time": "2026-02-02T00:00:00Z"}]},
        {"creationTimestamp": "2026-02-02T00:00:00Z", "uid": "u-2"},
    ],
)
def test_a_dry_run_that_only_moves_server_managed_metadata_needs_no_write(metadata: dict[str, Any]) -> None:
    after = copy.deepcopy(LIVE)
    after["metadata"].update(metadata)
    assert not needs_write(dry_run(LIVE, after))


def test_a_dry_run_that_only_changes_status_needs_no_write() -> None:
    assert not needs_write(dry_run({**LIVE, "status": {"a": 1}}, {**LIVE, "status": {"a": 2}}))


@pytest.mark.parametrize(
    "change",
    [
        lambda o: o["data"].update(a="2"),
        lambda o: o["data"].pop("a"),
        lambda o: o["metadata"].setdefault("labels", {}).update(x="y"),
        lambda o: o["metadata"].setdefault("annotations", {}).update(x="y"),
        lambda o: o.update(immutable=True),
    ],
)
def test_a_dry_run_that_changes_any_user_field_needs_a_write(change: Any) -> None:
    after = copy.deepcopy(LIVE)
    change(after)
    after["metadata"]["resourceVersion"] = "8"
    assert needs_write(dry_run(LIVE, after))


def test_a_creation_or_a_change_without_a_diff_needs_a_write() -> None:
    assert needs_write({"changed": True, "method": "create", "result": CONFIGMAP})
    assert needs_write({"changed": True, "method": "apply", "result": CONFIGMAP, "diff": {}})


def test_a_failed_dry_run_needs_the_real_call_which_reports_the_error() -> None:
    assert needs_write({"failed": True, "msg": "boom"})


def test_an_unchanged_dry_run_needs_no_write() -> None:
    assert not needs_write(dry_run(LIVE, LIVE, changed=False))


def several(*items: dict[str, Any]) -> dict[str, Any]:
    return {"changed": any(i.get("changed") for i in items), "result": {"results": list(items)}}


def test_several_objects_need_a_write_when_any_of_them_changes() -> None:
    moved = copy.deepcopy(LIVE)
    moved["metadata"]["resourceVersion"] = "9"
    edited = copy.deepcopy(moved)
    edited["data"]["a"] = "2"
    assert not needs_write(several(dry_run(LIVE, moved), dry_run(LIVE, LIVE, changed=False)))
    assert needs_write(several(dry_run(LIVE, moved), dry_run(LIVE, edited)))


@pytest.mark.parametrize("diff_mode", [True, False])
def test_an_unchanged_result_reports_no_change_and_a_diff_only_in_diff_mode(diff_mode: bool) -> None:
    moved = copy.deepcopy(LIVE)
    moved["metadata"]["resourceVersion"] = "9"
    for result in (dry_run(LIVE, moved), several(dry_run(LIVE, moved))):
        reported = unchanged_result(result, diff_mode)
        items = reported["result"].get("results", [reported])
        for item in [reported, *items]:
            assert item["changed"] is False
            assert item.get("diff") == ({} if diff_mode else None)
