# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.core.k8s, with a check mode that works on a fresh cluster (see module_utils/k8s_check.py)."""

from __future__ import annotations

from typing import Any

from ansible_collections.gpuops.llm_inference.plugins.module_utils.k8s_check import check_mode_result
from ansible_collections.kubernetes.core.plugins.action.k8s import ActionModule as K8sActionModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.resource import create_definitions

_MODULE = "kubernetes.core.k8s"


class ActionModule(K8sActionModule):
    """Runs kubernetes.core.k8s through its own action plugin (templates, src, kubeconfig), unchanged outside
    check mode; in check mode, reports objects whose namespace or CRD an earlier task would create as planned
    creations with a diff, and adds the diff kubernetes.core.k8s leaves out for objects it would create."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        # The parent plugin accepts `template` only when the task's action is kubernetes.core.k8s, and runs the
        # module named by the task's action.
        action = self._task.action
        self._task.action = _MODULE
        try:
            return super().run(tmp, task_vars)
        finally:
            self._task.action = action

    def _execute_module(
        self, module_name: str | None = None, module_args: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        result = super()._execute_module(module_name, module_args, *args, **kwargs)
        if module_name != _MODULE or not self._play_context.check_mode:
            return result
        params = dict(module_args if module_args is not None else self._task.args)
        if "definition" in params:
            params["resource_definition"] = params.pop("definition")
        try:
            definitions = [dict(d) for d in create_definitions(params)]
        except Exception:  # the module has already reported what is wrong with its input
            return result
        return check_mode_result(result, params.get("state") or "present", definitions)
