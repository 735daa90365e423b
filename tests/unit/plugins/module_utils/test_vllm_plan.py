"""The vLLM fit planner: sizes from the architecture, and the refusals vLLM itself raises."""

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan import (
    GIB,
    PlanError,
    nearest,
    plan,
    weight_bytes,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan_catalog import GPUS, MODELS

LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"
SEED_MODEL = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"


def test_kv_bytes_per_token_is_2_x_layers_x_kv_heads_x_head_dim_x_dtype():
    # Llama 3.1 8B: 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 128 KiB per token.
    assert plan(LLAMA_8B, "l40s-90")["kv_bytes_per_token"] == 2 * 32 * 8 * 128 * 2 == 131072


def test_fp8_kv_cache_halves_the_bytes_per_token_and_roughly_doubles_the_tokens():
    auto = plan(LLAMA_8B, "l40s-90")
    fp8 = plan(LLAMA_8B, "l40s-90", kv_cache_dtype="fp8")
    assert fp8["kv_bytes_per_token"] * 2 == auto["kv_bytes_per_token"]
    assert fp8["kv_cache_tokens"] == pytest.approx(2 * auto["kv_cache_tokens"], rel=0.01)


def test_bf16_weights_are_two_bytes_per_parameter():
    assert plan(LLAMA_8B, "l40s-90")["weights_gib"] == pytest.approx(8.03e9 * 2 / GIB, abs=0.01)


def test_awq_int4_weights_match_the_published_checkpoint_size():
    # hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4 is 5.73 GB of safetensors on the Hub.
    assert weight_bytes(MODELS[SEED_MODEL]) / 1e9 == pytest.approx(5.73, rel=0.03)


def test_int4_weights_are_not_below_what_vllm_loaded_for_a_gptq_checkpoint():
    # vLLM 0.19 logged 5.38 GiB for RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16 (tests/data).
    model = dict(MODELS[LLAMA_8B], quantization="gptq_marlin", dtype="float16")
    assert 5.38 <= weight_bytes(model) / GIB <= 5.38 * 1.03


def test_bitsandbytes_4bit_is_planned_with_16_bit_embeddings_and_absmax_overhead():
    model = dict(MODELS[LLAMA_8B], quantization="bitsandbytes")
    embed = 128256 * 4096 * 2
    assert weight_bytes(model) == pytest.approx(embed * 2 + (8.03e9 - embed) * (0.5 + 4 / 64))
    assert plan(model, "l4-90")["fits"]


def test_fp8_weights_take_one_byte_per_quantized_parameter():
    bf16 = weight_bytes(MODELS[LLAMA_8B])
    fp8 = weight_bytes(dict(MODELS[LLAMA_8B], quantization="fp8"))
    assert bf16 / 2 < fp8 < bf16 * 0.6


def test_moe_experts_are_all_resident_and_their_buffers_add_to_the_activation_peak():
    dense = {"params_b": 46.7, "num_layers": 32, "num_kv_heads": 8, "head_dim": 128, "hidden_size": 4096}
    dense.update(intermediate_size=14336, vocab_size=32000)
    moe = dict(dense, num_experts=8, num_experts_per_tok=2, moe_intermediate_size=14336)
    assert plan(moe, "h100-760", tensor_parallel_size=2)["weights_gib"] == plan(dense, "h100-760")["weights_gib"]
    assert (
        plan(moe, "h100-760", tensor_parallel_size=2)["activation_gib"]
        > plan(dense, "h100-760", tensor_parallel_size=2)["activation_gib"] - 1
    )


def test_the_sampler_peak_grows_with_max_num_seqs_and_the_vocabulary():
    small = plan(LLAMA_8B, "h100-380", max_num_seqs=256)["activation_gib"]
    large = plan(LLAMA_8B, "h100-380", max_num_seqs=1024)["activation_gib"]
    assert large > small
    assert plan(dict(MODELS[LLAMA_8B], vocab_size=256000), "h100-380")["activation_gib"] > large


def test_vllm_batch_defaults_depend_on_the_gpu_like_vllms_own():
    # vllm/engine/arg_utils.py get_batch_defaults: >= 70 GiB and not an A100 -> 8192 / 1024, else 2048 / 256.
    assert (plan(LLAMA_8B, "h100-380")["max_num_batched_tokens"], plan(LLAMA_8B, "h100-380")["max_num_seqs"]) == (
        8192,
        1024,
    )
    assert (plan(LLAMA_8B, "a100-180")["max_num_batched_tokens"], plan(LLAMA_8B, "a100-180")["max_num_seqs"]) == (
        2048,
        256,
    )
    assert plan(LLAMA_8B, "l40s-90", max_num_seqs=32)["max_num_seqs"] == 32


def test_tensor_parallel_ranks_keep_more_non_torch_memory_than_a_single_gpu():
    single = plan(LLAMA_8B, "h100-1520")
    sharded = plan(LLAMA_8B, "h100-1520", tensor_parallel_size=4)
    assert sharded["non_torch_gib"] > single["non_torch_gib"]
    assert sharded["weights_per_gpu_gib"] == pytest.approx(single["weights_per_gpu_gib"] / 4, abs=0.01)


def test_without_custom_all_reduce_tensor_parallel_ranks_keep_less_non_torch_memory():
    with_ar = plan(LLAMA_8B, "h100-1520", tensor_parallel_size=2)
    without_ar = plan(LLAMA_8B, "h100-1520", tensor_parallel_size=2, custom_all_reduce=False)
    single = plan(LLAMA_8B, "h100-1520")
    assert single["non_torch_gib"] < without_ar["non_torch_gib"] < with_ar["non_torch_gib"]
    assert without_ar["kv_cache_tokens"] > with_ar["kv_cache_tokens"]
    # A single GPU has no all-reduce: the option changes nothing there.
    assert plan(LLAMA_8B, "h100-1520", custom_all_reduce=False) == single


def test_cuda_graph_memory_is_reserved_only_by_vllm_releases_that_subtract_it():
    assert plan(LLAMA_8B, "l40s-90", vllm_version="0.19.0")["cudagraph_gib"] == 0
    assert plan(LLAMA_8B, "l40s-90", vllm_version="v0.21.0")["cudagraph_gib"] > 0
    newer = plan(LLAMA_8B, "l40s-90", vllm_version="0.30.0")
    older = plan(LLAMA_8B, "l40s-90", vllm_version="0.19.0")
    assert newer["kv_cache_tokens"] < older["kv_cache_tokens"]


def test_an_unparseable_vllm_version_follows_the_newest_rules():
    assert plan(LLAMA_8B, "l40s-90", vllm_version="latest")["cudagraph_gib"] > 0


def test_utilization_above_the_free_memory_is_refused_by_the_v1_engine_only():
    v1 = plan(SEED_MODEL, "l40s-90", gpu_memory_utilization=1.0)
    assert not v1["fits"]
    assert "less than desired GPU memory utilization" in v1["reason"]
    assert plan(SEED_MODEL, "l40s-90", gpu_memory_utilization=1.0, vllm_version="0.7.3")["fits"]


def test_utilization_below_the_weights_leaves_no_kv_cache():
    result = plan(LLAMA_8B, "l40s-90", gpu_memory_utilization=0.3)
    assert not result["fits"]
    assert "no memory left for the KV cache" in result["reason"]


def test_overhead_gib_replaces_the_non_torch_and_cuda_graph_defaults():
    result = plan(LLAMA_8B, "l40s-90", overhead_gib=3.0)
    assert result["overhead_gib"] == 3.0
    assert result["kv_cache_tokens"] < plan(LLAMA_8B, "l40s-90")["kv_cache_tokens"]


def test_quantized_models_cache_kv_in_16_bit():
    assert plan(SEED_MODEL, "rtx5000-28")["kv_bytes_per_token"] == plan(LLAMA_8B, "l40s-90")["kv_bytes_per_token"]


def test_seed_default_model_fits_the_seed_gpu_with_a_long_context():
    result = plan(SEED_MODEL, "rtx5000-28")
    assert result["fits"], result["reason"]
    assert 32768 <= result["max_model_len"] <= 131072
    assert result["max_model_len"] <= result["kv_cache_tokens"]
    assert result["max_concurrency"] >= 1


def test_llama_8b_bf16_on_a_16_gb_gpu_is_refused_because_the_weights_do_not_fit():
    result = plan(LLAMA_8B, "rtx5000-28", gpu_memory_utilization=0.9)
    assert result["fits"] is False
    assert result["weights_gib"] > result["budget_gib"] - result["activation_gib"] - result["overhead_gib"]
    assert "no memory left for the KV cache" in result["reason"]
    assert result["kv_cache_tokens"] == 0


def test_llama_8b_bf16_on_l4_refuses_the_full_context_with_vllms_message():
    result = plan(LLAMA_8B, "l4-90", max_model_len=131072)
    assert result["fits"] is False
    assert "The model's max seq len (131072) is larger than the maximum number of tokens" in result["reason"]


def test_llama_8b_bf16_on_l4_fits_at_the_length_the_planner_derives():
    derived = plan(LLAMA_8B, "l4-90")
    assert derived["fits"], derived["reason"]
    assert 8192 <= derived["max_model_len"] < 131072
    again = plan(LLAMA_8B, "l4-90", max_model_len=derived["max_model_len"])
    assert again["fits"], again["reason"]


def test_one_token_more_than_the_kv_cache_holds_is_refused():
    tokens = plan(LLAMA_8B, "l4-90")["kv_cache_tokens"]
    assert plan(LLAMA_8B, "l4-90", max_model_len=tokens)["fits"]
    assert not plan(LLAMA_8B, "l4-90", max_model_len=tokens + 1)["fits"]


def test_kv_cache_is_whole_16_token_blocks():
    assert plan(SEED_MODEL, "rtx5000-28")["kv_cache_tokens"] % 16 == 0


def test_llama_70b_bf16_does_not_fit_one_80_gb_gpu():
    result = plan(LLAMA_70B, "h100-380")
    assert not result["fits"]
    assert result["weights_gib"] > 130


def test_llama_70b_bf16_fits_four_h100_with_tensor_parallelism():
    result = plan(LLAMA_70B, "h100-1520", tensor_parallel_size=4)
    assert result["fits"], result["reason"]
    assert result["weights_per_gpu_gib"] == pytest.approx(result["weights_gib"] / 4, abs=0.01)


def test_tensor_parallel_size_3_with_8_kv_heads_is_refused():
    result = plan(LLAMA_70B, "h100-1520", tensor_parallel_size=3)
    assert not result["fits"]
    assert "divisible by tensor parallel size (3)" in result["reason"]


def test_kv_heads_not_divisible_by_tp_is_refused_even_when_attention_heads_are():
    model = dict(MODELS[LLAMA_8B], num_attention_heads=48, num_kv_heads=6)
    assert "KV heads (6)" in plan(model, "h100-1520", tensor_parallel_size=4)["reason"]


def test_tp_larger_than_the_flavors_gpu_count_is_refused():
    result = plan(LLAMA_8B, "l40s-90", tensor_parallel_size=2)
    assert not result["fits"]
    assert "the flavor has 1" in result["reason"]


def test_requested_context_beyond_max_position_embeddings_is_refused():
    result = plan("mistralai/Mistral-7B-Instruct-v0.3", "h100-380", max_model_len=65536)
    assert not result["fits"]
    assert "max_position_embeddings 32768" in result["reason"]


def test_derived_context_is_capped_by_max_position_embeddings():
    result = plan("google/gemma-2-9b-it", "h100-380")
    assert result["max_model_len"] == 8192
    assert result["kv_cache_tokens"] > 8192
    assert result["max_concurrency"] == pytest.approx(result["kv_cache_tokens"] / 8192, rel=0.01)


def test_higher_memory_utilization_gives_more_kv_tokens():
    assert (
        plan(SEED_MODEL, "rtx5000-28", 0.95)["kv_cache_tokens"] > plan(SEED_MODEL, "rtx5000-28", 0.8)["kv_cache_tokens"]
    )


def test_a_model_dict_overrides_a_catalog_entry():
    result = plan({"name": LLAMA_8B, "max_position_embeddings": 4096}, "l40s-90")
    assert result["max_model_len"] == 4096


def test_a_plain_architecture_dict_and_gpu_dict_work_without_the_catalog():
    model = {
        "params_b": 7.0,
        "num_layers": 32,
        "num_kv_heads": 8,
        "head_dim": 128,
        "hidden_size": 4096,
        "vocab_size": 32000,
        "dtype": "bfloat16",
        "quantization": None,
    }
    result = plan(model, {"vram_gib": 24}, max_model_len=4096)
    assert result["fits"], result["reason"]
    assert result["gpu_count"] == 1


@pytest.mark.parametrize(
    ("model", "gpu", "message"),
    [
        ("no/such-model", "l4-90", "unknown model"),
        (LLAMA_8B, "no-such-flavor", "unknown GPU flavor"),
        ({"params_b": 7}, "l4-90", "missing num_layers"),
        ({"name": LLAMA_8B, "dtype": "int3"}, "l4-90", "unknown dtype"),
        ({"name": LLAMA_8B, "quantization": "bitnet"}, "l4-90", "unknown quantization 'bitnet': the planner has no"),
        ({"params_b": 7, "num_layers": 32, "num_kv_heads": 8, "head_dim": 128}, "l4-90", "hidden_size, vocab_size"),
        ({"name": LLAMA_8B, "num_experts": 8}, "l4-90", "missing num_experts_per_tok, moe_intermediate_size"),
        (LLAMA_8B, {"count": 1}, "vram_gib"),
    ],
)
def test_bad_input_raises_plan_error(model, gpu, message):
    with pytest.raises(PlanError, match=message):
        plan(model, gpu)


def test_every_catalog_entry_plans_without_error():
    for model in MODELS:
        for gpu in GPUS:
            result = plan(model, gpu, tensor_parallel_size=GPUS[gpu]["count"])
            assert isinstance(result["fits"], bool)


def test_catalog_prices_are_positive_and_the_seed_price_is_not_an_estimate():
    assert GPUS["rtx5000-28"]["price_per_hour"] == 0.36
    assert GPUS["rtx5000-28"]["price_is_estimate"] is False
    assert all(g["price_per_hour"] > 0 for g in GPUS.values())


def test_nearest_offers_the_largest_fitting_context_first():
    suggestions = nearest(LLAMA_8B, "l4-90", max_model_len=131072)
    assert suggestions, "something must fit"
    assert suggestions[0]["change"] == "smaller max_model_len"
    assert suggestions[0]["plan"]["fits"]
    assert suggestions[0]["settings"]["max_model_len"] == plan(LLAMA_8B, "l4-90")["max_model_len"]
    assert plan(LLAMA_8B, "l4-90", **{k: v for k, v in suggestions[0]["settings"].items() if k != "gpu"})["fits"]
    assert all(s["plan"]["fits"] for s in suggestions)


def test_nearest_offers_a_bigger_flavor_when_the_weights_do_not_fit():
    suggestions = nearest(LLAMA_8B, "rtx5000-28")
    changes = [s["change"] for s in suggestions]
    assert any(c.startswith("bigger flavor") for c in changes)
    assert "smaller max_model_len" not in changes


def test_nearest_offers_exactly_the_tensor_parallel_sizes_that_fit_on_a_multi_gpu_flavor():
    changes = [s["change"] for s in nearest(LLAMA_70B, "h100-1520")]
    fitting = [
        f"tensor_parallel_size {tp}" for tp in (2, 4) if plan(LLAMA_70B, "h100-1520", tensor_parallel_size=tp)["fits"]
    ]
    assert fitting
    assert [c for c in changes if c.startswith("tensor_parallel_size")] == fitting


def test_nearest_does_not_offer_fp8_kv_on_gpus_without_it():
    changes = [s["change"] for s in nearest(SEED_MODEL, "rtx5000-28", max_model_len=131072)]
    assert "fp8 KV cache" not in changes
