"""``plansafe mcp``: Plansafe as an MCP server, driven by the mcp SDK's own stdio client."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the mcp SDK is not installed (extra 'tools')")

ROOT = Path(__file__).resolve().parents[2]


def _data(result: Any) -> Any:
    assert not result.isError, result.content
    return json.loads(result.content[0].text)


async def _session(tmp_path: Path) -> None:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "engine.cli", "mcp", str(ROOT / "specs" / "devops"),
              "--journal", str(tmp_path / "journal.sqlite")],
        env={**get_default_environment(), "PYTHONPATH": str(ROOT)}, cwd=str(tmp_path))
    with open(tmp_path / "server.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            names = {t.name for t in (await session.list_tools()).tools}
            assert {"specs", "check", "plan", "validate", "run", "status", "approve"} <= names

            planned = _data(await session.call_tool("plan", {"problem": "p04"}))
            assert planned["status"] == "solved"
            calls = [(s["action"], *s["args"]) for s in planned["plan"]["steps"]]
            assert ("deploy", "api", "prod") in calls

            # the certified plan validates; the same plan without its tests does not
            ok = _data(await session.call_tool("validate", {
                "problem": "p04", "plan": json.dumps(planned["plan"])}))
            assert ok["valid"] and ok["violations"] == [] and "certificate" in ok
            bad = "\n".join(f"({' '.join(c)})" for c in calls if c[0] != "test")
            broken = _data(await session.call_tool("validate", {"problem": "p04", "plan": bad}))
            assert not broken["valid"]
            assert "test-before-deploy" in {v["rule"] for v in broken["violations"]}

            # bad input: an MCP tool error with the position
            err = await session.call_tool("validate", {"problem": "p01", "plan": "(build"})
            assert err.isError and "<plan>:1:" in err.content[0].text

            # run p01 (staging only: no approval) to the end
            ran = _data(await session.call_tool("run", {"problem": "p01"}))
            assert ran["status"] == "completed", ran
            assert ["deployed", "api", "staging"] in ran["final_state"]
            again = _data(await session.call_tool("status", {"run_id": ran["run"]}))
            assert again["status"] == "completed"

            # a plan the agent wrote runs only when it verifies
            refused = _data(await session.call_tool("run", {"problem": "p04", "plan": bad}))
            assert refused["status"] == "refused" and not refused["verdict"]["valid"]
            own = _data(await session.call_tool("run", {
                "problem": "p01", "plan": "(build api)\n(test api)\n(deploy api staging)"}))
            assert own["status"] == "completed", own
            assert [s["action"] for s in own["steps"]] == ["build", "test", "deploy"]

            # a production deploy waits for approval; approve resumes it
            waiting = _data(await session.call_tool("run", {"problem": "p04"}))
            if waiting["status"] == "waiting-approval":
                for _ in range(5):
                    step = waiting["waiting"][0]
                    waiting = _data(await session.call_tool(
                        "approve", {"run_id": waiting["run"], "step": step}))
                    if waiting["status"] != "waiting-approval":
                        break
            assert waiting["status"] == "completed", waiting


def test_mcp_server_over_stdio(tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(_session(tmp_path), 180))
