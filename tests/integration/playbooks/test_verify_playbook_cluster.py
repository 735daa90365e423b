"""playbooks/verify.yml's in-cluster checks on the Kubernetes API emulator, with a loopback Prometheus API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator
from tests.harness.openai_endpoint import OpenAIEndpoint
from tests.harness.prometheus_fake import PrometheusFake
from tests.harness.upstream import upstream_dir, yaml_load
from tests.integration.playbooks.test_verify_playbook import MODELS, SERVED, inputs, run_verify, settings

pytestmark = [pytest.mark.slow, pytest.mark.upstream]
CRDS = [
    ("keda", "v2.20.2", "keda.sh_scaledobjects.yaml"),
    ("keda-http-add-on", "v0.15.0", "http.keda.sh_httpscaledobjects.yaml"),
    ("cert-manager", "v1.21.1", "cert-manager.io_certificates.yaml"),
    ("prometheus-operator", "v0.93.0", "monitoring.coreos.com_prometheusrules.yaml"),
]
ALERTS = ["VllmNoReadyReplica", "VllmTimeToFirstTokenHigh"]
STAMP = "2026-01-05T07:30:00Z"
OWNED = {"app.kubernetes.io/managed-by": "gpuops.llm_inference"}


def create(kube: KubeEmulator, path: str, body: dict[str, Any]) -> None:
    status, answer = kube.request("POST", path, body)
    assert status in (200, 201), answer


def set_ready(kube: KubeEmulator, path: str, ready: str) -> None:
    """KEDA's ScaledObject condition has no lastTransitionTime; metav1.Condition (HTTPScaledObject) requires one."""
    condition = {"type": "Ready", "status": ready, "reason": "Checked", "message": "seen"}
    if "/keda.sh/" not in path:
        condition["lastTransitionTime"] = STAMP
    body = {"status": {"conditions": [condition]}}
    code, answer = kube.request("PATCH", path + "/status", body, "application/merge-patch+json")
    assert code == 200, answer.get("message", answer) if isinstance(answer, dict) else answer


def seed(kube: KubeEmulator) -> None:
    root = upstream_dir()
    if root is None:
        pytest.skip("../shared/upstream is absent: the KEDA, cert-manager and prometheus-operator CRDs are needed")
    for project, version, name in CRDS:
        crd = yaml_load((root / project / version / name).read_text())
        create(kube, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    for ns in ("vllm", "llm-gateway", "monitoring"):
        create(kube, "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    labels = {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llama31-8b"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "vllm", "image": "vllm/vllm-openai"}]}}
    create(
        kube,
        "/apis/apps/v1/namespaces/vllm/deployments",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "vllm-llama31-8b", "namespace": "vllm", "labels": labels},
            # At zero replicas: verify.yml must treat the first request as a cold start without being told.
            "spec": {"replicas": 0, "selector": {"matchLabels": labels}, "template": template},
        },
    )
    create(
        kube,
        "/apis/keda.sh/v1alpha1/namespaces/vllm/scaledobjects",
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": {"name": "vllm-llama31-8b", "namespace": "vllm"},
            "spec": {"scaleTargetRef": {"name": "vllm-llama31-8b"}, "triggers": [{"type": "cron", "metadata": {}}]},
        },
    )
    create(
        kube,
        "/apis/http.keda.sh/v1alpha1/namespaces/vllm/httpscaledobjects",
        {
            "apiVersion": "http.keda.sh/v1alpha1",
            "kind": "HTTPScaledObject",
            "metadata": {"name": "vllm-llama31-8b-http", "namespace": "vllm"},
            "spec": {
                "hosts": ["vllm-llama31-8b.vllm"],
                "scaleTargetRef": {"name": "vllm-llama31-8b", "service": "vllm-llama31-8b", "portName": "http"},
            },
        },
    )
    create(
        kube,
        "/apis/cert-manager.io/v1/namespaces/llm-gateway/certificates",
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": "llm-gateway", "namespace": "llm-gateway"},
            "spec": {
                "secretName": "llm-gateway-tls",
                "dnsNames": ["llm.local.test"],
                "issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt-staging"},
            },
        },
    )
    rules = [{"alert": a, "expr": "vector(1) > 0", "labels": {"severity": "warning"}} for a in ALERTS]
    create(
        kube,
        "/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheusrules",
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": "vllm", "namespace": "monitoring", "labels": OWNED},
            "spec": {"groups": [{"name": "vllm.serving", "rules": rules}]},
        },
    )
    set_ready(kube, "/apis/keda.sh/v1alpha1/namespaces/vllm/scaledobjects/vllm-llama31-8b", "True")
    set_ready(kube, "/apis/http.keda.sh/v1alpha1/namespaces/vllm/httpscaledobjects/vllm-llama31-8b-http", "True")
    set_ready(kube, "/apis/cert-manager.io/v1/namespaces/llm-gateway/certificates/llm-gateway", "True")


def row(output: str, check: str) -> str:
    return next(line for line in output.splitlines() if f'"{check} ' in line)


def test_in_cluster_checks_pass_on_a_ready_cluster_then_name_what_broke(tmp_path: Path, kube_emulator) -> None:
    seed(kube_emulator)
    with (
        OpenAIEndpoint(settings(cold=0.3), tmp_path / "endpoint") as endpoint,
        PrometheusFake(["llama31-8b"], ALERTS) as prometheus,
    ):
        extra = inputs(
            endpoint,
            verify_cluster=True,
            verify_prometheus_url=prometheus.url,
            keda_http_addon_enabled=True,
            vllm_models=MODELS,
        )
        rc, out = run_verify(tmp_path, extra, emulator=kube_emulator)
        assert rc == 0, out
        assert "PASS" in row(out, "deployment vllm-llama31-8b") and "scaled to zero" in row(
            out, "deployment vllm-llama31-8b"
        )
        for check in (
            "scaledobject vllm-llama31-8b",
            "httpscaledobject vllm-llama31-8b-http",
            "certificate llm-gateway",
        ):
            assert "PASS" in row(out, check), check
        assert "series for 1/1 models" in row(out, "prometheus vllm:num_requests_waiting")
        assert "2/2 alerts loaded" in row(out, "prometheus alert rules")
        # The Deployment is at zero: the first request was checked as a cold start and took the cold start's time.
        assert "PASS" in row(out, f"cold start {SERVED}")
        assert 'vllm:num_requests_waiting{namespace="vllm"}' in prometheus.queries[0]

        set_ready(kube_emulator, "/apis/keda.sh/v1alpha1/namespaces/vllm/scaledobjects/vllm-llama31-8b", "False")
        prometheus.alerts = ALERTS[:1]
        prometheus.series_models = []
        rc, out = run_verify(tmp_path, extra, emulator=kube_emulator)
    assert rc != 0
    failure = next(line for line in out.splitlines() if "Verification failed:" in line)
    assert "scaledobject vllm-llama31-8b: not Ready (False - Checked - seen)" in failure
    assert "prometheus alert rules: Prometheus has not loaded VllmTimeToFirstTokenHigh" in failure
    assert "prometheus vllm:num_requests_waiting: no series in the last 1h for model llama31-8b" in failure
    assert "deployment vllm-llama31-8b" not in failure
