# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.core.k8s_info, computed in the controller's process where the module would run there anyway
(plugin_utils/k8s_in_controller.py): the same module code and result, without a Python process per read."""

from __future__ import annotations

from typing import Any

from ansible_collections.gpuops.llm_inference.plugins.plugin_utils.k8s_in_controller import run_in_controller
from ansible_collections.kubernetes.core.plugins.action.k8s import ActionModule as K8sActionModule

_MODULE = "kubernetes.core.k8s_info"


class ActionModule(K8sActionModule):
    """Runs kubernetes.core.k8s_info through kubernetes.core's action plugin (kubeconfig handling), in this process
    when the task runs on the controller, else as the module."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        # The parent plugin runs the module named by the task's action.
        action = self._task.action
        self._task.action = _MODULE
        try:
            return super().run(tmp, task_vars)
        finally:
            self._task.action = action

    def _execute_module(
        self, module_name: str | None = None, module_args: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        if module_name == _MODULE:
            params = dict(module_args if module_args is not None else self._task.args)
            result = run_in_controller(
                self, _MODULE, params, bool(self._task.check_mode), bool(self._task.diff), kwargs.get("task_vars")
            )
            if result is not None:
                return result
        return super()._execute_module(module_name, module_args, *args, **kwargs)
