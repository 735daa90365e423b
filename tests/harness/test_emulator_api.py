"""The emulator speaks the Kubernetes REST API: auth, discovery, CRUD, selectors, versions and Status errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.harness.kube_emulator.samples import configmap, deployment, unique

DEPLOYMENTS = "/apis/apps/v1/namespaces/{ns}/deployments"
CONFIGMAPS = "/api/v1/namespaces/{ns}/configmaps"


@pytest.fixture
def emu(kube_emulator_session: Any) -> Any:
    return kube_emulator_session


def test_requests_without_the_bearer_token_get_401_status(emu: Any) -> None:
    for path in ("/api/v1/namespaces", "/version", "/_harness/requests"):
        status, body = emu.request("GET", path, token="wrong")
        assert status == 401
        assert body["kind"] == "Status" and body["reason"] == "Unauthorized" and body["code"] == 401


def test_version_reports_kubernetes_1_35(emu: Any) -> None:
    status, body = emu.request("GET", "/version")
    assert status == 200
    assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "35", "v1.35.0")


def test_discovery_lists_groups_resources_status_subresources_and_short_names(emu: Any) -> None:
    _, groups = emu.request("GET", "/apis")
    names = {g["name"] for g in groups["groups"]}
    expected = {
        "apps",
        "batch",
        "rbac.authorization.k8s.io",
        "networking.k8s.io",
        "policy",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "admissionregistration.k8s.io",
        "coordination.k8s.io",
        "autoscaling",
        "scheduling.k8s.io",
        "discovery.k8s.io",
    }
    assert expected <= names
    _, autoscaling = emu.request("GET", "/apis/autoscaling")
    assert autoscaling["preferredVersion"]["version"] == "v2"
    _, apps = emu.request("GET", "/apis/apps/v1")
    assert apps["kind"] == "APIResourceList" and apps["groupVersion"] == "apps/v1"
    by_name = {r["name"]: r for r in apps["resources"]}
    assert by_name["deployments"]["kind"] == "Deployment" and by_name["deployments"]["namespaced"] is True
    assert by_name["deployments"]["shortNames"] == ["deploy"]
    assert by_name["deployments"]["singularName"] == "deployment"
    assert "patch" in by_name["deployments"]["verbs"]
    assert by_name["deployments/status"]["verbs"] == ["get", "patch", "update"]
    _, core = emu.request("GET", "/api/v1")
    core_names = {r["name"]: r for r in core["resources"]}
    assert core_names["namespaces"]["namespaced"] is False
    assert core_names["pods/log"]["kind"] == "Pod"
    _, api = emu.request("GET", "/api")
    assert api["versions"] == ["v1"]


def test_unknown_resources_and_groups_are_404(emu: Any) -> None:
    assert emu.request("GET", "/apis/nope.example.com/v1")[0] == 404
    assert emu.request("GET", "/apis/apps/v1/namespaces/default/gizmos")[0] == 404
    assert emu.request("GET", "/nothing/here")[0] == 404


def test_create_get_list_and_delete_a_namespaced_object(emu: Any, ns: str) -> None:
    status, created = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("c1", ns, a="1"))
    assert status == 201
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and int(meta["resourceVersion"]) > 0
    assert emu.request("GET", f"{CONFIGMAPS.format(ns=ns)}/c1")[1]["data"] == {"a": "1"}
    status, listing = emu.request("GET", CONFIGMAPS.format(ns=ns))
    assert listing["kind"] == "ConfigMapList" and listing["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in listing["items"]] == ["c1"]
    status, deleted = emu.request("DELETE", f"{CONFIGMAPS.format(ns=ns)}/c1")
    assert status == 200 and deleted["metadata"]["name"] == "c1"
    assert emu.request("GET", f"{CONFIGMAPS.format(ns=ns)}/c1")[0] == 404


def test_lists_across_all_namespaces(emu: Any, ns: str) -> None:
    other = unique("t")
    emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": other}})
    for namespace in (ns, other):
        assert emu.request("POST", DEPLOYMENTS.format(ns=namespace), deployment("web", namespace))[0] == 201
    _, listing = emu.request("GET", "/apis/apps/v1/deployments")
    found = {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listing["items"]}
    assert {(ns, "web"), (other, "web")} <= found
    emu.request("DELETE", f"/api/v1/namespaces/{other}")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=gpu", {"a", "b"}),
        ("tier==gpu,size=large", {"b"}),
        ("tier!=gpu", {"c", "d"}),
        ("size in (small,large)", {"a", "b"}),
        ("size notin (small)", {"b", "c", "d"}),
        ("size", {"a", "b"}),
        ("!size", {"c", "d"}),
        ("tier in (gpu, cpu),!size", {"c"}),
    ],
)
def test_list_filters_by_label_selector(emu: Any, ns: str, selector: str, expected: set[str]) -> None:
    labels = {
        "a": {"tier": "gpu", "size": "small"},
        "b": {"tier": "gpu", "size": "large"},
        "c": {"tier": "cpu"},
        "d": {},
    }
    for name, lab in labels.items():
        emu.request("POST", CONFIGMAPS.format(ns=ns), configmap(name, ns, lab))
    status, listing = emu.request("GET", CONFIGMAPS.format(ns=ns) + "?labelSelector=" + _quote(selector))
    assert status == 200
    assert {i["metadata"]["name"] for i in listing["items"]} == expected


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_list_filters_by_field_selector_on_name_and_namespace(emu: Any, ns: str) -> None:
    for name in ("x", "y"):
        emu.request("POST", CONFIGMAPS.format(ns=ns), configmap(name, ns))
    _, listing = emu.request("GET", CONFIGMAPS.format(ns=ns) + "?fieldSelector=metadata.name%3Dy")
    assert [i["metadata"]["name"] for i in listing["items"]] == ["y"]
    _, listing = emu.request("GET", f"/api/v1/configmaps?fieldSelector=metadata.namespace%3D{ns}")
    assert {i["metadata"]["name"] for i in listing["items"]} == {"x", "y"}


def test_an_unchanged_write_keeps_resource_version_and_a_change_bumps_it(emu: Any, ns: str) -> None:
    _, created = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("c", ns, a="1"))
    path = f"{CONFIGMAPS.format(ns=ns)}/c"
    _, same = emu.request("PATCH", path, {"data": {"a": "1"}}, "application/merge-patch+json")
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    _, changed = emu.request("PATCH", path, {"data": {"a": "2"}}, "application/merge-patch+json")
    assert int(changed["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_generation_starts_at_one_and_bumps_on_spec_change_only(emu: Any, ns: str) -> None:
    path = f"{DEPLOYMENTS.format(ns=ns)}/web"
    _, created = emu.request("POST", DEPLOYMENTS.format(ns=ns), deployment("web", ns))
    assert created["metadata"]["generation"] == 1
    _, labelled = emu.request("PATCH", path, {"metadata": {"labels": {"x": "y"}}}, "application/merge-patch+json")
    assert labelled["metadata"]["generation"] == 1
    _, scaled = emu.request("PATCH", path, {"spec": {"replicas": 3}}, "application/merge-patch+json")
    assert scaled["metadata"]["generation"] == 2
    _, cm = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("g", ns, a="1"))
    _, cm2 = emu.request("PATCH", f"{CONFIGMAPS.format(ns=ns)}/g", {"data": {"a": "2"}}, "application/merge-patch+json")
    assert (cm["metadata"]["generation"], cm2["metadata"]["generation"]) == (1, 2)


def test_a_namespaced_object_in_a_missing_namespace_is_404(emu: Any) -> None:
    status, body = emu.request("POST", CONFIGMAPS.format(ns="missing-ns"), configmap("c", "missing-ns"))
    assert status == 404
    assert body["reason"] == "NotFound" and body["message"] == 'namespaces "missing-ns" not found'


def test_conflicts_are_409_already_exists_and_stale_resource_version(emu: Any, ns: str) -> None:
    emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("c", ns, a="1"))
    status, body = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("c", ns, a="1"))
    assert (status, body["reason"], body["code"]) == (409, "AlreadyExists", 409)
    assert body["details"] == {"name": "c", "kind": "configmaps"}
    stale = configmap("c", ns, a="2")
    stale["metadata"]["resourceVersion"] = "1"
    status, body = emu.request("PUT", f"{CONFIGMAPS.format(ns=ns)}/c", stale)
    assert (status, body["reason"]) == (409, "Conflict")
    assert emu.request("GET", f"{CONFIGMAPS.format(ns=ns)}/c")[1]["data"] == {"a": "1"}


def test_unsupported_methods_are_405(emu: Any, ns: str) -> None:
    status, body = emu.request("PUT", CONFIGMAPS.format(ns=ns), configmap("c", ns))
    assert status == 405 and body["reason"] == "MethodNotAllowed" and body["status"] == "Failure"
    # Namespaces, like on a real server, offer no deletecollection verb.
    assert emu.request("DELETE", "/api/v1/namespaces")[0] == 405
    assert emu.request("GET", f"/api/v1/namespaces/{ns}")[0] == 200


def test_a_misspelled_deployment_field_is_422_naming_the_field(emu: Any, ns: str) -> None:
    bad = deployment("web", ns)
    bad["spec"]["replica"] = bad["spec"].pop("replicas")
    status, body = emu.request("POST", DEPLOYMENTS.format(ns=ns), bad)
    assert status == 422
    assert body["reason"] == "Invalid" and body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert "spec.replica" in body["message"]
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.replica"]
    assert body["details"]["kind"] == "Deployment" and body["details"]["group"] == "apps"


def test_wrongly_typed_and_badly_named_objects_are_422(emu: Any, ns: str) -> None:
    bad = deployment("web", ns)
    bad["spec"]["replicas"] = "three"
    status, body = emu.request("POST", DEPLOYMENTS.format(ns=ns), bad)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.replicas"
    status, body = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("Not_Valid", ns))
    assert status == 422 and body["details"]["causes"][0]["field"] == "metadata.name"


def test_put_replaces_and_keeps_server_fields(emu: Any, ns: str) -> None:
    _, created = emu.request("POST", CONFIGMAPS.format(ns=ns), configmap("c", ns, a="1", b="2"))
    status, replaced = emu.request("PUT", f"{CONFIGMAPS.format(ns=ns)}/c", configmap("c", ns, a="9"))
    assert status == 200 and replaced["data"] == {"a": "9"}
    assert replaced["metadata"]["uid"] == created["metadata"]["uid"]
    assert replaced["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


def test_status_subresource_changes_only_status(emu: Any, ns: str) -> None:
    # ResourceQuota has a status subresource and no controller in the emulator, so only these writes touch it.
    path = f"/api/v1/namespaces/{ns}/resourcequotas/q"
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": ns},
        "spec": {"hard": {"pods": "10"}},
        "status": {"used": {"pods": "5"}},
    }
    _, created = emu.request("POST", f"/api/v1/namespaces/{ns}/resourcequotas", quota)
    assert "status" not in created
    status, body = emu.request(
        "PATCH",
        path + "/status",
        {"status": {"used": {"pods": "3"}}, "spec": {"hard": {"pods": "1"}}},
        "application/merge-patch+json",
    )
    assert status == 200 and body["status"]["used"] == {"pods": "3"} and body["spec"]["hard"] == {"pods": "10"}
    _, body = emu.request("PATCH", path, {"status": {"used": {"pods": "99"}}}, "application/merge-patch+json")
    assert body["status"]["used"] == {"pods": "3"}
    assert body["metadata"]["resourceVersion"] == emu.request("GET", path)[1]["metadata"]["resourceVersion"]
    _, current = emu.request("GET", path)
    current["status"]["used"] = {"pods": "4"}
    status, body = emu.request("PUT", path + "/status", current)
    assert status == 200 and body["status"]["used"] == {"pods": "4"}


def test_dry_run_all_returns_the_result_and_stores_nothing(emu: Any, ns: str) -> None:
    base = CONFIGMAPS.format(ns=ns)
    emu.clear_requests()
    status, body = emu.request("POST", base + "?dryRun=All", configmap("dry", ns, a="1"))
    assert status == 201 and body["metadata"]["name"] == "dry"
    assert emu.request("GET", f"{base}/dry")[0] == 404
    emu.request("POST", base, configmap("real", ns, a="1"))
    _, patched = emu.request("PATCH", f"{base}/real?dryRun=All", {"data": {"a": "2"}}, "application/merge-patch+json")
    assert patched["data"] == {"a": "2"}
    status, _ = emu.request("PUT", f"{base}/real?dryRun=All", configmap("real", ns, a="3"))
    assert status == 200
    assert emu.request("DELETE", f"{base}/real?dryRun=All")[0] == 200
    assert emu.request("GET", f"{base}/real")[1]["data"] == {"a": "1"}
    writes = [r for r in emu.requests() if r["method"] != "GET"]
    assert [r["query"].get("dryRun") for r in writes] == ["All", None, "All", "All", "All"]


def test_secret_string_data_is_merged_into_data(emu: Any, ns: str) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": ns},
        "data": {"old": base64.b64encode(b"x").decode()},
        "stringData": {"token": "abc"},
    }
    _, body = emu.request("POST", f"/api/v1/namespaces/{ns}/secrets", secret)
    assert "stringData" not in body
    assert base64.b64decode(body["data"]["token"]) == b"abc" and "old" in body["data"]


def test_services_get_a_cluster_ip_that_survives_updates(emu: Any, ns: str) -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": ns},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]},
    }
    _, body = emu.request("POST", f"/api/v1/namespaces/{ns}/services", svc)
    ip = body["spec"]["clusterIP"]
    assert ip.startswith("10.") and body["spec"]["clusterIPs"] == [ip]
    _, replaced = emu.request("PUT", f"/api/v1/namespaces/{ns}/services/svc", svc)
    assert replaced["spec"]["clusterIP"] == ip


def test_deleting_a_namespace_deletes_everything_in_it(emu: Any) -> None:
    name = unique("gone")
    emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
    emu.request("POST", CONFIGMAPS.format(ns=name), configmap("c", name))
    emu.request("POST", DEPLOYMENTS.format(ns=name), deployment("web", name))
    status, body = emu.request("DELETE", f"/api/v1/namespaces/{name}")
    assert status == 200 and body["status"]["phase"] == "Terminating"
    assert emu.request("GET", f"/api/v1/namespaces/{name}")[0] == 404
    emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
    assert emu.request("GET", CONFIGMAPS.format(ns=name))[1]["items"] == []
    assert emu.request("GET", DEPLOYMENTS.format(ns=name))[1]["items"] == []


def test_finalizers_hold_a_deleted_object_until_removed(emu: Any, ns: str) -> None:
    cm = configmap("held", ns)
    cm["metadata"]["finalizers"] = ["example.com/hold"]
    path = f"{CONFIGMAPS.format(ns=ns)}/held"
    emu.request("POST", CONFIGMAPS.format(ns=ns), cm)
    _, body = emu.request("DELETE", path)
    assert body["metadata"]["deletionTimestamp"]
    assert emu.request("GET", path)[0] == 200
    emu.request("PATCH", path, {"metadata": {"finalizers": None}}, "application/merge-patch+json")
    assert emu.request("GET", path)[0] == 404


def test_harness_requests_are_recorded_but_harness_calls_are_not(emu: Any, ns: str) -> None:
    emu.clear_requests()
    emu.request("GET", f"{CONFIGMAPS.format(ns=ns)}/none?pretty=true")
    emu.requests()
    log = emu.requests()
    assert log == [
        {
            "method": "GET",
            "path": f"{CONFIGMAPS.format(ns=ns)}/none",
            "query": {"pretty": "true"},
            "status": 404,
            "content_type": "",
            "accept": "application/json",
        }
    ]


def test_immutable_fields_cannot_change_like_on_a_real_server(emu: Any, ns: str) -> None:
    deploy_path = f"{DEPLOYMENTS.format(ns=ns)}/web"
    emu.request("POST", DEPLOYMENTS.format(ns=ns), deployment("web", ns))
    status, body = emu.request("PATCH", deploy_path, {"spec": {"selector": {"matchLabels": {"app": "other"}}}}, MERGE)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.selector"
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": ns},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}},
    }
    jobs = f"/apis/batch/v1/namespaces/{ns}/jobs"
    _, created = emu.request("POST", jobs, job)
    # Re-sending the definition is a no-op although the server added a selector and template labels.
    status, resent = emu.request("PUT", f"{jobs}/j", job)
    assert status == 200 and resent["metadata"]["generation"] == 1 and resent["spec"] == created["spec"]
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
    status, body = emu.request("PUT", f"{jobs}/j", job)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.template"
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": ns},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    pvcs = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    emu.request("POST", pvcs, pvc)
    assert (
        emu.request("PATCH", f"{pvcs}/data", {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}, MERGE)[0] == 200
    )
    status, body = emu.request("PATCH", f"{pvcs}/data", {"spec": {"storageClassName": "fast"}}, MERGE)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec"


MERGE = "application/merge-patch+json"


def test_delete_collection_deletes_only_the_selected_objects(emu: Any, ns: str) -> None:
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        emu.request("POST", CONFIGMAPS.format(ns=ns), configmap(name, ns, {"tier": tier}))
    status, body = emu.request("DELETE", CONFIGMAPS.format(ns=ns) + "?labelSelector=tier%3Dweb")
    assert status == 200 and sorted(i["metadata"]["name"] for i in body["items"]) == ["a", "b"]
    assert [i["metadata"]["name"] for i in emu.request("GET", CONFIGMAPS.format(ns=ns))[1]["items"]] == ["c"]
