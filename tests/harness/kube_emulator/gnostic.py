"""OpenAPI v2 as gnostic's `openapi.v2.Document` protobuf, which client-go's discovery `OpenAPISchema()` parses.

The message descriptors are gnostic's own (`openapiv2/OpenAPIv2.proto`, extracted from the real helm binary by
`make setup`). The JSON → message mapping follows gnostic's compiler (github.com/google/gnostic-models
openapiv2/OpenAPIv2.go `NewDocument` and friends): `$ref` is `_ref`, `x-*` keys are `vendor_extension` entries whose
value is an `Any` holding YAML text, JSON objects used as maps are repeated `Named*` pairs, and the `oneOf` wrappers
(`ParametersItem`, `Parameter`, `NonBodyParameter`, `SchemaItem`, `AdditionalPropertiesItem`, `ItemsItem`,
`TypeItem`, `ResponseValue`) pick their branch from the JSON value.
"""

from __future__ import annotations

from typing import Any

import yaml
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .protobuf import codec

# What clients ask for (client-go discovery `openAPIV2mimePb`) and what the server answers with: Go's
# mime.ParseMediaType rejects the `@`, so kube-openapi's handler replies with the dotted form
# (k8s.io/kube-openapi pkg/handler/handler.go `subTypeProtobuf`).
MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
RESPONSE_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_NON_BODY = {
    "query": "query_parameter_sub_schema",
    "path": "path_parameter_sub_schema",
    "header": "header_parameter_sub_schema",
    "formData": "form_data_parameter_sub_schema",
}


def encode_document(document: dict[str, Any]) -> bytes:
    pool = codec().pool
    message = message_factory.GetMessageClass(pool.FindMessageTypeByName("openapi.v2.Document"))()
    _fill(message, document)
    return message.SerializeToString()


def _any(message: Message, value: Any) -> None:
    message.yaml = yaml.safe_dump(value, default_flow_style=False, sort_keys=False)


def _named_list(message: Message, value: dict[str, Any]) -> bool:
    """Messages that stand for JSON maps: one repeated field of Named* pairs (plus, maybe, vendor extensions)."""
    fields = [f for f in message.DESCRIPTOR.fields if f.name != "vendor_extension"]
    if len(fields) != 1 or not fields[0].is_repeated or not fields[0].message_type.name.startswith("Named"):
        return False
    target = getattr(message, fields[0].name)
    for key, item in value.items():
        if key.startswith("x-") and "vendor_extension" in message.DESCRIPTOR.fields_by_name:
            _vendor(message, key, item)
            continue
        pair = target.add()
        pair.name = key
        value_field = pair.DESCRIPTOR.fields_by_name["value"]
        if value_field.message_type is None:
            pair.value = item
        else:
            _fill(pair.value, item)
    return True


def _vendor(message: Message, key: str, value: Any) -> None:
    entry = message.vendor_extension.add()
    entry.name = key
    _any(entry.value, value)


def _oneof(message: Message, value: Any) -> bool:
    name = message.DESCRIPTOR.name
    if name == "Any":
        _any(message, value)
    elif name in ("TypeItem", "StringArray"):
        message.value.extend([value] if isinstance(value, str) else value)
    elif name == "ItemsItem":
        for schema in value if isinstance(value, list) else [value]:
            _fill(message.schema.add(), schema)
    elif name == "AdditionalPropertiesItem":
        if isinstance(value, bool):
            message.boolean = value
        else:
            _fill(message.schema, value)
    elif name == "SchemaItem":
        _fill(message.schema, value)
    elif name in ("ParametersItem", "ResponseValue") and "$ref" in value:
        _fill(message.json_reference, value)
    elif name == "ParametersItem":
        _fill(message.parameter, value)
    elif name == "ResponseValue":
        _fill(message.response, value)
    elif name == "Parameter":
        if value.get("in") == "body":
            _fill(message.body_parameter, value)
        else:
            _fill(message.non_body_parameter, value)
    elif name == "NonBodyParameter":
        _fill(getattr(message, _NON_BODY.get(value.get("in", ""), "query_parameter_sub_schema")), value)
    else:
        return False
    return True


def _fill(message: Message, value: Any) -> None:
    if _oneof(message, value) or _named_list(message, value):
        return
    fields = message.DESCRIPTOR.fields_by_name
    by_json = {f.json_name: f for f in message.DESCRIPTOR.fields}
    for key, item in value.items():
        if key.startswith("x-") and "vendor_extension" in fields:
            _vendor(message, key, item)
            continue
        field = fields["_ref"] if key == "$ref" and "_ref" in fields else by_json.get(key)
        if field is None or item is None:
            continue  # gnostic drops what OpenAPI v2 does not define, as the real server's v2 does
        _set(message, field, item)


def _set(message: Message, field: FieldDescriptor, item: Any) -> None:
    target = getattr(message, field.name)
    if field.is_repeated:
        for element in item:
            if field.message_type is not None:
                _fill(target.add(), element)
            else:
                target.append(element)
    elif field.message_type is not None:
        target.SetInParent()
        _fill(target, item)
    elif field.type == FieldDescriptor.TYPE_DOUBLE:
        setattr(message, field.name, float(item))
    else:
        setattr(message, field.name, item)
