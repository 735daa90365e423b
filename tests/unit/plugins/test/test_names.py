"""The test plugins that replace the regular expressions the roles used to copy."""

import re
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.durations import FilterModule, go_duration_seconds
from ansible_collections.gpuops.llm_inference.plugins.test.names import TestModule as NamesTestModule

REPO_ROOT = Path(__file__).resolve().parents[4]
TESTS = NamesTestModule().tests()


def test_every_test_has_its_documentation_sidecar_named_after_it():
    for name in TESTS:
        doc = yaml.safe_load((REPO_ROOT / "plugins/test" / f"{name}.yml").read_text())
        assert doc["DOCUMENTATION"]["name"] == name


def test_the_tests_apply_the_shared_rules():
    assert TESTS["dns_label"]("vllm-llama", 10)
    assert not TESTS["dns_label"]("vllm-llama", 9)
    assert not TESTS["dns_label"]("1a", rfc1035=True)
    assert TESTS["dns_subdomain"]("llm.example.com", fqdn=True)
    assert not TESTS["dns_subdomain"]("llm", fqdn=True)
    assert TESTS["pinned_version"]("v1.2.3") and not TESTS["pinned_version"]("1.2")
    assert TESTS["go_duration"]("1h30m") and not TESTS["go_duration"]("1d")
    assert TESTS["timezone"]("Europe/Paris") and not TESTS["timezone"]("Paris")


@pytest.mark.parametrize("duration, seconds", [("10m", 600), ("1h30m", 5400), ("1.5s", 2), ("250ms", 1), ("0s", 0)])
def test_go_duration_seconds_rounds_up_to_whole_seconds(duration, seconds):
    assert go_duration_seconds(duration) == seconds
    assert FilterModule().filters()["go_duration_seconds"] is go_duration_seconds


def test_go_duration_seconds_refuses_a_value_that_is_not_a_duration():
    with pytest.raises(AnsibleFilterError, match="go_duration_seconds: '10' is not a Go duration"):
        go_duration_seconds("10")


def test_no_role_copies_a_dns_label_or_version_regex_any_more():
    # The expressions these tests replaced: a label character class, a pinned-version pattern, a zone list.
    copied = re.compile(r"\[a-z0-9\]\(\[-a-z0-9|\[0-9\]\+\\\.\[0-9\]\+\\\.\[0-9\]\+\$|__keda_known_timezones")
    places = [p for p in REPO_ROOT.glob("roles/*/*/*.yml") if p.parent.name in ("tasks", "meta", "vars", "defaults")]
    offenders = [str(p.relative_to(REPO_ROOT)) for p in places if copied.search(p.read_text())]
    assert offenders == []
    assert not (REPO_ROOT / "roles/keda/vars/timezones.yml").exists()
