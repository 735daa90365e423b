"""The outside of a deployed stack as verify.yml sees it: the gateway (TLS, redirect, bearer keys, exposed paths)
and vLLM's OpenAI API (models, chat completions with and without SSE streaming, completions) on 127.0.0.1.

It proves the checks, not the stack: the gateway rules are written here by hand to match what the routes role
configures, and every answer is canned. Each `Misconfig` breaks one thing a real deployment can get wrong.
"""

from __future__ import annotations

import enum
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.harness.kube_emulator import tls

# What the routes role exposes (roles/routes/defaults/main.yml routes_exposed_paths and routes_health_path).
EXPOSED = ("/v1/models", "/v1/chat/completions", "/v1/completions", "/health")
WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


class Misconfig(enum.Enum):
    AUTH_OFF = "auth-off"
    METRICS_EXPOSED = "metrics-exposed"
    REVOKED_KEY_ACCEPTED = "revoked-key-accepted"
    NO_REDIRECT = "no-redirect"
    WRONG_NAME = "wrong-name"
    EXPIRED = "expired"
    MODEL_MISSING = "model-missing"
    COLD_START_503 = "cold-start-503"


@dataclass
class Settings:
    keys: list[str]
    models: list[str]
    revoked: list[str] = field(default_factory=list)
    misconfig: Misconfig | None = None
    # The first completion request waits this long (a model scaled to zero); None: the model is warm.
    cold_start_seconds: float | None = None
    token_interval: float = 0.005


class _State:
    def __init__(self, settings: Settings, https_port: int) -> None:
        self.settings = settings
        self.https_port = https_port
        self.cold = settings.cold_start_seconds is not None
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, bool]] = []

    def wake(self) -> bool:
        """True when this request is the one that finds the model at zero replicas."""
        with self.lock:
            was_cold, self.cold = self.cold, False
        return was_cold


class _Handler(BaseHTTPRequestHandler):
    server_version = "openai-endpoint-fake"
    state: _State
    plain_http = False

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- answers ---------------------------------------------------------------------------------------------
    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": {"message": message, "code": status}})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}

    # -- the gateway -----------------------------------------------------------------------------------------
    def _gateway(self) -> bool:
        """False when the gateway answered (redirect, auth, no route); True to pass the request to vLLM."""
        settings, misconfig = self.state.settings, self.state.settings.misconfig
        path = self.path.split("?")[0]
        if self.plain_http and misconfig is not Misconfig.NO_REDIRECT:
            self.send_response(301)
            self.send_header("Location", f"https://localhost:{self.state.https_port}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        if path == "/health":
            return True
        if misconfig is not Misconfig.AUTH_OFF:
            accepted = set(settings.keys)
            if misconfig is Misconfig.REVOKED_KEY_ACCEPTED:
                accepted |= set(settings.revoked)
            header = self.headers.get("Authorization", "")
            if not header.startswith("Bearer ") or header[len("Bearer ") :] not in accepted:
                self._json(401, {"error": "unauthorized"}, {"WWW-Authenticate": 'Bearer realm="llm-gateway"'})
                return False
        if path in EXPOSED or (path == "/metrics" and misconfig is Misconfig.METRICS_EXPOSED):
            return True
        self._error(404, "no route")
        return False

    # -- vLLM ------------------------------------------------------------------------------------------------
    def _listed_models(self) -> list[str]:
        models = list(self.state.settings.models)
        if self.state.settings.misconfig is Misconfig.MODEL_MISSING:
            models = models[1:]
        return models

    def _served(self, body: dict[str, Any]) -> str | None:
        model = body.get("model")
        if model not in self._listed_models():
            self._error(404, f"The model `{model}` does not exist.")
            return None
        if self.state.wake():
            if self.state.settings.misconfig is Misconfig.COLD_START_503:
                self._error(503, "no healthy upstream")
                return None
            time.sleep(self.state.settings.cold_start_seconds or 0)
        return model

    def do_GET(self) -> None:
        self.state.requests.append(("GET", self.path, self.plain_http))
        if not self._gateway():
            return
        path = self.path.split("?")[0]
        if path == "/health":
            self._json(200, {})
        elif path == "/metrics":
            data = b'vllm:num_requests_waiting{model_name="x"} 0\n'
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif path == "/v1/models":
            data = [{"id": m, "object": "model", "owned_by": "vllm"} for m in self._listed_models()]
            self._json(200, {"object": "list", "data": data})
        else:
            self._error(405, "Method Not Allowed")

    def do_POST(self) -> None:
        self.state.requests.append(("POST", self.path, self.plain_http))
        if not self._gateway():
            return
        path, body = self.path.split("?")[0], self._body()
        if path not in ("/v1/chat/completions", "/v1/completions"):
            self._error(405, "Method Not Allowed")
            return
        model = self._served(body)
        if model is None:
            return
        count = min(int(body.get("max_tokens") or 16), len(WORDS))
        if path == "/v1/completions":
            usage = {"prompt_tokens": 12, "completion_tokens": count, "total_tokens": 12 + count}
            choice = {"index": 0, "text": " ".join(WORDS[:count]), "finish_reason": "length", "logprobs": None}
            self._json(
                200,
                {
                    "id": f"cmpl-{uuid.uuid4().hex}",
                    "object": "text_completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [choice],
                    "usage": usage,
                },
            )
        elif body.get("stream"):
            self._stream(model, count, bool((body.get("stream_options") or {}).get("include_usage")))
        else:
            message = {"role": "assistant", "content": " ".join(WORDS[:count])}
            self._json(
                200,
                {
                    "id": f"chatcmpl-{uuid.uuid4().hex}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "length"}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": count, "total_tokens": 12 + count},
                },
            )

    def _stream(self, model: str, count: int, include_usage: bool) -> None:
        """Server-sent events as vLLM sends them: a role chunk, one chunk per token, a usage chunk, [DONE]."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        def event(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> None:
            chunk: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": choices,
            }
            if usage is not None:
                chunk["usage"] = usage
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        for i in range(count):
            time.sleep(self.state.settings.token_interval)
            text = WORDS[i] if i == 0 else " " + WORDS[i]
            event([{"index": 0, "delta": {"content": text}, "finish_reason": "length" if i == count - 1 else None}])
        if include_usage:
            event([], {"prompt_tokens": 12, "completion_tokens": count, "total_tokens": 12 + count})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class OpenAIEndpoint:
    """An HTTPS listener (the API) and a plain-HTTP one (the redirect) on 127.0.0.1, in threads.

    `url` is https://localhost:<port> (the certificate names localhost and 127.0.0.1, or another name for
    Misconfig.WRONG_NAME); `ca_path` is the CA bundle to trust, written under `workdir`.
    """

    def __init__(self, settings: Settings, workdir: Path) -> None:
        misconfig = settings.misconfig
        if misconfig is Misconfig.WRONG_NAME:
            certs = tls.generate("gpuops-openai-fake", ("other.example.test",), (), days=60)
        else:
            certs = tls.generate("gpuops-openai-fake", expired=misconfig is Misconfig.EXPIRED, days=60)
        workdir.mkdir(parents=True, exist_ok=True)
        self.ca_path = workdir / "ca.pem"
        self.ca_path.write_bytes(certs.ca_pem)
        self._https = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._https.socket = tls.server_context(certs).wrap_socket(self._https.socket, server_side=True)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.state = _State(settings, self._https.server_address[1])
        self._https.RequestHandlerClass = type("HttpsHandler", (_Handler,), {"state": self.state})
        self._http.RequestHandlerClass = type("HttpHandler", (_Handler,), {"state": self.state, "plain_http": True})
        self.url = f"https://localhost:{self._https.server_address[1]}"
        self.http_url = f"http://localhost:{self._http.server_address[1]}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self._https, self._http)]

    def __enter__(self) -> OpenAIEndpoint:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self._https, self._http):
            server.shutdown()
            server.server_close()

    @property
    def requests(self) -> list[tuple[str, str, bool]]:
        """(method, path, plain_http) of every request received, in order."""
        return list(self.state.requests)
