# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Messages of the vllm role that name the one thing to change, one line per problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_args import MANAGED_FLAGS, duplicated_flags

DEFAULT_HUB = "https://huggingface.co"
_MISSING_LIB = re.compile(r"Failed to import the required Python library \(([^)]+)\)")
NOTHING_WRITTEN = "Nothing was written to the cluster."


def _model_of(result):
    """The vllm_models entry a loop result was for (the loop variable, whatever its name)."""
    loop_var = result.get("ansible_loop_var", "item")
    model = result.get(loop_var)
    return model if isinstance(model, dict) else {}


def preflight_line(result, endpoint, interpreter):
    """One line for one failed pre-flight check of a model (a failed model_cache check-mode result)."""
    message = str(result.get("msg", "")).strip()
    missing = _MISSING_LIB.search(message)
    if missing:
        return (
            "The controller's Python (ansible_python_interpreter: %s) lacks the %s library the vllm role needs: "
            "install the collection's requirements.txt into it, or set ansible_python_interpreter to a Python that "
            "has them (for example the virtualenv's bin/python)." % (interpreter or "auto", missing.group(1))
        )
    model = _model_of(result)
    name = model.get("name", "?")
    what = "%s@%s" % (model.get("repo_id", "?"), model.get("revision", "main"))
    if "gated" in message:
        return (
            "vllm_models entry '%s': %s is gated: set vllm_hf_token to a token of an account that was granted access."
            % (name, what)
        )
    if message.startswith("Failed to resolve"):
        reason = message.split(": ", 1)[-1] if ": " in message else message
        return (
            "vllm_models entry '%s': the Hugging Face Hub at %s did not answer for %s (%s). Set vllm_hf_endpoint to a "
            "Hub or mirror the controller can reach, or pin the entry's revision to a commit already seeded in its "
            "cache (playbooks/seed_model.yml), or set vllm_seed_cache: false to let vLLM download the weights at "
            "start-up." % (name, endpoint or DEFAULT_HUB, what, reason)
        )
    return "vllm_models entry '%s': %s" % (name, message)


def preflight_message(results, endpoint="", interpreter=""):
    """The message for failed pre-flight results: one line per distinct problem, then that nothing was written."""
    lines = []
    for result in results:
        if not result.get("failed"):
            continue
        line = preflight_line(result, endpoint, interpreter)
        if line not in lines:
            lines.append(line)
    return "\n".join([*lines, NOTHING_WRITTEN])


# --- vllm_models entries ------------------------------------------------------------------------------------------

_ENTRY_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$")
_CACHE_SIZE = re.compile(r"^[1-9][0-9]*(Gi|Ti)$")


def _number(value, kind=float):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def entry_problems(entry, managed_flags=MANAGED_FLAGS):
    """One line per rule a resolved vllm_models entry breaks; empty when it breaks none.

    Values are quoted back except extra_args, of which only the offending flag names are shown (they may hold
    secrets).
    """
    name = entry.get("name")
    prefix = "vllm_models entry '%s': " % name
    problems = []

    def rule(ok, text):
        if not ok:
            problems.append(prefix + text)

    rule(
        isinstance(name, str) and _ENTRY_NAME.match(name),
        "name must be a DNS label of at most 52 characters (lowercase letters, digits and '-'), got %r" % (name,),
    )
    tp = _number(entry.get("tensor_parallel_size"), int)
    rule(
        tp is not None and tp >= 1,
        "tensor_parallel_size must be at least 1, got %r" % (entry.get("tensor_parallel_size"),),
    )
    util = _number(entry.get("gpu_memory_utilization"))
    rule(
        util is not None and 0 < util <= 1,
        "gpu_memory_utilization must be in (0, 1], got %r" % (entry.get("gpu_memory_utilization"),),
    )
    seqs = _number(entry.get("max_num_seqs"), int)
    rule(
        seqs is not None and seqs >= 0,
        "max_num_seqs must be 0 (vLLM's default) or more, got %r" % (entry.get("max_num_seqs"),),
    )
    replicas = entry.get("replicas")
    rule(
        replicas is None or (_number(replicas, int) is not None and _number(replicas, int) >= 0),
        "replicas must be 0 or more, got %r" % (replicas,),
    )
    max_len = entry.get("max_model_len")
    rule(
        max_len is None or (_number(max_len, int) is not None and _number(max_len, int) > 0),
        "max_model_len must be a positive number of tokens, got %r" % (max_len,),
    )
    cache_size = entry.get("cache_size") or ""
    rule(
        cache_size == "" or bool(_CACHE_SIZE.match(str(cache_size))),
        "cache_size must be a size such as 30Gi or 1Ti, got %r" % (cache_size,),
    )
    fit_check = entry.get("fit_check", True)
    fit_check = fit_check if isinstance(fit_check, bool) else str(fit_check).lower() in ("true", "yes", "1", "on")
    rule(
        fit_check or (max_len is not None and cache_size != ""),
        "with fit_check false, max_model_len and cache_size are required (the planner does not derive them)",
    )
    flags = duplicated_flags(entry.get("extra_args"), managed_flags)
    rule(not flags, "extra_args must not repeat the flags the role sets (%s)" % ", ".join(flags))
    return problems


# --- planning ---------------------------------------------------------------------------------------------------


def plan_checked(plan_fn, resolve_gpu, resolve_model, entry_name, model, gpu, **args):
    """The plan of one entry, or the one problem that prevents planning it: {'plan': dict|None, 'problem': str|None}.

    The planner's functions are passed in (module_utils.vllm_plan), so its numbers stay its own.
    """
    prefix = "vllm_models entry '%s': " % entry_name
    try:
        resolve_gpu(gpu)
    except ValueError as exc:
        return {"plan": None, "problem": prefix + "gpu_flavor %s" % _after_unknown(str(exc), gpu)}
    try:
        resolve_model(model)
    except ValueError as exc:
        return {
            "plan": None,
            "problem": prefix + "cannot be planned: %s. Set its planner_model to a catalog name, or to a dict with "
            "params_b, num_layers, num_kv_heads, head_dim, hidden_size, vocab_size (and dtype, quantization, "
            "max_position_embeddings), or set "
            "fit_check false with max_model_len and cache_size." % exc,
        }
    try:
        return {"plan": plan_fn(model, gpu, **args), "problem": None}
    except ValueError as exc:
        return {"plan": None, "problem": prefix + "cannot be planned: %s." % exc}


def _after_unknown(message, gpu):
    """'unknown GPU flavor 'x'; known: a, b; or pass a dict' -> "'x' is not a flavor the planner knows; known: a, b"."""
    known = re.search(r"known: ([^;]+)", message)
    if known:
        return "%r is not a GPU flavor the planner knows; known: %s." % (gpu, known.group(1).strip())
    return "%r cannot be used: %s." % (gpu, message)


def _describe(option):
    settings, result = option["settings"], option["plan"]
    return (
        "%s (gpu_flavor %s, tensor_parallel_size %s, gpu_memory_utilization %s, kv_cache_dtype %s, max_model_len %s: "
        "%s KV tokens)"
        % (
            option["change"],
            settings["gpu"],
            settings["tensor_parallel_size"],
            settings["gpu_memory_utilization"],
            settings["kv_cache_dtype"],
            result["max_model_len"],
            result["kv_cache_tokens"],
        )
    )


def fitting_options(plan_fn, nearest_fn, model, gpu, gpu_count, **args):
    """Configurations that fit, those on the entry's own flavor first.

    A tensor_parallel_size above the flavor's GPU count is first brought down to that count, so the first suggestion
    is what fits on the flavor the user chose, before any bigger flavor.
    """
    options = []
    tp = int(args.get("tensor_parallel_size") or 1)
    if tp > gpu_count:
        same = dict(args, tensor_parallel_size=gpu_count)
        result = plan_fn(model, gpu, **same)
        label = "tensor_parallel_size %d (the GPUs gpu_flavor %s has)" % (gpu_count, gpu)
        if result["fits"]:
            same["max_model_len"] = result["max_model_len"]
            options.append({"change": label, "settings": dict(same, gpu=gpu), "plan": result})
        options += [
            dict(o, change="%s and %s" % (label, o["change"]))
            for o in nearest_fn(model, gpu, **same)
            if o["settings"]["gpu"] == gpu
        ]
    options += nearest_fn(model, gpu, **args)
    return options


def fit_message(entry, options):
    """The refusal of an entry that does not fit its GPU, with its numbers and the fitting options, nearest first."""
    p = entry["plan"]
    requested = entry.get("max_model_len")
    text = (
        "vllm_models entry '%s' (%s) does not fit gpu_flavor %s: %s. Numbers per GPU: budget %s GiB "
        "(gpu_memory_utilization %s), weights %s GiB, activations %s GiB, overhead %s GiB, KV cache %s GiB = %s tokens "
        "at %s bytes/token; max_model_len requested %s, largest that fits %s."
        % (
            entry["name"],
            entry.get("repo_id", "?"),
            entry["gpu_flavor"],
            p["reason"],
            p["budget_gib"],
            p["gpu_memory_utilization"],
            p["weights_per_gpu_gib"],
            p["activation_gib"],
            p["overhead_gib"],
            p["kv_cache_gib"],
            p["kv_cache_tokens"],
            p["kv_bytes_per_token"],
            requested if requested is not None else "unset",
            p["max_model_len_fitting"],
        )
    )
    if not options:
        return text + " No configuration in the planner's catalog fits: choose a smaller or quantized model."
    text += " Nearest configuration that fits: %s." % _describe(options[0])
    if len(options) > 1:
        text += " Also fits: %s." % "; ".join(o["change"] for o in options[1:])
    return text
