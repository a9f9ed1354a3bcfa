"""A devops workflow in its own process, for the crash test: ``start JOURNAL RUN`` or
``resume JOURNAL RUN``. Tools are the devops simulators, slowed down before and after they
act so that a SIGKILL can land anywhere, including between acting and journaling."""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _slow(fn: Any, before_s: float, after_s: float) -> Any:
    @functools.wraps(fn)
    async def tool(ctx: Any, *args: str) -> Any:
        await asyncio.sleep(before_s)
        out = await fn(ctx, *args)
        await asyncio.sleep(after_s)  # acted, not yet journaled: a kill here must not lose it
        return out
    return tool


def main(argv: list[str]) -> int:
    from domains.faults import FaultPlan
    from engine.api import Engine
    from engine.runner import RunOptions
    from engine.tools import load_callable
    from tests.engine.planners import bfs_planner
    from verifier.spec import load_spec

    cmd, journal, run_id = argv[1], argv[2], argv[3]
    problem = argv[4] if len(argv) > 4 else "p03"
    spec = load_spec(ROOT / "specs" / "devops")
    tools = {a: _slow(load_callable(ref), 0.01, 0.01) for a, ref in spec.tools.items()}
    engine = Engine(spec, journal=journal, planner=bfs_planner, tools=tools,
                    options=RunOptions(approvals="auto", concurrency=3))
    if cmd == "start":
        r = engine.run(problem, run_id=run_id,
                       faults=FaultPlan(seed=1, transient=0.1, wrong_effect=0.05))
    else:
        r = engine.resume(run_id)
    print(json.dumps({"status": r.status, "replans": r.replans}))
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
