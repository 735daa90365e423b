# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytes per weight and per KV-cache element for the fit planner (vllm_plan.py).

Dtypes and quantization formats live here, apart from vLLM's memory accounting, so a new format is one table
entry with its source. Pure Python, no Ansible import.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, Optional


class PlanError(ValueError):
    """Bad input: unknown catalog name, missing architecture key, unknown dtype or quantization."""


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
# Bytes per weight of the quantized linear layers; embeddings and lm_head stay 16-bit (AutoAWQ, GPTQ,
# llm-compressor and vLLM's bitsandbytes loader all skip them).
# int4, group size 128: 0.5 byte + a 16-bit scale and a zero point (or Marlin's padding) per group of 128
# = 0.5 + 4/128. vLLM logged 5.38 GiB for RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16 (gptq_marlin),
# i.e. 0.527 byte per quantized weight; this gives 0.531 (tests/data/vllm_startups.yaml).
INT4_BYTES = 0.5 + 4.0 / 128
# bitsandbytes 4-bit (nf4/fp4): 0.5 byte + one fp32 absmax per block of 64 without double quantization
# (bitsandbytes' default blocksize 64); double quantization lowers it to ~0.52, so 0.5625 is the safe bound.
BNB4_BYTES = 0.5 + 4.0 / 64
QUANT_BYTES = {
    "awq": INT4_BYTES,
    "awq_marlin": INT4_BYTES,
    "gptq": INT4_BYTES,
    "gptq_marlin": INT4_BYTES,
    "marlin": INT4_BYTES,
    "compressed-tensors-w4a16": INT4_BYTES,
    "bitsandbytes": BNB4_BYTES,
    "bitsandbytes-4bit": BNB4_BYTES,
    # LLM.int8: int8 weights plus one fp32 scale per row (negligible).
    "bitsandbytes-8bit": 1.0,
    # FP8 per-tensor, per-channel and block-wise (128x128, one fp32 scale per block: 4/16384 byte) weights.
    "fp8": 1.0,
    "fbgemm_fp8": 1.0,
    "modelopt": 1.0,
    "compressed-tensors-fp8": 1.0,
    "int8": 1.0,
    "w8a8": 1.0,
    "compressed-tensors-w8a8": 1.0,
}


def dtype_bytes(dtype: Optional[str]) -> float:
    key = str(dtype or "bfloat16").lower().replace("torch.", "")
    if key == "auto":
        key = "bfloat16"
    if key not in DTYPE_BYTES:
        raise PlanError("unknown dtype %r; known: %s" % (dtype, ", ".join(sorted(DTYPE_BYTES))))
    return DTYPE_BYTES[key]


def quant_key(arch: Dict[str, Any]) -> Optional[str]:
    quant = arch.get("quantization")
    if quant in (None, "", "none", "None"):
        return None
    key = str(quant).lower()
    if key not in QUANT_BYTES:
        raise PlanError(
            "unknown quantization %r: the planner has no size formula for it; known: %s"
            % (quant, ", ".join(sorted(QUANT_BYTES)))
        )
    return key


def weight_bytes(arch: Dict[str, Any]) -> float:
    """Bytes of the weights: params x bytes per param; quantized models keep embeddings and lm_head 16-bit."""
    params = float(arch["params_b"]) * 1e9
    quant = quant_key(arch)
    if quant is None:
        return params * dtype_bytes(arch.get("dtype"))
    embed = float(arch["vocab_size"]) * arch["hidden_size"] * (1 if arch.get("tie_word_embeddings") else 2)
    return embed * 2.0 + (params - embed) * QUANT_BYTES[quant]


def kv_dtype_bytes(arch: Dict[str, Any], kv_cache_dtype: Optional[str]) -> float:
    """Bytes per KV element: fp8 = 1; auto = the activation dtype (16-bit for quantized checkpoints)."""
    key = str(kv_cache_dtype or "auto").lower()
    if key in KV_DTYPE_BYTES:
        return KV_DTYPE_BYTES[key]
    if key != "auto":
        if key not in DTYPE_BYTES:
            raise PlanError("unknown kv_cache_dtype %r" % (kv_cache_dtype,))
        return DTYPE_BYTES[key]
    if quant_key(arch) is not None:
        return 2.0
    return max(dtype_bytes(arch.get("dtype")), 2.0)


def kv_heads_per_gpu(num_kv_heads: int, tp: int) -> int:
    # vLLM shards KV heads across ranks, or replicates them when there are fewer heads than ranks.
    return max(1, num_kv_heads // tp)
