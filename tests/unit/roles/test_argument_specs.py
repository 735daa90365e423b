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
