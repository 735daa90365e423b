# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Messages of the vllm role that name the one thing to change, one line per problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

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
