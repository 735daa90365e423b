"""REST routing: maps a request (method, path, query, body) onto discovery and store operations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import discovery, errors, watch
from .resources import ResourceType
from .store import Store

PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
# Discovery lists e.g. serviceaccounts/token and namespaces/finalize like a real server; only these are served.
_SERVED_SUBRESOURCES = ("status", "scale", "log")
_VERBS = {
    ("GET", True): "get",
    ("GET", False): "list",
    ("POST", False): "create",
    ("PUT", True): "update",
    ("PATCH", True): "patch",
    ("DELETE", True): "delete",
    ("DELETE", False): "deletecollection",
}


@dataclass
class Response:
    status: int
    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    content_type: str


@dataclass
class Target:
    rt: ResourceType
    namespace: str
    name: str
    sub: str


def parse_body(raw: bytes, content_type: str) -> Any:
    """JSON, or YAML for apply patches and YAML uploads; a malformed body is a 400 like the real server's."""
    if not raw.strip():
        raise errors.bad_request("the request body is empty")
    try:
        text = raw.decode("utf-8")
        if "yaml" in content_type:
            # The server reads YAML bodies with sigs.k8s.io/yaml, which takes JSON as the JSON it is (JSON is YAML
            # 1.2): kubectl and the Python client send apply patches as JSON, so JSON is tried first (a large CRD
            # took ~60 ms through the pure-Python YAML parser). Other YAML becomes JSON, so timestamps and other
            # YAML-only types become strings.
            try:
                return json.loads(text)
            except ValueError:
                return json.loads(json.dumps(yaml.safe_load(text), default=str))
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as err:
        raise errors.bad_request(
            f"the body of the request was in an unknown format or malformed: {str(err)[:200]}"
        ) from err


class Api:
    def __init__(self, store: Store, address: str) -> None:
        self.store, self.address = store, address

    def handle(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        doc = self._discovery(req.method, parts)
        if doc is not None:
            return Response(200, doc)
        target = self._target(parts)
        if target is None:
            raise errors.ApiError(404, "the server could not find the requested resource", "NotFound", {})
        handler = getattr(self, f"_{req.method.lower()}", None)
        verb = _VERBS.get((req.method, bool(target.name)))
        if not target.sub and verb and verb not in target.rt.verbs:
            handler = None  # e.g. deletecollection on namespaces, which the real server does not offer either
        if handler is None:
            raise errors.ApiError(405, f"the server does not allow this method on the requested resource: {req.method}")
        return handler(req, target)

    def watch_request(self, req: Request) -> watch.WatchRequest:
        """`GET ...?watch=true` on a list or a single object, checked before the stream starts."""
        target = self._target([p for p in req.path.split("/") if p])
        if target is None or target.sub:
            raise errors.ApiError(404, "the server could not find the requested resource", "NotFound", {})
        if "watch" not in target.rt.verbs:
            raise errors.ApiError(405, "the server does not allow this method on the requested resource: watch")
        watch.check(req.query)
        return watch.WatchRequest(target.rt, target.namespace, target.name, req.query)

    def _discovery(self, method: str, parts: list[str]) -> dict[str, Any] | None:
        if method != "GET":
            return None
        if parts == ["version"]:
            return discovery.VERSION
        if parts == ["api"]:
            return discovery.api_versions(self.address)
        if parts == ["apis"]:
            return discovery.api_group_list(self.store)
        if parts == ["api", "v1"]:
            return discovery.resource_list(self.store, "", "v1")
        if len(parts) == 2 and parts[0] == "apis":
            return self._or_404(discovery.api_group(self.store, parts[1]))
        if len(parts) == 3 and parts[0] == "apis":
            return self._or_404(discovery.resource_list(self.store, parts[1], parts[2]))
        return None

    @staticmethod
    def _or_404(doc: dict[str, Any] | None) -> dict[str, Any]:
        if doc is None:
            raise errors.ApiError(404, "the server could not find the requested resource", "NotFound", {})
        return doc

    def _target(self, parts: list[str]) -> Target | None:
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) > 3 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = ""
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and not (group == "" and rest[2] in _NAMESPACE_SUBRESOURCES and len(rest) == 3)
        ):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            return None
        rt = self.store.resource_type(group, version, rest[0])
        if rt is None or (namespace and not rt.namespaced):
            return None
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and (sub not in rt.subresources or sub not in _SERVED_SUBRESOURCES):
            return None
        if rt.namespaced and name and not namespace:
            return None
        return Target(rt, namespace, name, sub)

    # verbs --------------------------------------------------------------------------------------
    def _get(self, req: Request, t: Target) -> Response:
        if not t.name:
            return Response(
                200, self.store.list(t.rt, t.namespace, req.query.get("labelSelector"), req.query.get("fieldSelector"))
            )
        obj = self.store.get(t.rt, t.namespace, t.name)
        if t.sub == "log":
            return Response(200, self._log(t, req.query, obj), "text/plain")
        if t.sub == "scale":
            return Response(200, _scale(obj))
        return Response(200, obj)

    def _log(self, t: Target, query: dict[str, str], pod: dict[str, Any]) -> str:
        text = self.store.pod_logs.get((t.namespace, t.name), "")
        if query.get("tailLines", "").isdigit():
            lines = text.splitlines(keepends=True)
            count = int(query["tailLines"])
            text = "".join(lines[-count:]) if count else ""
        return text

    def _post(self, req: Request, t: Target) -> Response:
        if t.name:
            raise errors.ApiError(405, "the server does not allow this method on the requested resource")
        body = parse_body(req.body, req.content_type)
        created = self.store.create(t.rt, t.namespace, body, _dry_run(req), req.query.get("fieldManager", ""))
        return Response(201, created)

    def _put(self, req: Request, t: Target) -> Response:
        if not t.name:
            raise errors.ApiError(405, "the server does not allow this method on the requested resource")
        body = parse_body(req.body, req.content_type)
        if t.sub == "scale":
            replicas = ((body or {}).get("spec") or {}).get("replicas") if isinstance(body, dict) else None
            patch = {"spec": {"replicas": replicas}}
            obj = self.store.patch(
                t.rt, t.namespace, t.name, "merge", patch, "", _dry_run(req), req.query.get("fieldManager", "")
            )
            return Response(200, _scale(obj))
        obj = self.store.replace(
            t.rt, t.namespace, t.name, body, t.sub, _dry_run(req), req.query.get("fieldManager", "")
        )
        return Response(200, obj)

    def _patch(self, req: Request, t: Target) -> Response:
        if not t.name:
            raise errors.ApiError(405, "the server does not allow this method on the requested resource")
        ptype = PATCH_TYPES.get(req.content_type)
        manager = req.query.get("fieldManager", "")
        body = parse_body(req.body, req.content_type) if ptype else None
        if t.sub == "scale" and ptype in ("merge", "strategic", "apply") and isinstance(body, dict):
            # Scale is a built-in type even for custom resources: only spec.replicas is carried over.
            replicas = (body.get("spec") or {}).get("replicas") if isinstance(body.get("spec"), dict) else None
            patch = {"spec": {"replicas": replicas}}
            obj = self.store.patch(t.rt, t.namespace, t.name, "merge", patch, "", _dry_run(req), manager)
            return Response(200, _scale(obj))
        if ptype is None or (ptype == "strategic" and t.rt.is_crd) or t.sub == "scale":
            accepted = [k for k, v in PATCH_TYPES.items() if not (t.rt.is_crd and v == "strategic")]
            raise errors.ApiError(
                415,
                "the body of the request was in an unknown format - accepted media types include: "
                + ", ".join(accepted),
            )
        if ptype == "apply" and not manager:
            cause = {
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager",
            }
            raise errors.invalid("PatchOptions", "meta.k8s.io", "", [cause])
        force = req.query.get("force") in ("true", "1")
        obj = self.store.patch(t.rt, t.namespace, t.name, ptype, body, t.sub, _dry_run(req), manager, force)
        return Response(200, obj)

    def _delete(self, req: Request, t: Target) -> Response:
        options = {}
        if req.body.strip():
            parsed = parse_body(req.body, "application/json")
            options = parsed if isinstance(parsed, dict) else {}
        dry_run = _dry_run(req) or "All" in (options.get("dryRun") or [])
        propagation = req.query.get("propagationPolicy") or options.get("propagationPolicy") or ""
        if t.name:
            return Response(200, self.store.delete(t.rt, t.namespace, t.name, dry_run, propagation))
        listing = self.store.list(t.rt, t.namespace, req.query.get("labelSelector"), req.query.get("fieldSelector"))
        for item in listing["items"]:
            meta = item["metadata"]
            self.store.delete(t.rt, meta.get("namespace", ""), meta["name"], dry_run, propagation)
        return Response(200, listing)


def _dry_run(req: Request) -> bool:
    value = req.query.get("dryRun")
    if value not in (None, "All"):
        raise errors.bad_request(f'Invalid value: "{value}": supported values: "All"')
    return value == "All"


def _scale(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {
        k: obj["metadata"][k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in obj["metadata"]
    }
    spec_replicas = (obj.get("spec") or {}).get("replicas", 0)
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta,
        "spec": {"replicas": spec_replicas},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0)},
    }
