"""The shipped inventories are complete: every secret they reference has a vault placeholder and an example,
and every role's input checks pass for each environment (playbooks/validate.yml, which touches no cluster)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.conftest import REPO_ROOT, run_playbook

ENVIRONMENTS = ["staging", "production"]
PLACEHOLDER_PASSWORD = b"change-me"  # documented in the README and in the placeholder itself


def referenced_vault_variables(env: str) -> set[str]:
    text = "".join(p.read_text() for p in (REPO_ROOT / "inventories" / env / "group_vars").rglob("*.yml"))
    return set(re.findall(r"\b(vault_[a-z0-9_]+)", text))


def decrypted_placeholder(env: str) -> dict:
    vault = VaultLib([("default", VaultSecret(PLACEHOLDER_PASSWORD))])
    path = REPO_ROOT / "inventories" / env / "group_vars" / "all" / "vault.yml"
    return yaml.safe_load(vault.decrypt(path.read_bytes()))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_referenced_secret_has_an_encrypted_placeholder_and_an_example(env: str) -> None:
    referenced = referenced_vault_variables(env)
    example = yaml.safe_load((REPO_ROOT / "inventories" / env / "group_vars" / "all" / "vault.yml.example").read_text())
    placeholder = decrypted_placeholder(env)
    assert referenced, "the inventory references no vault variable"
    assert referenced <= set(example), referenced - set(example)
    assert referenced <= set(placeholder), referenced - set(placeholder)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_vault_file_is_encrypted(env: str) -> None:
    path = REPO_ROOT / "inventories" / env / "group_vars" / "all" / "vault.yml"
    assert path.read_text().startswith("$ANSIBLE_VAULT;")


@pytest.mark.slow
@pytest.mark.parametrize("env", ["local", *ENVIRONMENTS])
def test_every_role_accepts_the_inventory(env: str, tmp_path: Path) -> None:
    password_file = tmp_path / "vault-password"
    password_file.write_bytes(PLACEHOLDER_PASSWORD)
    # Only the venv on PATH and a private HOME: the inventory must not lean on the caller's environment.
    proc = run_playbook(
        REPO_ROOT / "playbooks" / "validate.yml",
        inventory=REPO_ROOT / "inventories" / env,
        args=["--vault-password-file", str(password_file)],
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)},
    )
    assert proc.rc == 0, proc.tail(4000)
