"""Runtime speed: per-step overhead, a 1000-step workflow, 100 concurrent runs.

Workflows are certified plans (certified before timing starts; the planner is not timed)
on a small generated spec whose one action marks a task done, run with no-op tools that
return the predicted effects, so what is measured is Plansafe itself: scheduling,
precondition and access checks, the observation comparison and the journal (SQLite WAL,
two hash-chained writes per step: intent and result). Reported:

- per-step overhead: from the first step's intent to the last step's result in the
  journal, divided by the steps (target: at most 2 ms per step with the journal write);
- the 1000-step workflow end to end (certificate re-check, run, final policy re-check);
- 100 concurrent runs of 10 steps each on one journal: throughput and p50 / p99 latency;
- for reference, one devops run with the simulated tools (SQLite world store).

    python -m benchmarks.runtime [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

DOMAIN = """(define (domain chores)
  (:requirements :strips :typing :negative-preconditions)
  (:types task)
  (:predicates (done ?t - task))
  (:action do
    :parameters (?t - task)
    :precondition (and (not (done ?t)))
    :effect (and (done ?t))))
"""

SPEC = """name: chores
summary: Mark tasks done (a benchmark domain).
domain: domain.pddl
problems: null
agents:
  worker: {may: [do]}
tools:
  do: benchmarks.runtime:noop_do
policies:
  - id: done-stays-done
    rule: (forall (?t - task) (at-most-once (done ?t)))
"""


async def noop_do(ctx: Any, t: str) -> dict[str, Any]:
    """A no-op tool: reports the predicted effect."""
    return {"holds": [("done", t)]}


noop_do.timeout_s = 5.0  # type: ignore[attr-defined]


def _spec_dir(tmp: Path) -> Path:
    d = tmp / "chores"
    d.mkdir(parents=True, exist_ok=True)
    (d / "domain.pddl").write_text(DOMAIN)
    (d / "spec.yaml").write_text(SPEC)
    return d


def _problem(d: Path, n: int, name: str) -> Path:
    tasks = " ".join(f"t{i}" for i in range(n))
    goal = " ".join(f"(done t{i})" for i in range(n))
    p = d / f"{name}.pddl"
    p.write_text(f"(define (problem {name}) (:domain chores) (:objects {tasks} - task) "
                 f"(:init) (:goal (and {goal})))\n")
    return p


def _plan(n: int) -> Any:
    from verifier.model import Plan, Step

    return Plan(tuple(Step(f"s{i + 1}", "do", (f"t{i}",), "worker") for i in range(n)))


def _engine(spec_dir: Path, journal: Path, *, parallel: bool = False) -> Any:
    from engine.api import Engine
    from engine.runner import RunOptions

    return Engine.from_spec(spec_dir, journal=journal,
                            options=RunOptions(approvals="auto", parallel=parallel))


def _step_span_s(engine: Any, run_id: str) -> float:
    ev = engine.journal.events(run_id, kinds=("step-intent", "step-result"))
    return ev[-1].ts - ev[0].ts


def per_step(spec_dir: Path, tmp: Path, n: int) -> dict[str, Any]:
    """One n-step workflow: per-step overhead from the journal, and end to end."""
    e = _engine(spec_dir, tmp / f"per-step-{n}.sqlite")
    problem = e.problem(_problem(spec_dir, n, f"p{n}"))
    cp = e.verify(_plan(n), problem)
    t0 = time.perf_counter()
    r = e.run(cp)
    total = time.perf_counter() - t0
    assert r.status == "completed", r.message
    span = _step_span_s(e, r.run_id)
    out = {"steps": n, "per_step_ms": round(span / n * 1000, 3),
           "run_s": round(total, 3), "events": len(e.journal.events(r.run_id)),
           "violations_executed": r.violations_executed}
    e.close()
    return out


def concurrent(spec_dir: Path, tmp: Path, runs: int, steps: int) -> dict[str, Any]:
    e = _engine(spec_dir, tmp / "concurrent.sqlite")
    problem = e.problem(_problem(spec_dir, steps, f"c{steps}"))
    cp = e.verify(_plan(steps), problem)

    async def one() -> float:
        t = time.perf_counter()
        r = await e.arun(cp)
        assert r.status == "completed", r.message
        return time.perf_counter() - t

    async def main() -> list[float]:
        return await asyncio.gather(*(one() for _ in range(runs)))

    t0 = time.perf_counter()
    lat = sorted(asyncio.run(main()))
    wall = time.perf_counter() - t0
    e.close()
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"runs": runs, "steps_per_run": steps, "wall_s": round(wall, 3),
            "runs_per_s": round(runs / wall, 2), "steps_per_s": round(runs * steps / wall, 1),
            "latency_p50_s": round(q[49], 3), "latency_p99_s": round(q[98], 3)}


def devops(tmp: Path) -> dict[str, Any]:
    """A devops run with the simulated tools (world in SQLite), plan certified beforehand."""
    from engine.api import Engine
    from engine.runner import RunOptions
    from tests.engine.planners import bfs_planner

    e = Engine.from_spec(ROOT / "specs" / "devops", journal=tmp / "devops.sqlite",
                         planner=bfs_planner, faults="none",
                         options=RunOptions(approvals="auto"))
    cp = e.plan("p03")
    t0 = time.perf_counter()
    r = e.run(cp)
    total = time.perf_counter() - t0
    span = _step_span_s(e, r.run_id)
    n = len(r.steps)
    e.close()
    return {"problem": "devops p03", "steps": n, "per_step_ms": round(span / n * 1000, 3),
            "run_s": round(total, 3), "order": list(r.execution)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="plansafe-bench-") as t:
        tmp = Path(t)
        spec_dir = _spec_dir(tmp)
        big = 200 if args.quick else 1000
        per_step(spec_dir, tmp, 10)  # warm-up: imports, first SQLite and thread-pool use
        results: dict[str, Any] = {
            "per_step_100": per_step(spec_dir, tmp, 100),
            f"workflow_{big}": per_step(spec_dir, tmp, big),
            "concurrent": concurrent(spec_dir, tmp, 20 if args.quick else 100, 10),
            "devops_simulated": devops(tmp),
            "targets": {"per_step_ms": 2.0},
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
