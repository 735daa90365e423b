"""Render this collection's role templates with Ansible's own templating, without a play or a cluster.

Role defaults and vars are loaded like Ansible loads them (defaults, then vars/main.yml, then the caller's
overrides as extra vars) and marked trusted, so their own ``{{ ... }}`` resolve lazily as they do in a play.
Lookups (``ansible.builtin.file``) find the role's ``files/`` through ``ansible_search_path``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

REPO_ROOT = Path(__file__).resolve().parents[3]
ROLES = REPO_ROOT / "roles"

init_plugin_loader([])


def _trust(value: Any) -> Any:
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, Mapping):
        return {key: _trust(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trust(item) for item in value]
    return value


def _templar(role: str, overrides: Mapping[str, Any] | None) -> Templar:
    role_dir = ROLES / role
    loader = DataLoader()
    loader.set_basedir(str(role_dir))
    variables: dict[str, Any] = {}
    for relative in ("defaults/main.yml", "vars/main.yml"):
        path = role_dir / relative
        if path.is_file():
            variables.update(loader.load_from_file(str(path)) or {})
    variables.update(overrides or {})
    variables = _trust(variables)
    variables["ansible_search_path"] = [str(role_dir)]
    variables["role_path"] = str(role_dir)
    return Templar(loader=loader, variables=variables)


def role_value(role: str, expression: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """The value of a Jinja expression (e.g. a role variable) with the role's defaults and vars loaded."""
    return _templar(role, overrides).template(trust_as_template("{{ " + expression + " }}"))


def render(role: str, template: str, overrides: Mapping[str, Any] | None = None) -> str:
    """The text of ``roles/<role>/templates/<template>`` rendered as the k8s module's ``template`` would."""
    source = (ROLES / role / "templates" / template).read_text(encoding="utf-8")
    return str(_templar(role, overrides).template(trust_as_template(source)))


def render_documents(role: str, template: str, overrides: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The non-empty YAML documents of a rendered template."""
    return [doc for doc in yaml.safe_load_all(render(role, template, overrides)) if doc]


def vector_selectors(expression: str) -> Iterator[promql_parser.VectorSelector]:
    """Every vector selector of a PromQL expression (raises ValueError when it does not parse)."""
    found: list[promql_parser.VectorSelector] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)
        return True

    promql_parser.walk(promql_parser.parse(expression), visit)
    return iter(found)


def matchers(selector: promql_parser.VectorSelector) -> dict[str, tuple[str, str]]:
    """Label matchers of a selector as {label: (operator, value)}; the operator is "=", "!=", "=~" or "!~"."""
    symbols = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
    return {m.name: (symbols[str(m.op).rsplit(".", 1)[-1]], m.value) for m in selector.matchers.matchers}


def aggregation_labels(expression: str) -> list[list[str]]:
    """The `by (...)` label lists of every aggregation in an expression, outermost first."""
    found: list[list[str]] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            found.append(list(node.modifier.labels))
        return True

    promql_parser.walk(promql_parser.parse(expression), visit)
    return found


def known_metrics() -> dict[str, Any]:
    """The project's metric list (roles/prometheus/files/known_metrics.yml)."""
    with (ROLES / "prometheus" / "files" / "known_metrics.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def allowed_series(vllm_profile: str) -> set[str]:
    """Series names a query may use for one vLLM metric list: histograms expand to _bucket/_sum/_count."""
    catalog = known_metrics()
    sets = [catalog["vllm"][vllm_profile]["metrics"]]
    sets += [entry["metrics"] for group in ("dcgm_exporter", "kube_state_metrics") for entry in catalog[group].values()]
    names: set[str] = set()
    for metrics in sets:
        for name, spec in metrics.items():
            if spec["type"] == "histogram":
                names.update(f"{name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
            else:
                names.add(name)
    return names


def _strict(schema: Any) -> Any:
    """A CRD schema as a server with strict field validation applies it: unknown fields are errors."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        # Go's RE2 accepts a flag group after ^ (prometheus-operator uses "^(?i)..."); Python wants it first.
        if isinstance(schema.get("pattern"), str) and schema["pattern"].startswith("^(?i)"):
            schema["pattern"] = "(?i)^" + schema["pattern"][len("^(?i)") :]
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def validate_against_crd(document: Mapping[str, Any], crd_path: Path) -> None:
    """Raise jsonschema.ValidationError unless the custom resource fits its (upstream) CRD's served version."""
    crd = yaml.safe_load(crd_path.read_text(encoding="utf-8"))
    group, version = str(document["apiVersion"]).split("/")
    assert crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == document["kind"]
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version and v["served"]]
    schema = _strict(served["schema"]["openAPIV3Schema"])
    schema["properties"].pop("metadata", None)
    jsonschema.Draft7Validator(schema).validate({k: v for k, v in document.items() if k != "metadata"})
