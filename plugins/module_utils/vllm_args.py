# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vLLM command line of a model: the flags the vllm role manages, then the user's extra_args.

One function owns the list, so the Deployment template, the pre-flight check and the tests agree on which flags a
user may not pass again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# The flags the role sets itself or through the container (--host, --api-key via VLLM_API_KEY, --download-dir via
# HF_HOME); an extra_args entry naming one of them would override the role silently (and --api-key would put the
# key in the pod spec).
MANAGED_FLAGS = (
    "--host",
    "--port",
    "--model",
    "--revision",
    "--served-model-name",
    "--max-model-len",
    "--gpu-memory-utilization",
    "--dtype",
    "--quantization",
    "--kv-cache-dtype",
    "--enable-prefix-caching",
    "--no-enable-prefix-caching",
    "--max-num-seqs",
    "--tensor-parallel-size",
    "--api-key",
    "--download-dir",
)

# vLLM's FlexibleArgumentParser turns '_' into '-' in a flag's name up to the first '.' (vllm/utils/argparse_utils.py),
# so --max_model_len is --max-model-len.
_NAME_PART = re.compile(r"(?<=--)[^.]*")


class VllmArgsError(ValueError):
    """extra_args that would override a flag the role manages."""


def flag_name(arg):
    """The name vLLM reads from one argument: '--max_model_len=4096' -> '--max-model-len'; None for a value."""
    text = str(arg)
    if not text.startswith("--"):
        return None
    return _NAME_PART.sub(lambda match: match.group(0).replace("_", "-"), text.split("=", 1)[0], count=1)


def duplicated_flags(extra_args, managed_flags=MANAGED_FLAGS):
    """The managed flags that `extra_args` names again, sorted, each once."""
    return sorted({flag_name(arg) for arg in extra_args or []} & set(managed_flags))


def _is_true(value):
    return value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1", "on")


def command_args(model, port, cache_mount_path, commit=""):
    """The vLLM serve arguments for a resolved vllm_models entry `model` that carries its `plan`.

    The model comes first: the seeded snapshot directory pinned to `commit`, or the repo id and its revision. The
    role's flags follow, then `extra_args` unchanged. Raises VllmArgsError when extra_args repeats a managed flag.
    """
    duplicates = duplicated_flags(model.get("extra_args"))
    if duplicates:
        raise VllmArgsError(
            "vllm_models entry '%s': extra_args must not repeat the flags the role sets (%s)"
            % (model.get("name"), ", ".join(duplicates))
        )
    repo_id = model["repo_id"]
    if commit:
        args = ["%s/hub/models--%s/snapshots/%s" % (cache_mount_path, repo_id.replace("/", "--"), commit)]
    else:
        args = [repo_id, "--revision", model["revision"]]
    max_model_len = model.get("max_model_len")
    if max_model_len is None:
        max_model_len = (model.get("plan") or {})["max_model_len"]
    args += ["--served-model-name", model["served_model_name"], "--port", str(port)]
    args += ["--max-model-len", str(max_model_len)]
    args += ["--gpu-memory-utilization", str(model["gpu_memory_utilization"]), "--dtype", model["dtype"]]
    if model.get("quantization"):
        args += ["--quantization", model["quantization"]]
    args += ["--kv-cache-dtype", model["kv_cache_dtype"]]
    args.append("--enable-prefix-caching" if _is_true(model["enable_prefix_caching"]) else "--no-enable-prefix-caching")
    if int(model.get("max_num_seqs") or 0) > 0:
        args += ["--max-num-seqs", str(int(model["max_num_seqs"]))]
    args += ["--tensor-parallel-size", str(model["tensor_parallel_size"])]
    return args + [str(arg) for arg in model.get("extra_args") or []]
