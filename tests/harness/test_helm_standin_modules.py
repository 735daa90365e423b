"""The helm stand-in driven by the real kubernetes.core helm modules, as the roles will drive it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness import upstream
from tests.harness.helm_standin import releases

pytestmark = [
    pytest.mark.slow,
    pytest.mark.upstream,
    pytest.mark.skipif(upstream.upstream_dir() is None, reason="../shared/upstream is absent"),
]
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
CHART = {"chart_ref": "jetstack/cert-manager", "chart_version": "v1.21.1"}

PLAYBOOK = """
- name: Drive the helm stand-in
  hosts: localhost
  gather_facts: false
  tasks:
{tasks}
    - name: Save what the tasks returned
      ansible.builtin.copy:
        content: "{{{{ {names} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""


@pytest.fixture
def play(kube_emulator: Any, run_playbook: Callable[..., tuple[int, str, str]], tmp_path: Path) -> Callable[..., Any]:
    env = {**kube_emulator.env(), "HELM_REPOSITORY_CONFIG": str(tmp_path / "repositories.yaml")}

    def run(tasks: list[dict[str, Any]], check: bool = False) -> dict[str, Any]:
        """Run the tasks (each registered under its ``register`` name) and return their results."""
        out = tmp_path / "results.json"
        out.unlink(missing_ok=True)
        mapping = "{" + ", ".join(f"'{t['register']}': {t['register']}" for t in tasks) + "}"
        # Each task is written as a JSON object, which is valid YAML flow style.
        items = "".join(f"    - {json.dumps(_task(t, check))}\n" for t in tasks)
        playbook = PLAYBOOK.format(tasks=items.rstrip("\n"), names=mapping, out=out)
        code, stdout, stderr = run_playbook(playbook, env=env)
        assert out.exists(), f"playbook failed before saving results (rc={code}):\n{stdout}\n{stderr}"
        return json.loads(out.read_text())

    return run


def _task(task: dict[str, Any], check: bool) -> dict[str, Any]:
    name = task["register"].replace("_", " ").capitalize()
    return {"name": name, **task, "ignore_errors": True, "check_mode": check}


def repo_task() -> dict[str, Any]:
    return {
        "register": "repo",
        "kubernetes.core.helm_repository": {"name": "jetstack", "repo_url": "https://charts.jetstack.io"},
    }


def helm_task(register: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    arguments = {"name": "cm", "release_namespace": "cert-manager", "values": values, **CHART, **extra}
    return {"register": register, "kubernetes.core.helm": arguments}


def secrets(kube_emulator: Any) -> list[dict[str, Any]]:
    status, body = kube_emulator.request("GET", "/api/v1/namespaces/cert-manager/secrets?labelSelector=owner%3Dhelm")
    return sorted(body.get("items", []), key=lambda s: s["metadata"]["name"]) if status == 200 else []


def test_install_is_idempotent_and_visible_to_helm_info(play: Callable[..., Any], kube_emulator: Any) -> None:
    values = {"crds": {"enabled": True}, "replicaCount": 1}
    results = play(
        [
            repo_task(),
            helm_task("first", values, create_namespace=True, wait=True),
            helm_task("second", values, create_namespace=True, wait=True),
            {"register": "info", "kubernetes.core.helm_info": {"name": "cm", "release_namespace": "cert-manager"}},
        ]
    )
    assert not results["first"].get("failed"), results["first"]
    assert results["first"]["changed"] is True
    assert results["second"]["changed"] is False
    assert results["info"]["status"]["status"] == "deployed"
    assert results["info"]["status"]["chart"] == "cert-manager-v1.21.1"
    assert results["info"]["status"]["values"] == values
    (secret,) = secrets(kube_emulator)
    assert secret["metadata"]["labels"] == {"name": "cm", "owner": "helm", "status": "deployed", "version": "1"}
    status, _crd = kube_emulator.request(
        "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/issuers.cert-manager.io"
    )
    assert status == 200


def test_new_values_upgrade_and_state_absent_uninstalls(play: Callable[..., Any], kube_emulator: Any) -> None:
    results = play(
        [
            repo_task(),
            helm_task("install", {"replicaCount": 1}, create_namespace=True),
            helm_task("upgrade", {"replicaCount": 2}),
        ]
    )
    assert results["upgrade"]["changed"] is True, results["upgrade"]
    first, second = secrets(kube_emulator)
    assert first["metadata"]["labels"]["status"] == "superseded"
    assert second["metadata"]["labels"] == {"name": "cm", "owner": "helm", "status": "deployed", "version": "2"}
    assert releases.from_secret(second).config == {"replicaCount": 2}
    removal = {"name": "cm", "release_namespace": "cert-manager", "state": "absent", "wait": True}
    results = play(
        [
            {"register": "absent", "kubernetes.core.helm": removal},
            {"register": "absent_again", "kubernetes.core.helm": removal},
        ]
    )
    assert results["absent"]["changed"] is True
    assert results["absent_again"]["changed"] is False
    assert secrets(kube_emulator) == []


def test_check_mode_writes_nothing(play: Callable[..., Any], kube_emulator: Any) -> None:
    play([repo_task(), helm_task("install", {"replicaCount": 1}, create_namespace=True)])
    kube_emulator.clear_requests()
    other = helm_task("fresh", {"replicaCount": 3}, wait=True)
    other["kubernetes.core.helm"]["name"] = "other"
    results = play([other, helm_task("changed_values", {"replicaCount": 2}, wait=True)], check=True)
    assert results["fresh"]["changed"] is True
    assert results["changed_values"]["changed"] is True
    assert [r for r in kube_emulator.requests() if r["method"] in MUTATING] == []
    (secret,) = secrets(kube_emulator)
    assert secret["metadata"]["labels"]["version"] == "1"


def test_a_misspelled_value_fails_the_task_naming_the_key(play: Callable[..., Any], kube_emulator: Any) -> None:
    results = play([repo_task(), helm_task("typo", {"crds": {"enabledd": True}}, create_namespace=True)])
    assert results["typo"]["failed"] is True
    assert 'unknown key "crds.enabledd"' in results["typo"]["msg"]
    assert secrets(kube_emulator) == []
