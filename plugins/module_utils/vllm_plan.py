# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a model fit a GPU under vLLM, and with which max_model_len?

Pure Python (no Ansible import), usable outside Ansible::

    from vllm_plan import plan
    plan("meta-llama/Llama-3.1-8B-Instruct", "l4-90")

The formula, its sources and its expected error against vLLM are in docs/vllm_plan.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import math
from typing import Any, Dict, List, Optional, Union

try:
    from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan_catalog import GPUS, MODELS
except ImportError:  # used outside Ansible, next to vllm_plan_catalog.py
    from vllm_plan_catalog import GPUS, MODELS  # type: ignore[no-redef]

GIB = 1024**3
BLOCK_SIZE = 16  # vLLM's default KV block: the cache holds a whole number of 16-token blocks
DTYPE_BYTES = {
    "float32": 4.0,
    "fp32": 4.0,
    "bfloat16": 2.0,
    "bf16": 2.0,
    "float16": 2.0,
    "fp16": 2.0,
    "half": 2.0,
    "fp8": 1.0,
    "float8": 1.0,
}
KV_DTYPE_BYTES = {"fp8": 1.0, "fp8_e4m3": 1.0, "fp8_e5m2": 1.0, "fp8_inc": 1.0}
# Weight-only int4 with group size 128: 0.5 byte per weight plus, per group of 128, an fp16 scale (2 bytes)
# and a packed int4 zero point (0.5 byte) => 2.5 / 128 = 0.0195 byte per weight (3.9 % over pure int4).
INT4_BYTES = 0.5 + 2.5 / 128
QUANT_BYTES = {
    "awq": INT4_BYTES,
    "awq_marlin": INT4_BYTES,
    "gptq": INT4_BYTES,
    "gptq_marlin": INT4_BYTES,
    "compressed-tensors-w4a16": INT4_BYTES,
    "fp8": 1.0,
    "int8": 1.0,
    "w8a8": 1.0,
}
DEFAULTS = {
    # Tokens in vLLM's profiling forward pass (its default max_num_batched_tokens for the OpenAI server).
    "max_num_batched_tokens": 8192,
    # Sequences whose logits the profiling run samples (vLLM's default max_num_seqs).
    "max_num_seqs": 256,
    # CUDA context share, NCCL/cuBLAS workspaces and CUDA graphs that vLLM subtracts as non-torch memory.
    "overhead_gib": 0.75,
    # Below this the planner says "does not fit" even if vLLM would start: nothing useful fits.
    "min_model_len": 1024,
    # The derived max_model_len is rounded down to a multiple of this (a margin for the estimate's error).
    "round_model_len_to": 1024,
}


class PlanError(ValueError):
    """Bad input: unknown catalog name, missing architecture key, unknown dtype."""


def resolve_model(model: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Return the architecture dict for a catalog name or a (partial) override dict."""
    if isinstance(model, str):
        if model not in MODELS:
            raise PlanError("unknown model %r; known: %s; or pass a dict" % (model, ", ".join(sorted(MODELS))))
        return dict(MODELS[model], name=model)
    if not isinstance(model, dict):
        raise PlanError("model must be a catalog name or a dict, got %r" % (model,))
    base = {}
    if model.get("name") in MODELS:
        base = dict(MODELS[model["name"]])
    arch = dict(base, **model)
    missing = [k for k in ("params_b", "num_layers", "num_kv_heads", "head_dim") if arch.get(k) in (None, "")]
    if missing:
        raise PlanError("model is missing %s" % ", ".join(missing))
    arch.setdefault("dtype", "bfloat16")
    arch.setdefault("quantization", None)
    return arch


def resolve_gpu(gpu: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Return the GPU dict for an OVH flavor name or an override dict (``vram_gib``, optional ``count``)."""
    if isinstance(gpu, str):
        if gpu not in GPUS:
            raise PlanError("unknown GPU flavor %r; known: %s; or pass a dict" % (gpu, ", ".join(sorted(GPUS))))
        return dict(GPUS[gpu], name=gpu)
    if not isinstance(gpu, dict):
        raise PlanError("gpu must be a flavor name or a dict, got %r" % (gpu,))
    base = dict(GPUS[gpu["name"]]) if gpu.get("name") in GPUS else {}
    spec = dict(base, **gpu)
    if not spec.get("vram_gib"):
        raise PlanError("gpu is missing vram_gib")
    spec.setdefault("count", 1)
    return spec


def _dtype_bytes(dtype: Optional[str]) -> float:
    key = str(dtype or "bfloat16").lower().replace("torch.", "")
    if key == "auto":
        key = "bfloat16"
    if key not in DTYPE_BYTES:
        raise PlanError("unknown dtype %r; known: %s" % (dtype, ", ".join(sorted(DTYPE_BYTES))))
    return DTYPE_BYTES[key]


def _quant_key(arch: Dict[str, Any]) -> Optional[str]:
    quant = arch.get("quantization")
    if quant in (None, "", "none", "None"):
        return None
    key = str(quant).lower()
    if key not in QUANT_BYTES:
        raise PlanError("unknown quantization %r; known: %s" % (quant, ", ".join(sorted(QUANT_BYTES))))
    return key


def weight_bytes(arch: Dict[str, Any]) -> float:
    """Bytes of the weights: params x bytes per param; quantized models keep embeddings and lm_head in 16-bit."""
    params = float(arch["params_b"]) * 1e9
    quant = _quant_key(arch)
    if quant is None:
        return params * _dtype_bytes(arch.get("dtype"))
    embed = 0.0
    if arch.get("vocab_size") and arch.get("hidden_size"):
        embed = float(arch["vocab_size"]) * arch["hidden_size"] * (1 if arch.get("tie_word_embeddings") else 2)
    return embed * 2.0 + (params - embed) * QUANT_BYTES[quant]


def kv_dtype_bytes(arch: Dict[str, Any], kv_cache_dtype: Optional[str]) -> float:
    """Bytes per KV element: fp8 = 1; auto = the activation dtype (16-bit for quantized checkpoints)."""
    key = str(kv_cache_dtype or "auto").lower()
    if key in KV_DTYPE_BYTES:
        return KV_DTYPE_BYTES[key]
    if key not in ("auto",) and key not in DTYPE_BYTES:
        raise PlanError("unknown kv_cache_dtype %r" % (kv_cache_dtype,))
    if key != "auto":
        return DTYPE_BYTES[key]
    if _quant_key(arch) is not None:
        return 2.0
    return (
        max(_dtype_bytes(arch.get("dtype")), 2.0)
        if _dtype_bytes(arch.get("dtype")) < 2
        else _dtype_bytes(arch.get("dtype"))
    )


def _kv_heads_per_gpu(num_kv_heads: int, tp: int) -> int:
    # vLLM shards KV heads across ranks, or replicates them when there are fewer heads than ranks.
    return max(1, num_kv_heads // tp)


def activation_bytes(arch: Dict[str, Any], tp: int, max_num_batched_tokens: int, max_num_seqs: int) -> float:
    """Estimate of the profiled activation peak on one GPU (see docs/vllm_plan.md)."""
    hidden = arch.get("hidden_size") or arch.get("num_attention_heads", 0) * arch["head_dim"]
    if not hidden:
        hidden = math.sqrt(float(arch["params_b"]) * 1e9 / (12.0 * arch["num_layers"]))
    intermediate = arch.get("intermediate_size") or 3.5 * hidden
    act = 2.0  # activations are 16-bit, also for quantized weights
    mlp = max_num_batched_tokens * act * (3.0 * intermediate / tp + 4.0 * hidden)
    vocab = arch.get("vocab_size") or 32000
    logits = max_num_seqs * (vocab / tp) * 4.0 * 2  # fp32 logits plus the sampler's probabilities
    return mlp + logits


def _tp_refusal(arch: Dict[str, Any], gpu: Dict[str, Any], tp: int) -> Optional[str]:
    if tp < 1:
        return "tensor_parallel_size must be at least 1"
    if tp > int(gpu.get("count", 1)):
        return "tensor_parallel_size %d needs %d GPUs, the flavor has %d" % (tp, tp, gpu.get("count", 1))
    heads = arch.get("num_attention_heads")
    if heads and heads % tp:
        return "vLLM refuses: total number of attention heads (%d) must be divisible by tensor parallel size (%d)" % (
            heads,
            tp,
        )
    kv = int(arch["num_kv_heads"])
    if (kv >= tp and kv % tp) or (kv < tp and tp % kv):
        return "vLLM refuses: number of KV heads (%d) and tensor parallel size (%d) are not divisible" % (kv, tp)
    return None


def _refusals(arch, spec, tp, requested, chosen, derived, kv_tokens, min_model_len, mem):
    # type: (Dict[str, Any], Dict[str, Any], int, Optional[int], int, int, int, int, Dict[str, float]) -> List[str]
    """Why vLLM (or the planner's minimum) refuses this configuration; empty when it fits."""
    reasons = []
    tp_reason = _tp_refusal(arch, spec, tp)
    if tp_reason:
        reasons.append(tp_reason)
    max_pos = arch.get("max_position_embeddings")
    if mem["kv"] <= 0:
        reasons.append(
            "weights %.2f GiB/GPU + activations %.2f GiB + overhead %.2f GiB exceed %.2f GiB "
            "(%.2f GiB x gpu_memory_utilization %.2f): no memory left for the KV cache"
            % (
                mem["weights"] / GIB,
                mem["act"] / GIB,
                mem["overhead"] / GIB,
                mem["budget"] / GIB,
                spec["vram_gib"],
                mem["util"],
            )
        )
    elif requested and max_pos and chosen > max_pos:
        reasons.append("max_model_len %d is greater than the model's max_position_embeddings %d" % (chosen, max_pos))
    elif requested and chosen > kv_tokens:
        reasons.append(
            "The model's max seq len (%d) is larger than the maximum number of tokens that can be stored in "
            "KV cache (%d)" % (chosen, kv_tokens)
        )
    elif not requested and derived < min_model_len:
        reasons.append("the KV cache holds only %d tokens (< %d)" % (kv_tokens, min_model_len))
    return reasons


def plan(
    model: Union[str, Dict[str, Any]],
    gpu: Union[str, Dict[str, Any]],
    gpu_memory_utilization: float = 0.9,
    tensor_parallel_size: int = 1,
    max_model_len: Optional[int] = None,
    kv_cache_dtype: str = "auto",
    **tuning: Any,
) -> Dict[str, Any]:
    """Plan a vLLM deployment of ``model`` on ``gpu``; returns sizes in GiB, token counts and ``fits``."""
    unknown = set(tuning) - set(DEFAULTS)
    if unknown:
        raise PlanError("unknown option(s): %s" % ", ".join(sorted(unknown)))
    knobs = dict(DEFAULTS, **tuning)
    arch = resolve_model(model)
    spec = resolve_gpu(gpu)
    tp = int(tensor_parallel_size)
    util = float(gpu_memory_utilization)
    if not 0 < util <= 1:
        raise PlanError("gpu_memory_utilization must be in (0, 1], got %r" % (gpu_memory_utilization,))

    weights = weight_bytes(arch)
    kv_bytes_token = (
        2.0 * arch["num_layers"] * arch["num_kv_heads"] * arch["head_dim"] * kv_dtype_bytes(arch, kv_cache_dtype)
    )
    kv_bytes_token_gpu = 2.0 * arch["num_layers"] * _kv_heads_per_gpu(int(arch["num_kv_heads"]), max(tp, 1))
    kv_bytes_token_gpu *= arch["head_dim"] * kv_dtype_bytes(arch, kv_cache_dtype)
    budget = float(spec["vram_gib"]) * GIB * util
    act = activation_bytes(arch, max(tp, 1), knobs["max_num_batched_tokens"], knobs["max_num_seqs"])
    overhead = float(knobs["overhead_gib"]) * GIB
    kv_budget = budget - weights / max(tp, 1) - act - overhead
    blocks = int(kv_budget // (BLOCK_SIZE * kv_bytes_token_gpu)) if kv_budget > 0 else 0
    kv_tokens = blocks * BLOCK_SIZE
    max_pos = arch.get("max_position_embeddings")
    derived = min(kv_tokens, max_pos) if max_pos else kv_tokens
    step = int(knobs["round_model_len_to"])
    if step > 1 and derived >= step and derived != max_pos:
        derived = derived // step * step
    chosen = int(max_model_len) if max_model_len else derived

    reasons = _refusals(
        arch,
        spec,
        tp,
        max_model_len,
        chosen,
        derived,
        kv_tokens,
        knobs["min_model_len"],
        {
            "weights": weights / max(tp, 1),
            "act": act,
            "overhead": overhead,
            "budget": budget,
            "kv": kv_budget,
            "util": util,
        },
    )
    fits = not reasons
    return {
        "model": arch.get("name"),
        "gpu": spec.get("name"),
        "fits": fits,
        "reason": "; ".join(reasons) if reasons else "fits: %d KV tokens for max_model_len %d" % (kv_tokens, chosen),
        "weights_gib": round(weights / GIB, 2),
        "weights_per_gpu_gib": round(weights / max(tp, 1) / GIB, 2),
        "activation_gib": round(act / GIB, 2),
        "overhead_gib": round(overhead / GIB, 2),
        "budget_gib": round(budget / GIB, 2),
        "kv_bytes_per_token": int(kv_bytes_token),
        "kv_cache_gib": round(max(kv_budget, 0) / GIB, 2),
        "kv_cache_tokens": kv_tokens,
        "max_model_len": chosen if fits or max_model_len else derived,
        "max_model_len_fitting": derived,
        "max_concurrency": round(kv_tokens / chosen, 2) if chosen else 0.0,
        "gpu_memory_utilization": util,
        "tensor_parallel_size": tp,
        "kv_cache_dtype": kv_cache_dtype,
        "gpu_count": int(spec.get("count", 1)),
        "price_per_hour": spec.get("price_per_hour"),
    }


def nearest(
    model: Union[str, Dict[str, Any]],
    gpu: Union[str, Dict[str, Any]],
    gpu_memory_utilization: float = 0.9,
    tensor_parallel_size: int = 1,
    max_model_len: Optional[int] = None,
    kv_cache_dtype: str = "auto",
    **tuning: Any,
) -> List[Dict[str, Any]]:
    """Configurations close to the requested one that fit, nearest first, each with its plan."""
    base = {
        "gpu_memory_utilization": gpu_memory_utilization,
        "tensor_parallel_size": tensor_parallel_size,
        "max_model_len": max_model_len,
        "kv_cache_dtype": kv_cache_dtype,
    }
    spec = resolve_gpu(gpu)
    candidates = [
        ("smaller max_model_len", {"gpu": gpu, "max_model_len": None}),
        ("fp8 KV cache", {"gpu": gpu, "kv_cache_dtype": "fp8"}) if spec.get("fp8_kv", True) else None,
        ("higher gpu_memory_utilization", {"gpu": gpu, "gpu_memory_utilization": 0.95}),
    ]
    for tp in (2, 4):
        if tp <= int(spec.get("count", 1)):
            candidates.append(("tensor_parallel_size %d" % tp, {"gpu": gpu, "tensor_parallel_size": tp}))
    flavors = sorted(GPUS.items(), key=lambda item: (item[1]["price_per_hour"], item[0]))
    for name, flavor in flavors:
        if name == spec.get("name") or flavor["vram_gib"] * flavor["count"] <= spec["vram_gib"] * spec["count"]:
            continue
        tp = flavor["count"]
        candidates.append(("bigger flavor %s" % name, {"gpu": name, "tensor_parallel_size": tp}))
    out = []
    for candidate in candidates:
        if candidate is None:
            continue
        label, change = candidate
        args = copy.deepcopy(base)
        args.update({k: v for k, v in change.items() if k != "gpu"})
        result = plan(model, change["gpu"], **dict(args, **tuning))
        if result["fits"]:
            # Settings a user can paste: the derived context length, not "None".
            args["max_model_len"] = result["max_model_len"]
            out.append({"change": label, "settings": dict(args, gpu=change["gpu"]), "plan": result})
            if label.startswith("bigger flavor"):
                break  # the cheapest bigger flavor is enough; the list is sorted by price
    return out
