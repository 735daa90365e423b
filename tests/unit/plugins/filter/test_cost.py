"""The monthly_cost filter reproduces the seed articles' cost tables to the euro."""

import re
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.cost import FilterModule, monthly_cost
from ansible_collections.gpuops.llm_inference.plugins.module_utils import vllm_plan as planner
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan_catalog import GPUS

PRICE = 0.36  # RTX5000-28, EUR/h, as in the seed articles


@pytest.mark.parametrize(
    ("schedule", "hours", "per_year", "per_month"),
    [
        ({"mode": "always"}, 8760, 3154, 263),
        ({"mode": "daily", "hours_per_day": 8}, 2920, 1051, 88),
        ({"mode": "business_days", "hours_per_day": 10, "working_days_per_year": 247}, 2470, 889, 74),
        ({"mode": "business_days", "hours_per_day": 10, "weekdays": 5, "holidays": 13}, 2470, 889, 74),
    ],
)
def test_part1_cost_table_is_reproduced_to_the_euro(schedule, hours, per_year, per_month):
    result = monthly_cost(PRICE, schedule)
    assert result["hours_per_year"] == hours
    assert round(result["cost_per_year"]) == per_year
    assert round(result["cost_per_month"]) == per_month


@pytest.mark.parametrize(
    ("schedule", "hours_per_month", "per_month"),
    [
        ({"mode": "always"}, 730, 263),
        ({"mode": "daily", "hours_per_day": 8}, 243, 88),
        # The article prints 60 h (2 h x 30 days); a twelfth of a year is 60.8 h. Both cost 22 EUR.
        ({"mode": "daily", "hours_per_day": 2}, 60, 22),
    ],
)
def test_part4_monthly_table_is_reproduced(schedule, hours_per_month, per_month):
    result = monthly_cost(PRICE, schedule)
    assert int(result["hours_per_month"]) == hours_per_month
    assert round(result["cost_per_month"]) == per_month


def test_default_schedule_is_always_on():
    assert monthly_cost(1)["hours_per_year"] == 8760


def test_nodes_multiply_the_cost_but_not_the_hours():
    one = monthly_cost(PRICE, {"mode": "always"})
    two = monthly_cost(PRICE, {"mode": "always"}, nodes=2)
    assert two["hours_per_year"] == one["hours_per_year"]
    assert two["cost_per_year"] == pytest.approx(2 * one["cost_per_year"])


def test_a_flavor_name_uses_the_catalog_price():
    assert monthly_cost("rtx5000-28")["cost_per_month"] == pytest.approx(262.8)


def test_a_numeric_string_is_a_price():
    assert monthly_cost("0.36")["price_per_hour"] == pytest.approx(0.36)


@pytest.mark.parametrize(
    ("price", "schedule", "message"),
    [
        (PRICE, {"mode": "weekly"}, "schedule.mode"),
        (PRICE, {"mode": "daily"}, "hours_per_day"),
        (PRICE, {"mode": "daily", "hours_per_day": 25}, "hours_per_day"),
        (-1, {"mode": "always"}, "price_per_hour"),
        ("no-such-flavor", {"mode": "always"}, "unknown flavor"),
        (PRICE, "always", "must be a dict"),
    ],
)
def test_bad_input_is_a_filter_error_naming_the_field(price, schedule, message):
    with pytest.raises(AnsibleFilterError, match=message):
        monthly_cost(price, schedule)


def test_filter_is_registered_under_its_documented_name():
    assert FilterModule().filters()["monthly_cost"] is monthly_cost


@pytest.mark.parametrize("flavor", sorted(GPUS))
def test_every_flavor_costs_what_the_planners_catalog_says(flavor):
    # One GPU catalog (module_utils/vllm_plan_catalog.py) prices the planner's suggestions and the cost filter.
    assert monthly_cost(flavor)["price_per_hour"] == pytest.approx(GPUS[flavor]["price_per_hour"])
    assert planner.resolve_gpu(flavor)["price_per_hour"] == GPUS[flavor]["price_per_hour"]


def test_no_plugin_but_the_catalog_holds_a_gpu_price_or_vram_table():
    plugins = Path(__file__).resolve().parents[4] / "plugins"
    holders = [
        str(p.relative_to(plugins))
        for p in plugins.rglob("*.py")
        if re.search(r"[\"']price_per_hour[\"']\s*:\s*[0-9]|[\"']vram_gib[\"']\s*:\s*[0-9]", p.read_text())
        or re.search(r"price_per_hour=[0-9]", p.read_text())
    ]
    assert holders == ["module_utils/vllm_plan_catalog.py"]
