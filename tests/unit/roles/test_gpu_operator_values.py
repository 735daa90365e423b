"""The gpu_operator role's chart values: the component toggles, the time-slicing wiring, keys the chart knows."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from role_render import render_documents, role_value

from tests.harness.chart_values import unknown_keys
from tests.harness.upstream import upstream_dir

UPSTREAM = upstream_dir()


def _values(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    return role_value("gpu_operator", "__gpu_operator_values", overrides)


def test_the_defaults_install_every_component_ovh_mks_needs() -> None:
    values = _values()
    for component in ("driver", "toolkit", "devicePlugin", "dcgmExporter"):
        assert values[component]["enabled"] is True, component
    assert values["dcgmExporter"]["serviceMonitor"]["enabled"] is False
    assert "config" not in values["devicePlugin"]


def test_each_component_can_be_switched_off() -> None:
    values = _values({"gpu_operator_driver_enabled": False, "gpu_operator_dcgm_exporter_enabled": False})
    assert values["driver"]["enabled"] is False and values["dcgmExporter"]["enabled"] is False
    assert values["toolkit"]["enabled"] is True


def test_time_slicing_points_the_device_plugin_at_the_configmap_the_role_applies() -> None:
    overrides = {"gpu_operator_time_slicing_enabled": True, "gpu_operator_time_slicing_replicas": 4}
    config = _values(overrides)["devicePlugin"]["config"]
    (configmap,) = render_documents("gpu_operator", "time_slicing_configmap.yaml.j2", overrides)
    assert configmap["metadata"]["name"] == config["name"]
    assert config["create"] is False
    plugin_config = yaml.safe_load(configmap["data"][config["default"]])
    assert plugin_config["version"] == "v1"
    (resource,) = plugin_config["sharing"]["timeSlicing"]["resources"]
    assert resource == {"name": "nvidia.com/gpu", "replicas": 4}


def test_user_values_win() -> None:
    values = _values({"gpu_operator_helm_values": {"driver": {"enabled": False, "version": "570.0"}}})
    assert values["driver"] == {"enabled": False, "version": "570.0"}


@pytest.mark.upstream
@pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
def test_every_value_key_exists_in_the_pinned_chart() -> None:
    assert UPSTREAM is not None
    version = role_value("gpu_operator", "gpu_operator_chart_version")
    upstream = yaml.safe_load((UPSTREAM / "gpu-operator" / version / "values.yaml").read_text(encoding="utf-8"))
    overrides = {"gpu_operator_time_slicing_enabled": True}
    assert unknown_keys(_values(overrides), upstream) == []
