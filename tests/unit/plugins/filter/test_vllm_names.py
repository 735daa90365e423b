"""The vllm_cache_pvc filter names the PVC the vllm role mounts and seed_model.yml seeds."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_names import FilterModule, vllm_cache_pvc

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
