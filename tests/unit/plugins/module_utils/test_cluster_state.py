"""What the roles read from objects found in the cluster: GPU nodes, stale keys, missing source Secrets."""

import pytest
from ansible_collections.gpuops.llm_inference.plugins.filter.cluster_state import FilterModule
from ansible_collections.gpuops.llm_inference.plugins.module_utils.cluster_state import (
    gpu_node_count,
    missing_secret_keys,
    stale_label_values,
)


def node(**allocatable):
    return {"metadata": {"name": "n"}, "status": {"allocatable": allocatable}}


def test_a_node_counts_when_it_offers_at_least_one_of_the_resource():
    nodes = [node(**{"nvidia.com/gpu": "1"}), node(**{"nvidia.com/gpu": "8", "cpu": "4"}), node(cpu="4")]
    assert gpu_node_count(nodes) == 2


@pytest.mark.parametrize("zero", ["0", 0, ""])
def test_a_node_that_offers_none_of_the_resource_does_not_count(zero):
    assert gpu_node_count([node(**{"nvidia.com/gpu": zero})]) == 0


def test_a_node_without_status_or_allocatable_does_not_count():
    assert gpu_node_count([{"metadata": {"name": "n"}}, {"status": {}}, None]) == 0
    assert gpu_node_count(None) == 0


def test_only_the_named_resource_counts():
    shared = [node(**{"nvidia.com/gpu.shared": "4"})]
    assert gpu_node_count(shared, "nvidia.com/gpu.shared") == 1
    assert gpu_node_count(shared, "nvidia.com/gpu") == 0


def labelled(value):
    return {"metadata": {"name": f"key-{value}", "labels": {"k": value}}}


def test_stale_values_are_the_labelled_ones_the_list_no_names_sorted_once():
    objects = [labelled("b"), labelled("a"), labelled("keep"), labelled("b")]
    assert stale_label_values(objects, "k", ["keep"]) == ["a", "b"]


def test_nothing_is_stale_when_every_value_is_wanted():
    assert stale_label_values([labelled("a"), labelled("b")], "k", ["a", "b", "c"]) == []


def test_an_object_without_the_label_is_never_reported_stale():
    assert stale_label_values([{"metadata": {"name": "x"}}, {"metadata": {"labels": {"other": "a"}}}], "k", []) == []


def lookup(name, data=None, found=True, key=None, loop_var=None):
    entry = {"name": name, "from_secret": {"name": "s", "namespace": "ns"} | ({"key": key} if key else {})}
    result = {"resources": [{"data": data or {}}] if found else []}
    if loop_var:
        return result | {loop_var: entry, "ansible_loop_var": loop_var}
    return result | {"item": entry}


def test_an_entry_is_missing_when_its_secret_or_its_data_key_is_absent():
    lookups = [
        lookup("ok", {"api_key": "eA=="}),
        lookup("no-secret", found=False),
        lookup("no-key", {"other": "eA=="}),
        lookup("own-key", {"token": "eA=="}, key="token"),
        lookup("own-key-missing", {"api_key": "eA=="}, key="token"),
    ]
    assert missing_secret_keys(lookups) == ["no-secret", "no-key", "own-key-missing"]


def test_the_entry_is_found_under_a_renamed_loop_variable():
    assert missing_secret_keys([lookup("a", found=False, loop_var="__routes_key")]) == ["a"]


def test_only_names_are_returned_never_key_values():
    assert "c2VjcmV0" not in repr(missing_secret_keys([lookup("a", {"other": "c2VjcmV0"})]))


def test_the_filters_are_exported():
    assert set(FilterModule().filters()) == {"gpu_node_count", "stale_label_values", "missing_secret_keys"}
