"""The vllm_served_models filter gives each model's name and the name vLLM serves it under, as the vllm role
resolves it; playbooks/verify.yml asks the endpoint for exactly those."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_served import FilterModule, vllm_served_models
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_resolve import resolve

AWQ_8B = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"
MODELS = [
    {"name": "llama31-8b", "repo_id": AWQ_8B, "served_model_name": "llama-3.1-8b-instruct"},
    {"name": "qwen", "repo_id": "Qwen/Qwen2.5-7B-Instruct-AWQ"},
    {"name": "mistral", "repo_id": "mistralai/Mistral-7B-Instruct-v0.3", "served_model_name": None},
]


def test_a_model_is_served_under_its_served_model_name_else_its_repo_id() -> None:
    assert vllm_served_models(MODELS) == [
        {"name": "llama31-8b", "served_model_name": "llama-3.1-8b-instruct"},
        {"name": "qwen", "served_model_name": "Qwen/Qwen2.5-7B-Instruct-AWQ"},
        {"name": "mistral", "served_model_name": "mistralai/Mistral-7B-Instruct-v0.3"},
    ]


def test_the_served_names_are_the_ones_the_vllm_role_resolves() -> None:
    resolved = resolve(MODELS, {"gpu_flavor": "l40s-1"}, {}, plan=object())["models"]
    assert vllm_served_models(MODELS) == [
        {"name": m["name"], "served_model_name": m["served_model_name"]} for m in resolved
    ]


@pytest.mark.parametrize("models", [None, "llama", [{"repo_id": AWQ_8B}], ["llama"]])
def test_models_without_a_name_are_refused_naming_vllm_models(models: object) -> None:
    with pytest.raises(AnsibleFilterError, match=r"vllm_served_models: vllm_models"):
        vllm_served_models(models)


def test_the_filter_is_exported() -> None:
    assert FilterModule().filters()["vllm_served_models"] is vllm_served_models
