"""The real kubectl 1.35 and helm 3.19 (installed by `make setup`) against the emulator, with no validation escapes.

Each test asserts on what the emulator holds or logged, not only on exit codes.
"""

from __future__ import annotations

import base64
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import KubeEmulator
from tests.harness import launch
from tests.harness.kube_emulator import protobuf, samples

KUBECTL, HELM = launch.tools_bin() / "kubectl", launch.tools_bin() / "helm"
pytestmark = pytest.mark.skipif(
    not (KUBECTL.is_file() and HELM.is_file() and protobuf.available()),
    reason=f"no real kubectl/helm in {launch.tools_bin()}: run `make setup`",
)
PROTOBUF = protobuf.MEDIA_TYPE


def _run(emu: KubeEmulator, tmp_path: Path, argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **emu.env(),
        "HOME": str(tmp_path / "home"),  # kubectl's discovery and OpenAPI caches live under ~/.kube/cache
        "KUBECACHEDIR": str(tmp_path / "kube-cache"),
        "HELM_CONFIG_HOME": str(tmp_path / "helm-config"),
        "HELM_CACHE_HOME": str(tmp_path / "helm-cache"),
        "HELM_DATA_HOME": str(tmp_path / "helm-data"),
        "LC_ALL": "C",
    }
    return subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def kubectl(kube_emulator: KubeEmulator, tmp_path: Path):
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return _run(kube_emulator, tmp_path, [str(kube_emulator.bin_dir / "kubectl"), *args], stdin)

    return run


@pytest.fixture
def helm(kube_emulator: KubeEmulator, tmp_path: Path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return _run(kube_emulator, tmp_path, [str(HELM), *args])

    return run


def _writes(emu: KubeEmulator) -> list[dict]:
    return [r for r in emu.requests() if r["method"] not in ("GET", "HEAD")]


def _deployment(name: str = "web", replicas: int = 2) -> dict:
    obj = samples.deployment(name, "demo", replicas)
    obj["spec"]["template"]["spec"]["containers"] = [{"name": "main", "image": "nginx:1.27"}]
    return obj


def _manifest(tmp_path: Path, obj: dict, name: str = "obj.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def _create_demo(emu: KubeEmulator) -> None:
    assert emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": "demo"}})[0] == 201
    emu.clear_requests()  # the tests look only at what the real client sent


def test_the_harness_path_has_the_real_kubectl(kube_emulator: KubeEmulator, kubectl) -> None:
    assert (kube_emulator.bin_dir / "kubectl").resolve() == KUBECTL.resolve()
    result = kubectl("version")
    assert result.returncode == 0, result.stderr
    assert "Client Version: v1.35.2" in result.stdout
    assert "Server Version: v1.35.0" in result.stdout


def test_get_namespaces_lists_what_the_emulator_holds(kube_emulator: KubeEmulator, kubectl) -> None:
    _create_demo(kube_emulator)
    result = kubectl("get", "ns", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {
        f"namespace/{n}" for n in ("default", "demo", "kube-node-lease", "kube-public", "kube-system")
    }


def test_create_namespace_is_sent_as_protobuf_and_stored(kube_emulator: KubeEmulator, kubectl) -> None:
    result = kubectl("create", "namespace", "made-by-kubectl")
    assert result.returncode == 0, result.stderr
    [post] = _writes(kube_emulator)
    assert (post["path"], post["status"], post["content_type"]) == ("/api/v1/namespaces", 201, PROTOBUF)
    status, stored = kube_emulator.request("GET", "/api/v1/namespaces/made-by-kubectl")
    assert status == 200
    assert stored["metadata"]["labels"] == {"kubernetes.io/metadata.name": "made-by-kubectl"}
    assert stored["status"]["phase"] == "Active"


def test_create_secret_generic_stores_the_bytes_sent_as_protobuf(kube_emulator: KubeEmulator, kubectl) -> None:
    _create_demo(kube_emulator)
    result = kubectl("create", "secret", "generic", "creds", "-n", "demo", "--from-literal=token=s3cr3t ü")
    assert result.returncode == 0, result.stderr
    assert [w["content_type"] for w in _writes(kube_emulator)] == [PROTOBUF]
    status, stored = kube_emulator.request("GET", "/api/v1/namespaces/demo/secrets/creds")
    assert status == 200
    assert base64.b64decode(stored["data"]["token"]).decode() == "s3cr3t ü"
    assert stored["type"] == "Opaque"
    assert "generateName" not in stored["metadata"]


def test_client_side_apply_creates_then_is_a_no_op(kube_emulator: KubeEmulator, kubectl, tmp_path: Path) -> None:
    _create_demo(kube_emulator)
    manifest = _manifest(tmp_path, _deployment())
    first = kubectl("apply", "-f", manifest)
    assert first.returncode == 0, first.stderr
    assert "deployment.apps/web created" in first.stdout
    status, stored = kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")
    assert status == 200
    assert stored["spec"]["replicas"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    kube_emulator.clear_requests()
    second = kubectl("apply", "-f", manifest)
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert _writes(kube_emulator) == []


def test_server_side_apply_records_kubectl_as_the_field_manager(
    kube_emulator: KubeEmulator,
    kubectl,
    tmp_path: Path,
) -> None:
    _create_demo(kube_emulator)
    result = kubectl("apply", "--server-side", "-f", _manifest(tmp_path, _deployment(replicas=3)))
    assert result.returncode == 0, result.stderr
    assert "serverside-applied" in result.stdout
    [patch] = _writes(kube_emulator)
    assert patch["content_type"] == "application/apply-patch+yaml"
    assert patch["query"]["fieldManager"] == "kubectl"
    _, stored = kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")
    assert stored["spec"]["replicas"] == 3
    assert [(m["manager"], m["operation"]) for m in stored["metadata"]["managedFields"]] == [("kubectl", "Apply")]


def test_server_dry_run_stores_nothing(kube_emulator: KubeEmulator, kubectl, tmp_path: Path) -> None:
    _create_demo(kube_emulator)
    result = kubectl("apply", "--dry-run=server", "-f", _manifest(tmp_path, _deployment()))
    assert result.returncode == 0, result.stderr
    assert "created (server dry run)" in result.stdout
    assert [w["query"].get("dryRun") for w in _writes(kube_emulator)] == ["All"]
    assert kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")[0] == 404


def test_diff_shows_the_change_and_nothing_when_equal(kube_emulator: KubeEmulator, kubectl, tmp_path: Path) -> None:
    _create_demo(kube_emulator)
    assert kubectl("apply", "-f", _manifest(tmp_path, _deployment())).returncode == 0
    same = kubectl("diff", "-f", _manifest(tmp_path, _deployment(), "same.yaml"))
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    changed = kubectl("diff", "-f", _manifest(tmp_path, _deployment(replicas=5), "changed.yaml"))
    assert changed.returncode == 1, changed.stderr
    assert "-  replicas: 2" in changed.stdout and "+  replicas: 5" in changed.stdout
    _, stored = kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")
    assert stored["spec"]["replicas"] == 2


@pytest.mark.parametrize("output", ["plaintext", "plaintext-openapiv2"])
def test_explain_reads_the_served_openapi(kube_emulator: KubeEmulator, kubectl, output: str) -> None:
    """plaintext reads /openapi/v3, plaintext-openapiv2 the gnostic protobuf /openapi/v2."""
    result = kubectl("explain", "deployment.spec.replicas", f"--output={output}")
    assert result.returncode == 0, result.stderr
    assert "replicas" in result.stdout and "<integer>" in result.stdout
    assert "Number of desired pods." in result.stdout
    fetched = {r["path"] for r in kube_emulator.requests() if r["path"].startswith("/openapi/")}
    assert fetched == ({"/openapi/v2"} if output.endswith("v2") else {"/openapi/v3", "/openapi/v3/apis/apps/v1"})


def test_explain_a_custom_resource_from_its_crd_schema(kube_emulator: KubeEmulator, kubectl, tmp_path: Path) -> None:
    crd = samples.small_crd()
    assert kubectl("apply", "-f", _manifest(tmp_path, crd)).returncode == 0
    kind = crd["spec"]["names"]["kind"]
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    field = next(iter(spec["properties"]))
    result = kubectl("explain", f"{crd['spec']['names']['plural']}.spec.{field}")
    assert result.returncode == 0, result.stderr
    assert f"KIND:       {kind}" in result.stdout
    assert f"FIELD: {field}" in result.stdout


def test_get_raw_readyz(kubectl) -> None:
    result = kubectl("get", "--raw", "/readyz?verbose")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "readyz check passed"


def test_a_deployment_with_a_bad_field_is_refused_naming_the_field(
    kube_emulator: KubeEmulator,
    kubectl,
    tmp_path: Path,
) -> None:
    _create_demo(kube_emulator)
    bad = _deployment()
    bad["spec"]["replicass"] = 2
    result = kubectl("apply", "-f", _manifest(tmp_path, bad))
    assert result.returncode != 0
    assert "spec.replicass" in result.stderr
    [post] = _writes(kube_emulator)
    assert (post["status"], post["query"]["fieldValidation"]) == (422, "Strict")
    assert kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")[0] == 404


def test_helm_version_and_list(kube_emulator: KubeEmulator, helm) -> None:
    version = helm("version", "--short")
    assert version.returncode == 0 and version.stdout.startswith("v3.19.0"), version.stderr
    listing = helm("list", "-A", "-o", "json")
    assert (listing.returncode, listing.stdout.strip()) == (0, "[]"), listing.stderr
    assert any(r["path"] == "/api/v1/secrets" for r in kube_emulator.requests())


def _chart(tmp_path: Path) -> Path:
    """A chart with only Chart.yaml and values.yaml (no templates): helm still stores and manages the release."""
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: '1.0'\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    return chart


def test_helm_install_upgrade_status_uninstall_store_release_secrets_via_protobuf(
    kube_emulator: KubeEmulator,
    helm,
    tmp_path: Path,
) -> None:
    installed = helm("install", "rel", str(_chart(tmp_path)), "-n", "demo", "--create-namespace", "--set", "replicas=2")
    assert installed.returncode == 0, installed.stderr
    release_posts = [w for w in _writes(kube_emulator) if w["path"] == "/api/v1/namespaces/demo/secrets"]
    assert [(w["status"], w["content_type"]) for w in release_posts] == [(201, PROTOBUF)]
    status, secret = kube_emulator.request("GET", "/api/v1/namespaces/demo/secrets/sh.helm.release.v1.rel.v1")
    assert status == 200
    assert secret["type"] == "helm.sh/release.v1"
    assert secret["metadata"]["labels"]["owner"] == "helm"
    status_out = helm("status", "rel", "-n", "demo", "-o", "json")
    assert status_out.returncode == 0, status_out.stderr
    assert yaml.safe_load(status_out.stdout)["info"]["status"] == "deployed"
    values = helm("get", "values", "rel", "-n", "demo", "-o", "json")
    assert yaml.safe_load(values.stdout) == {"replicas": 2}
    upgraded = helm("upgrade", "rel", str(tmp_path / "chart"), "-n", "demo", "--set", "replicas=3", "--wait")
    assert upgraded.returncode == 0, upgraded.stderr
    releases = kube_emulator.request("GET", "/api/v1/namespaces/demo/secrets?labelSelector=owner%3Dhelm")[1]["items"]
    assert {r["metadata"]["name"]: r["metadata"]["labels"]["status"] for r in releases} == {
        "sh.helm.release.v1.rel.v1": "superseded",
        "sh.helm.release.v1.rel.v2": "deployed",
    }
    listed = helm("list", "-n", "demo", "-o", "json")
    assert [(r["name"], r["revision"], r["status"]) for r in yaml.safe_load(listed.stdout)] == [
        ("rel", "2", "deployed")
    ]
    removed = helm("uninstall", "rel", "-n", "demo")
    assert removed.returncode == 0, removed.stderr
    assert kube_emulator.request("GET", "/api/v1/namespaces/demo/secrets?labelSelector=owner%3Dhelm")[1]["items"] == []


def test_the_harness_path_puts_the_real_helm_first(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    """The roles, molecule scenarios, demo and benchmarks run the real helm 3.19 that `make setup` installs."""
    shown = _run(kube_emulator, tmp_path, ["helm", "version", "--short"])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("v3.19."), shown.stdout
    assert not (Path(__file__).parent / "helm_standin").exists()


def _watches(emu: KubeEmulator, path: str) -> list[dict]:
    return [r for r in emu.requests() if r["path"] == path and r["query"].get("watch") in ("true", "1")]


def test_wait_for_available_and_rollout_status_of_a_deployment(
    kube_emulator: KubeEmulator,
    kubectl,
    tmp_path: Path,
) -> None:
    _create_demo(kube_emulator)
    assert kubectl("apply", "-f", _manifest(tmp_path, _deployment())).returncode == 0
    waited = kubectl("wait", "--for=condition=Available", "deployment/web", "-n", "demo", "--timeout=30s")
    assert waited.returncode == 0, waited.stderr
    assert "deployment.apps/web condition met" in waited.stdout
    rollout = kubectl("rollout", "status", "deployment/web", "-n", "demo", "--timeout=30s")
    assert rollout.returncode == 0, rollout.stderr
    assert 'deployment "web" successfully rolled out' in rollout.stdout
    watches = _watches(kube_emulator, "/apis/apps/v1/namespaces/demo/deployments")
    assert len(watches) == 2 and all(w["status"] == 200 for w in watches)
    assert all(w["query"]["fieldSelector"] == "metadata.name=web" for w in watches)


def test_wait_follows_a_status_change_that_arrives_through_the_watch(
    kube_emulator: KubeEmulator,
    kubectl,
    tmp_path: Path,
) -> None:
    """Custom resources have no controller here, so the condition appears only when the test writes it."""
    crd = samples.small_crd()
    assert kubectl("apply", "-f", _manifest(tmp_path, crd)).returncode == 0
    _create_demo(kube_emulator)
    widget = {"apiVersion": "example.gpuops.io/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "demo"}}
    widget["spec"] = {"size": 1}
    path = "/apis/example.gpuops.io/v1/namespaces/demo/widgets/w"
    assert kube_emulator.request("POST", path.rsplit("/", 1)[0], widget)[0] == 201
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Done"}]}}

    def mark_ready() -> None:
        time.sleep(1.5)
        status, body = kube_emulator.request("PATCH", f"{path}/status", ready, "application/merge-patch+json")
        assert status == 200, body

    thread = threading.Thread(target=mark_ready)
    started = time.monotonic()
    thread.start()
    waited = kubectl("wait", "--for=condition=Ready", "widgets/w", "-n", "demo", "--timeout=30s")
    thread.join()
    assert waited.returncode == 0, waited.stderr
    assert "widget.example.gpuops.io/w condition met" in waited.stdout
    assert 1.4 < time.monotonic() - started < 25
    assert len(_watches(kube_emulator, path.rsplit("/", 1)[0])) == 1


def test_wait_for_delete_sees_the_deleted_event(kube_emulator: KubeEmulator, kubectl) -> None:
    _create_demo(kube_emulator)
    assert kubectl("create", "configmap", "gone", "-n", "demo", "--from-literal=a=b").returncode == 0
    timer = threading.Timer(1.0, kube_emulator.request, ("DELETE", "/api/v1/namespaces/demo/configmaps/gone"))
    timer.start()
    waited = kubectl("wait", "--for=delete", "configmap/gone", "-n", "demo", "--timeout=30s")
    timer.join()
    assert waited.returncode == 0, waited.stderr
    assert len(_watches(kube_emulator, "/api/v1/namespaces/demo/configmaps")) == 1


def test_server_side_apply_conflict_names_the_manager_and_force_conflicts_takes_over(
    kube_emulator: KubeEmulator,
    kubectl,
    tmp_path: Path,
) -> None:
    _create_demo(kube_emulator)
    assert kubectl("apply", "--server-side", "-f", _manifest(tmp_path, _deployment())).returncode == 0
    other = ("apply", "--server-side", "--field-manager=other", "-f", _manifest(tmp_path, _deployment(replicas=3), "3"))
    refused = kubectl(*other)
    assert refused.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas' in refused.stderr
    _, stored = kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")
    assert stored["spec"]["replicas"] == 2
    forced = kubectl(*other, "--force-conflicts")
    assert forced.returncode == 0, forced.stderr
    _, stored = kube_emulator.request("GET", "/apis/apps/v1/namespaces/demo/deployments/web")
    assert stored["spec"]["replicas"] == 3
    assert {m["manager"] for m in stored["metadata"]["managedFields"]} == {"kubectl", "other"}
