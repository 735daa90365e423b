"""The vLLM command line: the model first, the flags the role manages, then extra_args; no flag twice."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.vllm_messages import vllm_args, vllm_entry_problems
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_args import (
    MANAGED_FLAGS,
    VllmArgsError,
    command_args,
    duplicated_flags,
    flag_name,
)

MODEL = {
    "name": "llama",
    "repo_id": "org/Llama-3.1-8B",
    "revision": "main",
    "served_model_name": "org/Llama-3.1-8B",
    "max_model_len": None,
    "plan": {"max_model_len": 8192},
    "gpu_memory_utilization": 0.9,
    "dtype": "auto",
    "quantization": "",
    "kv_cache_dtype": "auto",
    "enable_prefix_caching": True,
    "max_num_seqs": 0,
    "tensor_parallel_size": 1,
    "extra_args": [],
}


def flags_of(args):
    return [a for a in args if a.startswith("--")]


def value_of(args, flag):
    return args[args.index(flag) + 1]


def test_without_a_seeded_commit_vllm_loads_the_repo_id_at_its_revision():
    args = command_args(MODEL, 8000, "/models")
    assert args[:3] == ["org/Llama-3.1-8B", "--revision", "main"]


def test_with_a_seeded_commit_vllm_loads_the_snapshot_directory_and_no_revision():
    args = command_args(MODEL, 8000, "/models", "abc123")
    assert args[0] == "/models/hub/models--org--Llama-3.1-8B/snapshots/abc123"
    assert "--revision" not in args


def test_the_planned_context_length_is_used_unless_the_entry_sets_one():
    assert value_of(command_args(MODEL, 8000, "/m"), "--max-model-len") == "8192"
    assert value_of(command_args(dict(MODEL, max_model_len=4096), 8000, "/m"), "--max-model-len") == "4096"


def test_optional_flags_appear_only_when_set():
    plain = command_args(MODEL, 8000, "/m")
    assert "--quantization" not in plain and "--max-num-seqs" not in plain
    tuned = command_args(dict(MODEL, quantization="awq", max_num_seqs=64), 8000, "/m")
    assert value_of(tuned, "--quantization") == "awq"
    assert value_of(tuned, "--max-num-seqs") == "64"


@pytest.mark.parametrize("value, flag", [(True, "--enable-prefix-caching"), ("false", "--no-enable-prefix-caching")])
def test_prefix_caching_is_always_stated_one_way_or_the_other(value, flag):
    args = command_args(dict(MODEL, enable_prefix_caching=value), 8000, "/m")
    assert flag in args
    assert len({"--enable-prefix-caching", "--no-enable-prefix-caching"} & set(args)) == 1


def test_every_flag_the_role_emits_is_a_managed_flag_and_appears_once():
    full = dict(MODEL, quantization="awq", max_num_seqs=8, enable_prefix_caching=False)
    for commit in ("", "abc"):
        flags = flags_of(command_args(full, 8000, "/m", commit))
        assert set(flags) <= set(MANAGED_FLAGS)
        assert len(flags) == len(set(flags))


def test_extra_args_come_last_unchanged():
    extra = ["--enable-chunked-prefill", "--limit-mm-per-prompt", '{"image": 2}']
    args = command_args(dict(MODEL, extra_args=extra), 8000, "/m")
    assert args[-3:] == extra
    assert value_of(args, "--port") == "8000"


@pytest.mark.parametrize(
    "arg, name",
    [
        ("--port", "--port"),
        ("--port=9000", "--port"),
        ("--max_model_len=4096", "--max-model-len"),
        ("--compilation_config.level=3", "--compilation-config.level"),
        ("9000", None),
    ],
)
def test_a_flag_is_named_as_vllm_reads_it(arg, name):
    assert flag_name(arg) == name


@pytest.mark.parametrize("flag", MANAGED_FLAGS)
def test_extra_args_repeating_any_managed_flag_in_any_spelling_are_refused_by_flag_name_only(flag):
    spellings = [flag, flag + "=x", flag.replace("-", "_").replace("__", "--", 1) + "=s3cret"]
    for spelling in spellings:
        assert duplicated_flags([spelling]) == [flag]
        with pytest.raises(VllmArgsError, match="extra_args must not repeat the flags the role sets") as err:
            command_args(dict(MODEL, extra_args=[spelling]), 8000, "/m")
        assert "s3cret" not in str(err.value)
        assert vllm_entry_problems(dict(MODEL, extra_args=[spelling]))[-1].endswith(f"({flag})")


def test_the_filter_reports_a_refusal_as_a_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"vllm_args: vllm_models entry 'llama': .*\(--port\)"):
        vllm_args(dict(MODEL, extra_args=["--port", "1"]), 8000, "/m")
    assert vllm_args(MODEL, 8000, "/m") == command_args(MODEL, 8000, "/m")
