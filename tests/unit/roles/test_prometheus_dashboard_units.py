"""Every DCGM panel of the vLLM dashboard shows its values in the unit DCGM reports them in.

dcgm-exporter documents each counter's unit in its counter CSV ("Framebuffer memory used (in MiB)"); Grafana's unit
for mebibytes is `mbytes` (`decmbytes` is SI megabytes, 4.9 % too small a figure at 80 GiB).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from role_render import ROLES

from tests.harness.upstream import upstream_dir

DASHBOARD_FILE = ROLES / "prometheus" / "files" / "vllm-dashboard.json"
# DCGM's "(in <unit>)" -> the Grafana unit id that displays it without conversion.
GRAFANA_UNIT = {"MiB": "mbytes", "%": "percent", "W": "watt", "C": "celsius", "MHz": "rotmhz"}
UPSTREAM = upstream_dir()


def _dcgm_panels() -> list[tuple[dict[str, Any], set[str]]]:
    dashboard = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    found = []
    for panel in dashboard["panels"]:
        metrics = {m for t in panel.get("targets", []) for m in re.findall(r"\bDCGM_FI_[A-Z0-9_]+", t.get("expr", ""))}
        if metrics:
            found.append((panel, metrics))
    assert found, "the dashboard has DCGM panels"
    return found


def _documented_units(directory: Path) -> dict[str, str]:
    units: dict[str, str] = {}
    for csv in directory.glob("*.csv"):
        for line in csv.read_text().splitlines():
            match = re.match(r"\s*#?\s*(DCGM_FI_[A-Z0-9_]+)\s*,[^,]*,.*\(in ([^)]+)\)", line)
            if match:
                units[match.group(1)] = match.group(2)
    return units


def test_framebuffer_panels_are_in_mebibytes() -> None:
    framebuffer = [panel for panel, metrics in _dcgm_panels() if any(m.startswith("DCGM_FI_DEV_FB_") for m in metrics)]
    assert framebuffer
    assert {panel["fieldConfig"]["defaults"]["unit"] for panel in framebuffer} == {"mbytes"}


@pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
def test_every_dcgm_panel_uses_the_unit_dcgm_exporter_documents() -> None:
    assert UPSTREAM is not None
    versions = sorted((UPSTREAM / "dcgm-exporter").iterdir())
    documented = _documented_units(next(v for v in reversed(versions) if v.is_dir()))
    for panel, metrics in _dcgm_panels():
        units = {documented[m] for m in metrics}
        assert len(units) == 1, f"panel {panel['title']!r} mixes units {units}"
        (unit,) = units
        assert panel["fieldConfig"]["defaults"]["unit"] == GRAFANA_UNIT[unit], (panel["title"], unit)
