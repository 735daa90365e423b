# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vLLM's paths that are not OpenAI API: none may be reachable through the public endpoint.

One list for the whole collection: verify.yml probes them from the outside; the routes role can check its exposed
prefixes against the same list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# vLLM's OpenAI server (vllm/entrypoints/openai/api_server.py) serves these without VLLM_API_KEY, which guards /v1
# only: metrics, tokenizer and version endpoints, SageMaker's /invocations, runtime LoRA loading, and the
# VLLM_SERVER_DEV_MODE endpoints (POST /sleep, POST /wake_up, GET /is_sleeping: vLLM docs, features/sleep_mode.md;
# /pause, /is_paused, /collective_rpc, /reset_prefix_cache, /server_info). /health stays open on purpose.
VLLM_PRIVATE_PATHS = (
    "/metrics",
    "/tokenize",
    "/detokenize",
    "/version",
    "/pause",
    "/is_paused",
    "/invocations",
    "/v1/load_lora_adapter",
    "/v1/unload_lora_adapter",
    "/collective_rpc",
    "/reset_prefix_cache",
    "/sleep",
    "/wake_up",
    "/is_sleeping",
    "/server_info",
)
