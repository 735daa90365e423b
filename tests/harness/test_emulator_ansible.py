"""kubernetes.core modules, run by real ansible-playbook, work against the emulator as against a cluster."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.harness.test_emulator_crd import _load_keda_crd

pytestmark = pytest.mark.slow

LIFECYCLE = """
- name: Object lifecycle through kubernetes.core
  hosts: localhost
  gather_facts: false
  vars:
    cm: &cm
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: settings, namespace: life, labels: {app: demo, tier: web}}
      data: {mode: fast}
  tasks:
    - name: Create the namespace
      kubernetes.core.k8s:
        definition: {apiVersion: v1, kind: Namespace, metadata: {name: life}}
    - name: Create the ConfigMap
      kubernetes.core.k8s: {definition: *cm}
      register: first
    - name: Create the same ConfigMap again
      kubernetes.core.k8s: {definition: *cm}
      register: second
    - name: Change the ConfigMap
      kubernetes.core.k8s:
        definition: "{{ cm | combine({'data': {'mode': 'safe'}}) }}"
      register: changed_cm
    - name: Check-mode create does not store
      kubernetes.core.k8s:
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: dry, namespace: life}}
      check_mode: true
      register: dry
    - name: Create a Deployment and wait for it
      kubernetes.core.k8s:
        wait: true
        wait_timeout: 20
        wait_sleep: 1
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web, namespace: life, labels: {app: demo, tier: api}}
          spec:
            replicas: 2
            selector: {matchLabels: {app: web}}
            template:
              metadata: {labels: {app: web}}
              spec:
                containers: [{name: web, image: nginx, env: [{name: A, value: "1"}]}]
      register: deploy
    - name: Find objects by label selector
      kubernetes.core.k8s_info:
        kind: ConfigMap
        namespace: life
        label_selectors: ["app=demo", "tier in (web, db)"]
      register: by_label
    - name: Find nothing with a non-matching selector
      kubernetes.core.k8s_info:
        api_version: apps/v1
        kind: Deployment
        namespace: life
        label_selectors: ["tier!=api"]
      register: none_found
    - name: Try a Deployment with a misspelled field
      kubernetes.core.k8s:
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: typo, namespace: life}
          spec:
            replica: 1
            selector: {matchLabels: {app: typo}}
            template:
              metadata: {labels: {app: typo}}
              spec: {containers: [{name: c, image: nginx}]}
      register: typo
      ignore_errors: true
    - name: Delete the ConfigMap and wait until it is gone
      kubernetes.core.k8s:
        state: absent
        wait: true
        wait_sleep: 1
        definition: *cm
      register: deleted
    - name: Delete it again
      kubernetes.core.k8s: {state: absent, definition: *cm}
      register: deleted_again
    - name: Run a Job and wait for it to complete
      kubernetes.core.k8s:
        wait: true
        wait_condition: {type: Complete, status: "True"}
        wait_sleep: 1
        wait_timeout: 20
        definition:
          apiVersion: batch/v1
          kind: Job
          metadata: {name: once, namespace: life}
          spec:
            template:
              spec:
                restartPolicy: Never
                containers: [{name: work, image: busybox, command: ["true"]}]
      register: job
    - name: Delete the namespace and wait until it is gone
      kubernetes.core.k8s:
        state: absent
        wait: true
        wait_sleep: 1
        definition: {apiVersion: v1, kind: Namespace, metadata: {name: life}}
      register: ns_deleted
    - name: Check every step
      ansible.builtin.assert:
        that:
          - first is changed
          - second is not changed
          - changed_cm is changed and changed_cm.result.data.mode == 'safe'
          - dry is changed
          - deploy is changed and deploy.result.status.readyReplicas == 2
          - by_label.resources | map(attribute='metadata.name') | list == ['settings']
          - none_found.resources == []
          - typo is failed and 'spec.replica' in typo.msg and '422' in typo.msg
          - deleted is changed
          - deleted_again is not changed
          - job is changed and job.result.status.succeeded == 1
          - ns_deleted is changed
"""


def test_k8s_creates_is_idempotent_patches_waits_finds_and_deletes(kube_emulator: Any, run_playbook: Any) -> None:
    rc, out, err = run_playbook(LIFECYCLE, env=kube_emulator.env())
    assert rc == 0, out[-4000:] + err[-2000:]
    log = kube_emulator.requests()
    assert kube_emulator.request("GET", "/api/v1/namespaces/life")[0] == 404
    dry_posts = [
        r for r in log if r["method"] == "POST" and r["path"].endswith("/configmaps") and r["query"].get("dryRun")
    ]
    assert dry_posts and dry_posts[0]["query"]["dryRun"] == "All"
    patches = [r for r in log if r["method"] == "PATCH" and r["path"].endswith("/configmaps/settings")]
    assert [r["content_type"] for r in patches] == ["application/strategic-merge-patch+json"] * 2


SERVER_SIDE_APPLY = """
- name: Server-side apply
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply a ConfigMap server-side
      kubernetes.core.k8s:
        apply: true
        server_side_apply: {field_manager: harness, force_conflicts: true}
        definition: &cm {apiVersion: v1, kind: ConfigMap, metadata: {name: ssa, namespace: default}, data: {a: "1"}}
      register: first
    - name: Apply it again
      kubernetes.core.k8s:
        apply: true
        server_side_apply: {field_manager: harness, force_conflicts: true}
        definition: *cm
      register: second
    - name: Client-side apply of another ConfigMap, twice
      kubernetes.core.k8s:
        apply: true
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: csa, namespace: default}, data: {a: "1"}}
      register: csa
      loop: [1, 2]
    - name: Check idempotence
      ansible.builtin.assert:
        that:
          - first is changed
          - second is not changed
          - csa.results[0] is changed
          - csa.results[1] is not changed
"""


def test_server_side_and_client_side_apply_are_idempotent(kube_emulator: Any, run_playbook: Any) -> None:
    rc, out, err = run_playbook(SERVER_SIDE_APPLY, env=kube_emulator.env())
    assert rc == 0, out[-4000:] + err[-2000:]
    applies = [r for r in kube_emulator.requests() if r["content_type"] == "application/apply-patch+yaml"]
    assert len(applies) == 2 and all(r["query"]["fieldManager"] == "harness" for r in applies)


# A minimal stand-in for KEDA's ScaledObject CRD, used when ../shared/upstream is not available.
INLINE_KEDA_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "scaledobjects.keda.sh"},
    "spec": {
        "group": "keda.sh",
        "scope": "Namespaced",
        "names": {"plural": "scaledobjects", "singular": "scaledobject", "kind": "ScaledObject", "shortNames": ["so"]},
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["scaleTargetRef", "triggers"],
                                "properties": {
                                    "scaleTargetRef": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {
                                            "name": {"type": "string"},
                                            "kind": {"type": "string"},
                                            "apiVersion": {"type": "string"},
                                        },
                                    },
                                    "minReplicaCount": {"type": "integer", "format": "int32"},
                                    "maxReplicaCount": {"type": "integer", "format": "int32"},
                                    "triggers": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["type", "metadata"],
                                            "properties": {
                                                "type": {"type": "string"},
                                                "metadata": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "string"},
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        },
                    }
                },
            }
        ],
    },
}

KEDA_PLAYBOOK = """
- name: KEDA ScaledObjects are checked against the CRD schema
  hosts: localhost
  gather_facts: false
  vars:
    so: &so
      apiVersion: keda.sh/v1alpha1
      kind: ScaledObject
      metadata: {name: vllm, namespace: default}
      spec:
        scaleTargetRef: {name: vllm}
        minReplicaCount: 1
        maxReplicaCount: 3
        triggers:
          - type: prometheus
            metadata: {serverAddress: "http://prom:9090", threshold: "5", query: "sum(vllm:num_requests_waiting)"}
  tasks:
    - name: Install the CRD
      kubernetes.core.k8s:
        definition: "{{ lookup('ansible.builtin.file', crd_file) | from_json }}"
        wait: true
        wait_condition: {type: Established, status: "True"}
        wait_sleep: 1
    - name: Create a ScaledObject with a wrong field
      kubernetes.core.k8s:
        definition: "{{ so | combine({'spec': so.spec | combine({'maxReplicas': 3})}) }}"
      register: wrong
      ignore_errors: true
    - name: Create a valid ScaledObject
      kubernetes.core.k8s: {definition: *so}
      register: valid
    - name: Change it (strategic merge is refused for custom resources; the module falls back to merge patch)
      kubernetes.core.k8s:
        definition: "{{ so | combine({'spec': so.spec | combine({'maxReplicaCount': 5})}) }}"
      register: updated
    - name: Check
      ansible.builtin.assert:
        that:
          - wrong is failed and 'spec.maxReplicas' in wrong.msg
          - valid is changed
          - updated is changed and updated.result.spec.maxReplicaCount == 5
"""


@pytest.mark.parametrize("source", [pytest.param("upstream", marks=pytest.mark.upstream), "inline"])
def test_a_keda_scaled_object_with_a_wrong_field_is_rejected(
    kube_emulator: Any, run_playbook: Any, tmp_path: Any, source: str
) -> None:
    crd = _load_keda_crd() if source == "upstream" else INLINE_KEDA_CRD
    crd_file = tmp_path / "crd.json"
    crd_file.write_text(json.dumps(crd))
    rc, out, err = run_playbook(KEDA_PLAYBOOK, {"crd_file": str(crd_file)}, env=kube_emulator.env())
    assert rc == 0, out[-4000:] + err[-2000:]
    patches = [r for r in kube_emulator.requests() if r["method"] == "PATCH" and "scaledobjects" in r["path"]]
    assert [(r["content_type"], r["status"]) for r in patches] == [
        ("application/strategic-merge-patch+json", 415),
        ("application/merge-patch+json", 200),
    ]
    _, body = kube_emulator.request("GET", "/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/vllm")
    assert body["spec"]["maxReplicaCount"] == 5


FAULTY = """
- name: Converge despite injected faults
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create ConfigMaps with retries
      kubernetes.core.k8s:
        definition:
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: "cm-{{ item }}", namespace: default, labels: {batch: faults}}
          data: {index: "n{{ item }}"}
      register: result
      until: result is succeeded
      retries: 10
      delay: 0
      loop: "{{ range(10) | list }}"
"""


def test_ten_k8s_tasks_with_retries_converge_under_20_percent_faults(kube_emulator: Any, run_playbook: Any) -> None:
    kube_emulator.set_faults(0.2, ["429", "503"])
    rc, out, err = run_playbook(FAULTY, env=kube_emulator.env())
    log = kube_emulator.requests()
    kube_emulator.set_faults(0.0)
    assert rc == 0, out[-4000:] + err[-2000:]
    assert {429, 503} & {r["status"] for r in log}, "no fault was injected"
    _, listing = kube_emulator.request("GET", "/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dfaults")
    names = sorted(i["metadata"]["name"] for i in listing["items"])
    assert names == sorted(f"cm-{i}" for i in range(10))
    assert all(i["data"]["index"] == "n" + i["metadata"]["name"][3:] for i in listing["items"])
