"""The vllm_cache_pvc filter names the PVC the vllm role mounts and seed_model.yml seeds."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_names import (
    FilterModule,
    vllm_cache_pvc,
    vllm_object_name,
)

REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize("name", ["llama31-8b", "a", "x" * 52])
def test_the_cache_pvc_is_vllm_cache_and_the_model_name(name):
    assert vllm_cache_pvc(name) == f"vllm-cache-{name}"


@pytest.mark.parametrize("name", ["", "Llama", "-a", "a-", "a_b", "x" * 53, None, 3])
def test_a_name_that_cannot_name_the_pvc_is_refused_by_name(name):
    with pytest.raises(
        AnsibleFilterError, match=r"vllm_cache_pvc: the model name .* must be a DNS label of at most 52"
    ):
        vllm_cache_pvc(name)


def test_the_filter_is_exported():
    assert FilterModule().filters()["vllm_cache_pvc"] is vllm_cache_pvc


def test_the_role_and_the_seed_playbook_both_name_the_pvc_with_the_filter():
    role_vars = yaml.safe_load((REPO_ROOT / "roles/vllm/vars/main.yml").read_text())
    assert "gpuops.llm_inference.vllm_cache_pvc" in role_vars["__vllm_cache_pvc"]
    seed = (REPO_ROOT / "playbooks/seed_model.yml").read_text()
    assert 'pvc_name: "{{ __seed_model_name | gpuops.llm_inference.vllm_cache_pvc }}"' in seed
    assert "model-cache" not in seed


@pytest.mark.parametrize("name", ["llama31-8b", "a", "x" * 52])
def test_a_models_objects_are_named_vllm_and_the_model_name(name):
    assert vllm_object_name(name) == f"vllm-{name}"
    assert FilterModule().filters()["vllm_object_name"] is vllm_object_name


@pytest.mark.parametrize("name", ["", "Llama", "a_b", "x" * 53, None])
def test_a_name_that_cannot_name_the_objects_is_refused(name):
    with pytest.raises(AnsibleFilterError, match=r"vllm_object_name: the model name .* must be a DNS label"):
        vllm_object_name(name)


def test_no_role_spells_the_vllm_prefix_itself():
    # keda, routes and the vllm role name a model's objects through the filter, so the rule lives once.
    spelled = [
        str(p.relative_to(REPO_ROOT))
        for p in REPO_ROOT.glob("roles/*/*/*")
        if p.suffix in (".yml", ".j2")
        and ("'vllm-' ~" in p.read_text() or "vllm-{{" in p.read_text() or "'^', 'vllm-'" in p.read_text())
    ]
    assert spelled == []
