"""`application/vnd.kubernetes.protobuf` bodies, decoded with the real k8s.io descriptors (no hand-written schema).

`make setup` (scripts/install_tools.py) extracts the FileDescriptorProtos that k8s.io/api, apimachinery and
apiextensions register in their generated.pb.go from the real helm binary into `.tools/k8s-descriptors.pb`. A body
is `k8s\\x00` + a `runtime.Unknown` (typeMeta, raw); `raw` is the typed message, which becomes the same JSON dict the
JSON path would produce. The mapping follows the Go types' JSON marshalling:

- field names are the JSON names (go-to-protobuf names fields after the json tag), except a few admissionregistration
  fields named after the Go field (`Webhooks`, `Name`, `Expression`), whose JSON names are lowercase;
- Quantity, IntOrString, Time/MicroTime, Duration, RawExtension, FieldsV1 and apiextensions' JSON and
  JSONSchemaProps* have custom JSON forms; `bytes` are base64 like Go's `[]byte`;
- gogo writes non-pointer fields even when empty: empty strings and zero Times are dropped (what `omitempty` does);
  zero numbers and `false` are kept, because a pointer field set to 0/false means something (`replicas: 0`).
  A non-pointer zero number or `false` therefore appears where Go's JSON would omit it.

`encode_object` is the inverse, used by the tests to build bodies the way client-go does.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from . import validation

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
DESCRIPTOR_FILE = "k8s-descriptors.pb"
REPO_ROOT = Path(__file__).resolve().parents[3]
_META = "k8s.io.apimachinery.pkg.apis.meta.v1"
_EXT = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions"
# Protobuf names taken from the Go field name where the JSON tag differs
# (admissionregistration: Webhooks, Name, Expression; BoundObjectReference.UID;
# IngressClassParametersReference.APIGroup).
_GO_NAMED = {"Webhooks": "webhooks", "Name": "name", "Expression": "expression", "uID": "uid", "aPIGroup": "apiGroup"}
_SCHEMA_KEYS = {"ref": "$ref", "schema": "$schema"}
_GROUP_SHORT = {"": "core", "internal.apiserver.k8s.io": "apiserverinternal"}


class ProtobufError(Exception):
    """A body that cannot be decoded; `code` is the HTTP status the client gets."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def tools_dir() -> Path:
    return Path(os.environ.get("GPUOPS_TOOLS_DIR") or REPO_ROOT / ".tools")


class Codec:
    """Message classes for every k8s.io kind in the descriptor set, found by (group, version, kind)."""

    def __init__(self, descriptor_set: bytes) -> None:
        fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set)
        self.pool = descriptor_pool.DescriptorPool()
        pending = list(fds.file)
        while pending:
            ready = [f for f in pending if all(_has_file(self.pool, d) for d in f.dependency)]
            if not ready:
                raise ProtobufError(500, "the protobuf descriptor set has unresolved imports")
            for f in ready:
                self.pool.Add(f)
                pending.remove(f)
        self.packages: dict[tuple[str, str], str] = {}
        for f in fds.file:
            go_package = f.options.go_package
            if f.name.startswith("k8s.io/api/") or "/apis/apiextensions/" in f.name:
                short, version = go_package.rstrip("/").split("/")[-2:]
                self.packages[(short, version)] = f.package

    def message_class(self, api_version: str, kind: str) -> type[Message]:
        group, _, version = api_version.rpartition("/")
        package = self.packages.get((_GROUP_SHORT.get(group, group.split(".")[0]), version))
        candidates = [f"{package}.{kind}"] if package else []
        candidates.append(f"{_META}.{kind}")  # DeleteOptions and friends, sent as v1 or meta.k8s.io/v1
        for name in candidates:
            try:
                return message_factory.GetMessageClass(self.pool.FindMessageTypeByName(name))
            except KeyError:
                continue
        raise ProtobufError(415, f"no protobuf message for {kind} in {api_version or 'v1'} (custom resources are JSON)")

    def decode(self, body: bytes) -> dict[str, Any]:
        """A request body (magic + runtime.Unknown) as the JSON dict the JSON path would produce."""
        if not body.startswith(MAGIC):
            raise ProtobufError(400, "the body of the request was in an unknown format: missing the k8s protobuf magic")
        unknown = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName("k8s.io.apimachinery.pkg.runtime.Unknown")
        )()
        try:
            unknown.ParseFromString(body[len(MAGIC) :])
            api_version, kind = unknown.typeMeta.apiVersion, unknown.typeMeta.kind
            message = self.message_class(api_version, kind)()
            message.ParseFromString(unknown.raw)
        except DecodeError as err:
            raise ProtobufError(400, f"the body of the request was in an unknown format: {err}") from err
        return {"apiVersion": api_version, "kind": kind, **to_json(message)}

    def encode_object(self, obj: dict[str, Any]) -> bytes:
        """What client-go sends for `obj`: magic + runtime.Unknown{typeMeta, raw=typed message}."""
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        message = self.message_class(api_version, kind)()
        from_json(message, {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")})
        unknown = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName("k8s.io.apimachinery.pkg.runtime.Unknown")
        )()
        unknown.typeMeta.apiVersion, unknown.typeMeta.kind = api_version, kind
        unknown.raw = message.SerializeToString()
        unknown.contentType = ""
        return MAGIC + unknown.SerializeToString()


def _has_file(pool: descriptor_pool.DescriptorPool, name: str) -> bool:
    try:
        pool.FindFileByName(name)
    except KeyError:
        return False
    return True


_codec: Codec | None = None
_lock = threading.Lock()


def codec() -> Codec:
    """The codec for the installed descriptors; a 415 that says to run `make setup` when they are absent."""
    global _codec
    with _lock:
        if _codec is None:
            path = tools_dir() / DESCRIPTOR_FILE
            if not path.is_file():
                raise ProtobufError(
                    415,
                    f"the emulator cannot decode {MEDIA_TYPE} bodies: {path} is missing; run `make setup` "
                    "(it installs the real helm and kubectl and extracts the protobuf descriptors)",
                )
            _codec = Codec(path.read_bytes())
        return _codec


def available() -> bool:
    return (tools_dir() / DESCRIPTOR_FILE).is_file()


# decoding -----------------------------------------------------------------------------------------
def json_name(message: Descriptor, field: FieldDescriptor) -> str:
    name = _GO_NAMED.get(field.name, field.name)
    if message.name == "JSONSchemaProps":
        if field.name in _SCHEMA_KEYS:
            return _SCHEMA_KEYS[field.name]
        if field.name.startswith("xKubernetes"):
            words, current = [], ""
            for char in field.name[1:]:
                if char.isupper() and current:
                    words.append(current)
                    current = ""
                current += char.lower()
            return "x-" + "-".join([*words, current])
    return name


_inline_cache: dict[str, frozenset[str]] = {}


def inline_fields(message: Descriptor) -> frozenset[str]:
    """Fields of Go structs embedded with `json:",inline"` (Probe.handler, Volume.volumeSource, IngressRule...).

    go-to-protobuf makes an embedded struct a nested field; its JSON has the nested fields at the outer level.
    Found from the data: a message field whose JSON name the kubernetes-validate definition of the same type lacks,
    while that definition has all of the nested message's fields.
    """
    cached = _inline_cache.get(message.full_name)
    if cached is not None:
        return cached
    name = "io.k8s." + message.full_name.removeprefix("k8s.io.").replace("_apiserver", "-apiserver")
    properties = set((validation.definitions()["$defs"].get(name) or {}).get("properties") or ())
    _inline_cache[message.full_name] = frozenset()  # breaks cycles (JSONSchemaProps refers to itself)
    found = set()
    for field in message.fields:
        if not properties or field.message_type is None or field.is_repeated:
            continue
        if json_name(message, field) not in properties:
            nested = json_names(field.message_type)
            if nested and nested <= properties:
                found.add(field.name)
    _inline_cache[message.full_name] = frozenset(found)
    return _inline_cache[message.full_name]


def json_names(message: Descriptor) -> set[str]:
    """The JSON keys a message's fields produce, inline fields expanded."""
    names: set[str] = set()
    inline = inline_fields(message)
    for field in message.fields:
        names |= json_names(field.message_type) if field.name in inline else {json_name(message, field)}
    return names


def _format_time(seconds: int, nanos: int, micro: bool) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos // 1000:06d}Z" if micro else f"{text}Z"


def go_duration(nanoseconds: int) -> str:
    """Go's time.Duration.String()."""
    if nanoseconds == 0:
        return "0s"
    sign, value = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    if value < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if value >= size:
                return f"{sign}{_trim(value / size)}{unit}"
    hours, rest = divmod(value, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = f"{hours}h{minutes}m" if hours else (f"{minutes}m" if minutes else "")
    return f"{sign}{text}{_trim(rest / 1_000_000_000)}s"


def _trim(number: float) -> str:
    return f"{number:.9f}".rstrip("0").rstrip(".")


def _special(message: Message) -> tuple[bool, Any]:
    """(True, JSON value) for the types whose JSON form is not their protobuf structure."""
    name = message.DESCRIPTOR.full_name
    short = message.DESCRIPTOR.name
    if name == "k8s.io.apimachinery.pkg.api.resource.Quantity":
        return True, message.string
    if name == "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        return True, message.strVal if message.type == 1 else message.intVal
    if name in (f"{_META}.Time", f"{_META}.MicroTime"):
        if not message.seconds and not message.nanos:
            return True, None
        return True, _format_time(message.seconds, message.nanos, short == "MicroTime")
    if name == f"{_META}.Duration":
        return True, go_duration(message.duration)
    if name in ("k8s.io.apimachinery.pkg.runtime.RawExtension", f"{_META}.FieldsV1") or (
        name.startswith(_EXT) and short == "JSON"
    ):
        raw = message.raw if short != "FieldsV1" else message.Raw
        return True, json.loads(raw) if raw else None
    if name.startswith(_EXT) and short.startswith("JSONSchemaPropsOr"):
        if message.HasField("schema"):
            return True, to_json(message.schema)
        if short == "JSONSchemaPropsOrBool":
            return True, message.allows
        if short == "JSONSchemaPropsOrArray":
            return True, [to_json(s) for s in message.jSONSchemas]
        return True, list(message.property)
    if short in ("Verbs", "ExtraValue", "OptionalNames"):
        return True, list(message.items)
    return False, None


def _value(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return to_json(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value


def to_json(message: Message) -> Any:
    special, value = _special(message)
    if special:
        return value
    out: dict[str, Any] = {}
    for field, raw in message.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            value = {key: _value(value_field, item) for key, item in raw.items()}
        elif field.is_repeated:
            value = [_value(field, item) for item in raw]
        else:
            value = _value(field, raw)
        # An empty string is a non-pointer Go string that omitempty would drop; None is a zero Time or empty raw.
        if field.name in inline_fields(message.DESCRIPTOR) and isinstance(value, dict):
            out.update(value)
        elif value is not None and not (value == "" and field.type == FieldDescriptor.TYPE_STRING):
            out[json_name(message.DESCRIPTOR, field)] = value
    return out


# encoding (tests, and any protobuf response later) --------------------------------------------------
def _to_seconds(text: str) -> tuple[int, int]:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()), moment.microsecond * 1000


def _set_special(message: Message, value: Any) -> bool:
    name, short = message.DESCRIPTOR.full_name, message.DESCRIPTOR.name
    if name == "k8s.io.apimachinery.pkg.api.resource.Quantity":
        message.string = str(value)
    elif name == "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        if isinstance(value, int):
            message.type, message.intVal = 0, value
        else:
            message.type, message.strVal = 1, value
    elif name in (f"{_META}.Time", f"{_META}.MicroTime"):
        message.seconds, message.nanos = _to_seconds(value)
    elif name in ("k8s.io.apimachinery.pkg.runtime.RawExtension",) or (name.startswith(_EXT) and short == "JSON"):
        message.raw = json.dumps(value, separators=(",", ":")).encode()
    elif name == f"{_META}.FieldsV1":
        message.Raw = json.dumps(value, separators=(",", ":")).encode()
    elif name.startswith(_EXT) and short.startswith("JSONSchemaPropsOr"):
        if isinstance(value, dict):
            from_json(message.schema, value)
        elif isinstance(value, bool):
            message.allows = value
        elif short == "JSONSchemaPropsOrArray":
            for item in value:
                from_json(message.jSONSchemas.add(), item)
        else:
            message.property.extend(value)
    elif short in ("Verbs", "ExtraValue", "OptionalNames"):
        message.items.extend(value)
    else:
        return False
    return True


def _scalar(field: FieldDescriptor, value: Any) -> Any:
    return base64.b64decode(value) if field.type == FieldDescriptor.TYPE_BYTES else value


def from_json(message: Message, value: Any) -> None:
    if _set_special(message, value):
        return
    by_json = {json_name(message.DESCRIPTOR, f): f for f in message.DESCRIPTOR.fields}
    for inline in inline_fields(message.DESCRIPTOR):
        names = json_names(message.DESCRIPTOR.fields_by_name[inline].message_type)
        nested = {k: value[k] for k in names if k in value}
        value = {k: v for k, v in value.items() if k not in names}
        if nested:
            getattr(message, inline).SetInParent()
            from_json(getattr(message, inline), nested)
    for key, item in value.items():
        field = by_json.get(key)
        if field is None:
            raise ProtobufError(400, f"{message.DESCRIPTOR.full_name} has no field {key!r}")
        if item is None:
            continue
        target = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            for map_key, map_value in item.items():
                if value_field.message_type is not None:
                    from_json(target[map_key], map_value)
                else:
                    target[map_key] = _scalar(value_field, map_value)
        elif field.is_repeated:
            for element in item:
                if field.message_type is not None:
                    from_json(target.add(), element)
                else:
                    target.append(_scalar(field, element))
        elif field.message_type is not None:
            target.SetInParent()
            from_json(target, item)
        else:
            setattr(message, field.name, _scalar(field, item))
