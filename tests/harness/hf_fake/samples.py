"""Sample repositories for tests and benchmarks: real (small) files generated on the fly, no model weights."""

from __future__ import annotations

import json
import os
import struct

REPO = "gpuops-test/tiny-llama"
GATED = "gpuops-test/gated-llama"
TOKEN = "hf_test_token_allowed"
# REPO's planner_model: a tiny architecture matching the fake repository's scale rather than a real model.
TINY_ARCHITECTURE = {
    "params_b": 0.05,
    "num_layers": 2,
    "num_attention_heads": 2,
    "num_kv_heads": 2,
    "head_dim": 64,
    "hidden_size": 128,
    "vocab_size": 2000,
    "max_position_embeddings": 4096,
}


def fake_safetensors(n_floats: int, seed: int = 0) -> bytes:
    """A valid safetensors file: 8-byte header length, JSON header, then float16-sized random payload."""
    payload = os.urandom(n_floats * 2) if seed == 0 else bytes((i * seed) % 251 for i in range(n_floats * 2))
    header = json.dumps({"w": {"dtype": "F16", "shape": [n_floats], "data_offsets": [0, len(payload)]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def model_files(weights_floats: int = 1_500_000) -> dict[str, bytes]:
    config = {"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 2, "num_key_value_heads": 2}
    return {
        "config.json": json.dumps(config).encode(),
        "generation_config.json": b'{"max_new_tokens": 16}',
        "tokenizer.json": json.dumps({"model": {"vocab": {str(i): i for i in range(2000)}}}).encode(),
        "model.safetensors": fake_safetensors(weights_floats),
        "original/params.json": b'{"dim": 64}',
    }


def tiny_model(name: str = "tiny") -> dict[str, object]:
    """A vllm_models entry for REPO, sized by TINY_ARCHITECTURE, with a 1Gi cache."""
    return {
        "name": name,
        "repo_id": REPO,
        "served_model_name": name,
        "planner_model": TINY_ARCHITECTURE,
        "cache_size": "1Gi",
    }
