"""Every loop in a role names its variable `__<role>_*`: no bare `item`, which an included role or a nested loop
would silently share (ansible warns and the inner loop shadows the outer one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

ROLES = REPO_ROOT / "roles"
LOOP_KEYS = ("loop", "with_items", "with_list", "with_dict", "with_fileglob", "with_sequence", "with_together")
# A Jinja expression or statement that reads `item` (or a registered result's `.item`).
JINJA_ITEM = re.compile(r"(\{\{|\{%)(?:(?!\}\}|%\}).)*?(?<![\w'\"])\.?item\b", re.DOTALL)


def tasks_in(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    found = []
    for task in entries or []:
        found.append(task)
        for key in ("block", "rescue", "always"):
            found += tasks_in(task.get(key))
    return found


def role_files(pattern: str) -> list[Path]:
    return sorted(ROLES.glob(pattern))


def test_every_loop_of_a_role_names_its_variable_after_the_role() -> None:
    wrong = []
    for path in role_files("*/tasks/**/*.yml"):
        role = path.relative_to(ROLES).parts[0]
        for task in tasks_in(yaml.safe_load(path.read_text())):
            if not any(key in task for key in LOOP_KEYS):
                continue
            loop_var = (task.get("loop_control") or {}).get("loop_var", "item")
            if not str(loop_var).startswith(f"__{role}_"):
                wrong.append(f"{path.relative_to(REPO_ROOT)}: {task.get('name')!r} loops over {loop_var!r}")
    assert not wrong, "\n".join(wrong)


def test_no_task_or_template_of_a_role_reads_a_bare_item() -> None:
    readers = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)[-60:]!r}"
        for path in role_files("*/tasks/**/*.yml") + role_files("*/templates/**/*.j2")
        for match in JINJA_ITEM.finditer(path.read_text())
    ]
    assert not readers, "\n".join(readers)
