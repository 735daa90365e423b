"""What a role's tasks/validate.yml passes to its problems filter, and what the rules read of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROLES = Path(__file__).resolve().parents[4] / "roles"


class ReadRecorder(dict):
    """A dict of inputs that remembers which keys the rules read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def passed_inputs(role: str) -> set[str]:
    """The names in the `__<role>_inputs` dict of the role's one validate task."""
    [task] = yaml.safe_load((ROLES / role / "tasks" / "validate.yml").read_text(encoding="utf-8"))
    return set(task["vars"][f"__{role}_inputs"])
