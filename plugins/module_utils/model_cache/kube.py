# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few cluster calls the seeder makes, over kubernetes.core's client.

Why a wrapper: the seeder needs six calls (get, create, merge-patch, delete, list by label, pod log tail). Taking
them through this small interface lets unit tests pass a fake cluster, while the real implementation reuses
kubernetes.core's ``get_api_client`` (kubeconfig, context, token, proxy and discovery handling, dry-run) instead
of hand-written API code. The pod log goes through the dynamic client's ``log`` subresource, as
``kubernetes.core.k8s_log`` does.
"""

from __future__ import absolute_import, division, print_function

import contextlib

__metaclass__ = type

from typing import Any, Dict, List, Optional

try:
    from kubernetes.dynamic.exceptions import NotFoundError
except ImportError:  # reported by the module through missing_required_lib
    NotFoundError = None


class K8sCoreCluster(object):
    """Adapter from kubernetes.core's K8SClient to the seeder's cluster interface (plain dicts in and out)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _resource(self, kind, api_version):
        return self.client.resource(kind, api_version)

    def get(self, kind: str, api_version: str, namespace: str, name: str) -> Optional[Dict[str, Any]]:
        try:
            return self.client.get(self._resource(kind, api_version), name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def create(self, kind: str, api_version: str, namespace: str, body: Dict[str, Any]) -> Dict[str, Any]:
        return self.client.create(self._resource(kind, api_version), body, namespace=namespace).to_dict()

    def patch(self, kind: str, api_version: str, namespace: str, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        return self.client.patch(
            self._resource(kind, api_version),
            body,
            name=name,
            namespace=namespace,
            content_type="application/merge-patch+json",
        ).to_dict()

    def delete(self, kind: str, api_version: str, namespace: str, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.client.delete(
                self._resource(kind, api_version), name=name, namespace=namespace, propagation_policy="Background"
            )

    def list(self, kind: str, api_version: str, namespace: str, label_selector: str) -> List[Dict[str, Any]]:
        result = self.client.get(self._resource(kind, api_version), namespace=namespace, label_selector=label_selector)
        return result.to_dict().get("items") or []

    def pod_log(self, namespace: str, name: str, tail_lines: int) -> str:
        pods = self._resource("Pod", "v1")
        response = pods.log.get(name=name, namespace=namespace, serialize=False, query_params={"tailLines": tail_lines})
        data = response.data
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
