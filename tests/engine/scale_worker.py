"""A worker process for the many-workers tests: ``JOURNAL IDLE_EXIT_S [DELAY_S]``. Tools are
the devops simulators, slowed by DELAY_S before and after they act so that a SIGKILL can
land mid-step; prints the worker's report as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    from engine.journal import open_journal
    from engine.tools import load_callable
    from engine.worker import Worker
    from tests.engine.crash_worker import _slow
    from tests.engine.planners import bfs_planner
    from verifier.spec import load_spec

    journal, idle = argv[1], float(argv[2])
    delay = float(argv[3]) if len(argv) > 3 else 0.0
    spec = load_spec(ROOT / "specs" / "devops")
    tools = {a: _slow(load_callable(ref), delay, delay) for a, ref in spec.tools.items()}
    j = open_journal(journal)
    report = Worker(j, planner=bfs_planner, tools=tools, poll_s=0.05).run(idle_exit_s=idle)
    j.close()
    print(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
