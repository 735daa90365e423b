"""Every value key every role passes to a chart exists in that chart's upstream values.yaml, for every inventory.

The releases are found in the roles' tasks (each include of the helm_release role, and the releases it lists), so a
new chart or a new value is checked without touching this test. Helm validates values.schema.json itself (the
loopback repository's charts carry it); this check catches misspelt keys that Helm would silently ignore
(tests/harness/chart_values.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from role_render import role_value

from tests.harness.chart_values import unknown_chart_keys
from tests.harness.upstream import chart_name_of, upstream_dir

REPO_ROOT = Path(__file__).resolve().parents[3]
UPSTREAM = upstream_dir()
INVENTORIES = sorted(p.name for p in (REPO_ROOT / "inventories").iterdir() if (p / "group_vars").is_dir())
HELM_RELEASE = "gpuops.llm_inference.helm_release"


def _tasks(tasks: list[dict[str, Any]], conditions: tuple[str, ...] = ()) -> Iterator[tuple[dict[str, Any], tuple]]:
    for task in tasks or []:
        when = task.get("when", [])
        here = conditions + tuple(when if isinstance(when, list) else [when])
        if "block" in task:
            yield from _tasks(task["block"], here)
        else:
            yield task, here


def releases() -> list[tuple[str, str, dict[str, Any], tuple]]:
    """(role, task name, the include's vars, its when conditions) for every chart install in every role."""
    found = []
    for path in sorted(REPO_ROOT.glob("roles/*/tasks/*.yml")):
        role = path.parts[-3]
        for task, conditions in _tasks(yaml.safe_load(path.read_text(encoding="utf-8"))):
            include = task.get("ansible.builtin.include_role") or {}
            if include.get("name") == HELM_RELEASE:
                found.append((role, task["name"], task, conditions))
    return found


def inventory_vars(inventory: str) -> dict[str, Any]:
    """group_vars/all of an inventory, with the vault examples standing in for the encrypted secrets."""
    variables: dict[str, Any] = {}
    folder = REPO_ROOT / "inventories" / inventory / "group_vars" / "all"
    for path in sorted(folder.glob("*.yml")) + sorted(folder.glob("vault.yml.example")):
        if path.name == "vault.yml":
            continue
        variables.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    # Where the chart comes from does not change its values; the local inventory's loopback paths need a cluster.
    return {k: v for k, v in variables.items() if not k.endswith(("_chart_repo_url", "_chart_ref"))}


def test_the_roles_install_charts() -> None:
    assert {release[0] for release in releases()} >= {"cert_manager", "gpu_operator", "istio", "keda", "prometheus"}


@pytest.mark.upstream
@pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize(
    ("role", "task", "include", "conditions"), releases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_value_key_exists_in_the_pinned_chart(
    inventory: str,
    role: str,
    task: str,
    include: dict[str, Any],
    conditions: tuple,
) -> None:
    assert UPSTREAM is not None
    overrides = inventory_vars(inventory)
    if not all(role_value(role, str(condition), overrides) for condition in conditions):
        pytest.skip(f"{inventory} does not run '{task}'")
    items = role_value(role, include["loop"].strip("{} "), overrides) if "loop" in include else [None]
    loop_var = (include.get("loop_control") or {}).get("loop_var", "item")
    for item in items:
        scope = {**overrides, loop_var: item}
        listed = include["vars"]["helm_release_releases"]
        # A list written out in the task, or an expression naming the role's list of releases.
        chart_releases = listed if isinstance(listed, list) else role_value(role, _expression(listed), scope)
        for release in chart_releases:
            chart = chart_name_of(str(_field(role, release["chart"], scope)))
            version = str(_field(role, release["version"], scope))
            values = _field(role, release.get("values", {}), scope) or {}
            checked = f"{role}: {chart} {version} ({inventory})"
            assert unknown_chart_keys(values, chart, version, UPSTREAM) == [], checked


def _field(role: str, value: Any, scope: dict[str, Any]) -> Any:
    """A release field: a string is a task var (template or literal) to evaluate; anything else is already a value."""
    return role_value(role, _expression(value), scope) if isinstance(value, str) else value


def _expression(text: str) -> str:
    """The Jinja expression of a task var ("{{ x }}"), or the literal quoted."""
    stripped = str(text).strip()
    if stripped.startswith("{{") and stripped.endswith("}}"):
        return stripped[2:-2].strip()
    return repr(stripped)


@pytest.mark.upstream
@pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
def test_a_misspelt_key_is_reported_by_its_path() -> None:
    assert UPSTREAM is not None
    values = {"operator": {"replicaCount": 1, "replicaCuont": 2}, "resources": {"anything": {}}}
    assert unknown_chart_keys(values, "keda", "2.20.2", UPSTREAM) == ["operator.replicaCuont"]
    # Istio nests its defaults under _internal_defaults_do_not_set and merges them over .Values.
    assert unknown_chart_keys({"autoscaleMin": 2, "autoscaleEnabeld": True}, "istiod", "1.30.3", UPSTREAM) == [
        "autoscaleEnabeld"
    ]
