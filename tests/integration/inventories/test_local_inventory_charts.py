"""The local inventory takes every chart from the bundled test cluster's loopback repository, and only there.

inventories/local/group_vars/all/charts.yml reads <dir of K8S_AUTH_KUBECONFIG>/charts_url (written by
tests/harness/launch.py). Without that file (molecule against a real cluster) each role's upstream default applies.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[3]
CHARTS_VARS = REPO_ROOT / "inventories" / "local" / "group_vars" / "all" / "charts.yml"
# Each chart location variable the local inventory overrides.
OVERRIDDEN = sorted(
    name
    for name in yaml.safe_load(CHARTS_VARS.read_text(encoding="utf-8"))
    if name.endswith(("_chart_repo_url", "_chart_ref"))
)


def _role_default(name: str) -> str:
    role = next(r for r in sorted((REPO_ROOT / "roles").iterdir()) if name.startswith(r.name + "_"))
    return yaml.safe_load((role / "defaults" / "main.yml").read_text(encoding="utf-8"))[name]


def _resolved(kubeconfig: Path) -> dict[str, str]:
    """The chart variables as the local inventory resolves them, printed by a real playbook run."""
    expression = "{{ {" + ", ".join(f"'{name}': {name}" for name in OVERRIDDEN) + "} }}"
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: {json.dumps(expression)}
"""
    result = run_playbook(
        play,
        inventory="inventories/local",
        extra_env={
            "K8S_AUTH_KUBECONFIG": str(kubeconfig),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        },
        timeout=120,
    )
    assert result.rc == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    return report["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]


def test_every_role_with_a_chart_is_covered() -> None:
    defaults = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "roles").glob("*/defaults/main.yml"))
    declared = {line.split(":")[0] for line in defaults.splitlines() if line.split(":")[0].endswith("_chart_repo_url")}
    assert declared <= set(OVERRIDDEN), declared - set(OVERRIDDEN)


def test_on_the_bundled_test_cluster_every_chart_comes_from_the_loopback_repository(tmp_path: Path) -> None:
    (tmp_path / "charts_url").write_text("http://127.0.0.1:40404\n")
    resolved = _resolved(tmp_path / "kubeconfig")
    for name, value in resolved.items():
        if name.endswith("_chart_repo_url"):
            assert value == "http://127.0.0.1:40404", name
        else:  # the deSEC webhook's OCI chart: the packaged archive by path
            assert value == f"{tmp_path}/chart-dirs/cert-manager-webhook-desec-http", name


def test_without_a_loopback_repository_the_role_defaults_apply(tmp_path: Path) -> None:
    resolved = _resolved(tmp_path / "kubeconfig")
    assert resolved == {name: _role_default(name) for name in OVERRIDDEN}
