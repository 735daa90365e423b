"""Run an Ansible module's main() in-process and return its JSON result (for module tests)."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args


def run_module(
    module: ModuleType,
    args: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    check: bool = False,
    diff: bool = False,
) -> dict[str, Any]:
    """Call ``module.main()`` with ``args``; ``failed`` is set in the result when the module failed."""
    full = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(full), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)
