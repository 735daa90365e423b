# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The helm_release role's read and plan in one task: each release's current state, read from the objects helm stores
it in (kubernetes.core.k8s_info, in the controller's process where the task runs there) or, for the drivers that
keep releases outside Kubernetes, from kubernetes.core.helm_info after a check of the helm version; then what to
do with each release (module_utils/helm_guard.py release_states). A pending release fails the task with the helm
command that repairs it, before anything is installed. Before the first helm call (helm_info here, or the install
the role runs next), the helm version is checked once per binary and host: Helm 4 fails the task.

One task instead of a looped read, a plan and the steps between: a no-op rerun of site.yml includes the role six
times, and each task costs a worker process that templates the releases and loads the collection's filters."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import (
    helm_version_problem,
    release_states,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_storage import release_status, storage_kind
from ansible_collections.gpuops.llm_inference.plugins.plugin_utils.k8s_in_controller import run_in_controller

_ARGUMENT_SPEC = {
    "releases": {"type": "list", "elements": "dict", "required": True},
    "driver": {"type": "str", "default": ""},
    "binary_path": {"type": "path"},
}
# Set once a helm binary passed the version check, so later inclusions of the role do not check it again.
_CHECKED_FACT = "__helm_release_checked_binary"


class _Failed(Exception):
    def __init__(self, msg: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(msg)
        self.result = dict(result or {}, failed=True, msg=msg)


class ActionModule(ActionBase):
    """Reads and plans the releases of one helm_release inclusion; never changes anything."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(_ARGUMENT_SPEC)[1]
        binary = args["binary_path"] or "helm"
        kind = storage_kind(args["driver"])
        checked = task_vars.get(_CHECKED_FACT) == binary
        try:
            if kind:
                found = {self._target(r): self._stored(r, kind, task_vars) for r in args["releases"]}
            else:
                # helm_info runs helm: its version is checked first.
                checked = checked or self._check_version(binary, task_vars)
                found = {self._target(r): self._helm_info(r, args["binary_path"], task_vars) for r in args["releases"]}
            states = release_states(args["releases"], found, binary)
            errors = [state["plan"]["error"] for state in states if state["plan"]["error"]]
            if errors:
                raise _Failed(" ".join(errors), {"releases": states})
            # The role installs the releases that are not up to date with kubernetes.core.helm: check the version
            # before that first helm call, once per binary and host (the fact outlives the role).
            if not checked and not all(state["up_to_date"] for state in states):
                checked = self._check_version(binary, task_vars)
        except _Failed as failed:
            return dict(result, **failed.result)
        result.update(changed=False, releases=states)
        if checked:
            result["ansible_facts"] = {_CHECKED_FACT: binary}
        return result

    @staticmethod
    def _target(release: dict[str, Any]) -> str:
        return "%s/%s" % (release.get("namespace"), release.get("name"))

    def _stored(self, release: dict[str, Any], kind: str, task_vars: dict[str, Any]) -> dict[str, Any]:
        """The state of `release` decoded from the Secrets (ConfigMaps) helm labels owner=helm,name=<release>."""
        params = {
            "kind": kind,
            "namespace": release.get("namespace"),
            "label_selectors": ["owner=helm", "name=%s" % release.get("name")],
        }
        read = run_in_controller(self, "kubernetes.core.k8s_info", params, False, False, task_vars)
        if read is None:
            read = self._execute_module("kubernetes.core.k8s_info", module_args=params, task_vars=task_vars)
        if read.get("failed"):
            raise _Failed("Reading helm release %s failed: %s" % (self._target(release), read.get("msg")), read)
        try:
            return release_status(read.get("resources") or [], release.get("name"), kind)
        except ValueError as err:
            raise _Failed("Reading helm release %s failed: %s" % (self._target(release), err)) from err

    def _helm_info(self, release: dict[str, Any], binary_path: str | None, task_vars: dict[str, Any]) -> dict[str, Any]:
        """kubernetes.core.helm_info's status of `release`, every state included: its own `helm list` shows only
        deployed and failed releases by default ("By default, it lists only releases that are deployed or failed",
        https://helm.sh/docs/helm/helm_list/), so it would not see a pending one."""
        params = {"name": release.get("name"), "release_namespace": release.get("namespace"), "release_state": ["all"]}
        if binary_path:
            params["binary_path"] = binary_path
        info = self._execute_module("kubernetes.core.helm_info", module_args=params, task_vars=task_vars)
        if info.get("failed"):
            raise _Failed("Asking helm for release %s failed: %s" % (self._target(release), info.get("msg")), info)
        return info.get("status") or {}

    def _check_version(self, binary: str, task_vars: dict[str, Any]) -> bool:
        """A read-only `helm version --short` (kubernetes.core has no module that reports it); fails on a helm that
        kubernetes.core 6.2 cannot drive (module_utils/helm_guard.py helm_version_problem), else returns True."""
        check_mode = self._task.check_mode
        self._task.check_mode = False  # a read-only probe, which the command module would skip in check mode
        try:
            probe = self._execute_module(
                "ansible.legacy.command", module_args={"argv": [binary, "version", "--short"]}, task_vars=task_vars
            )
        finally:
            self._task.check_mode = check_mode
        text = probe.get("stdout", "") if probe.get("rc") == 0 else (probe.get("stderr") or probe.get("msg") or "")
        problem = helm_version_problem(text, binary=binary)
        if problem:
            raise _Failed(problem)
        return True
