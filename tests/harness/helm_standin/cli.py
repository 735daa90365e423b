"""Entry point: parse argv like Helm, dispatch, and turn failures into ``Error: …`` with exit code 1."""

from __future__ import annotations

import sys
from collections.abc import Callable

import yaml

from . import info_commands, release_commands
from .args import Invocation, UsageError, parse
from .crds import CrdError
from .kube import KubeError
from .values import ValuesError

Handler = Callable[[Invocation], int]

COMMANDS: dict[str, Handler] = {
    "version": info_commands.version,
    "plugin list": info_commands.plugin_list,
    "repo add": info_commands.repo_add,
    "repo list": info_commands.repo_list,
    "repo update": info_commands.repo_update,
    "repo remove": info_commands.repo_remove,
    "show chart": info_commands.show,
    "show values": info_commands.show,
    "show readme": info_commands.show,
    "show crds": info_commands.show,
    "show all": info_commands.show,
    "dependency update": info_commands.dependency,
    "dependency build": info_commands.dependency,
    "dependency list": info_commands.dependency,
    "upgrade": release_commands.upgrade,
    "install": release_commands.upgrade,
    "uninstall": release_commands.uninstall,
    "list": release_commands.list_releases,
    "status": release_commands.status,
    "get values": release_commands.get,
    "get manifest": release_commands.get,
    "get notes": release_commands.get,
    "get hooks": release_commands.get,
    "get metadata": release_commands.get,
    "get all": release_commands.get,
    "history": release_commands.history,
}

USAGE = """The helm stand-in of the gpuops test harness (not Helm).

Supported commands: {commands}
Releases are stored like Helm 3 (Secrets of type helm.sh/release.v1); chart templates are not rendered.
"""


def main(argv: list[str]) -> int:
    try:
        invocation = parse(argv)
        if not invocation.command or invocation.bool("help"):
            sys.stdout.write(USAGE.format(commands=", ".join(sorted(COMMANDS))))
            return 0
        handler = COMMANDS.get(invocation.name)
        if handler is None:
            raise UsageError(f'unknown command "{invocation.name}" for "helm" (not implemented by the stand-in)')
        return handler(invocation)
    except (UsageError, ValuesError, KubeError, CrdError) as exc:
        sys.stdout.flush()
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except (OSError, yaml.YAMLError) as exc:
        # Unreadable upstream or chart files: still answer the way Helm fails, not with a traceback.
        print(f"Error: helm stand-in could not read its data: {exc}", file=sys.stderr)
        return 1
