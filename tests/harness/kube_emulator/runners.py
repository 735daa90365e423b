"""Example Job runners for `--job-runner` (signature `run(job) -> {"succeeded", "log", "message"}`)."""

from __future__ import annotations

from typing import Any


def echo(job: dict[str, Any]) -> dict[str, Any]:
    """Succeed, logging each container's command and args one per line, as `echo` would print them.

    A Job whose first container's args contain `--fail` fails with a termination message instead.
    """
    containers = ((job.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    lines = [" ".join(str(part) for part in (c.get("command") or []) + (c.get("args") or [])) for c in containers]
    failing = bool(containers) and "--fail" in (containers[0].get("args") or [])
    message = "echo runner was asked to fail" if failing else "done"
    return {"succeeded": not failing, "log": "".join(f"{line}\n" for line in lines), "message": message}


def broken(job: dict[str, Any]) -> dict[str, Any]:
    """Raise, as a buggy runner would: the emulator must fail the Job and keep serving."""
    raise RuntimeError(f"runner broke on {job['metadata']['name']}")
