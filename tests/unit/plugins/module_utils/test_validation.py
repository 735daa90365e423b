"""The shared syntax rules: Kubernetes names, pinned versions, Go durations and time zones."""

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils import validation as v


@pytest.mark.parametrize("name", ["a", "0", "llama31-8b", "a" * 63, "x-1-y"])
def test_a_dns_label_is_lowercase_alphanumerics_and_dashes_alphanumeric_at_both_ends(name):
    assert v.is_dns_label(name)


@pytest.mark.parametrize("name", ["", "A", "-a", "a-", "a_b", "a.b", "a" * 64, None, 3, ["a"]])
def test_anything_else_is_not_a_dns_label(name):
    assert not v.is_dns_label(name)


@pytest.mark.parametrize("limit", [1, 26, 47, 53, 63])
def test_a_dns_label_is_refused_one_character_past_its_limit(limit):
    assert v.is_dns_label("a" * limit, limit)
    assert not v.is_dns_label("a" * (limit + 1), limit)


def test_a_limit_above_63_never_admits_a_longer_label():
    assert not v.is_dns_label("a" * 64, 100)


def test_an_rfc1035_label_starts_with_a_letter():
    assert v.is_dns_label("kube-prometheus", rfc1035=True)
    assert not v.is_dns_label("1prom", rfc1035=True)
    assert v.is_dns_label("1prom")


@pytest.mark.parametrize("name", ["a", "a.b", "vllm-keda.svc.cluster.local", ("a" * 63 + ".") * 3 + "a" * 61])
def test_a_dns_subdomain_is_labels_joined_by_dots_up_to_253(name):
    assert v.is_dns_subdomain(name)


@pytest.mark.parametrize("name", ["", ".a", "a.", "a..b", "A.b", ("a" * 63 + ".") * 3 + "a" * 62, "a" * 64, None])
def test_anything_else_is_not_a_dns_subdomain(name):
    assert not v.is_dns_subdomain(name)


@pytest.mark.parametrize("name", ["llm.example.com", "a.io", "x-1.y"])
def test_a_host_name_has_two_labels_and_a_top_level_domain_starting_with_a_letter(name):
    assert v.is_dns_subdomain(name, fqdn=True)


@pytest.mark.parametrize("name", ["localhost", "10.0.0.1", "a.1b", "llm.example.com."])
def test_a_single_label_an_ip_or_a_trailing_dot_is_not_a_host_name(name):
    assert not v.is_dns_subdomain(name, fqdn=True)


@pytest.mark.parametrize("version", ["1.30.3", "v1.19.1", "0.0.0", "10.200.3000"])
def test_a_pinned_version_is_major_minor_patch_with_an_optional_v(version):
    assert v.is_pinned_version(version)


@pytest.mark.parametrize("version", ["", "latest", "1.30", "1.30.x", "^1.30.3", ">=1.0.0", "1.30.3-rc1", "V1.0.0", 1])
def test_a_range_a_tag_or_a_pre_release_is_not_pinned(version):
    assert not v.is_pinned_version(version)


@pytest.mark.parametrize(
    "duration, seconds",
    [("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400), ("1.5s", 1.5), ("250ms", 0.25), ("1m30s", 90)],
)
def test_a_go_duration_is_the_sum_of_its_parts(duration, seconds):
    assert v.is_go_duration(duration)
    assert v.go_duration_seconds(duration) == pytest.approx(seconds)


@pytest.mark.parametrize("duration", ["", "10", "10 m", "-1s", "1d", "m", "1.s", 10, None])
def test_anything_else_is_not_a_go_duration_and_has_no_seconds(duration):
    assert not v.is_go_duration(duration)
    with pytest.raises(ValueError, match="is not a Go duration"):
        v.go_duration_seconds(duration)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Vienna", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
def test_an_iana_zone_name_is_a_time_zone(zone):
    assert v.is_timezone(zone)


@pytest.mark.parametrize("zone", ["", "Europe/Atlantis", "europe/vienna", "localtime", "/etc/localtime", "../UTC"])
def test_an_unknown_name_a_path_or_a_local_alias_is_not_a_time_zone(zone):
    assert not v.is_timezone(zone)
