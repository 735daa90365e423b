"""The vllm role's pre-flight in one call: entries merged over defaults, every rule checked, each model planned."""

import pytest
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_messages import vllm_resolve
from ansible_collections.gpuops.llm_inference.plugins.module_utils import vllm_plan as planner
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_resolve import (
    merged_entry,
    planner_model,
    resolve,
    settings_problems,
)

AWQ_8B = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"
LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"
DEFAULTS = {
    "revision": "main",
    "gpu_flavor": "l4-90",
    "max_model_len": None,
    "gpu_memory_utilization": 0.9,
    "dtype": "auto",
    "quantization": "",
    "kv_cache_dtype": "auto",
    "enable_prefix_caching": True,
    "max_num_seqs": 0,
    "tensor_parallel_size": 1,
    "extra_args": [],
    "replicas": None,
    "cache_size": "",
    "fit_check": True,
}
SETTINGS = {
    "namespace": "llm",
    "rollout_strategy": {"type": "Recreate"},
    "api_key": "",
    "progress_deadline_seconds": 1800,
    "startup_period_seconds": 10,
    "cache_mount_path": "/models",
}


def test_an_entry_keeps_its_own_settings_and_takes_the_defaults_for_the_rest():
    merged = merged_entry({"name": "a", "repo_id": AWQ_8B, "gpu_flavor": "l40s-90", "max_model_len": None}, DEFAULTS)
    assert merged["gpu_flavor"] == "l40s-90"
    assert merged["revision"] == "main"
    assert merged["served_model_name"] == merged["planner_model"] == AWQ_8B


def test_an_explicit_dtype_or_quantization_overrides_the_catalog_in_what_is_planned():
    assert planner_model(dict(DEFAULTS, planner_model=AWQ_8B)) == AWQ_8B
    assert planner_model(dict(DEFAULTS, planner_model=AWQ_8B, dtype="float16")) == {"name": AWQ_8B, "dtype": "float16"}
    custom = {"params_b": 1}
    assert planner_model(dict(DEFAULTS, planner_model=custom, quantization="awq")) == {
        "params_b": 1,
        "quantization": "awq",
    }


def test_a_model_that_fits_is_resolved_with_the_planners_own_plan_and_no_problem():
    checked = resolve([{"name": "small", "repo_id": AWQ_8B}], DEFAULTS, SETTINGS)
    assert checked["problems"] == []
    (model,) = checked["models"]
    assert model["plan"] == planner.plan(AWQ_8B, "l4-90", **model["plan_args"])
    assert model["plan"]["fits"]


def test_a_model_that_does_not_fit_is_refused_with_the_numbers_and_the_nearest_configuration_that_fits():
    checked = resolve([{"name": "big", "repo_id": LLAMA_70B, "gpu_flavor": "l4-90"}], DEFAULTS, SETTINGS)
    (line,) = checked["problems"]
    assert line.startswith(f"vllm_models entry 'big' ({LLAMA_70B}) does not fit gpu_flavor l4-90")
    assert "Numbers per GPU" in line
    assert "Nearest configuration that fits" in line or "No configuration in the planner's catalog fits" in line


def test_fit_check_false_skips_planning():
    entry = {"name": "big", "repo_id": LLAMA_70B, "fit_check": False, "max_model_len": 4096, "cache_size": "200Gi"}
    checked = resolve([entry], DEFAULTS, SETTINGS)
    assert checked["problems"] == []
    assert checked["models"][0]["plan"] is None


def test_an_unknown_flavor_is_one_line_naming_the_entry():
    checked = resolve([{"name": "a", "repo_id": AWQ_8B, "gpu_flavor": "b200-9000"}], DEFAULTS, SETTINGS)
    (line,) = checked["problems"]
    assert line.startswith("vllm_models entry 'a': gpu_flavor 'b200-9000' is not a GPU flavor the planner knows")


def test_an_entry_that_breaks_a_rule_is_reported_and_not_planned():
    checked = resolve([{"name": "a", "repo_id": AWQ_8B, "tensor_parallel_size": 0}], DEFAULTS, SETTINGS)
    assert checked["problems"] == ["vllm_models entry 'a': tensor_parallel_size must be at least 1, got 0"]
    assert checked["models"][0]["plan"] is None


def test_every_problem_of_every_entry_and_setting_is_reported_at_once():
    models = [
        {"name": "a", "repo_id": AWQ_8B, "gpu_memory_utilization": 2},
        {"name": "b", "repo_id": LLAMA_70B, "gpu_flavor": "l4-90"},
    ]
    checked = resolve(models, DEFAULTS, dict(SETTINGS, namespace="Bad"))
    assert [line.split(" ", maxsplit=1)[0] for line in checked["problems"]] == [
        "vllm_namespace",
        "vllm_models",
        "vllm_models",
    ]
    assert "'a'" in checked["problems"][1] and "'b'" in checked["problems"][2]


@pytest.mark.parametrize(
    "models, line",
    [
        ([], "vllm_models must list at least one model"),
        ([{"name": "a", "repo_id": AWQ_8B}, {"name": "a", "repo_id": AWQ_8B}], "vllm_models must name each model once"),
    ],
)
def test_the_model_list_is_not_empty_and_names_each_model_once(models, line):
    assert resolve(models, DEFAULTS, SETTINGS)["problems"][0].startswith(line)


@pytest.mark.parametrize(
    "change, variable",
    [
        ({"namespace": "Llm"}, "vllm_namespace"),
        ({"rollout_strategy": {"type": "BlueGreen"}}, "vllm_rollout_strategy.type"),
        ({"rollout_strategy": {}}, "vllm_rollout_strategy.type"),
        ({"api_key": "short-s3cret"}, "vllm_api_key"),
        ({"progress_deadline_seconds": 0}, "vllm_progress_deadline_seconds"),
        ({"startup_period_seconds": -1}, "vllm_startup_period_seconds"),
        ({"cache_mount_path": "models"}, "vllm_cache_mount_path"),
    ],
)
def test_each_broken_role_wide_rule_is_one_line_naming_the_variable(change, variable):
    (line,) = settings_problems(dict(SETTINGS, **change))
    assert line.startswith(variable + " must")
    assert "s3cret" not in line


def test_a_generated_or_long_api_key_is_accepted():
    assert settings_problems(dict(SETTINGS, api_key="")) == []
    assert settings_problems(dict(SETTINGS, api_key="k" * 32)) == []


def test_the_filter_is_the_resolver():
    models = [{"name": "small", "repo_id": AWQ_8B}]
    assert vllm_resolve(models, DEFAULTS, SETTINGS) == resolve(models, DEFAULTS, SETTINGS)
