"""The vllm role's pre-flight message: one line per problem, each naming what to set."""

from __future__ import annotations

from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_messages import (
    NOTHING_WRITTEN,
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
