# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.core.k8s run in the controller's own process, for the server-side dry run before every apply.

Why: a module run starts a Python process that imports the kubernetes client, ~0.4 s of its ~0.6 s on the test
machine, and the dry run before each apply is most of what a no-op rerun of site.yml does. Here the module's own
code, `kubernetes.core.plugins.modules.k8s.main()` (its argument spec, mutually exclusive options and runner),
runs in the action plugin's worker process, which is forked from the controller process that loaded the action
plugin and so already holds the kubernetes client. Only the stand-in for `AnsibleModule` is ours: it validates
the arguments with `ArgumentSpecValidator` (what AnsibleModule uses: defaults, environment fallbacks such as
K8S_AUTH_KUBECONFIG, choices and types) and hands the result back by an exception instead of printing it and
exiting. The write, when the dry run shows one, still runs the module.

The caller decides where this may stand in for the module: a local connection without become or async, where the
module would run in the same place (see `plugins/action/k8s.py`). Anything unexpected (arguments the validator
refuses, a kubernetes.core that no longer has this shape) returns None, and the caller runs the module, which
reports errors in its own words.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

try:
    # Imported where the action plugins are loaded (the controller process, before it forks a worker per task), so
    # each worker inherits the kubernetes client instead of importing it again.
    from ansible_collections.kubernetes.core.plugins.modules import k8s as _k8s
    from ansible_collections.kubernetes.core.plugins.modules import k8s_info as _k8s_info

    MODULES = {
        name: module
        for name, module in (("kubernetes.core.k8s", _k8s), ("kubernetes.core.k8s_info", _k8s_info))
        if hasattr(module, "AnsibleModule") and hasattr(module, "main")
    }
except ImportError:  # no kubernetes client on the controller: the module runs wherever its interpreter has one
    MODULES = {}


class _Finished(Exception):
    """Carries the module's result out of `exit_json`/`fail_json` (which never return)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg", ""))
        self.result = result


class _Refused(Exception):
    """The arguments do not pass the module's argument spec: the real module should say why."""


class ControllerModule:
    """The part of `AnsibleModule` that kubernetes.core's AnsibleK8SModule uses (its `module_class` setting):
    params, check and diff mode, warnings, exit and fail. Subclassed per call with the arguments to use."""

    _args: ClassVar[dict[str, Any]] = {}
    check_mode = False
    _diff = False
    _name = ""

    def __init__(
        self,
        argument_spec: dict[str, Any],
        mutually_exclusive: list[Any] | None = None,
        supports_check_mode: bool = False,
        **options: Any,
    ) -> None:
        validator = ArgumentSpecValidator(
            argument_spec,
            mutually_exclusive=mutually_exclusive,
            required_together=options.get("required_together"),
            required_one_of=options.get("required_one_of"),
            required_if=options.get("required_if"),
            required_by=options.get("required_by"),
        )
        validated = validator.validate(dict(self._args))
        if validated.error_messages or (self.check_mode and not supports_check_mode):
            raise _Refused("; ".join(validated.error_messages) or "check mode is not supported")
        self.params = validated.validated_parameters
        self._no_log_values = validated._no_log_values
        self._warnings: list[str] = []
        self._deprecations: list[dict[str, Any]] = []

    def warn(self, warning: str) -> None:
        self._warnings.append(warning)

    def deprecate(self, msg: str, **details: Any) -> None:
        self._deprecations.append(dict(details, msg=msg))

    def debug(self, msg: str) -> None:
        """Module debug output goes nowhere here, as it goes nowhere unless the controller asks for it."""

    def exit_json(self, **result: Any) -> None:
        raise _Finished(self._returned(result))

    def fail_json(self, msg: str, **result: Any) -> None:
        raise _Finished(self._returned(dict(result, failed=True, msg=msg)))

    def _returned(self, result: dict[str, Any]) -> dict[str, Any]:
        """What AnsibleModule returns: no_log values masked, `changed` set, the invocation and warnings."""
        result.setdefault("changed", False)
        result["invocation"] = {"module_args": self.params}
        if self._warnings:
            result["warnings"] = list(result.get("warnings") or []) + self._warnings
        if self._deprecations:
            result["deprecations"] = self._deprecations
        return remove_values(result, self._no_log_values)


@contextmanager
def _environment(environment: dict[str, str]) -> Iterator[None]:
    """The task's `environment`, as the module process would see it (this worker process ends with the task)."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update({name: str(value) for name, value in environment.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def runs_in_controller(action: Any, task_vars: dict[str, Any] | None) -> bool:
    """Whether the module of `action` (an action plugin) would run on the controller, as the controller's user,
    synchronously, with the controller's own Python (the inventories set `ansible_python_interpreter` to
    `ansible_playbook_python`): then its result can be computed here, with the same libraries."""
    if getattr(action._connection, "transport", None) != "local":
        return False
    if action._play_context.become or action._task.async_val:
        return False
    interpreter = (task_vars or {}).get("ansible_python_interpreter")
    try:
        interpreter = action._templar.template(interpreter)
    except Exception:  # pylint: disable=broad-exception-caught  # an interpreter we cannot tell: run the module
        return False
    return interpreter == sys.executable


def run_in_controller(
    action: Any, name: str, args: dict[str, Any], check_mode: bool, diff: bool, task_vars: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The result of module `name` (kubernetes.core.k8s or k8s_info) for `args`, computed in this process with the
    task's environment, where `action`'s task would run it on the controller; None when it cannot be (the caller
    then runs the module). For kubernetes.core.k8s, check mode is a server-side dry run."""
    if name not in MODULES or not runs_in_controller(action, task_vars):
        return None
    environment: dict[str, str] = {}
    action._compute_environment_string(environment)
    return run_module(name, args, check_mode, diff, environment)


def run_module(
    name: str, args: dict[str, Any], check_mode: bool, diff: bool, environment: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Module `name`'s result for `args`, computed in this process; None when it cannot be."""
    module = MODULES.get(name)
    if module is None:
        return None
    settings = {"_args": dict(args), "check_mode": check_mode, "_diff": diff, "_name": name}
    module_class = type("InController", (ControllerModule,), settings)
    original = module.AnsibleModule
    module.AnsibleModule = module_class
    try:
        with _environment(environment or {}):
            module.main()
    except _Finished as finished:
        return finished.result
    except _Refused:
        return None
    except Exception:  # pylint: disable=broad-exception-caught  # the module run reports it, with its traceback
        return None
    finally:
        module.AnsibleModule = original
    return None  # main() returned without exit_json: let the module say what happened
