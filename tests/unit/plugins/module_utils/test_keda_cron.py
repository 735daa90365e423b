"""The keda role's business-hours settings: one line per broken rule; the days are what KEDA's cron accepts."""

from __future__ import annotations

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.keda_cron import cron_problems, days_problem


@pytest.mark.parametrize(
    "days",
    [
        "1-5",
        "MON-FRI",
        "mon-fri",
        "Mon,Wed,Fri",
        "1,3,5",
        "0",
        "SUN",
        "6",
        "*",
        "?",
        "*/2",
        "1-5/2",
        "0-6",
        "MON-3,SAT",
    ],
)
def test_keda_cron_days_accepts_what_keda_cron_accepts(days: str) -> None:
    assert days_problem(days) is None


@pytest.mark.parametrize("days", ["7", "1-7", "5-1", "FRI-MON", "MONDAY", "", "1,,5", "1-", "*/0", "1 5", "weekdays"])
def test_keda_cron_days_refuses_what_keda_cron_refuses(days: str) -> None:
    assert days_problem(days).startswith("keda_cron_days must be a cron day-of-week field: 0-6 or SUN-SAT")
    assert repr(days) in days_problem(days)


def test_good_settings_break_no_rule() -> None:
    assert cron_problems("08:00", "18:00", "MON-FRI", 1) == []


@pytest.mark.parametrize("start", ["8am", "8:00", "24:00", "08:60", ""])
def test_a_bad_start_is_named_as_the_start(start: str) -> None:
    assert cron_problems(start, "18:00", "1-5", 1) == [
        f"keda_cron_start must be a 24-hour HH:MM time such as 08:00, got {start!r}"
    ]


def test_a_bad_end_is_named_as_the_end() -> None:
    assert cron_problems("08:00", "6pm", "1-5", 1) == [
        "keda_cron_end must be a 24-hour HH:MM time such as 08:00, got '6pm'"
    ]


def test_an_end_before_the_start_names_both() -> None:
    assert cron_problems("18:00", "08:00", "1-5", 1) == [
        "keda_cron_end (08:00) must be after keda_cron_start (18:00) on the same day: the window cannot cross midnight"
    ]


def test_each_broken_rule_is_its_own_line() -> None:
    problems = cron_problems("8am", "18:00", "1-7", 0)

    assert [p.split(" ", 1)[0] for p in problems] == ["keda_cron_start", "keda_cron_days", "keda_cron_replicas"]
