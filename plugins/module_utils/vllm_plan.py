# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a model fit a GPU under vLLM, and with which max_model_len?

Pure Python (no Ansible import), usable outside Ansible next to vllm_plan_catalog.py (models, GPU flavors) and
vllm_plan_formats.py (bytes per weight and KV element of each dtype and quantization format)::

    from vllm_plan import plan
    plan("meta-llama/Llama-3.1-8B-Instruct", "l4-90")

The model follows vLLM's own accounting (vllm/v1/worker/gpu_worker.py ``determine_available_memory``)::

    KV memory per GPU = total x gpu_memory_utilization - weights - activation peak - non-torch - CUDA graphs

It is calibrated on the real start-ups in tests/data/vllm_startups.yaml; docs/vllm_plan.md has every factor's
source and the error distribution.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
from typing import Any, Dict, List, Optional, Tuple, Union

try:
    from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan_catalog import GPUS, MODELS
    from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan_formats import (
        PlanError,
        kv_dtype_bytes,
        kv_heads_per_gpu,
        weight_bytes,
    )
except ImportError:  # used outside Ansible, next to vllm_plan_catalog.py and vllm_plan_formats.py
    from vllm_plan_catalog import GPUS, MODELS  # type: ignore[no-redef]
    from vllm_plan_formats import PlanError, kv_dtype_bytes, kv_heads_per_gpu, weight_bytes  # type: ignore[no-redef]

GIB = 1024**3
BLOCK_SIZE = 16  # vLLM's default KV block: the cache holds a whole number of 16-token blocks
DEFAULTS = {
    # Tokens of vLLM's profiling forward pass; None = vLLM's default for the GPU (see batch_defaults).
    "max_num_batched_tokens": None,
    # Sequences whose logits the profiling pass samples; None = vLLM's default for the GPU.
    "max_num_seqs": None,
    # Memory allocated outside torch during profiling (NCCL, custom all-reduce, cuBLAS); None = measured default.
    "non_torch_gib": None,
    # False when vLLM runs TP > 1 without its custom all-reduce (no GPU P2P, ranks on several nodes, or
    # --disable-custom-all-reduce): its buffers are then not allocated.
    "custom_all_reduce": True,
    # CUDA graph memory vLLM >= 0.21 subtracts before sizing the KV cache; None = default estimate.
    "cudagraph_gib": None,
    # Replaces non_torch_gib + cudagraph_gib when set (kept for configurations written for the first planner).
    "overhead_gib": None,
    # The vLLM release whose accounting to follow; the vllm role pins vllm/vllm-openai:v0.30.0.
    "vllm_version": "0.30.0",
    # Below this the planner says "does not fit" even if vLLM would start: nothing useful fits.
    "min_model_len": 1024,
    # The derived max_model_len is rounded down to a multiple of this (a margin for the estimate's error).
    "round_model_len_to": 1024,
}
# Sampler peak of the profiling pass: bytes per (sequence x vocabulary entry). vLLM samples max_num_seqs rows
# of fp32 logits (4 B) and the sampler's softmax, log-softmax and top-k/top-p sort temporaries. Fitted on the
# vLLM 0.19 H100 start-ups only, where it is the peak: Llama 3.1 8B 1.89 GiB / (1024 x 128256) = 15.5 B, Qwen2.5 7B
# 15.2 B, Gemma 2 14.8-15.0 B, Phi-4 15.9 B, Llama 3.3 70B 16.0-16.1 B; the largest rounded to the nearest byte
# (16 B leaves Llama 3.3 70B 0.01 GiB short at 1024 sequences).
SAMPLER_BYTES = 16.0
# fused_moe processes at most VLLM_FUSED_MOE_CHUNK_SIZE tokens at once (vllm/envs.py, default 32768).
FUSED_MOE_CHUNK = 32768
# Non-torch memory per GPU: 0.24-0.27 GiB at TP 1 and 2.06-2.21 GiB at TP > 1 (NCCL and custom all-reduce
# buffers) in the vLLM 0.19 H100 logs; older or PCIe-only setups logged 0.01-0.35 GiB (safe side).
NON_TORCH_GIB = {1: 0.27, 2: 2.2}
# TP > 1 without vLLM's custom all-reduce ("Custom allreduce is disabled because your platform lacks GPU P2P
# capability" or "... because this process group spans across nodes"): only NCCL's buffers. V0 logged 0.25 GiB on
# 2 x RTX 4090 (vllm-project/vllm#13061) and 0.36 GiB on 8 x L40; vLLM 0.10 start-ups of Qwen2-7B at TP 2 on A100
# (dennislee22/vLLM-benchmarking) leave 0.04 GiB on one node and 0.96 GiB across two nodes once weights, KV cache and
# the sampler are subtracted. 1.0 covers them all.
NON_TORCH_NO_CUSTOM_AR_GIB = 1.0
# CUDA graph memory estimate subtracted since v0.21.0 ("CUDA graph memory profiling is enabled (default since
# v0.21.0)", vllm/v1/worker/gpu_worker.py determine_available_memory: available = requested - non_kv_cache_memory -
# cudagraph_memory_estimate_applied; the estimator is GPUModelRunner.profile_cudagraph_memory, vllm-project/vllm#30515,
# opt-in before 0.21 through VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS). Calibrated on the estimates that estimator
# logged: releases 0.21-0.27, which subtract it, logged 0.17-0.65 GiB (tests/data/vllm_startups.yaml,
# docs/vllm_plan.md); vLLM 0.19 on H100 (51 captured sizes up to 512, jgchn/llm-d-planner results_raw.csv) logged
# 0.52-1.24 GiB at TP 1 for the table's models but Granite 3.1 2B (1.6, whose graphs then took 0.84), and 0.57-1.92 GiB
# at TP > 1. TP 1 keeps 1.25 (every estimate but Granite's); TP > 1 is the envelope rounded up to 0.05 GiB.
CUDAGRAPH_GIB = {1: 1.25, 2: 1.95}
CUDAGRAPH_SINCE = (0, 21)
# vLLM V1 (default engine since 0.8.0) refuses to start when free memory is below total x utilization
# ("Free memory on device ... is less than desired GPU memory utilization"). The CUDA context and, at TP > 1,
# NCCL take this much before that check (vLLM 0.19 H100 logs: 79.19 - 78.68 and 79.19 - 77.66 GiB).
CONTEXT_GIB = {1: 0.51, 2: 1.53}
V1_SINCE = (0, 8)
OPTIONAL_ARCH = ("intermediate_size", "num_experts", "num_experts_per_tok", "moe_intermediate_size")
REQUIRED_ARCH = ("params_b", "num_layers", "num_kv_heads", "head_dim", "hidden_size", "vocab_size")


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
    missing = [k for k in REQUIRED_ARCH if arch.get(k) in (None, "")]
    if arch.get("num_experts") and not (arch.get("num_experts_per_tok") and arch.get("moe_intermediate_size")):
        missing += [k for k in ("num_experts_per_tok", "moe_intermediate_size") if not arch.get(k)]
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


def parse_version(version: Any) -> Tuple[int, int]:
    """(major, minor) of a vLLM release such as "0.19.0" or an image tag "v0.30.0"; unknown = newest rules."""
    match = re.match(r"^v?(\d+)\.(\d+)", str(version or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else (99, 0)


def batch_defaults(spec: Dict[str, Any]) -> Tuple[int, int]:
    """vLLM's OpenAI-server defaults (max_num_batched_tokens, max_num_seqs) for a GPU.

    vllm/engine/arg_utils.py EngineArgs.get_batch_defaults: GPUs with >= 70 GiB that are not an A100 get 8192
    and 1024 (vllm-project/vllm#17885 keeps A100 on the small defaults); every other GPU gets 2048 and 256.
    """
    name = str(spec.get("gpu") or spec.get("name") or "").lower()
    if float(spec["vram_gib"]) >= 70 and "a100" not in name:
        return 8192, 1024
    return 2048, 256


def activation_bytes(arch: Dict[str, Any], tp: int, max_num_batched_tokens: int, max_num_seqs: int) -> float:
    """Peak torch memory of vLLM's profiling pass on one GPU, over the weights.

    The profiling pass (gpu_model_runner.profile_run) runs one forward of max_num_batched_tokens tokens, then the
    sampler over max_num_seqs logits rows. Their peaks do not overlap: the larger wins. The dense MLP holds the
    gate_up output (2 x intermediate / TP) and the activation output (intermediate / TP) next to four hidden-size
    buffers, 16-bit. fused_moe keeps its three intermediate caches (vllm/model_executor/layers/fused_moe) of
    tokens x top_k x (2 x I / TP, I / TP, hidden) allocated through the sampler, so they add.
    """
    hidden = float(arch["hidden_size"])
    act = 2.0  # activations are 16-bit, also for quantized weights
    sampler = SAMPLER_BYTES * max_num_seqs * float(arch["vocab_size"])
    if arch.get("num_experts"):
        tokens = min(max_num_batched_tokens, FUSED_MOE_CHUNK) * float(arch["num_experts_per_tok"])
        moe = tokens * act * (3.0 * float(arch["moe_intermediate_size"]) / tp + hidden)
        return max(max_num_batched_tokens * act * 4.0 * hidden, sampler) + moe
    # Without intermediate_size, 4 x hidden (Llama 3.1: 3.5, Qwen2.5 7B: 5.3); the sampler usually dominates.
    intermediate = float(arch.get("intermediate_size") or 4.0 * hidden)
    forward = max_num_batched_tokens * act * (3.0 * intermediate / tp + 4.0 * hidden)
    return max(forward, sampler)


def overhead_bytes(knobs: Dict[str, Any], tp: int) -> Tuple[float, float]:
    """(non-torch, CUDA graph) bytes per GPU vLLM keeps out of the KV cache."""
    if knobs["overhead_gib"] is not None:
        return float(knobs["overhead_gib"]) * GIB, 0.0
    key = 1 if tp == 1 else 2
    non_torch = knobs["non_torch_gib"]
    if non_torch is None:
        no_custom_ar = key > 1 and not knobs["custom_all_reduce"]
        non_torch = NON_TORCH_NO_CUSTOM_AR_GIB if no_custom_ar else NON_TORCH_GIB[key]
    graphs = knobs["cudagraph_gib"]
    if graphs is None:
        graphs = CUDAGRAPH_GIB[key] if parse_version(knobs["vllm_version"]) >= CUDAGRAPH_SINCE else 0.0
    return float(non_torch) * GIB, float(graphs) * GIB


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


def _memory_refusal(spec: Dict[str, Any], mem: Dict[str, float], tp: int, version: Tuple[int, int]) -> Optional[str]:
    """vLLM V1's start-up check on free memory, then the "no memory left for the KV cache" refusal."""
    context = CONTEXT_GIB[1 if tp == 1 else 2] * GIB
    total = float(spec["vram_gib"]) * GIB
    if version >= V1_SINCE and mem["budget"] > total - context:
        return (
            "vLLM refuses: free memory on device (%.2f GiB after the CUDA context) is less than desired GPU memory "
            "utilization (%.2f, %.2f GiB)" % ((total - context) / GIB, mem["util"], mem["budget"] / GIB)
        )
    if mem["kv"] <= 0:
        return (
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
    return None


def _refusals(arch, spec, tp, requested, chosen, derived, kv_tokens, knobs, mem):
    # type: (Dict[str, Any], Dict[str, Any], int, Optional[int], int, int, int, Dict[str, Any], Dict[str, float]) -> List[str]
    """Why vLLM (or the planner's minimum) refuses this configuration; empty when it fits."""
    reasons = []
    tp_reason = _tp_refusal(arch, spec, tp)
    if tp_reason:
        reasons.append(tp_reason)
    max_pos = arch.get("max_position_embeddings")
    memory = _memory_refusal(spec, mem, max(tp, 1), parse_version(knobs["vllm_version"]))
    if memory:
        reasons.append(memory)
    elif requested and max_pos and chosen > max_pos:
        reasons.append("max_model_len %d is greater than the model's max_position_embeddings %d" % (chosen, max_pos))
    elif requested and chosen > kv_tokens:
        reasons.append(
            "The model's max seq len (%d) is larger than the maximum number of tokens that can be stored in "
            "KV cache (%d)" % (chosen, kv_tokens)
        )
    elif not requested and derived < int(knobs["min_model_len"]):
        reasons.append("the KV cache holds only %d tokens (< %d)" % (kv_tokens, knobs["min_model_len"]))
    return reasons


def _knobs(spec: Dict[str, Any], tuning: Dict[str, Any]) -> Dict[str, Any]:
    unknown = set(tuning) - set(DEFAULTS)
    if unknown:
        raise PlanError("unknown option(s): %s" % ", ".join(sorted(unknown)))
    knobs = dict(DEFAULTS, **{k: v for k, v in tuning.items() if v is not None})
    batched, seqs = batch_defaults(spec)
    knobs["max_num_batched_tokens"] = int(knobs["max_num_batched_tokens"] or batched)
    knobs["max_num_seqs"] = int(knobs["max_num_seqs"] or seqs)
    return knobs


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
    arch = resolve_model(model)
    spec = resolve_gpu(gpu)
    knobs = _knobs(spec, tuning)
    tp = int(tensor_parallel_size)
    util = float(gpu_memory_utilization)
    if not 0 < util <= 1:
        raise PlanError("gpu_memory_utilization must be in (0, 1], got %r" % (gpu_memory_utilization,))

    weights = weight_bytes(arch)
    kv_bytes_token = (
        2.0 * arch["num_layers"] * arch["num_kv_heads"] * arch["head_dim"] * kv_dtype_bytes(arch, kv_cache_dtype)
    )
    kv_bytes_token_gpu = 2.0 * arch["num_layers"] * kv_heads_per_gpu(int(arch["num_kv_heads"]), max(tp, 1))
    kv_bytes_token_gpu *= arch["head_dim"] * kv_dtype_bytes(arch, kv_cache_dtype)
    # vLLM: requested_memory = total x gpu_memory_utilization; available KV = requested - weights - activation
    # peak - non-torch increase (- CUDA graph estimate since 0.21), each per rank (gpu_worker.py).
    budget = float(spec["vram_gib"]) * GIB * util
    act = activation_bytes(arch, max(tp, 1), knobs["max_num_batched_tokens"], knobs["max_num_seqs"])
    non_torch, graphs = overhead_bytes(knobs, max(tp, 1))
    overhead = non_torch + graphs
    kv_budget = budget - weights / max(tp, 1) - act - overhead
    blocks = int(kv_budget // (BLOCK_SIZE * kv_bytes_token_gpu)) if kv_budget > 0 else 0
    kv_tokens = blocks * BLOCK_SIZE
    max_pos = arch.get("max_position_embeddings")
    derived = min(kv_tokens, max_pos) if max_pos else kv_tokens
    step = int(knobs["round_model_len_to"])
    if step > 1 and derived >= step and derived != max_pos:
        derived = derived // step * step
    chosen = int(max_model_len) if max_model_len else derived

    mem = {"weights": weights / max(tp, 1), "act": act, "overhead": overhead, "budget": budget, "kv": kv_budget}
    mem["util"] = util
    reasons = _refusals(arch, spec, tp, max_model_len, chosen, derived, kv_tokens, knobs, mem)
    fits = not reasons
    return {
        "model": arch.get("name"),
        "gpu": spec.get("name"),
        "fits": fits,
        "reason": "; ".join(reasons) if reasons else "fits: %d KV tokens for max_model_len %d" % (kv_tokens, chosen),
        "weights_gib": round(weights / GIB, 2),
        "weights_per_gpu_gib": round(weights / max(tp, 1) / GIB, 2),
        "activation_gib": round(act / GIB, 2),
        "non_torch_gib": round(non_torch / GIB, 2),
        "cudagraph_gib": round(graphs / GIB, 2),
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
        "max_num_batched_tokens": knobs["max_num_batched_tokens"],
        "max_num_seqs": knobs["max_num_seqs"],
        "vllm_version": str(knobs["vllm_version"]),
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
