# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Built-in catalogs for the vLLM fit planner: model architectures and OVHcloud GPU flavors.

Model numbers come from each model's ``config.json`` on the Hugging Face Hub (num_hidden_layers,
num_key_value_heads, head_dim or hidden_size / num_attention_heads, hidden_size, intermediate_size,
vocab_size, tie_word_embeddings, max_position_embeddings, torch_dtype) and the parameter count from its
model card; see docs/vllm_plan.md for the links. Every entry can be overridden by passing a dict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_LLAMA31_8B = {
    "params_b": 8.03,
    "num_layers": 32,
    "num_attention_heads": 32,
    "num_kv_heads": 8,
    "head_dim": 128,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "vocab_size": 128256,
    "tie_word_embeddings": False,
    "max_position_embeddings": 131072,
    "dtype": "bfloat16",
    "quantization": None,
}
_LLAMA31_70B = dict(
    _LLAMA31_8B,
    params_b=70.55,
    num_layers=80,
    num_attention_heads=64,
    hidden_size=8192,
    intermediate_size=28672,
)
_QWEN25_7B = {
    "params_b": 7.62,
    "num_layers": 28,
    "num_attention_heads": 28,
    "num_kv_heads": 4,
    "head_dim": 128,
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "vocab_size": 152064,
    "tie_word_embeddings": False,
    # The Instruct config.json says 32768; 131072 needs YaRN rope scaling turned on explicitly.
    "max_position_embeddings": 32768,
    "dtype": "bfloat16",
    "quantization": None,
}
_QWEN25_14B = dict(
    _QWEN25_7B,
    params_b=14.77,
    num_layers=48,
    num_attention_heads=40,
    num_kv_heads=8,
    hidden_size=5120,
    intermediate_size=13824,
)
_QWEN25_32B = dict(_QWEN25_14B, params_b=32.76, num_layers=64, intermediate_size=27648)
_MISTRAL_7B_V03 = {
    "params_b": 7.25,
    "num_layers": 32,
    "num_attention_heads": 32,
    "num_kv_heads": 8,
    "head_dim": 128,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "vocab_size": 32768,
    "tie_word_embeddings": False,
    "max_position_embeddings": 32768,
    "dtype": "bfloat16",
    "quantization": None,
}
# Gemma 2 alternates sliding-window (4096) and global layers; the planner counts every layer as global,
# which underestimates the KV capacity vLLM reaches with its hybrid allocator (conservative).
_GEMMA2_9B = {
    "params_b": 9.24,
    "num_layers": 42,
    "num_attention_heads": 16,
    "num_kv_heads": 8,
    "head_dim": 256,
    "hidden_size": 3584,
    "intermediate_size": 14336,
    "vocab_size": 256000,
    "tie_word_embeddings": True,
    "max_position_embeddings": 8192,
    "dtype": "bfloat16",
    "quantization": None,
}

# AWQ/GPTQ checkpoints keep the activations (and so the KV cache) in float16.
_AWQ = {"dtype": "float16", "quantization": "awq"}

MODELS = {
    "meta-llama/Llama-3.1-8B-Instruct": _LLAMA31_8B,
    "meta-llama/Llama-3.1-8B": _LLAMA31_8B,
    "meta-llama/Llama-3.1-70B-Instruct": _LLAMA31_70B,
    "meta-llama/Llama-3.1-70B": _LLAMA31_70B,
    "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4": dict(_LLAMA31_8B, **_AWQ),
    "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4": dict(_LLAMA31_70B, **_AWQ),
    "Qwen/Qwen2.5-7B-Instruct": _QWEN25_7B,
    "Qwen/Qwen2.5-7B-Instruct-AWQ": dict(_QWEN25_7B, **_AWQ),
    "Qwen/Qwen2.5-14B-Instruct": _QWEN25_14B,
    "Qwen/Qwen2.5-14B-Instruct-AWQ": dict(_QWEN25_14B, **_AWQ),
    "Qwen/Qwen2.5-32B-Instruct": _QWEN25_32B,
    "Qwen/Qwen2.5-32B-Instruct-AWQ": dict(_QWEN25_32B, **_AWQ),
    "mistralai/Mistral-7B-Instruct-v0.3": _MISTRAL_7B_V03,
    "google/gemma-2-9b-it": _GEMMA2_9B,
}

# OVHcloud Public Cloud GPU flavors usable as MKS node pools.
# vram_gib: memory per GPU as the driver reports it (nvidia-smi "total", which is what vLLM multiplies by
# gpu_memory_utilization), not the marketing GB figure.
# price_per_hour: EUR excl. VAT, on-demand. rtx5000-28 is the seed articles' figure (mid-2026); the others
# are ESTIMATES from OVHcloud's public price list and change over time: override them (pass a dict, or
# set the role's price variable) with the figure from your order page.
# fp8_kv: whether vLLM's fp8 KV cache is offered as a suggestion on this GPU (Ampere and newer).
_RTX5000 = {"gpu": "Quadro RTX 5000", "vram_gib": 15.75, "compute_capability": 7.5, "fp8_kv": False}
_L4 = {"gpu": "NVIDIA L4", "vram_gib": 22.5, "compute_capability": 8.9, "fp8_kv": True}
_L40S = {"gpu": "NVIDIA L40S", "vram_gib": 45.0, "compute_capability": 8.9, "fp8_kv": True}
_V100S = {"gpu": "Tesla V100S 32GB", "vram_gib": 31.75, "compute_capability": 7.0, "fp8_kv": False}
# A100 80GB and H100 80GB: the totals vLLM logged for them (79.15 GiB in an A100-SXM4-80GB log, 79.19 GiB in the
# H100 runs of tests/data/vllm_startups.yaml).
_A100 = {"gpu": "NVIDIA A100 80GB", "vram_gib": 79.15, "compute_capability": 8.0, "fp8_kv": True}
_H100 = {"gpu": "NVIDIA H100 80GB", "vram_gib": 79.19, "compute_capability": 9.0, "fp8_kv": True}

GPUS = {
    "rtx5000-28": dict(_RTX5000, count=1, price_per_hour=0.36, price_is_estimate=False),
    "l4-90": dict(_L4, count=1, price_per_hour=0.75, price_is_estimate=True),
    "l4-180": dict(_L4, count=2, price_per_hour=1.50, price_is_estimate=True),
    "l40s-90": dict(_L40S, count=1, price_per_hour=1.40, price_is_estimate=True),
    "l40s-180": dict(_L40S, count=2, price_per_hour=2.80, price_is_estimate=True),
    "t2-45": dict(_V100S, count=1, price_per_hour=1.97, price_is_estimate=True),
    "t2-90": dict(_V100S, count=2, price_per_hour=3.94, price_is_estimate=True),
    "t2-le-45": dict(_V100S, count=1, price_per_hour=0.88, price_is_estimate=True),
    "t2-le-90": dict(_V100S, count=2, price_per_hour=1.76, price_is_estimate=True),
    "a100-180": dict(_A100, count=1, price_per_hour=2.75, price_is_estimate=True),
    "a100-360": dict(_A100, count=2, price_per_hour=5.50, price_is_estimate=True),
    "h100-380": dict(_H100, count=1, price_per_hour=2.99, price_is_estimate=True),
    "h100-760": dict(_H100, count=2, price_per_hour=5.98, price_is_estimate=True),
    "h100-1520": dict(_H100, count=4, price_per_hour=11.96, price_is_estimate=True),
}
