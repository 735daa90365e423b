# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The keda role's input rules that argument_specs cannot express: one line per rule broken.

`inputs` maps each variable name to its value, as roles/keda/tasks/validate.yml passes them. A message names the
variable the user set: a model's own override (keda_models[<name>].keda.<key>) when the model has one, else the
role default; a contract variable is named with the gpuops_* variable it defaults to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gpuops.llm_inference.plugins.module_utils.inputs_common import (
    as_bool,
    as_number,
    as_whole,
    dns_label_problems,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.keda_cron import cron_problems
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label, is_timezone

# The longest model name keda accepts (the ScaledObject vllm-<name> and the HPA KEDA derives from it).
MODEL_NAME_MAX = 53
# The per-model overrides a keda_models entry may carry in its `keda` dict.
OVERRIDES = ("threshold", "activation_threshold", "min_replicas", "max_replicas")


def _scaling_problems(settings, names):
    """The rules on one set of scaling settings (the role defaults, or a model's settings over them)."""
    found = []
    threshold, activation = as_number(settings["threshold"]), as_number(settings["activation_threshold"])
    low, high = as_whole(settings["min_replicas"]), as_whole(settings["max_replicas"])
    if threshold is None or threshold <= 0:
        found.append("%s must be a number > 0, got %s" % (names["threshold"], settings["threshold"]))
    if activation is None or activation < 0:
        found.append(
            "%s must be a number >= 0, got %s" % (names["activation_threshold"], settings["activation_threshold"])
        )
    if low is None or low < 0:
        found.append("%s must be an integer >= 0, got %s" % (names["min_replicas"], settings["min_replicas"]))
    if high is None or high < 1:
        found.append("%s must be an integer >= 1, got %s" % (names["max_replicas"], settings["max_replicas"]))
    if low is not None and high is not None and low > high:
        found.append("%s (%s) must not exceed %s (%s)" % (names["min_replicas"], low, names["max_replicas"], high))
    return found


def _model_problems(inputs):
    defaults = dict((key, inputs["keda_" + key]) for key in OVERRIDES)
    default_names = dict((key, "keda_" + key) for key in OVERRIDES)
    found = _scaling_problems(defaults, default_names)
    for model in inputs["keda_models"]:
        name = model.get("name")
        if not is_dns_label(name, MODEL_NAME_MAX):
            found.append(
                "keda_models (gpuops_models) entries need a `name` that is a DNS label of at most %d characters, got %s"
                % (MODEL_NAME_MAX, "no name" if name is None else name)
            )
        overrides = model.get("keda") or {}
        if not isinstance(overrides, dict):
            found.append(
                "keda_models[%s].keda must be a dict of %s, got %s" % (name or "?", ", ".join(OVERRIDES), overrides)
            )
            continue
        if not any(key in overrides for key in OVERRIDES):
            continue  # the defaults, checked above
        prefix = "keda_models[%s].keda." % (name or "?",)
        names = dict((key, prefix + key if key in overrides else default_names[key]) for key in OVERRIDES)
        settings = dict(defaults, **dict((key, overrides[key]) for key in OVERRIDES if key in overrides))
        # A line about the defaults alone is already in `found`; keep those that name one of the model's own keys.
        found += [line for line in _scaling_problems(settings, names) if prefix in line]
    return found


def _timing_problems(inputs):
    rules = (
        ("keda_cooldown_period", 0, None),
        ("keda_polling_interval", 1, None),
        ("keda_scale_down_stabilization_seconds", 0, 3600),
    )
    found = []
    for name, low, high in rules:
        seconds = as_whole(inputs[name])
        if seconds is None or seconds < low or (high is not None and seconds > high):
            rule = ">= %d" % low if high is None else "between %d and %d" % (low, high)
            found.append("%s must be a whole number of seconds %s, got %s" % (name, rule, inputs[name]))
    return found


def _cron_problems(inputs):
    if not as_bool(inputs["keda_cron_enabled"]):
        return []
    found = cron_problems(
        inputs["keda_cron_start"], inputs["keda_cron_end"], inputs["keda_cron_days"], inputs["keda_cron_replicas"]
    )
    if not is_timezone(inputs["keda_cron_timezone"]):
        found.append(
            "keda_cron_timezone '%s' is not an IANA time zone name (e.g. Europe/Vienna, UTC)"
            % (inputs["keda_cron_timezone"],)
        )
    return found


def _http_addon_problems(inputs):
    if not as_bool(inputs["keda_http_addon_enabled"]):
        return []
    hostname = inputs["keda_routes_hostname"]
    if as_bool(inputs["keda_routes_enabled"]) and hostname:
        return []
    return [
        "keda_http_addon_enabled is true but routes are off: keda_routes_enabled (gpuops_routes_enabled) is %s and "
        "keda_routes_hostname (gpuops_hostname) is '%s'. The interceptor only holds requests that the routes role "
        "sends through it: set gpuops_routes_enabled and gpuops_hostname, or set keda_http_addon_enabled "
        "(gpuops_scale_from_zero) to false." % (inputs["keda_routes_enabled"], hostname or "")
    ]


def problems(inputs):
    """One line per rule the keda role's inputs break; empty when they break none."""
    found = dns_label_problems(
        [
            ("keda_namespace (gpuops_keda_namespace)", inputs["keda_namespace"]),
            ("keda_target_namespace (gpuops_vllm_namespace)", inputs["keda_target_namespace"]),
            ("keda_http_interceptor_namespace", inputs["keda_http_interceptor_namespace"]),
        ]
    )
    return (
        found
        + _model_problems(inputs)
        + _timing_problems(inputs)
        + _cron_problems(inputs)
        + _http_addon_problems(inputs)
    )
