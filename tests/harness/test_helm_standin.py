"""The helm stand-in: its parsers and storage format, and its CLI against the Kubernetes emulator."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.harness import upstream
from tests.harness.helm_standin import args, charts, releases, strvals
from tests.harness.helm_standin.values import coalesce, unknown_keys

REPO_ROOT = Path(__file__).resolve().parents[2]
needs_upstream = pytest.mark.skipif(upstream.upstream_dir() is None, reason="../shared/upstream is absent")


def helm(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the stand-in as a separate process, the way kubernetes.core does."""
    run_env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tests.harness.helm_standin", *argv],
        env=run_env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("expression", "kind", "expected"),
    [
        ("a.b=1,c=true,d=null,e=012,f=1.5", strvals.RAW, {"a": {"b": 1}, "c": True, "d": None, "e": "012", "f": "1.5"}),
        (r"podAnnotations.prometheus\.io/scrape=true", strvals.RAW, {"podAnnotations": {"prometheus.io/scrape": True}}),
        ("list[1].name=x,list[0]=y", strvals.RAW, {"list": ["y", {"name": "x"}]}),
        ("args={--a,--b}", strvals.RAW, {"args": ["--a", "--b"]}),
        (r"msg=a\,b", strvals.RAW, {"msg": "a,b"}),
        ("port=8080", strvals.STRING, {"port": "8080"}),
        ('obj={"k":[1,2]},n=3', strvals.JSON, {"obj": {"k": [1, 2]}, "n": 3}),
        ("raw=a,b=c", strvals.LITERAL, {"raw": "a,b=c"}),
    ],
)
def test_set_expressions_parse_like_helm(expression: str, kind: str, expected: dict[str, Any]) -> None:
    assert strvals.parse_into(expression, {}, kind) == expected


@pytest.mark.parametrize("expression", ["novalue", "a[x]=1", "a.b", "args={a,b"])
def test_malformed_set_expressions_are_refused(expression: str) -> None:
    with pytest.raises(strvals.StrvalsError):
        strvals.parse_into(expression, {})


def test_flags_are_accepted_anywhere_and_in_every_pflag_form() -> None:
    argv = "--version=1.2 upgrade -i --reset-values --reuse-values=False -f=/a.yml --values /b.yml -n ns rel 'c'"
    invocation = args.parse(argv.replace("'", "").split())
    assert invocation.command == ["upgrade"]
    assert invocation.positionals == ["rel", "c"]
    assert invocation.values("values") == ["/a.yml", "/b.yml"]
    assert invocation.value("version") == "1.2"
    assert invocation.value("namespace") == "ns"
    assert invocation.bool("install") and invocation.bool("reset-values")
    assert not invocation.bool("reuse-values")


def test_list_shorthands_differ_from_upgrade_shorthands() -> None:
    invocation = args.parse(["list", "-f", "^keda$", "-a", "-o", "yaml"])
    assert invocation.value("filter") == "^keda$"
    assert invocation.bool("all")
    with pytest.raises(args.UsageError, match="unknown flag: --no-such-flag"):
        args.parse(["list", "--no-such-flag"])


def test_unknown_keys_names_full_paths_and_respects_free_form_subtrees() -> None:
    defaults = {
        "crds": {"enabled": False},
        "podAnnotations": {},
        "resources": {"limits": {"cpu": "1"}},
        "extra": None,
        "ports": [{"name": "http", "port": 80}],
    }
    user = {
        "crds": {"enabledd": True},
        "podAnnotations": {"any.key/x": "y"},
        "resources": {"requests": {"memory": "1Gi"}},
        "extra": {"anything": 1},
        "ports": [{"name": "a", "prot": 1}],
        "grafana": {"enabled": False},
        "typo": 1,
    }
    found = unknown_keys(user, defaults, frozenset({"grafana"}))
    assert found == ["crds.enabledd", "ports[0].prot", "typo"]


def test_a_chart_without_values_accepts_only_global() -> None:
    assert unknown_keys({"replicas": 2, "global": {"x": 1}}, {}, frozenset({"global"})) == ["replicas"]


def test_coalesce_lets_user_null_delete_a_default() -> None:
    assert coalesce({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}}) == {"a": {"c": 2, "d": 3}}


def test_release_secret_uses_helm_3_layout_and_encoding() -> None:
    release = releases.Release(
        name="demo", namespace="ns", version=3, status=releases.DEPLOYED,
        chart_metadata={"name": "keda", "version": "2.20.2", "appVersion": "2.20.2"},
        config={"a": 1}, last_deployed="2026-01-02T03:04:05.000006Z",
    )  # fmt: skip
    secret = releases.to_secret(release)
    assert secret["metadata"]["name"] == "sh.helm.release.v1.demo.v3"
    assert secret["type"] == "helm.sh/release.v1"
    assert secret["metadata"]["labels"] == {"name": "demo", "owner": "helm", "status": "deployed", "version": "3"}
    helm_value = base64.b64decode(secret["data"]["release"])
    document = json.loads(gzip.decompress(base64.b64decode(helm_value)))
    assert document["config"] == {"a": 1}
    assert document["info"]["status"] == "deployed"
    assert releases.from_secret(secret).list_entry()["chart"] == "keda-2.20.2"
    assert releases.from_secret(secret).list_entry()["updated"] == "2026-01-02 03:04:05.000006 +0000 UTC"


# --------------------------------------------------------------------------- CLI without a cluster


def test_version_satisfies_kubernetes_core_minimums() -> None:
    result = helm("version")
    found = re.match(r'version.BuildInfo{Version:"v(.*?)",', result.stdout)
    assert result.returncode == 0 and found
    assert tuple(int(p) for p in found.group(1).split(".")) >= (3, 17, 0)


def test_repo_add_list_remove_round_trip(tmp_path: Path) -> None:
    env = {"HELM_REPOSITORY_CONFIG": str(tmp_path / "repositories.yaml")}
    empty = helm("repo", "list", "--output=yaml", env=env)
    assert empty.returncode == 1 and "no repositories to show" in empty.stderr
    assert helm("repo", "add", "kedacore", "https://kedacore.github.io/charts", env=env).returncode == 0
    clash = helm("repo", "add", "kedacore", "https://example.invalid", env=env)
    assert clash.returncode == 1 and "already exists" in clash.stderr
    listed = helm("repo", "list", "--output=yaml", env=env)
    assert "name: kedacore" in listed.stdout and "url: https://kedacore.github.io/charts" in listed.stdout
    assert helm("repo", "rm", "kedacore", env=env).returncode == 0
    assert helm("repo", "list", "-o", "yaml", env=env).returncode == 1


def test_concurrent_repo_adds_lose_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HELM_REPOSITORY_CONFIG": str(tmp_path / "r.yaml")}
    names = [f"repo{i}" for i in range(6)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.harness.helm_standin", "repo", "add", n, f"https://{n}.invalid"],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
        )
        for n in names
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * len(names)
    listed = helm("repo", "list", "-o", "yaml", env=env)
    assert sorted(re.findall(r"name: (repo\d)", listed.stdout)) == names


def test_show_chart_needs_the_repository_to_be_added(tmp_path: Path) -> None:
    result = helm("show", "chart", "jetstack/cert-manager", env={"HELM_REPOSITORY_CONFIG": str(tmp_path / "r.yaml")})
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: repo jetstack not found"


@needs_upstream
def test_show_chart_reports_the_requested_version_over_placeholders(tmp_path: Path) -> None:
    env = {"HELM_REPOSITORY_CONFIG": str(tmp_path / "r.yaml")}
    helm("repo", "add", "istio", "https://istio-release.storage.googleapis.com/charts", env=env)
    result = helm("--version=1.30.3", "show", "chart", "istio/istiod", env=env)
    assert result.returncode == 0, result.stderr
    assert "version: 1.30.3" in result.stdout and "appVersion: 1.30.3" in result.stdout
    assert "name: istiod" in result.stdout


def test_unknown_chart_gets_a_synthesized_chart_and_a_visible_notice(tmp_path: Path) -> None:
    env = {"HELM_REPOSITORY_CONFIG": str(tmp_path / "r.yaml")}
    helm("repo", "add", "example", "https://charts.example.invalid", env=env)
    result = helm("show", "chart", "example/widget", "--version", "0.4.2", env=env)
    assert result.returncode == 0
    assert "name: widget" in result.stdout and "version: 0.4.2" in result.stdout
    assert "helm stand-in: no upstream data for widget 0.4.2" in result.stderr


# --------------------------------------------------------------------------- CLI against the emulator

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def cluster_env(kube_emulator: Any, tmp_path: Path) -> dict[str, str]:
    repositories = tmp_path / "repositories.yaml"
    entries = [("jetstack", "https://charts.jetstack.io"), ("example", "https://charts.example.invalid")]
    charts.save_repositories(repositories, [charts.repository_entry(n, u, None, False, False) for n, u in entries])
    return {"KUBECONFIG": str(kube_emulator.kubeconfig), "HELM_REPOSITORY_CONFIG": str(repositories)}


def release_secrets(kube_emulator: Any, namespace: str) -> list[dict[str, Any]]:
    status, body = kube_emulator.request("GET", f"/api/v1/namespaces/{namespace}/secrets?labelSelector=owner%3Dhelm")
    assert status == 200, body
    return sorted(body["items"], key=lambda s: s["metadata"]["name"])


def crd_exists(kube_emulator: Any, name: str) -> bool:
    status, _body = kube_emulator.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
    return status == 200


@needs_upstream
def test_install_records_the_release_and_creates_enabled_crds(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    result = helm(
        "upgrade", "-i", "cm", "jetstack/cert-manager", "--version", "v1.21.1", "-n", "cert-manager",
        "--create-namespace", "--set", "crds.enabled=true", "--wait", "--timeout", "1m", env=cluster_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (secret,) = release_secrets(kube_emulator, "cert-manager")
    assert secret["metadata"]["name"] == "sh.helm.release.v1.cm.v1"
    assert secret["type"] == "helm.sh/release.v1"
    assert secret["metadata"]["labels"] == {"name": "cm", "owner": "helm", "status": "deployed", "version": "1"}
    assert releases.from_secret(secret).config == {"crds": {"enabled": True}}
    assert crd_exists(kube_emulator, "certificates.cert-manager.io")
    values = helm("get", "values", "--output=yaml", "cm", "-n", "cert-manager", env=cluster_env)
    assert values.stdout == "crds:\n  enabled: true\n"


@needs_upstream
def test_crds_follow_the_charts_own_switch(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    result = helm("upgrade", "-i", "cm", "jetstack/cert-manager", "--version", "v1.21.1", env=cluster_env)
    assert result.returncode == 0, result.stderr
    assert not crd_exists(kube_emulator, "certificates.cert-manager.io")  # crds.enabled defaults to false


@needs_upstream
def test_upgrade_supersedes_and_uninstall_removes_the_release(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    base = ["upgrade", "-i", "--reset-values", "cm", "jetstack/cert-manager", "--version=v1.21.1"]
    assert helm(*base, "--set", "replicaCount=1", env=cluster_env).returncode == 0
    assert helm(*base, "--set", "replicaCount=2", env=cluster_env).returncode == 0
    first, second = release_secrets(kube_emulator, "default")
    assert (first["metadata"]["labels"]["status"], second["metadata"]["labels"]["status"]) == ("superseded", "deployed")
    assert releases.from_secret(second).config == {"replicaCount": 2}
    listed = helm("list", "--output=yaml", "--filter", "cm", env=cluster_env)
    assert "revision: '2'" in listed.stdout and "chart: cert-manager-v1.21.1" in listed.stdout
    assert helm("uninstall", "cm", "--wait", env=cluster_env).returncode == 0
    assert release_secrets(kube_emulator, "default") == []
    assert helm("list", "-o", "yaml", env=cluster_env).stdout == "[]\n"


@needs_upstream
def test_a_misspelled_value_fails_naming_its_key_path(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    result = helm(
        "upgrade", "-i", "cm", "jetstack/cert-manager", "--version", "v1.21.1", "--set", "crds.enabledd=true",
        env=cluster_env,
    )  # fmt: skip
    assert result.returncode == 1
    assert 'unknown key "crds.enabledd"' in result.stderr
    assert result.stderr.startswith("Error: values don't meet the specifications of the upstream chart")
    assert release_secrets(kube_emulator, "default") == []


@needs_upstream
def test_schema_violations_are_reported_like_helm(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    result = helm(
        "upgrade", "-i", "cm", "jetstack/cert-manager", "--version", "v1.21.1", "--set-string", "crds.enabled=yes",
        env=cluster_env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "values don't meet the specifications of the schema(s)" in result.stderr
    assert "crds.enabled" in result.stderr


def test_without_upstream_data_the_install_goes_ahead_with_a_notice(
    kube_emulator: Any, cluster_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cluster_env, upstream.ENV_VAR: str(tmp_path / "no-upstream-here")}
    result = helm("upgrade", "-i", "cm", "jetstack/cert-manager", "--version", "v1.21.1", "--set", "x.y=1", env=env)
    assert result.returncode == 0, result.stderr
    assert "helm stand-in: no upstream data for cert-manager v1.21.1: values and CRDs not checked" in result.stderr
    assert [s["metadata"]["name"] for s in release_secrets(kube_emulator, "default")] == ["sh.helm.release.v1.cm.v1"]


def test_a_missing_namespace_is_an_error_without_create_namespace(cluster_env: dict[str, str]) -> None:
    result = helm("upgrade", "-i", "w", "example/widget", "--version", "1.0.0", "-n", "absent", env=cluster_env)
    assert result.returncode == 1
    assert 'namespaces "absent" not found' in result.stderr


def test_dry_run_writes_nothing(kube_emulator: Any, cluster_env: dict[str, str]) -> None:
    kube_emulator.clear_requests()
    result = helm("upgrade", "-i", "w", "example/widget", "--dry-run", "--create-namespace", "-n", "x", env=cluster_env)
    assert result.returncode == 0, result.stderr
    assert [r for r in kube_emulator.requests() if r["method"] in MUTATING] == []


LOCAL_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


def test_local_chart_installs_its_crds_folder_and_reuses_values(
    kube_emulator: Any, cluster_env: dict[str, str], tmp_path: Path
) -> None:
    chart = tmp_path / "widget"
    (chart / "crds").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: widget\nversion: 0.3.0\nappVersion: '1.2'\n")
    (chart / "values.yaml").write_text("replicas: 1\nimage:\n  tag: latest\n")
    (chart / "crds" / "widgets.yaml").write_text(LOCAL_CRD)
    assert (
        helm("upgrade", "--install", "w", str(chart), "--set", "replicas=2", "--wait", env=cluster_env).returncode == 0
    )
    assert crd_exists(kube_emulator, "widgets.example.com")
    reused = helm("upgrade", "w", str(chart), "--reuse-values", "--set", "image.tag=v2", env=cluster_env)
    assert reused.returncode == 0, reused.stderr
    latest = releases.from_secret(release_secrets(kube_emulator, "default")[-1])
    assert latest.config == {"replicas": 2, "image": {"tag": "v2"}}
    assert latest.chart_metadata["appVersion"] == "1.2"
    typo = helm("upgrade", "w", str(chart), "--set", "image.tagg=v3", env=cluster_env)
    assert typo.returncode == 1 and 'unknown key "image.tagg"' in typo.stderr


def test_an_unreachable_cluster_is_a_helm_style_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u, namespace: team}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    result = helm("list", "-o", "yaml", env={"KUBECONFIG": str(kubeconfig)})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Kubernetes cluster unreachable")
    assert "/api/v1/namespaces/team/secrets" in result.stderr  # the context's namespace is the default
