# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From vllm_models as the user wrote it to the entries the vllm role deploys, each with its plan.

resolve() is the vllm role's whole pre-flight: it merges each entry over the role's per-model defaults, checks
every rule (vllm_messages.entry_problems), plans each model on its GPU with the planner (vllm_plan, whose
arithmetic is its own) and, when a model does not fit, says what would. It returns every problem at once, one
line each, naming the entry and the rule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gpuops.llm_inference.plugins.module_utils import vllm_plan as planner
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_messages import (
    entry_problems,
    fit_message,
    fitting_options,
    plan_checked,
)


def _is_true(value):
    return value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1", "on")


def merged_entry(entry, defaults):
    """The entry over the role's defaults; a key set to null keeps the default. The served name is the repo id."""
    merged = dict(defaults or {})
    repo_id = (entry or {}).get("repo_id")
    merged.update({"served_model_name": repo_id, "planner_model": repo_id})
    merged.update({key: value for key, value in (entry or {}).items() if value is not None})
    return merged


def planner_model(entry):
    """What the planner plans: planner_model, with an explicit dtype or quantization overriding the catalog's."""
    model = entry.get("planner_model")
    overrides = {}
    if entry.get("dtype") not in (None, "", "auto"):
        overrides["dtype"] = entry["dtype"]
    if entry.get("quantization"):
        overrides["quantization"] = entry["quantization"]
    if not overrides:
        return model
    base = dict(model) if isinstance(model, dict) else {"name": model}
    base.update(overrides)
    return base


def plan_args(entry):
    """The planner's keyword arguments from an entry (max_num_seqs only when the entry tunes it)."""
    args = {
        "gpu_memory_utilization": float(entry["gpu_memory_utilization"]),
        "tensor_parallel_size": int(entry["tensor_parallel_size"]),
        "max_model_len": entry.get("max_model_len"),
        "kv_cache_dtype": entry["kv_cache_dtype"],
    }
    if int(entry.get("max_num_seqs") or 0) > 0:
        args["max_num_seqs"] = int(entry["max_num_seqs"])
    return args


def settings_problems(settings):
    """One line per broken role-wide rule; the API key's value is never quoted."""
    problems = []
    namespace = settings.get("namespace")
    if not is_dns_label(namespace):
        problems.append("vllm_namespace must be a DNS-1123 label, got %r" % (namespace,))
    strategy = (settings.get("rollout_strategy") or {}).get("type")
    if strategy not in ("Recreate", "RollingUpdate"):
        problems.append("vllm_rollout_strategy.type must be Recreate or RollingUpdate, got %r" % (strategy,))
    key_length = len(settings.get("api_key") or "")
    if 0 < key_length < 32:
        problems.append("vllm_api_key must be empty (generated) or at least 32 characters, got %d" % key_length)
    for name in ("progress_deadline_seconds", "startup_period_seconds"):
        value = settings.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append("vllm_%s must be a positive number of seconds, got %r" % (name, value))
    mount = settings.get("cache_mount_path")
    if not isinstance(mount, str) or not mount.startswith("/"):
        problems.append("vllm_cache_mount_path must be an absolute path, got %r" % (mount,))
    return problems


def _models_problems(models):
    if not isinstance(models, list) or not models:
        return ["vllm_models must list at least one model, got %r" % (models,)]
    names = [(m or {}).get("name") if isinstance(m, dict) else m for m in models]
    twice = sorted({str(n) for n in names if names.count(n) > 1})
    if twice:
        return ["vllm_models must name each model once, got %s more than once" % ", ".join(twice)]
    return []


def resolve(models, defaults, settings, plan=None):
    """{'models': the resolved entries with 'plan', 'plan_model', 'plan_args'; 'problems': one line per rule broken}.

    `plan` is the planner module (vllm_plan) by default; an entry with broken settings is not planned, so its
    problems are the rules it breaks rather than a planner error.
    """
    plan = plan or planner
    problems = settings_problems(settings or {}) + _models_problems(models)
    if problems and not isinstance(models, list):
        return {"models": [], "problems": problems}
    resolved = []
    for entry in models or []:
        merged = merged_entry(entry, defaults)
        own = entry_problems(merged)
        problems += own
        merged.update({"plan": None, "plan_problem": None, "plan_model": planner_model(merged), "plan_args": {}})
        if own:
            resolved.append(merged)
            continue
        merged["plan_args"] = plan_args(merged)
        if _is_true(merged.get("fit_check", True)):
            checked = plan_checked(
                plan.plan,
                plan.resolve_gpu,
                plan.resolve_model,
                merged["name"],
                merged["plan_model"],
                merged["gpu_flavor"],
                **merged["plan_args"],
            )
            merged.update({"plan": checked["plan"], "plan_problem": checked["problem"]})
            if checked["problem"]:
                problems.append(checked["problem"])
            elif not checked["plan"]["fits"]:
                problems.append(fit_message(merged, _options(plan, merged)))
        resolved.append(merged)
    return {"models": resolved, "problems": problems}


def _options(plan, entry):
    gpu = entry["gpu_flavor"]
    count = int(plan.resolve_gpu(gpu).get("count", 1))
    return fitting_options(plan.plan, plan.nearest, entry["plan_model"], gpu, count, **entry["plan_args"])
