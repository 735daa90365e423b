"""Monthly GPU cost of an inventory's configured stack, with the monthly_cost filter (README "Cost").

    python -m scripts.cost_report [staging|production]

Prices one GPU node of the environment's vllm_gpu_flavor under the three schedules the seed articles compare;
with scale to zero the node costs nothing while it is released.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from ansible_collections.gpuops.llm_inference.plugins.filter.cost import FilterModule

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = [
    ("24/7", {"mode": "always"}),
    ("8 h/day, 365 days", {"mode": "daily", "hours_per_day": 8}),
    ("business days (10 h, 13 holidays)", {"mode": "business_days", "hours_per_day": 10, "holidays": 13}),
]


def table(env: str) -> str:
    settings = yaml.safe_load((ROOT / "inventories" / env / "group_vars" / "all" / "vllm.yml").read_text())
    flavor = settings["vllm_gpu_flavor"]
    monthly_cost = FilterModule().filters()["monthly_cost"]
    rows = [f"| {env}: one {flavor} GPU node | h/year | €/year | €/month |", "|---|---|---|---|"]
    for label, schedule in SCHEDULES:
        cost = monthly_cost(flavor, schedule)
        hours, per_year, per_month = cost["hours_per_year"], cost["cost_per_year"], cost["cost_per_month"]
        rows.append(f"| {label} | {hours:,.0f} | €{per_year:,.0f} | €{per_month:,.0f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else "staging"))
