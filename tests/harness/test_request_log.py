"""The request-log reader molecule's idempotence check uses: writes count, dry runs and reads do not."""

from __future__ import annotations

from tests.harness.request_log import real_writes


def entry(method: str, query: dict[str, str] | None = None) -> dict[str, object]:
    return {"method": method, "path": "/api/v1/namespaces/x", "query": query or {}, "status": 200}


def test_every_write_method_counts_and_reads_and_server_side_dry_runs_do_not() -> None:
    log = [
        entry("GET"),
        entry("PATCH", {"dryRun": "All", "fieldManager": "gpuops.llm_inference"}),
        entry("POST", {"dryRun": "All"}),
        *(entry(method) for method in ("POST", "PUT", "PATCH", "DELETE")),
        entry("PATCH", {"fieldManager": "gpuops.llm_inference", "force": "true"}),
    ]
    assert real_writes(log) == [f"{m} /api/v1/namespaces/x -> 200" for m in ("POST", "PUT", "PATCH", "DELETE", "PATCH")]
