"""Role interfaces of gpu_operator, prometheus and keda: every default is described, and the two agree.

`meta/argument_specs.yml` is what users read (ansible-doc) and what fails bad input before any task runs; a default
that drifts from `defaults/main.yml` would document one value and apply another.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from role_render import ROLES

OWN_ROLES = ["gpu_operator", "prometheus", "keda"]


def _load(role: str, relative: str) -> Any:
    return yaml.safe_load((ROLES / role / relative).read_text(encoding="utf-8"))


@pytest.mark.parametrize("role", OWN_ROLES)
def test_every_default_is_described_with_the_same_value(role: str) -> None:
    defaults = _load(role, "defaults/main.yml")
    specs = _load(role, "meta/argument_specs.yml")["argument_specs"]
    options = specs["main"]["options"]
    assert specs["validate"] == specs["main"], "validate must share main's spec (the YAML anchor)"
    assert set(defaults) == set(options)
    for name, value in defaults.items():
        assert name.startswith(f"{role}_"), name
        assert options[name]["description"], name
        if isinstance(value, str) and "{{" in value:
            continue  # derived from other roles' variables; the spec documents the usual result
        assert options[name].get("default") == value, name
