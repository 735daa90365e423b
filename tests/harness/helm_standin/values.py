"""Values handling: merging like Helm, and the strict check against the upstream chart.

The check is deliberately stricter than Helm: a key the upstream ``values.yaml`` does not know
is an error, because in this project such a key is almost always a misspelling that Helm would
silently ignore.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.harness.upstream import yaml_load

# Subtrees that charts pass through verbatim to Kubernetes objects or config files; any child
# key is legitimate there although values.yaml cannot list it.
FREE_FORM = frozenset(
    {
        "additionalLabels",
        "additionalAnnotations",
        "additionalContainers",
        "affinity",
        "annotations",
        "args",
        "commonLabels",
        "config",
        "containerSecurityContext",
        "deploymentAnnotations",
        "deploymentLabels",
        "dnsConfig",
        "env",
        "envFrom",
        "envVarFrom",
        "extraArgs",
        "extraContainers",
        "extraEnv",
        "extraEnvVars",
        "extraInitContainers",
        "extraObjects",
        "extraVolumeMounts",
        "extraVolumes",
        "hostAliases",
        "imagePullSecrets",
        "initContainers",
        "labels",
        "lifecycle",
        "livenessProbe",
        "meshConfig",
        "nodeSelector",
        "podAnnotations",
        "podLabels",
        "podSecurityContext",
        "readinessProbe",
        "resources",
        "securityContext",
        "serviceAccountAnnotations",
        "serviceAnnotations",
        "serviceLabels",
        "sidecars",
        "startupProbe",
        "tolerations",
        "topologySpreadConstraints",
        "volumeMounts",
        "volumes",
    }
)


class ValuesError(ValueError):
    """User values that the stand-in refuses (message is printed after ``Error: ``)."""


def merge_maps(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's mergeMaps: deep merge of maps, anything else in ``override`` wins."""
    result = dict(base)
    for key, value in override.items():
        current = result.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            result[key] = merge_maps(current, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def coalesce(defaults: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Chart defaults overlaid with user config; a user ``null`` deletes the default (Helm)."""
    result = copy.deepcopy(dict(defaults))
    for key, value in config.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = coalesce(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def load_values_file(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            content = yaml_load(handle)
    except OSError as exc:
        raise ValuesError(f"open {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ValuesError(f"failed to parse {path}: {exc}") from exc
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ValuesError(f"failed to parse {path}: values file must be a YAML map")
    return content


def format_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            escaped = part.replace(".", "\\.")
            text += f".{escaped}" if text else escaped
    return text


def unknown_keys(
    user: Any,
    upstream: Any,
    free_keys: frozenset[str] = frozenset(),
    path: tuple[str | int, ...] = (),
) -> list[str]:
    """Key paths of ``user`` that ``upstream`` (values.yaml) does not define.

    ``free_keys`` are top-level keys accepted with any content (subchart names, keys that
    templates read without a default).
    """
    found: list[str] = []
    # An empty map accepts anything below the root; at the root it means the chart takes no values.
    if isinstance(user, Mapping) and isinstance(upstream, Mapping) and (upstream or not path):
        for key, value in user.items():
            key_text = str(key)
            if not path and key_text in free_keys:
                continue
            if key_text not in upstream:
                found.append(format_path((*path, key_text)))
            elif key_text not in FREE_FORM:
                found.extend(unknown_keys(value, upstream[key_text], frozenset(), (*path, key_text)))
    elif isinstance(user, list) and isinstance(upstream, list) and upstream and isinstance(upstream[0], Mapping):
        for position, item in enumerate(user):
            found.extend(unknown_keys(item, upstream[0], frozenset(), (*path, position)))
    return found


def schema_errors(values: Mapping[str, Any], schema_path: Path) -> list[str]:
    """jsonschema errors of the coalesced values, formatted like Helm (``- path: message``)."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator = validator_class(schema)
    messages = []
    for error in sorted(validator.iter_errors(dict(values)), key=lambda e: list(map(str, e.absolute_path))):
        location = format_path(error.absolute_path) or "(root)"
        messages.append(f"- {location}: {error.message}")
    return messages
