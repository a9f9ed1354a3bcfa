"""The http adapter against a real local server (http.server on 127.0.0.1, in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from domains.base import Observation, PreconditionFailed, ToolContext, ToolError
from engine.adapters import make_tool
from engine.api import Engine
from engine.monitor import classify
from verifier.spec import load_spec


class Service:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0  # answer 503 to this many requests
        self.stored: set[str] = set()


@pytest.fixture
def service() -> Iterator[tuple[Service, str]]:
    svc = Service()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def _answer(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self) -> None:  # noqa: N802
            n = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(n) or b"null")
            svc.requests.append({"path": self.path, "body": body,
                                 "auth": self.headers.get("Authorization"),
                                 "key": self.headers.get("Idempotency-Key")})
            if svc.fail_first > 0:
                svc.fail_first -= 1
                return self._answer(503, {"error": "busy"})
            item = self.path.rsplit("/", 1)[-1]
            if item in svc.stored:
                return self._answer(409, {"error": f"{item} exists"})
            svc.stored.add(item)
            self._answer(200, {"holds": [["stored", item]]})

        def do_GET(self) -> None:  # noqa: N802
            item = self.path.rsplit("/", 1)[-1]
            self._answer(200, {"holds": [["seen", item]]} if item in svc.stored else {})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield svc, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def tools(base: str, *, idempotent: bool) -> str:
    return f"""  put:
    adapter: http
    method: PUT
    url: "{base}/items/{{i}}"
    args: {{name: "{{i}}", run: "{{run_id}}", fixed: 3}}
    headers: {{Authorization: "Bearer {{KV_TOKEN}}"}}
    secrets: [KV_TOKEN]
    idempotent: {str(idempotent).lower()}
    retries: 2
    timeout_s: 5
    on_error:
      - match: "409"
        holds: ["(stored {{i}})"]
  look:
    adapter: http
    method: GET
    url: "{base}/items/{{i}}"
"""


def ctx(action: str, *args: str) -> ToolContext:
    return ToolContext("r1", "s1", None, "key-1", action, args, 1, 5.0)


def test_body_url_headers_and_observation(make_spec, service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    svc, base = service
    monkeypatch.setenv("KV_TOKEN", "tok-123")
    spec = load_spec(make_spec(tools(base, idempotent=False)))
    put = make_tool(spec.adapters["put"])
    assert put(ctx("put", "a"), "a") == Observation.of([("stored", "a")])
    assert svc.requests == [{"path": "/items/a", "body": {"name": "a", "run": "r1", "fixed": 3},
                             "auth": "Bearer tok-123", "key": "key-1"}]
    with pytest.raises(PreconditionFailed) as e:  # 409 + on_error rule
        put(ctx("put", "a"), "a")
    assert e.value.observation == Observation.of([("stored", "a")])
    # an argument is percent-encoded in the URL: no path injection
    put(ctx("put", "../x?y=1"), "../x?y=1")
    assert svc.requests[-1]["path"] == "/items/..%2Fx%3Fy%3D1"


def test_retries_only_when_idempotent(make_spec, service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    svc, base = service
    monkeypatch.setenv("KV_TOKEN", "tok-123")
    svc.fail_first = 2
    put = make_tool(load_spec(make_spec(tools(base, idempotent=True))).adapters["put"])
    assert put(ctx("put", "a"), "a") == Observation.of([("stored", "a")])
    assert len(svc.requests) == 3  # two 503 answers, then success

    svc.requests.clear()
    svc.fail_first = 1
    put = make_tool(load_spec(make_spec(tools(base, idempotent=False))).adapters["put"])
    with pytest.raises(ToolError) as e:
        put(ctx("put", "b"), "b")
    assert len(svc.requests) == 1  # not retried
    assert classify(e.value, idempotent=False) == ("permanent", False)


def test_engine_run_against_the_service(make_spec, service, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
                                        ) -> None:
    svc, base = service
    monkeypatch.setenv("KV_TOKEN", "tok-secret-456")
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(make_spec(tools(base, idempotent=False)), journal=journal)
    res = eng.run("p1")
    assert res.status == "completed", res.message
    assert svc.stored == {"a"}
    eng.close()
    assert b"tok-secret-456" not in journal.read_bytes()
