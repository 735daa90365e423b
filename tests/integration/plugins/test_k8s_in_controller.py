"""gpuops.llm_inference.k8s_info (and the dry run of gpuops.llm_inference.k8s) compute kubernetes.core's result in the
controller's process: the same result as the module for every kind of answer (found, not found, an unknown kind),
no module process for those tasks (but the module where the task names another interpreter), and the task's
`environment` honoured as the module process would see it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import KubeEmulator, run_playbook

pytestmark = pytest.mark.slow
NS = "incontroller"
QUERIES = {
    "one": {"kind": "ConfigMap", "namespace": NS, "name": "probe"},
    "labelled": {"kind": "ConfigMap", "namespace": NS, "label_selectors": ["app=probe"]},
    "absent": {"kind": "ConfigMap", "namespace": NS, "name": "nothing-here"},
    "unknown_kind": {"kind": "NoSuchKind", "api_version": "example.com/v1", "namespace": NS},
    "cluster_scoped": {"kind": "Namespace", "name": NS},
}
PLAY = """
- name: Read the same objects with kubernetes.core.k8s_info and with the collection's k8s_info
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the ConfigMap (kubernetes.core, module process)
      kubernetes.core.k8s:
        definition:
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: probe, namespace: NAMESPACE, labels: {app: probe}}
          data: {greeting: hello}
    - name: Read with the module
      kubernetes.core.k8s_info: "{{ item.value }}"
      loop: "{{ queries | dict2items }}"
      register: by_module
    - name: Read in the controller
      gpuops.llm_inference.k8s_info: "{{ item.value }}"
      loop: "{{ queries | dict2items }}"
      register: in_controller
    - name: Keep both
      ansible.builtin.copy:
        content: "{{ {'module': by_module.results, 'controller': in_controller.results} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
""".replace("NAMESPACE", NS)


def _comparable(result: dict) -> dict:
    """What a caller reads from a k8s_info result (`invocation` and loop bookkeeping aside)."""
    keep = ("api_found", "changed", "failed", "msg", "resources")
    return {key: result.get(key) for key in keep}


def _module_runs(stdout: str) -> dict[str, int]:
    """Module payloads (AnsiballZ) run by a Python interpreter, per task, from -vvv output."""
    runs: dict[str, int] = {}
    task = ""
    for line in stdout.splitlines():
        header = re.match(r"TASK \[(.*)\]", line)
        if header:
            task = header.group(1)
            runs.setdefault(task, 0)
        elif re.search(r"EXEC .*python[\d.]* \S*AnsiballZ_", line):
            runs[task] = runs.get(task, 0) + 1
    return runs


def test_k8s_info_in_the_controller_returns_what_the_module_returns_without_a_module_process(
    kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    kube_emulator.create_namespace(NS)
    out = tmp_path / "results.json"
    run = run_playbook(PLAY, {"queries": QUERIES, "out": str(out)}, emulator=kube_emulator, args=["-vvv"])
    assert run.rc == 0, run.tail()
    results = json.loads(out.read_text())
    assert len(results["module"]) == len(results["controller"]) == len(QUERIES)
    for by_module, in_controller in zip(results["module"], results["controller"], strict=True):
        assert _comparable(in_controller) == _comparable(by_module), by_module["item"]["key"]
    answers = {r["item"]["key"]: r for r in results["controller"]}
    assert answers["one"]["resources"][0]["data"] == {"greeting": "hello"}
    assert [r["metadata"]["name"] for r in answers["labelled"]["resources"]] == ["probe"]
    assert answers["absent"]["resources"] == []
    assert answers["unknown_kind"]["api_found"] is False
    runs = _module_runs(run.stdout)
    assert runs["Read with the module"] == len(QUERIES)
    assert runs["Read in the controller"] == 0


def test_the_task_environment_reaches_the_in_controller_run(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    """The play's process points at a kubeconfig that does not exist; only the task's `environment` names the
    real one. The module process would see the task's value, so the in-controller run must too; without it the
    same read fails."""
    kube_emulator.create_namespace(NS)
    env = kube_emulator.env()
    good = env["K8S_AUTH_KUBECONFIG"]
    env.update(K8S_AUTH_KUBECONFIG=str(tmp_path / "missing"), KUBECONFIG=str(tmp_path / "missing"))
    play = f"""
- name: Read through the task's environment
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read with the kubeconfig of the task's environment
      gpuops.llm_inference.k8s_info:
        kind: Namespace
        name: {NS}
      environment:
        K8S_AUTH_KUBECONFIG: "{good}"
      register: with_environment
    - name: Read without it
      gpuops.llm_inference.k8s_info:
        kind: Namespace
        name: {NS}
      register: without_environment
      ignore_errors: true
    - name: Show both
      ansible.builtin.debug:
        msg: "FOUND={{{{ with_environment.resources | length }}}} FAILED={{{{ without_environment is failed }}}}"
"""
    run = run_playbook(play, env=env)
    assert run.rc == 0, run.tail()
    assert "FOUND=1 FAILED=True" in run.stdout


def test_a_task_on_another_interpreter_runs_the_module(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    """Another Python may hold other libraries, or none: the module runs there, as kubernetes.core's would."""
    other = Path("/usr/bin/python3")
    if not other.exists() or str(other) == sys.executable:
        pytest.skip("no Python other than this one at /usr/bin/python3")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={other}\n")
    play = f"""
- name: Read on another interpreter
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the namespace
      gpuops.llm_inference.k8s_info: {{kind: Namespace, name: {NS}}}
      ignore_errors: true
"""
    run = run_playbook(play, emulator=kube_emulator, inventory=inventory, args=["-vvv"])
    assert run.rc == 0, run.tail()
    assert _module_runs(run.stdout)["Read the namespace"] == 1
