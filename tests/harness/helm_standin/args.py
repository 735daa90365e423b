"""A cobra/pflag-compatible argv parser for the subset of the Helm CLI the stand-in serves.

Like Helm, flags may appear anywhere (``helm --version=1.0 show chart x`` is what
kubernetes.core.helm runs), long flags take ``--flag value`` or ``--flag=value``, shorthands
take ``-f value``, ``-fvalue`` or ``-f=value``, and boolean flags only take a value after ``=``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

GROUPS = {
    "repo": {"add", "list", "ls", "update", "up", "remove", "rm", "index"},
    "get": {"values", "manifest", "notes", "hooks", "all", "metadata"},
    "show": {"chart", "values", "readme", "crds", "all"},
    "inspect": {"chart", "values", "readme", "crds", "all"},
    "plugin": {"list", "ls", "install", "uninstall", "update"},
    "dependency": {"update", "up", "build", "list", "ls"},
    "dep": {"update", "up", "build", "list", "ls"},
}
ALIASES = {
    "ls": "list",
    "delete": "uninstall",
    "del": "uninstall",
    "un": "uninstall",
    "hist": "history",
    "inspect": "show",
    "dep": "dependency",
    "up": "update",
    "rm": "remove",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


VALUE_FLAGS = _words(
    """kubeconfig kube-context namespace kube-token kube-apiserver kube-ca-file kube-as-user kube-as-group
    kube-tls-server-name registry-config repository-config repository-cache burst-limit qps content-cache
    version repo values set set-string set-json set-file set-literal timeout history-max post-renderer
    post-renderer-args output filter max offset revision username password description ca-file cert-file
    key-file cascade time-format template labels selector name-template keyring"""
)
BOOL_FLAGS = _words(
    """install wait wait-for-jobs atomic rollback-on-failure create-namespace reset-values reuse-values
    reset-then-reuse-values force force-replace force-conflicts server-side replace no-hooks dependency-update
    skip-crds skip-schema-validation insecure-skip-tls-verify plain-http take-ownership debug all all-namespaces
    deployed failed pending superseded uninstalled uninstalling short keep-history ignore-not-found
    pass-credentials password-stdin force-update kube-insecure-skip-tls-verify devel verify cleanup-on-fail
    render-subchart-notes disable-openapi-validation enable-dns no-headers reverse date allow-deprecated-repos
    fail-on-repo-update-fail hide-notes hide-secret generate-name dry-run help show-resources"""
)
GLOBAL_SHORT = {"n": "namespace", "h": "help"}
COMMAND_SHORT = {
    "upgrade": {"i": "install", "f": "values"},
    "install": {"f": "values", "g": "generate-name"},
    "list": {"a": "all", "A": "all-namespaces", "f": "filter", "o": "output", "q": "short", "m": "max", "d": "date"},
    "get values": {"a": "all", "o": "output"},
    "get all": {"o": "output"},
    "status": {"o": "output"},
    "history": {"o": "output"},
    "repo list": {"o": "output"},
    "version": {},
}
TRUE_WORDS = {"1", "t", "T", "TRUE", "true", "True"}
FALSE_WORDS = {"0", "f", "F", "FALSE", "false", "False"}


class UsageError(ValueError):
    """Bad command line; printed as ``Error: <message>`` with exit code 1."""


@dataclass
class Invocation:
    command: list[str] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " ".join(self.command)

    def value(self, flag: str, default: str | None = None) -> str | None:
        values = self.flags.get(flag)
        return values[-1] if values else default

    def values(self, flag: str) -> list[str]:
        return list(self.flags.get(flag, []))

    def bool(self, flag: str) -> bool:
        raw = self.value(flag)
        if raw is None:
            return False
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        raise UsageError(
            f'invalid argument "{raw}" for "--{flag}" flag: strconv.ParseBool: parsing "{raw}": invalid syntax'
        )

    def has(self, flag: str) -> bool:
        return flag in self.flags


def _canonical_command(words: list[str]) -> list[str]:
    return [ALIASES.get(word, word) for word in words]


def _command_complete(command: list[str]) -> bool:
    return bool(command) and (command[0] not in GROUPS or len(command) == 2)


def parse(argv: list[str]) -> Invocation:
    result = Invocation()
    raw_command: list[str] = []
    position = 0

    def add(flag: str, value: str) -> None:
        result.flags.setdefault(flag, []).append(value)

    while position < len(argv):
        token = argv[position]
        position += 1
        if token == "--":
            result.positionals.extend(argv[position:])
            break
        if token.startswith("--") and len(token) > 2:
            name, has_value, value = token[2:].partition("=")
            if name in BOOL_FLAGS:
                add(name, value if has_value else "true")
            elif name in VALUE_FLAGS:
                if not has_value:
                    if position >= len(argv):
                        raise UsageError(f"flag needs an argument: --{name}")
                    value = argv[position]
                    position += 1
                add(name, value)
            else:
                raise UsageError(f"unknown flag: --{name}")
            continue
        if token.startswith("-") and len(token) > 1:
            position = _short(token, argv, position, _canonical_command(raw_command), add)
            continue
        if not _command_complete(_canonical_command(raw_command)):
            raw_command.append(token)
        else:
            result.positionals.append(token)
    result.command = _canonical_command(raw_command)
    return result


def _short(token: str, argv: list[str], position: int, command: list[str], add: Callable[[str, str], None]) -> int:
    """Consume one shorthand token (``-ab``, ``-fvalue``, ``-f=value``, ``-f value``); return the next position."""
    shorthands = dict(GLOBAL_SHORT)
    shorthands.update(COMMAND_SHORT.get(" ".join(command), {}))
    letters = token[1:]
    while letters:
        letter, letters = letters[0], letters[1:]
        name = shorthands.get(letter)
        if name is None:
            raise UsageError(f"unknown shorthand flag: '{letter}' in {token}")
        if name in BOOL_FLAGS:
            if letters.startswith("="):
                add(name, letters[1:])
                return position
            add(name, "true")
            continue
        if letters.startswith("="):
            letters = letters[1:]
        if letters:
            add(name, letters)
            return position
        if position >= len(argv):
            raise UsageError(f"flag needs an argument: '{letter}' in {token}")
        add(name, argv[position])
        return position + 1
    return position
