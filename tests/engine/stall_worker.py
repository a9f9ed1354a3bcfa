"""A worker process that stalls past its lease, for the fencing test: ``JOURNAL IDLE_EXIT_S
STOP_AFTER``. Right after its STOP_AFTER-th step result is journaled it stops itself with
SIGSTOP (every thread, the lease's heartbeat too, as a long GC pause or a frozen VM would);
the test lets another worker take the run over, then sends SIGCONT. Prints its report."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    from engine.journal import Event, open_journal
    from engine.worker import Worker
    from tests.engine.planners import bfs_planner

    journal, idle, stop_after = argv[1], float(argv[2]), int(argv[3])
    j = open_journal(journal)
    append = j.append
    results = 0

    def stalling_append(run_id: str, kind: str, payload: Any) -> Event:
        nonlocal results
        e = append(run_id, kind, payload)
        if kind == "step-result":
            results += 1
            if results == stop_after:
                os.kill(os.getpid(), signal.SIGSTOP)
        return e

    j.append = stalling_append  # type: ignore[method-assign]
    report = Worker(j, planner=bfs_planner, poll_s=0.05).run(idle_exit_s=idle)
    j.close()
    print(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
