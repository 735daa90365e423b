"""playbooks/scale.yml moves the GPU pool (OVH API fake) and the vLLM minimum replicas (Kubernetes
API emulator) up and down for business hours, and a repeated run changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT, PlaybookRun, run_playbook
from tests.harness.ovh_fake import OvhFake
from tests.harness.upstream import upstream_dir, yaml_load

pytestmark = [pytest.mark.slow, pytest.mark.upstream]
NAMESPACE = "vllm"


def scaledobject_crd() -> dict[str, Any]:
    root = upstream_dir()
    if root is None:
        pytest.skip("../shared/upstream is absent: the KEDA ScaledObject CRD is needed")
    return yaml_load((root / "keda" / "v2.20.2" / "keda.sh_scaledobjects.yaml").read_text())


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "vllm", "image": "vllm/vllm-openai:v0.21.0"}]},
            },
        },
    }


def scaledobject(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "scaleTargetRef": {"name": name},
            "minReplicaCount": 0,
            "maxReplicaCount": 2,
            "triggers": [
                {
                    "type": "prometheus",
                    "metadata": {
                        "serverAddress": "http://prometheus:9090",
                        "query": "sum(vllm:num_requests_waiting)",
                        "threshold": "5",
                    },
                }
            ],
        },
    }


def create(kube, path: str, body: dict[str, Any]) -> None:
    status, answer = kube.request("POST", path, body)
    assert status in (200, 201), answer


@pytest.fixture
def cluster(kube_emulator):
    create(kube_emulator, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", scaledobject_crd())
    create(
        kube_emulator, "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    )
    for name in ("vllm-llama", "vllm-other"):
        create(kube_emulator, f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment(name, 0))
    create(kube_emulator, f"/apis/keda.sh/v1alpha1/namespaces/{NAMESPACE}/scaledobjects", scaledobject("vllm-llama"))
    return kube_emulator


@pytest.fixture
def ovh() -> Iterator[OvhFake]:
    with OvhFake(transition_seconds=0.05) as fake:
        fake.state.create_pool(
            fake.service_name,
            fake.kube_id,
            {
                "name": "gpu",
                "flavorName": "l40s-90",
                "desiredNodes": 0,
                "minNodes": 0,
                "maxNodes": 2,
                "autoscale": True,
            },
        )
        yield fake


class Scale:
    def __init__(self, tmp: Path, cluster, ovh: OvhFake) -> None:
        self.cluster, self.ovh = cluster, ovh
        auth = ovh.auth_params()
        group_vars = {
            "gpuops_kubeconfig": str(cluster.kubeconfig),
            "ovh_endpoint": auth["endpoint"],
            "ovh_application_key": auth["application_key"],
            "ovh_application_secret": auth["application_secret"],
            "ovh_consumer_key": auth["consumer_key"],
            "ovh_service_name": auth["service_name"],
            "ovh_kube_id": ovh.kube_id,
            "ovh_gpu_pool_name": "gpu",
            "vllm_models": [{"name": "llama"}, {"name": "other"}],
            "scale_wait_sleep": 0.05,
        }
        host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        self.inventory = tmp / "hosts.yml"
        self.inventory.write_text(yaml.safe_dump({"gpuops": {"hosts": {"localhost": host}, "vars": group_vars}}))

    def run(self, direction: str) -> int:
        """Run scale.yml in one direction; return how many tasks changed something."""
        result = self.play(direction)
        assert result.rc == 0, result.output
        changed = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", result.stdout)
        assert changed, result.stdout
        return int(changed.group(1))

    def play(self, direction: str) -> PlaybookRun:
        return run_playbook(
            REPO_ROOT / "playbooks" / "scale.yml",
            {"scale_direction": direction},
            emulator=self.cluster,
            inventory=self.inventory,
            timeout=600,
        )

    def pool(self) -> dict[str, Any]:
        return next(p for p in self.ovh.state.list_pools(self.ovh.service_name, self.ovh.kube_id) if p["name"] == "gpu")

    def get(self, path: str) -> dict[str, Any]:
        status, body = self.cluster.request("GET", path)
        assert status == 200, body
        return body

    def min_replicas(self) -> int:
        return self.get(f"/apis/keda.sh/v1alpha1/namespaces/{NAMESPACE}/scaledobjects/vllm-llama")["spec"][
            "minReplicaCount"
        ]

    def replicas(self, name: str) -> int:
        return self.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{name}")["spec"]["replicas"]


@pytest.fixture
def scale(tmp_path, cluster, ovh) -> Scale:
    return Scale(tmp_path, cluster, ovh)


def test_scale_up_then_down_and_each_rerun_changes_nothing(scale):
    changed = scale.run("up")
    assert changed == 3
    assert (scale.pool()["minNodes"], scale.pool()["currentNodes"], scale.pool()["status"]) == (1, 1, "READY")
    assert scale.min_replicas() == 1
    assert scale.replicas("vllm-other") == 1
    assert scale.replicas("vllm-llama") == 0, "KEDA, not the playbook, owns the replicas of a scaled model"

    changed = scale.run("up")
    assert changed == 0

    changed = scale.run("down")
    assert changed == 3
    assert scale.min_replicas() == 0
    assert scale.replicas("vllm-other") == 0
    assert scale.pool()["minNodes"] == 0
    assert scale.pool()["desiredNodes"] == 1, "with autoscale on, the autoscaler removes the empty node"

    changed = scale.run("down")
    assert changed == 0
    writes = [(r.method, r.path) for r in scale.ovh.requests if r.method != "GET"]
    assert len(writes) == 2, json.dumps([w[0] for w in writes])


def test_a_bad_direction_fails_before_any_change(scale):
    result = scale.play("sideways")
    assert result.rc != 0
    assert 'scale_direction must be up or down (got "sideways")' in result.output
    assert scale.ovh.requests == []
