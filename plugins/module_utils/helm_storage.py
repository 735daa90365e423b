# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Helm 3 release as helm stores it in the cluster, read without running helm.

Helm 3's default storage driver keeps each revision of a release in a Secret (the `configmap` driver: a ConfigMap)
labelled `owner=helm`, `name=<release>`, `status=<status>`, `version=<revision>`, whose `release` key holds the
release as JSON, gzipped and base64-encoded (helm.sh/helm/v3 pkg/storage/driver: secrets.go `newSecretsObject`,
cfgmaps.go, util.go `encodeRelease`/`decodeRelease`; records.go sets the same four labels). The Kubernetes API
base64-encodes a Secret's data once more.

The helm_release role reads those objects with one in-controller k8s_info call instead of kubernetes.core.helm_info,
which runs five helm processes per release (list, get values, get manifest, get notes, get hooks). `release_status`
returns the fields of helm_info's `status` that the role compares: the latest revision, as `helm list --all` shows
it (helm keeps only the latest revision of each release in its list).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import gzip
import json

# The drivers whose objects this module reads (HELM_DRIVER; empty is helm's default, secrets).
STORAGE_KINDS = {
    "": "Secret",
    "secret": "Secret",
    "secrets": "Secret",
    "configmap": "ConfigMap",
    "configmaps": "ConfigMap",
}
_GZIP_MAGIC = b"\x1f\x8b\x08"


def storage_kind(driver):
    """The kind of object helm stores releases in for HELM_DRIVER `driver`, or '' for a driver whose storage is not
    in Kubernetes objects (`memory`, `sql`): the role then asks helm."""
    return STORAGE_KINDS.get((driver or "").strip().lower(), "")


def decode_release(data):
    """The release JSON of a storage object's `release` key: base64, then gzip (helm's decodeRelease also reads
    releases stored before compression, without the gzip header)."""
    raw = base64.b64decode(data)
    if raw[:3] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    return json.loads(raw)


def _release_field(obj, kind):
    value = (obj.get("data") or {}).get("release")
    if value is None:
        raise ValueError("helm storage object %s has no `release` key" % (obj.get("metadata") or {}).get("name"))
    # A Secret's data comes base64-encoded by the API; a ConfigMap's data is the stored string itself.
    return base64.b64decode(value).decode("ascii") if kind == "Secret" else value


def _revision(obj):
    try:
        return int(((obj.get("metadata") or {}).get("labels") or {}).get("version", ""))
    except ValueError:
        return -1


def release_status(objects, name, kind="Secret"):
    """helm_info's `status` for release `name` from its storage `objects` (the k8s_info resources labelled
    `owner=helm,name=<name>` in the release namespace): `name`, `namespace`, `revision`, `status`, `chart`
    (`<chart name>-<chart version>`), `app_version`, `updated` and `values` (the user-supplied values, as
    `helm get values` prints them) of the latest revision; an empty dict when there is none."""
    revisions = [
        obj
        for obj in objects or []
        if ((obj.get("metadata") or {}).get("labels") or {}).get("owner") == "helm"
        and ((obj.get("metadata") or {}).get("labels") or {}).get("name") == name
    ]
    if not revisions:
        return {}
    latest = max(revisions, key=_revision)
    release = decode_release(_release_field(latest, kind))
    info = release.get("info") or {}
    metadata = (release.get("chart") or {}).get("metadata") or {}
    return {
        "name": release.get("name", name),
        "namespace": release.get("namespace", ""),
        "revision": str(release.get("version", _revision(latest))),
        "status": info.get("status", ""),
        "chart": "%s-%s" % (metadata.get("name", ""), metadata.get("version", "")),
        "app_version": metadata.get("appVersion", ""),
        "updated": info.get("last_deployed", ""),
        "values": release.get("config") or {},
    }
