"""An issuer can answer HTTP-01 through the routes role's Gateway instead of DNS-01 through deSEC.

Runs the cert_manager role with one issuer on http01 and one on dns01 against the bundled emulator (ClusterIssuers are
checked against the upstream cert-manager CRD schema when ../shared/upstream is present) and reads them back.
"""

from __future__ import annotations

import pytest

from tests.conftest import KubeEmulator
from tests.integration.roles.routes_harness import get, run_roles

ISSUERS = [
    {"name": "letsencrypt-staging", "server": "https://acme-staging-v02.api.letsencrypt.org/directory"},
    {"name": "letsencrypt-production", "server": "https://acme-v02.api.letsencrypt.org/directory", "solver": "dns01"},
]


@pytest.mark.slow
def test_http01_issuer_solves_through_the_gateway_http_listener(kube_emulator: KubeEmulator) -> None:
    proc = run_roles(
        kube_emulator,
        ["cert_manager"],
        {"cert_manager_acme_solver": "http01", "cert_manager_issuers": ISSUERS},
    )
    assert proc.rc == 0, proc.output[-4000:]
    issuers = {i["metadata"]["name"]: i for i in get(kube_emulator, "/apis/cert-manager.io/v1/clusterissuers")["items"]}

    staging = issuers["letsencrypt-staging"]["spec"]["acme"]["solvers"]
    assert staging == [
        {
            "http01": {
                "gatewayHTTPRoute": {
                    "parentRefs": [
                        {
                            "group": "gateway.networking.k8s.io",
                            "kind": "Gateway",
                            "name": "llm-gateway",
                            "namespace": "llm-gateway",
                            "sectionName": "http",
                        }
                    ]
                }
            }
        }
    ]
    production = issuers["letsencrypt-production"]["spec"]["acme"]["solvers"]
    assert production[0]["dns01"]["webhook"]["solverName"] == "desec-http"
    release = get(kube_emulator, "/api/v1/namespaces/cert-manager/secrets?labelSelector=owner%3Dhelm,name%3Ddesec-http")
    assert len(release["items"]) == 1  # dns01 is still used by one issuer, so the webhook is installed
