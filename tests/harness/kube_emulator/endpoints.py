"""Non-resource endpoints and content negotiation: health checks, OpenAPI v2/v3, protobuf request bodies."""

from __future__ import annotations

import json
from typing import Any

from . import errors, gnostic, openapi, protobuf
from .api import Response
from .store import Store

# The checks a 1.35 kube-apiserver lists under /readyz?verbose (the emulator has no etcd or informers to wait for).
_CHECKS = ("ping", "log", "etcd", "informer-sync", "poststarthook/start-apiextensions-controllers", "shutdown")
_JSON_TYPES = ("*/*", "application/*", "application/json", "application/yaml")


def health(path: str, query: dict[str, str]) -> Response | None:
    """`/healthz`, `/livez`, `/readyz` and their per-check paths (`/readyz/ping`), text like the real server's."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in ("healthz", "livez", "readyz") or len(parts) > 2 + ("poststarthook" in parts):
        return None
    endpoint, check = parts[0], "/".join(parts[1:])
    checks = [c for c in _CHECKS if endpoint == "readyz" or c != "informer-sync"]
    if check:
        if check not in checks:
            return Response(404, f"404 page not found: no check {check!r}\n", "text/plain; charset=utf-8")
        return Response(200, "ok", "text/plain; charset=utf-8")
    if "verbose" not in query:
        return Response(200, "ok", "text/plain; charset=utf-8")
    lines = [f"[+]{c} ok" for c in checks]
    lines.append(f"{endpoint} check passed")
    return Response(200, "\n".join(lines) + "\n", "text/plain; charset=utf-8")


def openapi_document(store: Store, path: str, accept: str) -> Response | None:
    if path == "/openapi/v2":
        document = openapi.v2(store)
        if "proto-openapi.spec.v2" in accept:
            try:
                return Response(200, gnostic.encode_document(document), gnostic.RESPONSE_TYPE)
            except protobuf.ProtobufError:
                if not _accepts_json(accept):
                    raise
        return Response(200, document)
    if path == "/openapi/v3":
        return Response(200, openapi.v3_index(store))
    if path.startswith("/openapi/v3/"):
        document = openapi.v3_document(store, path.removeprefix("/openapi/v3/").strip("/"))
        if document is None:
            raise errors.ApiError(404, "the server could not find the requested resource", "NotFound", {})
        return Response(200, document)
    return None


def _accepts_json(accept: str) -> bool:
    if not accept.strip():
        return True
    ranges = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(r in _JSON_TYPES for r in ranges)


def check_accept(accept: str) -> None:
    """Responses are JSON; a client that accepts only protobuf (or something else) gets 406 as from a real server."""
    if not _accepts_json(accept):
        raise errors.ApiError(
            406,
            f"only the following media types are accepted: application/json, application/yaml "
            f"(the emulator answers JSON; Accept was {accept!r})",
            "NotAcceptable",
        )


def decode_body(body: bytes, content_type: str) -> tuple[bytes, str]:
    """A protobuf request body as the JSON the emulator handles; other bodies unchanged."""
    if content_type != protobuf.MEDIA_TYPE or not body:
        return body, content_type
    try:
        obj: Any = protobuf.codec().decode(body)
    except protobuf.ProtobufError as err:
        raise errors.ApiError(err.code, str(err), "UnsupportedMediaType" if err.code == 415 else "BadRequest") from err
    return json.dumps(obj).encode(), "application/json"
