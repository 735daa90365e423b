# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``monthly_cost``: what a node billed per hour costs per month under a schedule.

The documentation lives in ``monthly_cost.yml`` next to this file: ansible-doc finds a filter's
docs in ``<filter name>.yml`` when the filter name differs from the file name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365
# Part 1 of the seed articles counts 247 working days as 52 weeks x 5 days - 13 holidays (Austria); the calendar
# of a given year can differ by a day or two, which the `working_days_per_year` key lets a user pin exactly.
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12


def _number(value, name, minimum=0.0, maximum=None):
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("monthly_cost: %s must be a number, got %r" % (name, value)) from exc
    if number < minimum or (maximum is not None and number > maximum):
        raise AnsibleFilterError(
            "monthly_cost: %s must be between %s and %s, got %r" % (name, minimum, maximum or "infinity", value)
        )
    return number


def _price(price_per_hour):
    """Accept a number or an OVH flavor name from the planner's GPU catalog."""
    if isinstance(price_per_hour, str) and not _looks_numeric(price_per_hour):
        from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan import resolve_gpu

        try:
            return float(resolve_gpu(price_per_hour)["price_per_hour"])
        except (KeyError, ValueError) as exc:
            raise AnsibleFilterError("monthly_cost: unknown flavor %r: %s" % (price_per_hour, exc)) from exc
    return _number(price_per_hour, "price_per_hour")


def _looks_numeric(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def hours_per_year(schedule):
    """Billed hours per year for a schedule dict (see monthly_cost.yml for the keys)."""
    if not isinstance(schedule, dict):
        raise AnsibleFilterError("monthly_cost: schedule must be a dict, got %r" % (schedule,))
    mode = schedule.get("mode", "always")
    if mode not in ("always", "daily", "business_days"):
        raise AnsibleFilterError(
            "monthly_cost: schedule.mode must be one of always, daily, business_days, got %r" % (mode,)
        )
    if mode == "always":
        return float(HOURS_PER_DAY * DAYS_PER_YEAR)
    hours_per_day = _number(schedule.get("hours_per_day"), "schedule.hours_per_day", 0, HOURS_PER_DAY)
    if mode == "daily":
        days = _number(schedule.get("days_per_year", DAYS_PER_YEAR), "schedule.days_per_year", 0, 366)
        return hours_per_day * days
    if "working_days_per_year" in schedule:
        days = _number(schedule["working_days_per_year"], "schedule.working_days_per_year", 0, 366)
    else:
        weekdays = _number(schedule.get("weekdays", 5), "schedule.weekdays", 0, 7)
        holidays = _number(schedule.get("holidays", 0), "schedule.holidays", 0, 366)
        days = max(WEEKS_PER_YEAR * weekdays - holidays, 0.0)
    return hours_per_day * days


def monthly_cost(price_per_hour, schedule=None, nodes=1):
    """Yearly and monthly cost of ``nodes`` nodes billed ``price_per_hour`` under ``schedule``."""
    price = _price(price_per_hour)
    count = _number(nodes, "nodes")
    hours = hours_per_year(schedule if schedule is not None else {"mode": "always"})
    cost_per_year = hours * price * count
    return {
        "price_per_hour": price,
        "nodes": count,
        "hours_per_year": round(hours, 2),
        "hours_per_month": round(hours / MONTHS_PER_YEAR, 2),
        "cost_per_year": round(cost_per_year, 2),
        "cost_per_month": round(cost_per_year / MONTHS_PER_YEAR, 2),
    }


class FilterModule(object):
    """Cost filters."""

    def filters(self):
        return {"monthly_cost": monthly_cost}
