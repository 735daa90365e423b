"""The keda role's inputs: one line per broken rule, naming the variable the user set."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.keda_inputs import problems
from role_inputs import ReadRecorder, passed_inputs

GOOD: dict[str, Any] = {
    "keda_namespace": "keda",
    "keda_target_namespace": "vllm",
    "keda_http_interceptor_namespace": "keda",
    "keda_models": [{"name": "llama31-8b", "repo_id": "meta-llama/Llama-3.1-8B-Instruct"}],
    "keda_threshold": 5,
    "keda_activation_threshold": 0,
    "keda_min_replicas": 0,
    "keda_max_replicas": 2,
    "keda_cooldown_period": 300,
    "keda_polling_interval": 15,
    "keda_scale_down_stabilization_seconds": 600,
    "keda_cron_enabled": False,
    "keda_cron_start": "08:00",
    "keda_cron_end": "18:00",
    "keda_cron_days": "1-5",
    "keda_cron_replicas": 1,
    "keda_cron_timezone": "Europe/Vienna",
    "keda_http_addon_enabled": False,
    "keda_routes_enabled": True,
    "keda_routes_hostname": "",
}
CRON_ON = {"keda_cron_enabled": True}
ADDON_ON = {"keda_http_addon_enabled": True, "keda_routes_hostname": "llm.example.org"}


def problems_with(**changes: Any) -> list[str]:
    return problems({**GOOD, **changes})


def model(**keda: Any) -> list[dict[str, Any]]:
    return [{"name": "llama31-8b", "keda": keda}]


def test_the_role_defaults_break_no_rule() -> None:
    assert problems(GOOD) == []


def test_good_overrides_a_window_and_the_http_add_on_break_no_rule() -> None:
    assert (
        problems_with(keda_models=model(min_replicas=1, max_replicas=4, threshold="2.5"), **CRON_ON, **ADDON_ON) == []
    )
    # Values from an inventory or -e arrive as strings.
    assert (
        problems_with(keda_min_replicas="1", keda_max_replicas="3", keda_cron_enabled="yes", keda_cron_days="MON-FRI")
        == []
    )


# Each case breaks one rule; the one line it gives starts with (or names) the variable to fix.
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "namespace not a DNS label": ({"keda_namespace": "KEDA"}, "keda_namespace (gpuops_keda_namespace)"),
    "target namespace not a DNS label": (
        {"keda_target_namespace": "v.llm"},
        "keda_target_namespace (gpuops_vllm_namespace)",
    ),
    "interceptor namespace not a DNS label": (
        {"keda_http_interceptor_namespace": "-"},
        "keda_http_interceptor_namespace",
    ),
    "model without a name": ({"keda_models": [{"repo_id": "x/y"}]}, "keda_models (gpuops_models)"),
    "model name longer than 53": ({"keda_models": [{"name": "a" * 54}]}, "keda_models (gpuops_models)"),
    "threshold of zero": ({"keda_threshold": 0}, "keda_threshold"),
    "negative threshold": ({"keda_threshold": -1}, "keda_threshold"),
    "negative activation threshold": ({"keda_activation_threshold": -0.5}, "keda_activation_threshold"),
    "fractional min replicas": ({"keda_min_replicas": 0.5}, "keda_min_replicas"),
    "max replicas of zero": ({"keda_max_replicas": 0}, "keda_max_replicas"),
    "min above max": ({"keda_min_replicas": 3, "keda_max_replicas": 2}, "keda_min_replicas"),
    "a model's threshold": ({"keda_models": model(threshold="none")}, "keda_models[llama31-8b].keda.threshold"),
    "a model's activation threshold": (
        {"keda_models": model(activation_threshold=-1)},
        "keda_models[llama31-8b].keda.activation_threshold",
    ),
    "a model's max replicas": ({"keda_models": model(max_replicas=0)}, "keda_models[llama31-8b].keda.max_replicas"),
    "a model's keda settings not a dict": (
        {"keda_models": [{"name": "llama", "keda": "fast"}]},
        "keda_models[llama].keda",
    ),
    "negative cooldown": ({"keda_cooldown_period": -1}, "keda_cooldown_period"),
    "polling every 0 s": ({"keda_polling_interval": 0}, "keda_polling_interval"),
    "stabilisation over an hour": (
        {"keda_scale_down_stabilization_seconds": 3601},
        "keda_scale_down_stabilization_seconds",
    ),
    "window start not HH:MM": ({**CRON_ON, "keda_cron_start": "8am"}, "keda_cron_start"),
    "window end before start": ({**CRON_ON, "keda_cron_start": "18:00", "keda_cron_end": "08:00"}, "keda_cron_end"),
    "day 7": ({**CRON_ON, "keda_cron_days": "1-7"}, "keda_cron_days"),
    "no replicas in the window": ({**CRON_ON, "keda_cron_replicas": 0}, "keda_cron_replicas"),
    "unknown time zone": ({**CRON_ON, "keda_cron_timezone": "Europe/Atlantis"}, "keda_cron_timezone"),
    "HTTP add-on with routes off": (
        {**ADDON_ON, "keda_routes_enabled": False},
        "keda_http_addon_enabled is true but routes are off: keda_routes_enabled (gpuops_routes_enabled) is False",
    ),
    "HTTP add-on without a host name": (
        {**ADDON_ON, "keda_routes_hostname": ""},
        "keda_routes_hostname (gpuops_hostname) is ''",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_rule_gives_one_line_naming_its_variable(case: str) -> None:
    changes, variable = BROKEN[case]
    [line] = problems_with(**changes)
    assert variable in line, line


def test_the_window_and_the_add_on_are_checked_only_when_enabled() -> None:
    assert problems_with(keda_cron_start="8am", keda_cron_timezone="Mars/Olympus") == []
    assert problems_with(keda_routes_enabled=False) == []


def test_min_above_max_names_both_variables_with_their_values() -> None:
    assert problems_with(keda_min_replicas=3, keda_max_replicas=1) == [
        "keda_min_replicas (3) must not exceed keda_max_replicas (1)"
    ]


def test_a_model_override_is_named_and_the_default_it_meets_too() -> None:
    assert problems_with(keda_models=model(min_replicas=4)) == [
        "keda_models[llama31-8b].keda.min_replicas (4) must not exceed keda_max_replicas (2)"
    ]


def test_a_broken_default_is_reported_once_whatever_the_number_of_models() -> None:
    models = [{"name": "a"}, {"name": "b"}, {"name": "c", "keda": {"min_replicas": 1}}]
    found = problems_with(keda_models=models, keda_threshold=-1)
    assert found == ["keda_threshold must be a number > 0, got -1"]


def test_several_broken_rules_give_one_line_each() -> None:
    found = problems_with(
        keda_namespace="Keda",
        keda_threshold=0,
        keda_polling_interval=0,
        keda_models=model(max_replicas=0),
        **CRON_ON,
        keda_cron_days="weekdays",
        keda_cron_timezone="CEST",
    )

    named = ["keda_namespace", "keda_threshold", "keda_models[llama31-8b].keda.max_replicas", "keda_polling_interval"]
    named += ["keda_cron_days", "keda_cron_timezone"]
    assert len(found) == len(named)
    assert [variable in line for variable, line in zip(named, found, strict=True)] == [True] * len(named)


def test_the_role_passes_exactly_the_inputs_the_rules_read() -> None:
    """Every rule on (the optional ones enabled): a key the role forgets, or passes for nothing, fails here."""
    inputs = ReadRecorder({**GOOD, **CRON_ON, **ADDON_ON})

    assert problems(inputs) == []
    assert inputs.read == set(GOOD) == passed_inputs("keda")
