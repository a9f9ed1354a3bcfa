"""The mcp adapter against a streamable-HTTP MCP server (FastMCP + uvicorn on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.adapters.mcp import close_all
from engine.api import Engine
from engine.commands import check_spec

pytest.importorskip("mcp")
uvicorn = pytest.importorskip("uvicorn")


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, list[str]]]]:
    from mcp.server.fastmcp import FastMCP

    calls: dict[str, list[str]] = {"store": [], "tokens": []}
    app = FastMCP("kv-store")

    @app.tool()
    def store(item: str, copies: int, token: str) -> dict[str, object]:
        """Store an item."""
        calls["store"].append(f"{item}x{copies}")
        calls["tokens"].append(token)
        if item == "b":
            raise ValueError(f"item b is locked (token {token})")
        return {"holds": [["stored", item]]}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app.streamable_http_app(), host="127.0.0.1", port=port,
                                        log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    end = time.monotonic() + 20
    while not srv.started and time.monotonic() < end:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/mcp", calls
    finally:
        close_all()
        srv.should_exit = True
        t.join(10)


def test_streamable_http_tool_through_the_engine(make_spec, server, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    url, calls = server
    monkeypatch.setenv("KV_TOKEN", "tok-http-789")
    spec = make_spec(f"""  put:
    adapter: mcp
    url: "{url}"
    tool: store
    args: {{item: "{{i}}", copies: "{{attempt}}", token: "{{KV_TOKEN}}"}}
    secrets: [KV_TOKEN]
  look:
    adapter: mcp
    url: "{url}"
    tool: store
    args: {{item: "b", copies: 1, token: "{{KV_TOKEN}}"}}
    secrets: [KV_TOKEN]
""")
    assert list(getattr(check_spec(spec), "errors", None) or []) == []
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(spec, journal=journal)
    res = eng.run("p1")
    eng.close()
    assert calls["store"][0] == "ax1"  # "{attempt}" coerced to the schema's integer
    assert calls["tokens"][0] == "tok-http-789"
    assert res.status == "stopped"  # look: the server's tool fails (item b is locked)
    text = " ".join(str(e.get("message", "")) for e in res.explanations)
    assert "item b is locked (token ***)" in text, res.explanations
    assert b"tok-http-789" not in journal.read_bytes()
