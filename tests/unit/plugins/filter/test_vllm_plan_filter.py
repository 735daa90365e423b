"""The vllm_plan filters expose the planner to templates and turn bad input into filter errors."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_plan import FilterModule


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"vllm_plan", "vllm_plan_nearest"}


def test_vllm_plan_filter_returns_the_plan():
    result = FilterModule().filters()["vllm_plan"]("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "rtx5000-28")
    assert result["fits"] is True


def test_nearest_filter_returns_suggestions_that_fit():
    result = FilterModule().filters()["vllm_plan_nearest"](
        "meta-llama/Llama-3.1-8B-Instruct", "l4-90", max_model_len=131072
    )
    assert result and all(item["plan"]["fits"] for item in result)


@pytest.mark.parametrize("name", ["vllm_plan", "vllm_plan_nearest"])
def test_unknown_model_is_a_filter_error(name):
    with pytest.raises(AnsibleFilterError, match="unknown model"):
        FilterModule().filters()[name]("nope/nope", "l4-90")
