# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The paths vLLM's OpenAI server answers without authentication, and whether a Gateway API match reaches one.

vLLM's ``--api-key`` (``VLLM_API_KEY``) middleware checks only paths that start with ``/v1`` (checked in
vllm/entrypoints/openai/api_server.py, ``if not url_path.startswith("/v1"): return await call_next(request)``,
and in the later AuthenticationMiddleware of vllm/entrypoints/serve/middleware/authenticate.py). Everything else
it serves is open to whoever reaches its port (8000). Behind the routes role's gateway vLLM runs without its own
key (vllm_api_key_enabled false), so its ``/v1`` administration endpoints are open as well.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Every path vLLM serves that a client from outside must never reach, whatever the port. Sources: the routers of
# vLLM's api_server (v0.21 to v0.33: vllm/entrypoints/openai/api_server.py and vllm/entrypoints/serve/*/api_router.py)
# and its docs (docs/usage/security.md lists /collective_rpc, /sleep, /wake_up, /reset_prefix_cache, /server_info
# as development endpoints). The health paths (/health, /ping) are not here: they return no data and the routes
# role exposes one of them on purpose, without a key and never through the KEDA interceptor.
# One list for the routes role's checks and for any playbook that verifies a deployment.
VLLM_UNAUTHENTICATED_PATHS = (
    # Observability and introspection.
    "/metrics",
    "/version",
    "/load",
    "/server_info",
    "/is_sleeping",
    "/is_paused",
    "/is_scaling_elastic_ep",
    "/docs",
    "/redoc",
    "/openapi.json",
    # Non-OpenAI inference endpoints outside /v1 (they run the model, so they cost GPU time).
    "/tokenize",
    "/detokenize",
    "/invocations",
    "/pooling",
    "/classify",
    "/score",
    "/rerank",
    "/inference/v1/generate",
    # Engine control (development and administration endpoints).
    "/pause",
    "/resume",
    "/sleep",
    "/wake_up",
    "/collective_rpc",
    "/reset_prefix_cache",
    "/reset_mm_cache",
    "/start_profile",
    "/stop_profile",
    "/scale_elastic_ep",
    "/update_weights",
    # Under /v1, but administration (runtime LoRA loading); open because vLLM runs without its key here.
    "/v1/load_lora_adapter",
    "/v1/unload_lora_adapter",
)

# Paths vLLM answers with its health status only (no data, no model run).
VLLM_HEALTH_PATHS = ("/health", "/ping")


def _prefix_covers(prefix, path):
    """Gateway API PathPrefix semantics: a match on whole path segments ("/v1/models" covers "/v1/models/x")."""
    prefix = prefix.rstrip("/")
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def match_reaches(match_type, value, path):
    """Whether an HTTPRoute path match (Exact, PathPrefix or RegularExpression) lets ``path`` or a sub-path of it
    through. ``path`` is a path vLLM serves; a request to ``path/anything`` reaches the same handler family."""
    if match_type == "Exact":
        return value.rstrip("/") == path or _prefix_covers(path, value)
    if match_type == "PathPrefix":
        # A prefix above the path (/ or /v1) covers it; a prefix below it (/metrics/x) still reaches its router.
        return _prefix_covers(value, path) or _prefix_covers(path, value)
    if match_type == "RegularExpression":
        # Istio compiles the expression as RE2 and matches the whole path; Python's re agrees on the syntax
        # route authors use. The path itself and one sub-path are tried.
        try:
            pattern = re.compile(value)
        except re.error:
            return True  # an expression we cannot read is not proven safe
        return any(pattern.fullmatch(candidate) for candidate in (path, path + "/", path + "/x"))
    return True  # an unknown match type is not proven safe


def unsafe_prefixes(prefixes):
    """The prefixes of ``prefixes`` (PathPrefix values) that reach an unauthenticated vLLM path or a health path
    (which is exposed by its own Exact rule only)."""
    private = VLLM_UNAUTHENTICATED_PATHS + VLLM_HEALTH_PATHS
    return [prefix for prefix in prefixes if any(match_reaches("PathPrefix", prefix, path) for path in private)]
