"""Roles share only the documented gpuops_* contract variables, never each other's variables.

What one role needs from another (the models, the vLLM namespace, the Prometheus address, the host name...) is a
gpuops_* variable set once in the inventory's group_vars/all/main.yml and described in the argument specs of every
role that reads it; so the pre-flight imports each role without `public: true`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from role_render import ROLES

REPO_ROOT = ROLES.parent
SEVEN = ["istio", "cert_manager", "gpu_operator", "prometheus", "vllm", "keda", "routes"]
INVENTORIES = ["local", "staging", "production"]
# The fallbacks that differ on purpose: vllm serves an example model alone, and vllm demands its own key unless
# told otherwise while routes, without vllm in the play, assumes nobody deployed one.
DIFFERENT_FALLBACKS = {"gpuops_models", "gpuops_vllm_api_key_enabled"}
RAW = re.compile(r"{%-?\s*raw\s*-?%}.*?{%-?\s*endraw\s*-?%}", re.S)


def role_code(role: str) -> dict[Path, str]:
    """The role's defaults, vars, tasks and templates, without YAML comments and Jinja raw blocks."""
    code = {}
    for path in sorted((ROLES / role).glob("*/*")):
        if path.parent.name in ("defaults", "vars", "tasks", "templates") and path.is_file():
            text = RAW.sub("", path.read_text(encoding="utf-8"))
            if path.suffix == ".yml":
                text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
            code[path] = text
    return code


def contract_reads(role: str) -> set[str]:
    return {m for text in role_code(role).values() for m in re.findall(r"\bgpuops_[a-z0-9_]+", text)} - {
        "gpuops_environment",
        "gpuops_kubeconfig",
    }


@pytest.mark.parametrize("role", SEVEN)
def test_no_role_reads_another_roles_variables(role: str) -> None:
    others = "|".join(r for r in SEVEN if r != role)
    foreign = re.compile(rf"(?<![\w.])(?:{others})_[a-z0-9_]+")
    found = [f"{p.relative_to(REPO_ROOT)}: {m}" for p, text in role_code(role).items() for m in foreign.findall(text)]
    assert found == []


@pytest.mark.parametrize("role", SEVEN)
def test_every_contract_variable_a_role_reads_is_in_its_argument_spec(role: str) -> None:
    spec = yaml.safe_load((ROLES / role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    documented = {name for name in spec if name.startswith("gpuops_")}
    assert contract_reads(role) == documented


def test_roles_that_read_a_contract_variable_fall_back_to_the_same_value() -> None:
    fallbacks: dict[str, set[str]] = {}
    for role in SEVEN:
        for text in role_code(role).values():
            for name, value in re.findall(r"\b(gpuops_[a-z0-9_]+) \| default\(((?:[^()]|\([^()]*\))*)\)", text):
                fallbacks.setdefault(name, set()).add(value)
    assert fallbacks, "no role falls back on a contract variable"
    disagree = {n: v for n, v in fallbacks.items() if len(v) > 1 and n not in DIFFERENT_FALLBACKS}
    assert disagree == {}


def test_the_contract_variables_are_shared_by_at_least_two_roles() -> None:
    readers: dict[str, list[str]] = {}
    for role in SEVEN:
        for name in contract_reads(role):
            readers.setdefault(name, []).append(role)
    assert {n: r for n, r in readers.items() if len(r) < 2} == {}


@pytest.mark.parametrize("env", INVENTORIES)
def test_an_inventory_sets_contract_variables_only_in_main_yml(env: str) -> None:
    group_vars = REPO_ROOT / "inventories" / env / "group_vars" / "all"
    main = yaml.safe_load((group_vars / "main.yml").read_text())
    assert "gpuops_models" in main
    for path in group_vars.glob("*.yml"):
        if path.name not in ("main.yml", "vault.yml"):
            assert not [k for k in yaml.safe_load(path.read_text()) or {} if k.startswith("gpuops_")], path.name


def test_the_pre_flight_imports_the_roles_without_exposing_their_defaults() -> None:
    assert "public:" not in (REPO_ROOT / "playbooks/validate.yml").read_text()
