"""A loopback Prometheus HTTP API: /api/v1/query and /api/v1/rules with canned answers, for verify.yml's checks.

It answers every query with one series per model in `series_models` (label `model`) and lists `alerts` as loaded
alerting rules; it records the queries so tests can see what was asked. It evaluates no PromQL.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PrometheusFake:
    def __init__(self, series_models: list[str], alerts: list[str]) -> None:
        self.series_models = list(series_models)
        self.alerts = list(alerts)
        self.queries: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                split = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(split.query)
                if split.path == "/api/v1/query":
                    fake.queries.append(params.get("query", [""])[0])
                    result = [{"metric": {"model": m}, "value": [0, "1"]} for m in fake.series_models]
                    data: Any = {"resultType": "vector", "result": result}
                elif split.path == "/api/v1/rules":
                    rules = [{"name": a, "type": "alerting", "health": "ok"} for a in fake.alerts]
                    data = {"groups": [{"name": "vllm.serving", "file": "vllm.yaml", "rules": rules}]}
                else:
                    self.send_error(404)
                    return
                body = json.dumps({"status": "success", "data": data}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> PrometheusFake:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
