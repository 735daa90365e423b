# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.core.k8s, applied the collection's one way (module_utils/k8s_apply.py): server-side apply under the
field manager `gpuops.llm_inference`, a server-side dry run first and a write only when it shows a change, and a
check mode that works on a fresh cluster (module_utils/k8s_check.py)."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.common.yaml import yaml_load_all
from ansible_collections.gpuops.llm_inference.plugins.module_utils.k8s_apply import (
    apply_options,
    needs_write,
    unchanged_result,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.k8s_check import check_mode_result
from ansible_collections.gpuops.llm_inference.plugins.plugin_utils.k8s_in_controller import run_in_controller
from ansible_collections.kubernetes.core.plugins.action.k8s import ActionModule as K8sActionModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.resource import create_definitions

_MODULE = "kubernetes.core.k8s"


class ActionModule(K8sActionModule):
    """Runs kubernetes.core.k8s through its own action plugin (templates, src, kubeconfig) with the collection's
    apply options; asks the API server for a dry run of the same call first and sends the write only if the dry
    run shows a difference. In check mode, reports objects whose namespace or CRD an earlier task would create as
    planned creations with a diff, and adds the diff kubernetes.core.k8s leaves out for objects it would create."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        # The parent plugin accepts `template` only when the task's action is kubernetes.core.k8s, and runs the
        # module named by the task's action.
        action = self._task.action
        self._task.action = _MODULE
        try:
            if isinstance(self._task.args.get("src"), list):
                self._task.args = self._sources_as_definitions(self._task.args)
            return super().run(tmp, task_vars)
        finally:
            self._task.action = action

    def _sources_as_definitions(self, args: dict[str, Any]) -> dict[str, Any]:
        """`src` given as a list of manifest files (on the controller, where this collection's plays run): their
        objects as one `definition` list, so one module run applies them all instead of one run per file. Parsed
        with libyaml where PyYAML has it (ansible's own `yaml_load_all`): the Gateway API CRDs are ~1 MB of YAML,
        which the pure-Python parser took ~1 s to read on every run."""
        definitions: list[dict[str, Any]] = []
        for path in args["src"]:
            with open(self._find_needle("files", path), encoding="utf-8") as manifest:
                definitions += [d for d in yaml_load_all(manifest) if d]
        return dict({k: v for k, v in args.items() if k != "src"}, definition=definitions)

    def _execute_module(
        self, module_name: str | None = None, module_args: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        if module_name != _MODULE:
            return super()._execute_module(module_name, module_args, *args, **kwargs)
        params = dict(module_args if module_args is not None else self._task.args)
        try:
            definitions = [dict(d) for d in create_definitions(_definition_params(params))]
        except Exception:  # let the module report what is wrong with its input
            return super()._execute_module(module_name, module_args, *args, **kwargs)
        params = apply_options(params, definitions)
        dry_run = self._dry_run(params, *args, **kwargs)
        if not needs_write(dry_run):
            return unchanged_result(dry_run, bool(self._task.diff))
        if self._play_context.check_mode:
            if not self._task.diff:
                dry_run.pop("diff", None)
            return check_mode_result(dry_run, params.get("state") or "present", definitions)
        return super()._execute_module(module_name, params, *args, **kwargs)

    def _dry_run(self, params: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """kubernetes.core.k8s in check mode (a server-side dry run, `dryRun=All`) with a diff: in this process
        where the module would run on this machine anyway (plugin_utils/k8s_in_controller.py), else the module."""
        task_vars = kwargs.get("task_vars")
        result = run_in_controller(self, _MODULE, dict(params), check_mode=True, diff=True, task_vars=task_vars)
        if result is not None:
            return result
        check_mode, diff = self._task.check_mode, self._task.diff
        self._task.check_mode, self._task.diff = True, True
        try:
            return super()._execute_module(_MODULE, dict(params), *args, **kwargs)
        finally:
            self._task.check_mode, self._task.diff = check_mode, diff


def _definition_params(params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if "definition" in params:
        params["resource_definition"] = params.pop("definition")
    return params
