# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: one sidecar per filter next to this file (vllm_preflight_message.yml, vllm_entry_problems.yml,
# vllm_plan_checked.yml, vllm_fit_message.yml,
# vllm_args.yml, vllm_resolve.yml).

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils import vllm_plan as planner
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_args import (
    MANAGED_FLAGS,
    VllmArgsError,
    command_args,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_messages import (
    entry_problems,
    fit_message,
    fitting_options,
    plan_checked,
    preflight_message,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_resolve import resolve


def vllm_preflight_message(results, endpoint="", interpreter=""):
    """Filter wrapper around module_utils.vllm_messages.preflight_message."""
    return preflight_message(list(results or []), endpoint, interpreter)


def vllm_entry_problems(entry, managed_flags=None):
    """Filter wrapper around module_utils.vllm_messages.entry_problems (the role's managed flags by default)."""
    return entry_problems(dict(entry or {}), list(managed_flags) if managed_flags is not None else MANAGED_FLAGS)


def vllm_resolve(models, defaults, settings):
    """Filter wrapper around module_utils.vllm_resolve.resolve: {'models': [...], 'problems': [...]}."""
    return resolve(models, dict(defaults or {}), dict(settings or {}))


def vllm_args(model, port, cache_mount_path, commit=""):
    """Filter wrapper around module_utils.vllm_args.command_args."""
    try:
        return command_args(dict(model or {}), port, cache_mount_path, commit or "")
    except (VllmArgsError, KeyError) as exc:
        raise AnsibleFilterError("vllm_args: %s" % exc) from exc


def vllm_plan_checked(model, gpu, name="?", **kwargs):
    """The planner's plan, or the one problem that prevents it, without raising (no "filter plugin failed")."""
    return plan_checked(planner.plan, planner.resolve_gpu, planner.resolve_model, name, model, gpu, **kwargs)


def vllm_fit_message(entry):
    """The refusal of a resolved entry whose plan does not fit, the configurations on its own flavor first."""
    gpu = entry["gpu_flavor"]
    count = int(planner.resolve_gpu(gpu).get("count", 1))
    options = fitting_options(planner.plan, planner.nearest, entry["plan_model"], gpu, count, **entry["plan_args"])
    return fit_message(entry, options)


class FilterModule(object):
    """Messages of the vllm role."""

    def filters(self):
        return {
            "vllm_preflight_message": vllm_preflight_message,
            "vllm_entry_problems": vllm_entry_problems,
            "vllm_plan_checked": vllm_plan_checked,
            "vllm_fit_message": vllm_fit_message,
            "vllm_args": vllm_args,
            "vllm_resolve": vllm_resolve,
        }
