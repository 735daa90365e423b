# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The keda role's business-hours window: which rule a setting breaks, one line each.

keda_cron_days becomes the day-of-week field of the KEDA cron trigger's start and end. KEDA parses them with
github.com/robfig/cron/v3's standard parser (pkg/scalers/cron_scaler.go, cron.New().AddFunc), whose day-of-week
field takes 0-6 or SUN-SAT (any case; 7 is refused: spec.go `dow = bounds{0, 6, ...}`), `*` or `?`, ranges
`a-b` with a <= b, lists `a,b` and steps `/n` (parser.go getRange). This accepts exactly that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


def _day(text):
    text = text.strip().lower()
    if text in _DAY_NAMES:
        return _DAY_NAMES[text]
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    return None


def _range_ok(part):
    """One comma-separated part of a day-of-week field: `*`, `?`, `d`, `a-b`, each optionally with `/step`."""
    spec, slash, step = part.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if spec in ("*", "?"):
        return True
    low, dash, high = spec.partition("-")
    start, end = _day(low), _day(high) if dash else None
    return start is not None and not (dash and (end is None or end < start))


def days_problem(days):
    """None when `days` is a cron day-of-week field KEDA accepts, else the line saying what is wrong."""
    text = str(days)
    if text and all(_range_ok(part) for part in text.split(",")):
        return None
    return (
        "keda_cron_days must be a cron day-of-week field: 0-6 or SUN-SAT (0 and SUN are Sunday), as a range (1-5, "
        "MON-FRI), a list (1,3,5, MON,WED,FRI), with an optional step (*/2), or *; got %r" % (days,)
    )


def cron_problems(start, end, days, replicas):
    """One line per rule the business-hours settings break; empty when they break none."""
    problems = []
    for name, value in (("keda_cron_start", start), ("keda_cron_end", end)):
        if not _HHMM.match(str(value)):
            problems.append("%s must be a 24-hour HH:MM time such as 08:00, got %r" % (name, value))
    if not problems and str(end) <= str(start):
        problems.append(
            "keda_cron_end (%s) must be after keda_cron_start (%s) on the same day: the window cannot cross midnight"
            % (end, start)
        )
    day_problem = days_problem(days)
    if day_problem:
        problems.append(day_problem)
    try:
        count = int(replicas)
    except (TypeError, ValueError):
        count = 0
    if count < 1 or str(replicas).strip() != str(count):
        problems.append("keda_cron_replicas must be a whole number of at least 1, got %r" % (replicas,))
    return problems
