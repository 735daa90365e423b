"""awx/job_templates.yml holds valid awx.awx objects that point at real playbooks and variables."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.yaml.loader import AnsibleLoader
from dateutil.rrule import rrulestr

REPO_ROOT = Path(__file__).resolve().parents[3]
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def load_definitions() -> dict[str, Any]:
    with (REPO_ROOT / "awx" / "job_templates.yml").open() as stream:
        return AnsibleLoader(stream).get_single_data()


DEFS = load_definitions()


def awx_options(module: str) -> set[str]:
    doc = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{module}").DOCUMENTATION
    return set(yaml.safe_load(doc)["options"])


def test_the_six_job_templates_exist():
    names = [t["name"] for t in DEFS["gpuops_awx_job_templates"]]
    assert names == [
        "gpuops - site",
        "gpuops - infrastructure",
        "gpuops - scale up",
        "gpuops - scale down",
        "gpuops - seed model",
        "gpuops - verify",
    ]


@pytest.mark.parametrize("template", DEFS["gpuops_awx_job_templates"], ids=lambda t: t["name"])
def test_job_templates_use_awx_job_template_options_and_real_playbooks(template):
    assert set(template) <= awx_options("job_template")
    assert (REPO_ROOT / template["playbook"]).is_file()
    assert template["job_type"] in ("run", "check")


@pytest.mark.parametrize(
    "template", [t for t in DEFS["gpuops_awx_job_templates"] if t.get("survey_enabled")], ids=lambda t: t["name"]
)
def test_surveys_ask_for_variables_the_playbook_reads(template):
    playbook = (REPO_ROOT / template["playbook"]).read_text()
    spec = template["survey_spec"]
    assert spec["name"]
    assert spec["spec"]
    for question in spec["spec"]:
        assert question["type"] in SURVEY_TYPES
        assert question["variable"] in playbook, f"{question['variable']} unused by {template['playbook']}"
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"]
        if question["type"] == "integer" and "default" in question:
            assert question["min"] <= question["default"] <= question["max"]


def test_scale_templates_fix_the_direction_and_schedules_run_them_on_weekdays():
    by_name = {t["name"]: t for t in DEFS["gpuops_awx_job_templates"]}
    assert by_name["gpuops - scale up"]["extra_vars"] == {"scale_direction": "up"}
    assert by_name["gpuops - scale down"]["extra_vars"] == {"scale_direction": "down"}
    for schedule in DEFS["gpuops_awx_schedules"]:
        assert set(schedule) <= awx_options("schedule")
        assert schedule["unified_job_template"] in by_name
        rule = rrulestr(schedule["rrule"].replace(" RRULE", "\nRRULE"))
        first = rule[0]
        assert first.weekday() < 5


def test_scale_up_runs_before_scale_down_each_day():
    up, down = (rrulestr(s["rrule"].replace(" RRULE", "\nRRULE"))[0] for s in DEFS["gpuops_awx_schedules"])
    assert up.date() == down.date()
    assert up < down


def test_the_ovh_credential_type_injects_what_the_modules_and_terraform_read():
    (ovh,) = DEFS["gpuops_awx_credential_types"]
    assert set(ovh) <= awx_options("credential_type")
    env = ovh["injectors"]["env"]
    assert set(env) == {"OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"}
    secrets = {f["id"] for f in ovh["inputs"]["fields"] if f.get("secret")}
    assert secrets == {"application_secret", "consumer_key"}
    # The inventories reference these vault variable names.
    inventory = (REPO_ROOT / "inventories" / "production" / "group_vars" / "all" / "ovh.yml").read_text()
    for name in ovh["injectors"]["extra_vars"]:
        assert name in inventory


def test_verify_asks_for_the_environment_and_a_cold_start_and_lets_the_inventory_be_chosen():
    verify = next(t for t in DEFS["gpuops_awx_job_templates"] if t["name"] == "gpuops - verify")
    assert verify["ask_inventory_on_launch"] is True
    questions = {q["variable"]: q for q in verify["survey_spec"]["spec"]}
    assert set(questions) == {"verify_environment", "verify_cold_start"}
    # Every environment the survey offers has an inventory tagged with it.
    for environment in questions["verify_environment"]["choices"]:
        main = (REPO_ROOT / "inventories" / environment / "group_vars" / "all" / "main.yml").read_text()
        assert f"gpuops_environment: {environment}" in main
    # The configure playbook passes the launch option on to awx.awx.job_template.
    assert "item.ask_inventory_on_launch" in (REPO_ROOT / "awx" / "configure.yml").read_text()
