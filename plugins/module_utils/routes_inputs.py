# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The routes role's input rules that argument_specs cannot express: one line per rule broken.

`inputs` maps each variable name to its value, as roles/routes/tasks/validate.yml passes them. Some rules are about
what other roles do: the ClusterIssuers cert_manager defines (gpuops_cluster_issuers), the timeouts a cold start and
a stream need, and whether vLLM demands its own key (gpuops_vllm_api_key_enabled). No message ever quotes an API
key value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpuops.llm_inference.plugins.module_utils.inputs_common import (
    as_bool,
    as_whole,
    dns_label_problems,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label, is_dns_subdomain
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import unsafe_prefixes

# A path prefix of the OpenAI API: /v1/ followed by lower-case segments.
_OPENAI_PATH = re.compile(r"^/v1/[a-z0-9_]+(/[a-z0-9_]+)*$")
MAX_EXPOSED_PATHS = 16
# The longest model name routes accepts (its HTTPRoute and ReferenceGrant names are derived from it).
MODEL_NAME_MAX = 47
# Shortest key value: a bearer key of 32 characters or more.
KEY_MIN_LENGTH = 32
# A GPU node provisioned and a model loaded take at least this long; a stream worth keeping at least a minute.
COLD_START_MIN_SECONDS = 360
STREAM_MIN_SECONDS = 60
# Gateway API durations hold at most 5 digits per unit (GEP-2257), so the timeout is written in seconds.
TIMEOUT_MAX_SECONDS = 99999
# Ports of the KEDA HTTP interceptor that are not its proxy: the admin server (keda-add-ons-http chart values
# interceptor.admin.port, 9090 in kedacore/charts v2.20.2) and its Prometheus exporter (OTEL_PROM_EXPORTER_PORT,
# 2223 by default per kedacore/http-add-on docs/operate.md). A route to either would expose them.
KEDA_INTERCEPTOR_ADMIN_PORTS = (9090, 2223)


def _name_problems(inputs):
    found = dns_label_problems(
        [
            ("routes_namespace", inputs["routes_namespace"]),
            ("routes_vllm_namespace (gpuops_vllm_namespace)", inputs["routes_vllm_namespace"]),
            ("routes_authorino_operator_namespace", inputs["routes_authorino_operator_namespace"]),
            ("routes_gateway_name", inputs["routes_gateway_name"]),
            ("routes_tls_secret_name", inputs["routes_tls_secret_name"]),
            ("routes_authz_provider_name (gpuops_authz_provider_name)", inputs["routes_authz_provider_name"]),
        ]
    )
    found += dns_label_problems(
        ("routes_vllm_ingress_allowed_namespaces entry", namespace)
        for namespace in inputs["routes_vllm_ingress_allowed_namespaces"]
    )
    return found


def _gateway_problems(inputs):
    found = []
    hostname = inputs["routes_hostname"]
    if not is_dns_subdomain(hostname, fqdn=True):
        found.append(
            "routes_hostname (gpuops_hostname) must be a lower-case DNS name with at least two labels (no wildcard, "
            "IP, port or trailing dot), got '%s'" % (hostname,)
        )
    issuers = list(inputs["gpuops_cluster_issuers"])
    if inputs["routes_cluster_issuer"] not in issuers:
        found.append(
            "routes_cluster_issuer '%s' does not exist: it must be one of gpuops_cluster_issuers (%s)"
            % (inputs["routes_cluster_issuer"], ", ".join(issuers))
        )
    return found


def _timeout_problems(inputs):
    found = []
    cold, stream = inputs["routes_cold_start_budget_seconds"], inputs["routes_stream_budget_seconds"]
    timeout = inputs["routes_request_timeout_seconds"]
    if as_whole(cold) is None or as_whole(cold) < COLD_START_MIN_SECONDS:
        found.append(
            "routes_cold_start_budget_seconds must be at least %d (a GPU node and a model load), got %s"
            % (COLD_START_MIN_SECONDS, cold)
        )
    if as_whole(stream) is None or as_whole(stream) < STREAM_MIN_SECONDS:
        found.append("routes_stream_budget_seconds must be at least %d, got %s" % (STREAM_MIN_SECONDS, stream))
    if as_whole(timeout) is None or as_whole(timeout) < (as_whole(cold) or 0) + (as_whole(stream) or 0):
        found.append(
            "routes_request_timeout_seconds (%s) must be at least routes_cold_start_budget_seconds (%s) plus "
            "routes_stream_budget_seconds (%s): the gateway cuts a request, stream included, when it expires"
            % (timeout, cold, stream)
        )
    elif as_whole(timeout) > TIMEOUT_MAX_SECONDS:
        found.append(
            "routes_request_timeout_seconds must be at most %d (Gateway API durations hold 5 digits), got %s"
            % (TIMEOUT_MAX_SECONDS, timeout)
        )
    return found


def _path_problems(paths):
    found = []
    if not 1 <= len(paths) <= MAX_EXPOSED_PATHS:
        found.append("routes_exposed_paths must list 1 to %d path prefixes, got %d" % (MAX_EXPOSED_PATHS, len(paths)))
    not_openai = [p for p in paths if not (isinstance(p, str) and _OPENAI_PATH.match(p))]
    if not_openai:
        found.append(
            "routes_exposed_paths must list OpenAI API prefixes under /v1/, not %s" % (", ".join(map(str, not_openai)),)
        )
    unsafe = unsafe_prefixes([p for p in paths if isinstance(p, str)])
    if unsafe:
        found.append(
            "routes_exposed_paths must reach no path vLLM serves without a key, but %s does" % (", ".join(unsafe),)
        )
    repeated = sorted(set(p for p in paths if paths.count(p) > 1))
    if repeated:
        found.append("routes_exposed_paths must be distinct, %s is listed more than once" % (", ".join(repeated),))
    return found


def _model_problems(inputs):
    models = inputs["routes_models"]
    if not models:
        return ["routes_models (gpuops_models) must list at least one model to route to"]
    found = []
    names = [model.get("name") for model in models]
    for position, name in enumerate(names):
        if not is_dns_label(name, MODEL_NAME_MAX):
            found.append(
                "routes_models (gpuops_models) entry %d needs a `name` that is a DNS label of at most %d characters, "
                "got %s" % (position + 1, MODEL_NAME_MAX, "no name" if name is None else "'%s'" % (name,))
            )
    repeated = sorted(set(str(n) for n in names if n is not None and names.count(n) > 1))
    if repeated:
        found.append("routes_models (gpuops_models) names must be unique, %s is repeated" % (", ".join(repeated),))
    default = inputs["routes_default_model"] or names[0]
    if default not in names:
        found.append(
            "routes_default_model ('%s') must be one of the routes_models (gpuops_models) names: %s"
            % (default, ", ".join(str(n) for n in names))
        )
    return found


def _interceptor_problems(inputs):
    if not as_bool(inputs["routes_via_keda_interceptor"]):
        return []
    port = inputs["routes_keda_interceptor_port"]
    found = []
    if as_whole(port) in KEDA_INTERCEPTOR_ADMIN_PORTS:
        found.append(
            "routes_keda_interceptor_port (%s) must be the interceptor's proxy port, not its admin/metrics port (%s)"
            % (port, ", ".join(str(p) for p in KEDA_INTERCEPTOR_ADMIN_PORTS))
        )
    return found + dns_label_problems(
        [
            ("routes_keda_interceptor_service", inputs["routes_keda_interceptor_service"]),
            ("routes_keda_interceptor_namespace (gpuops_keda_namespace)", inputs["routes_keda_interceptor_namespace"]),
        ]
    )


def _key_problems(keys):
    """The rules on routes_api_keys; only names are quoted, never a value."""
    if not keys:
        return ["routes_auth_enabled is true, so routes_api_keys must list at least one key"]
    found = []
    names = [key.get("name") for key in keys]
    found += dns_label_problems(("routes_api_keys name", name) for name in names)
    repeated = sorted(set(str(n) for n in names if names.count(n) > 1))
    if repeated:
        found.append("routes_api_keys names must be unique, %s is repeated" % (", ".join(repeated),))
    for key in keys:
        if ("key" in key) == ("from_secret" in key):
            found.append("routes_api_keys entry '%s' must have exactly one of key or from_secret" % (key.get("name"),))
        elif "key" in key and len(str(key["key"])) < KEY_MIN_LENGTH:
            found.append(
                "routes_api_keys entry '%s' has a key shorter than %d characters" % (key.get("name"), KEY_MIN_LENGTH)
            )
    return found


def problems(inputs):
    """One line per rule the routes role's inputs break; empty when they break none."""
    found = _name_problems(inputs)
    enabled = as_bool(inputs["routes_enabled"])
    if enabled:
        found += _gateway_problems(inputs)
    found += _timeout_problems(inputs) + _path_problems(list(inputs["routes_exposed_paths"]))
    if enabled:
        found += _model_problems(inputs)
    found += _interceptor_problems(inputs)
    if enabled and as_bool(inputs["routes_auth_enabled"]):
        found += _key_problems(inputs["routes_api_keys"])
        # The gateway strips the client's Authorization header and never holds vLLM's own key.
        if as_bool(inputs["gpuops_vllm_api_key_enabled"]):
            found.append(
                "routes_auth_enabled is true, so the gateway authenticates clients and vLLM must not require its own "
                "key: set gpuops_vllm_api_key_enabled to false (or routes_auth_enabled to false to rely on vLLM's key "
                "alone)"
            )
    return found
