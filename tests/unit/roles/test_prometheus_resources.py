"""The prometheus role's custom resources fit the prometheus-operator CRDs the pinned chart installs."""

from __future__ import annotations

import jsonschema
import pytest
from role_render import render_documents, validate_against_crd

from tests.harness.upstream import upstream_dir

UPSTREAM = upstream_dir()
CRDS = "prometheus-operator/v0.93.0/monitoring.coreos.com_{}.yaml"
TEMPLATES = {
    "servicemonitor_vllm.yaml.j2": "servicemonitors",
    "servicemonitor_dcgm.yaml.j2": "servicemonitors",
    "prometheusrule_vllm.yaml.j2": "prometheusrules",
}

pytestmark = [
    pytest.mark.upstream,
    pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent"),
]


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_the_resource_validates_against_the_upstream_crd(template: str) -> None:
    assert UPSTREAM is not None
    (document,) = render_documents("prometheus", template)
    validate_against_crd(document, UPSTREAM / CRDS.format(TEMPLATES[template]))


def test_a_misspelled_field_is_refused() -> None:
    assert UPSTREAM is not None
    (document,) = render_documents("prometheus", "servicemonitor_vllm.yaml.j2")
    document["spec"]["endpoints"][0]["honourLabels"] = True
    with pytest.raises(jsonschema.ValidationError):
        validate_against_crd(document, UPSTREAM / CRDS.format("servicemonitors"))
