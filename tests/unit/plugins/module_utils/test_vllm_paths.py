"""Gateway API path matches are judged by whether they let a request reach a path vLLM serves without a key."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_paths import vllm_unsafe_prefixes
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import (
    VLLM_HEALTH_PATHS,
    VLLM_UNAUTHENTICATED_PATHS,
    match_reaches,
    unsafe_prefixes,
)

OPENAI = ["/v1/models", "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]


def test_the_list_names_the_endpoints_vllm_leaves_open() -> None:
    named = {"/metrics", "/tokenize", "/detokenize", "/pause", "/is_paused", "/invocations", "/version"}
    named |= {"/collective_rpc", "/reset_prefix_cache", "/sleep", "/wake_up", "/server_info"}
    named |= {"/v1/load_lora_adapter", "/v1/unload_lora_adapter"}
    assert named <= set(VLLM_UNAUTHENTICATED_PATHS)
    assert len(set(VLLM_UNAUTHENTICATED_PATHS)) == len(VLLM_UNAUTHENTICATED_PATHS)
    assert all(p.startswith("/") and not p.endswith("/") for p in VLLM_UNAUTHENTICATED_PATHS)
    assert not set(VLLM_HEALTH_PATHS) & set(VLLM_UNAUTHENTICATED_PATHS)


@pytest.mark.parametrize("private", VLLM_UNAUTHENTICATED_PATHS)
def test_no_openai_prefix_reaches_a_private_path(private: str) -> None:
    assert not any(match_reaches("PathPrefix", prefix, private) for prefix in OPENAI)


@pytest.mark.parametrize("private", VLLM_UNAUTHENTICATED_PATHS)
@pytest.mark.parametrize(
    ("kind", "value"),
    [("PathPrefix", "/"), ("PathPrefix", ""), ("RegularExpression", "/.*"), ("RegularExpression", "[^?]*")],
)
def test_catch_all_matches_reach_every_private_path(kind: str, value: str, private: str) -> None:
    assert match_reaches(kind, value, private)


@pytest.mark.parametrize(
    ("kind", "value", "path", "reaches"),
    [
        ("Exact", "/metrics", "/metrics", True),
        ("Exact", "/metrics/", "/metrics", True),
        ("Exact", "/metrics/x", "/metrics", True),
        ("Exact", "/metricsx", "/metrics", False),
        ("PathPrefix", "/v1", "/v1/load_lora_adapter", True),
        ("PathPrefix", "/v1/", "/v1/load_lora_adapter", True),
        ("PathPrefix", "/v1/load", "/v1/load_lora_adapter", False),  # segment boundaries, as Gateway API
        ("PathPrefix", "/tokenize", "/tokenize", True),
        ("PathPrefix", "/models/a/v1/completions", "/metrics", False),
        ("RegularExpression", "/(metrics|health)", "/metrics", True),
        ("RegularExpression", "/v1/(chat/)?completions", "/metrics", False),
        ("RegularExpression", "/[", "/metrics", True),  # unreadable: not proven safe
        ("Other", "/x", "/metrics", True),
    ],
)
def test_match_semantics(kind: str, value: str, path: str, reaches: bool) -> None:
    assert match_reaches(kind, value, path) is reaches


def test_unsafe_prefixes_keeps_the_order_and_names_only_the_bad_ones() -> None:
    given = [*OPENAI, "/v1/load_lora_adapter", "/", "/health"]
    assert unsafe_prefixes(given) == ["/v1/load_lora_adapter", "/", "/health"]
    assert unsafe_prefixes(OPENAI) == []


def test_the_filter_refuses_what_is_not_a_list_of_paths() -> None:
    assert vllm_unsafe_prefixes(["/v1/models", "/metrics"]) == ["/metrics"]
    with pytest.raises(AnsibleFilterError, match="list of path prefixes"):
        vllm_unsafe_prefixes("/metrics")
