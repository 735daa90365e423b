"""The Kubernetes objects the roles of site.yml render for one inventory, without a play or a cluster.

Variables are layered as ansible-playbook layers them for site.yml's deploy play: every role's defaults (the
play's roles are not private, so one role reads another's), the inventory's group_vars (vault.yml decrypted with
the placeholder password the README documents), every role's vars/main.yml, then the caller's extra vars.

The role's tasks files are then walked like Ansible walks them: `include_tasks`/`import_tasks` are followed,
`when` and `loop` are evaluated with the task's `vars`, and each `kubernetes.core.k8s` task that creates an object
contributes its rendered `definition` (or its name/kind arguments). Tasks that handle secret values (`no_log`) and
tasks that delete are skipped: they render no object a policy or a route could depend on.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.template import Templar, trust_as_template

from tests.unit.roles.role_render import REPO_ROOT, ROLES, _trust

COLLECTION_PACKAGES = ("ansible_collections", "ansible_collections.gpuops", "ansible_collections.gpuops.llm_inference")


def _load_the_collection_through_ansible() -> None:
    """Let templates use this collection's filters (gpuops.llm_inference.*) in the pytest process.

    pytest's pythonpath puts collections/ on sys.path, so a test module that imports ansible_collections.* first
    makes its packages plain namespace packages, without the metadata Ansible's plugin loader reads. The packages
    (only them) are loaded again through Ansible's collection finder; every module already imported stays the same
    object (so exception classes and constants keep their identity) and is attached to its new parent package.
    """
    if getattr(sys.modules.get(COLLECTION_PACKAGES[-1]), "_collection_meta", None) is not None:
        return
    ours = sorted(n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections."))
    packages = [n for n in ours if hasattr(sys.modules[n], "__path__")]
    for name in packages:
        del sys.modules[name]
    for name in [*COLLECTION_PACKAGES, *packages]:
        importlib.import_module(name)
    for name in ours:
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, sys.modules[name])


_load_the_collection_through_ansible()

SITE_ROLES = ["istio", "cert_manager", "gpu_operator", "prometheus", "vllm", "keda", "routes"]
ENVIRONMENTS = ["local", "staging", "production"]
PLACEHOLDER_VAULT_PASSWORD = b"change-me"  # documented in the README and in vault.yml.example
K8S_MODULES = ("kubernetes.core.k8s", "gpuops.llm_inference.k8s")
INCLUDES = ("ansible.builtin.include_tasks", "ansible.builtin.import_tasks")


def inventory_vars(env: str) -> dict[str, Any]:
    """group_vars/all of one shipped inventory, with its vault decrypted."""
    directory = REPO_ROOT / "inventories" / env
    vault = VaultLib([("default", VaultSecret(PLACEHOLDER_VAULT_PASSWORD))])
    variables: dict[str, Any] = {"inventory_dir": str(directory)}
    for path in sorted((directory / "group_vars" / "all").glob("*.yml")):
        data = path.read_bytes()
        if data.startswith(b"$ANSIBLE_VAULT;"):
            data = vault.decrypt(data)
        variables.update(yaml.safe_load(data) or {})
    return variables


def _role_file(role: str, relative: str) -> dict[str, Any]:
    path = ROLES / role / relative
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def site_variables(env: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The variables a task of site.yml's deploy play sees, before a role's own path is added."""
    variables: dict[str, Any] = {}
    for role in SITE_ROLES:
        variables.update(_role_file(role, "defaults/main.yml"))
    variables.update(inventory_vars(env))
    for role in SITE_ROLES:
        variables.update(_role_file(role, "vars/main.yml"))
    variables.update(extra or {})
    return _trust(variables)


class _Walker:
    def __init__(self, role: str, variables: dict[str, Any]) -> None:
        self.role_dir = ROLES / role
        self.loader = DataLoader()
        self.loader.set_basedir(str(self.role_dir))
        self.variables = {**variables, "ansible_search_path": [str(self.role_dir)], "role_path": str(self.role_dir)}
        self.objects: list[dict[str, Any]] = []

    def _templar(self, extra: Mapping[str, Any]) -> Templar:
        return Templar(loader=self.loader, variables={**self.variables, **extra})

    def _value(self, expression: Any, extra: Mapping[str, Any]) -> Any:
        return self._templar(extra).template(_trust(expression))

    def _holds(self, conditions: Any, extra: Mapping[str, Any]) -> bool:
        if conditions is None:
            return True
        for condition in conditions if isinstance(conditions, list) else [conditions]:
            if isinstance(condition, bool):
                if not condition:
                    return False
                continue
            if not self._templar(extra).template(trust_as_template("{{ (" + str(condition) + ") | bool }}")):
                return False
        return True

    def walk(self, tasks: Iterable[dict[str, Any]], scope: Mapping[str, Any]) -> None:
        for task in tasks:
            local = {**scope, **_trust(task.get("vars") or {})}
            if "block" in task:
                if self._holds(task.get("when"), local):
                    self.walk(task["block"], local)
                continue
            include = next((task[key] for key in INCLUDES if key in task), None)
            if include is not None:
                if self._holds(task.get("when"), local):
                    self.walk(yaml.safe_load((self.role_dir / "tasks" / include).read_text()) or [], local)
                continue
            module = next((key for key in K8S_MODULES if key in task), None)
            if module is None or task.get("no_log"):
                continue
            self._k8s(task, task[module], local)

    def _k8s(self, task: dict[str, Any], args: dict[str, Any], scope: Mapping[str, Any]) -> None:
        # Deletions, and manifests applied from files (the Gateway API CRDs), render no object of the roles' own.
        if args.get("state", "present") != "present" or "src" in args:
            return
        loop_var = (task.get("loop_control") or {}).get("loop_var", "item")
        items = self._value(task["loop"], scope) if "loop" in task else [None]
        for item in items:
            local = {**scope, loop_var: item} if "loop" in task else dict(scope)
            if not self._holds(task.get("when"), local):
                continue
            if "definition" in args:
                rendered = self._value(args["definition"], local)
                documents = rendered if isinstance(rendered, list) else [rendered]
            else:
                fields = self._value(
                    {k: args[k] for k in ("api_version", "kind", "name", "namespace") if k in args}, local
                )
                metadata = {
                    "name": fields["name"],
                    **({"namespace": fields["namespace"]} if "namespace" in fields else {}),
                }
                documents = [{"apiVersion": fields["api_version"], "kind": fields["kind"], "metadata": metadata}]
            self.objects.extend(_plain(doc) for doc in documents if doc)


def _plain(value: Any) -> Any:
    """Ansible's tagged strings and lazy containers as plain Python values (so == and json work)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def rendered_objects(env: str, roles: Iterable[str], extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the given roles of site.yml create for one inventory, in task order."""
    variables = site_variables(env, extra)
    objects: list[dict[str, Any]] = []
    for role in roles:
        walker = _Walker(role, variables)
        walker.walk(yaml.safe_load((ROLES / role / "tasks" / "main.yml").read_text()) or [], {})
        objects.extend(walker.objects)
    return objects


def of_kind(objects: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def upstream_dir() -> Path:
    """The shared upstream data next to the checkout (tests skip visibly when it is absent)."""
    return REPO_ROOT.parent / "shared" / "upstream"
