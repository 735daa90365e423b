"""Reading a Helm 3 release from the objects helm stores it in (module_utils/helm_storage.py). The real helm 3.19's
own objects are read in tests/integration/roles (test_helm_release_role.py, test_helm_release_rerun.py); here the
format is built by hand as helm's util.go encodes it, to pin each rule."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_storage import (
    decode_release,
    release_status,
    storage_kind,
)


def _release(name: str, revision: int, status: str, chart: str = "probe", version: str = "0.1.0", **config: Any):
    return {
        "name": name,
        "namespace": "apps",
        "version": revision,
        "info": {"status": status, "last_deployed": f"2026-12-0{revision}T00:00:00Z"},
        "chart": {"metadata": {"name": chart, "version": version, "appVersion": "1.0"}},
        "config": config or None,
        "manifest": "---\n",
    }


def _stored(release: dict[str, Any], kind: str = "Secret", compress: bool = True, name: str = "") -> dict[str, Any]:
    """A storage object as the API returns it: helm's base64 of gzip of JSON, base64-encoded once more in a Secret."""
    raw = json.dumps(release).encode()
    encoded = base64.b64encode(gzip.compress(raw) if compress else raw).decode()
    data = base64.b64encode(encoded.encode()).decode() if kind == "Secret" else encoded
    labels = {
        "owner": "helm",
        "name": name or release["name"],
        "status": release["info"]["status"],
        "version": str(release["version"]),
    }
    return {
        "kind": kind,
        "metadata": {"name": f"sh.helm.release.v1.{release['name']}.v{release['version']}", "labels": labels},
        "data": {"release": data},
    }


@pytest.mark.parametrize("kind", ["Secret", "ConfigMap"])
def test_the_latest_revision_is_the_release_state(kind: str) -> None:
    objects = [
        _stored(_release("web", 1, "superseded", greeting="old"), kind),
        _stored(_release("web", 10, "deployed", version="0.2.0", greeting="new"), kind),
        _stored(_release("web", 2, "superseded", greeting="older"), kind),
    ]
    status = release_status(objects, "web", kind)
    assert status == {
        "name": "web",
        "namespace": "apps",
        "revision": "10",
        "status": "deployed",
        "chart": "probe-0.2.0",
        "app_version": "1.0",
        "updated": "2026-12-010T00:00:00Z",
        "values": {"greeting": "new"},
    }


def test_a_failed_or_pending_latest_revision_is_what_the_role_sees() -> None:
    objects = [_stored(_release("web", 1, "deployed")), _stored(_release("web", 2, "pending-upgrade"))]
    assert release_status(objects, "web")["status"] == "pending-upgrade"
    objects.append(_stored(_release("web", 3, "failed")))
    assert release_status(objects, "web")["status"] == "failed"


def test_no_user_values_read_as_an_empty_dict_like_helm_get_values() -> None:
    assert release_status([_stored(_release("web", 1, "deployed"))], "web")["values"] == {}


def test_no_release_or_only_other_releases_give_an_empty_status() -> None:
    assert release_status([], "web") == {}
    assert release_status(None, "web") == {}
    other = _stored(_release("api", 1, "deployed"))
    assert release_status([other], "web") == {}
    not_helms = _stored(_release("web", 1, "deployed"))
    not_helms["metadata"]["labels"]["owner"] = "someone-else"
    assert release_status([not_helms], "web") == {}


def test_a_release_stored_before_compression_is_still_read() -> None:
    """helm's decodeRelease skips gunzip when the gzip header is missing (releases of early Helm 3)."""
    status = release_status([_stored(_release("web", 1, "deployed", a=1), compress=False)], "web")
    assert status["values"] == {"a": 1}


def test_decode_release_reads_helms_encoding() -> None:
    release = _release("web", 1, "deployed", a=1)
    encoded = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    assert decode_release(encoded) == release


def test_a_storage_object_without_its_release_key_is_an_error_not_an_absent_release() -> None:
    broken = _stored(_release("web", 1, "deployed"))
    broken["data"] = {}
    with pytest.raises(ValueError, match="no `release` key"):
        release_status([broken], "web")


@pytest.mark.parametrize(
    ("driver", "kind"),
    [
        ("", "Secret"),
        (None, "Secret"),
        ("secret", "Secret"),
        ("Secrets", "Secret"),
        ("configmap", "ConfigMap"),
        ("configmaps", "ConfigMap"),
        ("memory", ""),
        ("sql", ""),
    ],
)
def test_the_storage_kind_follows_helm_driver(driver: str | None, kind: str) -> None:
    assert storage_kind(driver) == kind
