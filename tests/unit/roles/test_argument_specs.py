"""Role interfaces of all the collection's roles: every default is described, and the two agree.

`meta/argument_specs.yml` is what users read (ansible-doc) and what fails bad input before any task runs; a default
that drifts from `defaults/main.yml` would document one value and apply another.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from role_render import ROLES

SEVEN_ROLES = ["istio", "cert_manager", "gpu_operator", "prometheus", "vllm", "keda", "routes"]
# Every role of the collection, so a new role is covered without editing this list.
OWN_ROLES = sorted(p.name for p in ROLES.iterdir() if (p / "defaults/main.yml").is_file())


def test_the_seven_roles_of_site_yml_are_all_covered() -> None:
    assert set(SEVEN_ROLES) <= set(OWN_ROLES)


def _load(role: str, relative: str) -> Any:
    return yaml.safe_load((ROLES / role / relative).read_text(encoding="utf-8"))


@pytest.mark.parametrize("role", OWN_ROLES)
def test_every_default_is_described_with_the_same_value(role: str) -> None:
    defaults = _load(role, "defaults/main.yml")
    specs = _load(role, "meta/argument_specs.yml")["argument_specs"]
    options = specs["main"]["options"]
    if (ROLES / role / "tasks/validate.yml").is_file():
        assert specs["validate"] == specs["main"], "validate must share main's spec (the YAML anchor)"
    assert set(defaults) <= set(options)
    # An option without a default is one the caller must give, or a gpuops_* contract variable that the role
    # falls back from (tests/unit/roles/test_role_contracts.py).
    undefaulted = set(options) - set(defaults)
    assert all(options[name].get("required") or name.startswith("gpuops_") for name in undefaulted)
    for name, value in defaults.items():
        assert name.startswith(f"{role}_"), name
        assert options[name]["description"], name
        if isinstance(value, str) and "{{" in value:
            continue  # derived from other roles' variables; the spec documents the usual result
        assert options[name].get("default") == value, name


def _site_plays() -> tuple[list[str], dict[str, Any]]:
    """The roles the first play of site.yml checks (in order), and its deploy play."""
    site = yaml.safe_load((ROLES.parent / "playbooks/site.yml").read_text(encoding="utf-8"))
    check = yaml.safe_load((ROLES.parent / "playbooks/validate.yml").read_text(encoding="utf-8"))
    (checked,) = [t["loop"] for t in check[0]["tasks"]]
    (deploy,) = [p for p in site if "tasks" in p]
    return checked, deploy


def test_site_yml_skips_only_the_checks_its_first_play_made_with_the_same_variables() -> None:
    """The deploy play imports each role without its checks (rolespec_validate: false, __gpuops_inputs_checked):
    only sound when the first play checked that same role, through the same spec, with the same variables."""
    checked, deploy = _site_plays()
    imports = [t["ansible.builtin.import_role"] for t in deploy["tasks"]]
    assert [i["name"].rsplit(".", 1)[-1] for i in imports] == checked == SEVEN_ROLES
    assert deploy["vars"] == {"__gpuops_inputs_checked": True}
    for task, role in zip(deploy["tasks"], imports, strict=True):
        # No role parameters or task vars: the role sees the variables the first play checked.
        assert set(role) == {"name", "rolespec_validate"} and role["rolespec_validate"] is False
        assert set(task) == {"name", "ansible.builtin.import_role", "tags"}


@pytest.mark.parametrize("role", SEVEN_ROLES)
def test_a_role_skips_its_checks_only_when_site_yml_made_them(role: str) -> None:
    tasks = _load(role, "tasks/main.yml")
    assert tasks[0]["ansible.builtin.import_tasks"] == "validate.yml"  # before any other task
    assert tasks[0]["when"] == "not (__gpuops_inputs_checked | default(false))"
    # The validate entry point the first play runs is the same spec as main (test above) and the same tasks file.
    assert not any("__gpuops_inputs_checked" in str(t) for t in tasks[1:])
