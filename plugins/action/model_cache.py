# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""model_cache with the in-Job downloader: the downloader runs inside the seeding Job, never on the controller or
the managed host, so it is not a module_util that AnsiballZ would ship. It lives in the collection's
`files/job_downloader.py`; this plugin reads it on the controller and passes its text to the module as
`downloader_source`, which the module puts in the ConfigMap the Job runs it from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

_MODULE = "gpuops.llm_inference.model_cache"
# plugins/action/model_cache.py -> the collection's root, in a checkout as in an installed collection.
DOWNLOADER = Path(__file__).resolve().parents[2] / "files" / "job_downloader.py"


def downloader_source() -> str:
    """The text of the in-Job downloader this collection ships."""
    return DOWNLOADER.read_text(encoding="utf-8")


class ActionModule(ActionBase):
    """Runs the model_cache module with `downloader_source` set to the shipped downloader, unless the task sets it."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if args.get("downloader_source") is None:
            args["downloader_source"] = downloader_source()
        result.update(self._execute_module(module_name=_MODULE, module_args=args, task_vars=task_vars))
        # The 20 kB source would otherwise fill every registered result and -v output.
        shown = result.get("invocation", {}).get("module_args", {})
        if "downloader_source" in shown:
            shown["downloader_source"] = "(%d characters)" % len(args["downloader_source"])
        return result
