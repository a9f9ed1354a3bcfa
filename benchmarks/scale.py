"""Scale-out: N runs of 10-50 no-op steps driven by 1, 2 and 4 worker processes sharing one
journal (SQLite WAL file, and PostgreSQL on a throwaway local server).

The runs are submitted first (``engine.worker.submit``), then the worker processes
(:class:`engine.worker.Worker`) take them with leases, plan them (a planner that returns the
obvious plan; it is still verified and certified), run them with the no-op tools of
:mod:`benchmarks.runtime` and journal every step. Reported per backend and worker count:
runs/s and steps/s over the wall time from the workers' start to the last run finished,
p50/p95 step latency (a step's intent to its result in the journal) and the per-step
overhead (a run's first intent to its last result, divided by its steps).

    python -m benchmarks.scale [--quick] [--runs N] [--workers 1,2,4] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


async def sleepy_do(ctx: Any, t: str) -> dict[str, Any]:
    """A no-op tool that takes 0.3 s and a whole CPU (the Ray executor's test spreads such
    steps over nodes)."""
    import asyncio

    await asyncio.sleep(0.3)
    return {"holds": [("done", t)]}


sleepy_do.ray = {"num_cpus": 1}  # type: ignore[attr-defined]


def chain_planner(problem: Any, *, policies: Any = (), access: Any = None, describe: Any = None,
                  timeout_s: float = 30.0) -> Any:
    """The obvious plan (``do`` every task not done yet), checked like any planner's."""
    from engine.symbolic.planning import PlanResult
    from verifier.access import AccessRules
    from verifier.model import Plan, Step
    from verifier.validate import Checker

    t0 = time.perf_counter()
    init = {a for a in problem.init}
    todo = sorted({a[1] for a in _goal_atoms(problem.goal)} - {a[1] for a in init})
    plan = Plan(tuple(Step(f"s{i}", "do", (t,), "worker") for i, t in enumerate(todo, 1)))
    verdict = Checker(problem, policies=policies, access=access or AccessRules.default(
        problem.domain), describe=describe).check(plan)
    if not verdict.valid:
        return PlanResult("unsolvable-proven", None, None, "chain", time.perf_counter() - t0,
                          "the obvious plan does not check")
    return PlanResult("solved", verdict.plan or plan, verdict, "chain", time.perf_counter() - t0)


def _goal_atoms(goal: Any) -> list[tuple[str, ...]]:
    import re

    from engine.pddl_text import formula_pddl

    return [tuple(m.split()) for m in re.findall(r"\((done [^()]+)\)", formula_pddl(goal))]


def _submit(spec_dir: Path, journal: str, runs: int, seed: int) -> int:
    from benchmarks.runtime import _problem
    from engine.api import Engine
    from engine.runner import RunOptions
    from engine.worker import submit

    rng = random.Random(seed)
    eng = Engine.from_spec(spec_dir, journal=journal, planner=chain_planner,
                           options=RunOptions(approvals="auto", parallel=False))
    sizes = [rng.randint(10, 50) for _ in range(runs)]
    problems = {n: eng.problem(_problem(spec_dir, n, f"p{n}")) for n in set(sizes)}
    for k, n in enumerate(sizes):
        submit(eng, problems[n], run_id=f"run-{k:05d}")
    eng.close()
    return sum(sizes)


def _measure(journal: str, runs: int) -> dict[str, Any]:
    from engine.journal import open_journal

    j = open_journal(journal)
    try:
        events = j.events(kinds=("step-intent", "step-result", "run-finished", "run-resumed"))
        intents: dict[tuple[str, str], float] = {}
        lat: list[float] = []
        spans: dict[str, list[float]] = {}
        finished, steps, resumed = {}, 0, 0
        for e in events:
            if e.kind == "step-intent":
                intents[(e.run_id, e.payload["step"])] = e.ts
            elif e.kind == "step-result" and e.payload.get("status") in ("ok", "mismatch"):
                t = intents.get((e.run_id, e.payload["step"]))
                if t is not None:
                    lat.append(e.ts - t)
                steps += 1
            elif e.kind == "run-finished":
                finished[e.run_id] = e.payload.get("status")
            else:
                resumed += 1
            if e.kind in ("step-intent", "step-result"):
                spans.setdefault(e.run_id, []).append(e.ts)
        per_step = [(ts[-1] - ts[0]) / (len(ts) / 2) for ts in spans.values() if len(ts) > 2]
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [0.0] * 99
        return {"completed": sum(1 for s in finished.values() if s == "completed"),
                "steps": steps, "step_p50_ms": round(q[49] * 1000, 3),
                "step_p95_ms": round(q[94] * 1000, 3),
                "per_step_overhead_ms": round(statistics.median(per_step) * 1000, 3)
                if per_step else None,
                "chain_ok": j.verify_chain().ok}
    finally:
        j.close()


def one(backend: str, journal: str, spec_dir: Path, runs: int, workers: int, seed: int
        ) -> dict[str, Any]:
    total_steps = _submit(spec_dir, journal, runs, seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.scale", "--worker", journal],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(workers)]
    outs = [p.communicate() for p in procs]
    # the workers exit after 1 s idle: wall time is to the last run's end, from the journal
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(err.decode()[-2000:])
    from engine.journal import open_journal

    j = open_journal(journal)
    last = max(e.ts for e in j.events(kinds=("run-finished",)))
    j.close()
    wall = last - (time.time() - (time.perf_counter() - t0))
    m = _measure(journal, runs)
    return {"backend": backend, "workers": workers, "runs": runs, "planned_steps": total_steps,
            "wall_s": round(wall, 2), "runs_per_s": round(runs / wall, 2),
            "steps_per_s": round(m["steps"] / wall, 1), **m}


def _worker(journal: str) -> int:
    from engine.journal import open_journal
    from engine.worker import Worker

    j = open_journal(journal)
    Worker(j, planner="benchmarks.scale:chain_planner", poll_s=0.02).run(idle_exit_s=1.0)
    j.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="30 runs per configuration")
    ap.add_argument("--runs", type=int, default=None, help="runs per configuration (1000)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        return _worker(a.worker)
    runs = a.runs or (30 if a.quick else 1000)
    from benchmarks.runtime import _spec_dir

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="plansafe-scale-") as td:
        tmp = Path(td)
        os.environ.setdefault("PLANSAFE_KEY_DIR", str(tmp / "keys"))
        spec_dir = _spec_dir(tmp)
        pg = None
        try:
            for backend in a.backends.split(","):
                for w in (int(x) for x in a.workers.split(",")):
                    if backend == "postgresql":
                        if pg is None:
                            from engine.pg_local import LocalPostgres

                            pg = LocalPostgres.start(fast=False)  # fsync on, async commit
                        journal = pg.create_database(f"scale_w{w}")
                    else:
                        journal = str(tmp / f"scale-w{w}.sqlite")
                    row = one(backend, journal, spec_dir, runs, w, a.seed)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        finally:
            if pg is not None:
                pg.stop()
    print("\n| backend | workers | runs | steps | runs/s | steps/s | step p50 ms | "
          "step p95 ms | per-step ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['workers']} | {r['completed']}/{r['runs']} | {r['steps']} "
              f"| {r['runs_per_s']} | {r['steps_per_s']} | {r['step_p50_ms']} | "
              f"{r['step_p95_ms']} | {r['per_step_overhead_ms']} |")
    if a.json is not None:
        a.json.write_text(json.dumps({"rows": rows, "cpus": os.cpu_count()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
