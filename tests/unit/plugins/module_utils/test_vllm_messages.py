"""The vllm role's pre-flight message: one line per problem, each naming what to set."""

from __future__ import annotations

import pytest
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_messages import vllm_fit_message, vllm_plan_checked
from ansible_collections.gpuops.llm_inference.plugins.module_utils import vllm_plan as planner
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_messages import (
    NOTHING_WRITTEN,
    entry_problems,
    fitting_options,
    preflight_message,
)

MODEL = {"name": "llama", "repo_id": "org/llama", "revision": "main"}


def failed(msg: str, model: dict | None = None) -> dict:
    return {"failed": True, "msg": msg, "ansible_loop_var": "__vllm_model", "__vllm_model": model or MODEL}


def test_an_unreachable_hub_names_the_model_the_endpoint_and_the_three_ways_out() -> None:
    result = failed("Failed to resolve org/llama@main on http://mirror: Connection refused")

    lines = preflight_message([result], "http://mirror", "/usr/bin/python3").splitlines()

    assert lines == [
        "vllm_models entry 'llama': the Hugging Face Hub at http://mirror did not answer for org/llama@main "
        "(Connection refused). Set vllm_hf_endpoint to a Hub or mirror the controller can reach, or pin the entry's "
        "revision to a commit already seeded in its cache (playbooks/seed_model.yml), or set vllm_seed_cache: false "
        "to let vLLM download the weights at start-up.",
        NOTHING_WRITTEN,
    ]


def test_an_empty_endpoint_is_the_public_hub() -> None:
    assert "the Hugging Face Hub at https://huggingface.co did not answer" in preflight_message(
        [failed("Failed to resolve org/llama@main on https://huggingface.co: timeout")]
    )


def test_a_missing_library_names_the_interpreter_once_for_all_models() -> None:
    msg = (
        "Failed to import the required Python library (kubernetes) on host's Python /usr/bin/python3. Please read "
        "the module documentation and install it in the appropriate location."
    )
    other = dict(MODEL, name="qwen")

    lines = preflight_message([failed(msg), failed(msg, other)], "", "/usr/bin/python3").splitlines()

    assert lines == [
        "The controller's Python (ansible_python_interpreter: /usr/bin/python3) lacks the kubernetes library the "
        "vllm role needs: install the collection's requirements.txt into it, or set ansible_python_interpreter to a "
        "Python that has them (for example the virtualenv's bin/python).",
        NOTHING_WRITTEN,
    ]


def test_a_gated_model_asks_for_a_token() -> None:
    msg = "Failed to seed org/llama: the model is gated and no token_secret is set; create a Secret"

    assert preflight_message([failed(msg)]).splitlines()[0] == (
        "vllm_models entry 'llama': org/llama@main is gated: set vllm_hf_token to a token of an account that was "
        "granted access."
    )


def test_only_failed_results_give_lines_and_other_failures_keep_their_message() -> None:
    ok = {"failed": False, "ansible_loop_var": "__vllm_model", "__vllm_model": MODEL}
    other = failed("Failed to ensure PersistentVolumeClaim vllm/vllm-cache-llama: size is 90Gi and a PVC cannot shrink")

    assert preflight_message([ok, other]).splitlines() == [
        "vllm_models entry 'llama': Failed to ensure PersistentVolumeClaim vllm/vllm-cache-llama: size is 90Gi and a "
        "PVC cannot shrink",
        NOTHING_WRITTEN,
    ]


# --- vllm_models entries, planning and fit --------------------------------------------------------------------------

GOOD = {
    "name": "llama",
    "tensor_parallel_size": 1,
    "gpu_memory_utilization": 0.9,
    "max_num_seqs": 0,
    "replicas": None,
    "max_model_len": None,
    "cache_size": "",
    "fit_check": True,
    "extra_args": ["--enable-chunked-prefill"],
}
AWQ_8B = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"


def test_a_good_entry_breaks_no_rule() -> None:
    assert entry_problems(GOOD, ["--api-key"]) == []


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"name": "Bad_Name"},
            "name must be a DNS label of at most 52 characters (lowercase letters, digits and '-'), got 'Bad_Name'",
        ),
        ({"tensor_parallel_size": 0}, "tensor_parallel_size must be at least 1, got 0"),
        ({"gpu_memory_utilization": 1.5}, "gpu_memory_utilization must be in (0, 1], got 1.5"),
        ({"max_num_seqs": -1}, "max_num_seqs must be 0 (vLLM's default) or more, got -1"),
        ({"replicas": -2}, "replicas must be 0 or more, got -2"),
        ({"max_model_len": 0}, "max_model_len must be a positive number of tokens, got 0"),
        ({"cache_size": "30G"}, "cache_size must be a size such as 30Gi or 1Ti, got '30G'"),
        ({"fit_check": False}, "with fit_check false, max_model_len and cache_size are required"),
        (
            {"extra_args": ["--api-key=s3cret", "--port", "9000"]},
            "extra_args must not repeat the flags the role sets (--api-key, --port)",
        ),
    ],
)
def test_each_broken_rule_is_one_line_naming_the_entry_and_only_that_rule(change: dict, line: str) -> None:
    entry = dict(GOOD, **change)

    problems = entry_problems(entry, ["--api-key", "--port"])

    assert len(problems) == 1
    assert problems[0].startswith(f"vllm_models entry '{entry['name']}': {line}")
    assert "s3cret" not in problems[0]


def test_two_broken_rules_are_two_lines() -> None:
    problems = entry_problems(dict(GOOD, tensor_parallel_size=0, cache_size="lots"), [])

    assert [p.split(": ", 1)[1].split(" ")[0] for p in problems] == ["tensor_parallel_size", "cache_size"]


def test_an_unknown_gpu_flavor_is_one_clean_line_without_planner_model_advice() -> None:
    checked = vllm_plan_checked(AWQ_8B, "rtx9000-1", "llama")

    assert checked["plan"] is None
    assert checked["problem"].startswith(
        "vllm_models entry 'llama': gpu_flavor 'rtx9000-1' is not a GPU flavor the planner knows; known: a100-180, "
    )
    assert "planner_model" not in checked["problem"]
    assert "filter" not in checked["problem"]


def test_an_unknown_model_says_how_to_describe_it() -> None:
    checked = vllm_plan_checked("someone/unknown-model", "rtx5000-28", "a")

    assert checked["problem"].startswith(
        "vllm_models entry 'a': cannot be planned: unknown model 'someone/unknown-model'"
    )
    assert "Set its planner_model to a catalog name" in checked["problem"]


def test_a_known_model_and_flavor_give_the_planners_own_plan() -> None:
    checked = vllm_plan_checked(AWQ_8B, "rtx5000-28", "llama", tensor_parallel_size=1)

    assert checked == {"plan": planner.plan(AWQ_8B, "rtx5000-28", tensor_parallel_size=1), "problem": None}


@pytest.mark.parametrize("flavor", ["rtx5000-28", "l4-90", "l40s-90", "h100-760"])
def test_a_tensor_parallel_size_above_the_flavors_gpus_first_suggests_what_fits_on_that_flavor(flavor: str) -> None:
    count = planner.resolve_gpu(flavor)["count"]
    args = {
        "gpu_memory_utilization": 0.9,
        "tensor_parallel_size": 4 * count,
        "max_model_len": None,
        "kv_cache_dtype": "auto",
    }
    assert not planner.plan(AWQ_8B, flavor, **args)["fits"]

    options = fitting_options(planner.plan, planner.nearest, AWQ_8B, flavor, count, **args)

    assert options, flavor
    first = options[0]
    assert first["settings"]["gpu"] == flavor
    assert first["settings"]["tensor_parallel_size"] == count
    assert first["change"].startswith(f"tensor_parallel_size {count} (the GPUs gpu_flavor {flavor} has)")
    assert planner.plan(AWQ_8B, flavor, **{**args, **{k: v for k, v in first["settings"].items() if k != "gpu"}})[
        "fits"
    ]


def test_the_fit_message_names_the_entry_its_numbers_and_the_same_flavor_configuration_first() -> None:
    args = {"gpu_memory_utilization": 0.9, "tensor_parallel_size": 4, "max_model_len": None, "kv_cache_dtype": "auto"}
    entry = {
        "name": "llama",
        "repo_id": AWQ_8B,
        "gpu_flavor": "rtx5000-28",
        "max_model_len": None,
        "plan": planner.plan(AWQ_8B, "rtx5000-28", **args),
        "plan_model": AWQ_8B,
        "plan_args": args,
    }

    message = vllm_fit_message(entry)

    assert message.startswith(f"vllm_models entry 'llama' ({AWQ_8B}) does not fit gpu_flavor rtx5000-28: ")
    assert "tensor_parallel_size 4 needs 4 GPUs, the flavor has 1" in message
    assert (
        "Nearest configuration that fits: tensor_parallel_size 1 (the GPUs gpu_flavor rtx5000-28 has) "
        "(gpu_flavor rtx5000-28, tensor_parallel_size 1," in message
    )
