"""Node labels the GPU pool carries stay out of the prefixes Kubernetes reserves, and the roles select on them.

The kubernetes.io/ and k8s.io/ prefixes (and their subdomains, such as node.kubernetes.io/) belong to Kubernetes
core components: the NodeRestriction admission plugin refuses most of them from kubelets, and a managed node pool
template that sets one may be refused or rewritten. Labels of our own use our own domain.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.roles.site_objects import site_variables

TERRAFORM_DIR = Path(__file__).resolve().parents[3] / "terraform"
RESERVED = re.compile(r"^(?:[^/]+\.)?(?:kubernetes\.io|k8s\.io)/")
ENVIRONMENTS = ["staging", "production"]


def _label_blocks(text: str) -> list[dict[str, str]]:
    """Every `labels = { "key" = "value" ... }` map of an HCL file (tfvars or a variable default)."""
    blocks = re.findall(r"\blabels\s*=\s*\{([^}]*)\}", text)
    return [dict(re.findall(r'"([^"]+)"\s*=\s*"([^"]*)"', block)) for block in blocks]


def _env_labels(environment: str) -> dict[str, str]:
    (labels,) = _label_blocks((TERRAFORM_DIR / "envs" / f"{environment}.tfvars").read_text())
    return labels


def test_the_reserved_prefix_rule_itself() -> None:
    assert RESERVED.match("node.kubernetes.io/gpu-product")
    assert RESERVED.match("kubernetes.io/arch") and RESERVED.match("k8s.io/x") and RESERVED.match("a.k8s.io/x")
    assert not RESERVED.match("nvidia.com/gpu.present") and not RESERVED.match("gpuops.io/gpu-product")
    assert not RESERVED.match("kubernetes.io.example.org/x")


@pytest.mark.parametrize("path", [*sorted((TERRAFORM_DIR / "envs").glob("*.tfvars")), TERRAFORM_DIR / "variables.tf"])
def test_no_node_label_under_a_reserved_prefix(path: Path) -> None:
    blocks = _label_blocks(path.read_text())
    assert blocks, f"{path.name} sets node labels"
    assert [key for labels in blocks for key in labels if RESERVED.match(key)] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_vllm_node_selector_uses_labels_the_gpu_pool_carries(environment: str) -> None:
    selector = dict(site_variables(environment)["vllm_node_selector"])
    assert selector, "vLLM selects the GPU pool"
    assert [key for key in selector if RESERVED.match(key)] == []
    assert selector.items() <= _env_labels(environment).items()
