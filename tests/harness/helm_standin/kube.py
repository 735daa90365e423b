"""Cluster access for the helm stand-in: kubeconfig resolution like Helm, and a thin API wrapper.

Responses are read raw (``_preload_content=False``) and parsed as JSON: the stand-in only needs
dicts, and the generated models choke on some valid CRD status payloads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.upstream import yaml_load

from .args import Invocation

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


class KubeError(RuntimeError):
    """An API call failed; ``status`` is the HTTP status (0 when the cluster is unreachable)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Target:
    kubeconfig: str | None
    context: str | None
    namespace: str


def _kubeconfig_path(invocation: Invocation) -> str | None:
    explicit = invocation.value("kubeconfig")
    if explicit:
        return explicit
    for variable in ("KUBECONFIG", "K8S_AUTH_KUBECONFIG"):
        for candidate in os.environ.get(variable, "").split(os.pathsep):
            if candidate and Path(candidate).expanduser().is_file():
                return str(Path(candidate).expanduser())
    default = Path.home() / ".kube" / "config"
    return str(default) if default.is_file() else None


def resolve_target(invocation: Invocation) -> Target:
    """Kubeconfig, context and namespace, with Helm's precedence (flag, HELM_* env, kubeconfig)."""
    path = _kubeconfig_path(invocation)
    context = invocation.value("kube-context") or os.environ.get("HELM_KUBECONTEXT") or None
    namespace = invocation.value("namespace") or os.environ.get("HELM_NAMESPACE")
    if not namespace and path:
        namespace = _context_namespace(path, context)
    return Target(kubeconfig=path, context=context, namespace=namespace or "default")


def _context_namespace(path: str, context: str | None) -> str | None:
    try:
        document = yaml_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, ValueError):
        return None
    wanted = context or document.get("current-context")
    for entry in document.get("contexts") or []:
        if isinstance(entry, dict) and entry.get("name") == wanted:
            return (entry.get("context") or {}).get("namespace")
    return None


def _configuration(invocation: Invocation, target: Target) -> Any:
    # Imported here: the kubernetes package costs a noticeable part of a second, and only the
    # commands that talk to the cluster need it.
    from kubernetes import config
    from kubernetes.client.configuration import Configuration

    configuration = Configuration()
    apiserver = invocation.value("kube-apiserver") or os.environ.get("HELM_KUBEAPISERVER")
    if target.kubeconfig:
        try:
            config.load_kube_config(
                config_file=target.kubeconfig,
                context=target.context,
                client_configuration=configuration,
                persist_config=False,
            )
        except (config.ConfigException, OSError) as exc:
            raise KubeError(f"Kubernetes cluster unreachable: {exc}") from exc
    elif not apiserver:
        raise KubeError("Kubernetes cluster unreachable: no kubeconfig found (set KUBECONFIG or --kubeconfig)")
    if apiserver:
        configuration.host = apiserver
    token = invocation.value("kube-token") or os.environ.get("HELM_KUBETOKEN")
    if token:
        configuration.api_key = {"authorization": f"Bearer {token}"}
    ca_file = invocation.value("kube-ca-file") or os.environ.get("HELM_KUBECAFILE")
    if ca_file:
        configuration.ssl_ca_cert = ca_file
    insecure = invocation.value("kube-insecure-skip-tls-verify") or os.environ.get("HELM_KUBEINSECURE_SKIP_TLS_VERIFY")
    if insecure and insecure.lower() in ("1", "t", "true"):
        configuration.verify_ssl = False
    return configuration


class Kube:
    """The few API calls Helm's storage and CRD handling need, returning plain dicts.

    Requests go through ApiClient.call_api with literal paths: importing the generated
    CoreV1Api / ApiextensionsV1Api classes alone costs seconds, on every helm invocation.
    """

    def __init__(self, api_client: Any) -> None:
        self.api = api_client

    @classmethod
    def connect(cls, invocation: Invocation, target: Target) -> Kube:
        from kubernetes.client.api_client import ApiClient

        return cls(ApiClient(_configuration(invocation, target)))

    def _call(
        self, method: str, path: str, body: Any = None, query: list[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        from kubernetes.client.rest import ApiException

        try:
            request = self.api.param_serialize(
                method,
                path,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(*request)
            response.read()
        except ApiException as exc:
            raise KubeError(_api_message(exc.body, exc.reason), exc.status or 0) from exc
        except Exception as exc:  # urllib3 connection errors have no common base worth naming
            raise KubeError(f"Kubernetes cluster unreachable: {exc}") from exc
        if not 200 <= response.status <= 299:
            raise KubeError(_api_message(response.data, response.reason), response.status)
        return json.loads(response.data or b"{}")

    def _get_or_none(self, path: str) -> dict[str, Any] | None:
        try:
            return self._call("GET", path)
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    def get_namespace(self, name: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/api/v1/namespaces/{name}")

    def create_namespace(self, name: str) -> dict[str, Any]:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        return self._call("POST", "/api/v1/namespaces", body)

    def list_secrets(self, namespace: str | None, selector: str) -> list[dict[str, Any]]:
        path = "/api/v1/secrets" if namespace is None else f"/api/v1/namespaces/{namespace}/secrets"
        listing = self._call("GET", path, query=[("labelSelector", selector)])
        return list(listing.get("items") or [])

    def create_secret(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/namespaces/{namespace}/secrets", body)

    def replace_secret(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"/api/v1/namespaces/{namespace}/secrets/{name}", body)

    def delete_secret(self, namespace: str, name: str) -> None:
        try:
            self._call("DELETE", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        except KubeError as exc:
            if exc.status != 404:
                raise

    def get_crd(self, name: str) -> dict[str, Any] | None:
        return self._get_or_none(f"{CRD_PATH}/{name}")

    def create_crd(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", CRD_PATH, body)

    def replace_crd(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"{CRD_PATH}/{name}", body)


def _api_message(body: bytes | str | None, reason: str | None) -> str:
    try:
        message = json.loads(body or "{}").get("message")
    except (TypeError, ValueError, AttributeError):
        message = None
    return str(message or reason or "unknown error")
