"""Scale-out: N runs of 10-50 no-op steps driven by 1, 2 and 4 worker processes sharing one
journal: a SQLite WAL file, PostgreSQL on a throwaway local server, and Ray (the PostgreSQL
journal, with every step and every run's planning as a Ray task on a local Ray instance).

The runs are submitted first (``engine.worker.submit``), then the worker processes
(:class:`engine.worker.Worker`) take them with leases, plan them (a planner that returns the
obvious plan; it is still verified and certified), run them with an idempotent no-op tool and
journal every step. Reported per backend and worker count: runs/s and steps/s over the wall
time from the workers' start to the last run finished, p50/p99 step latency (a step's intent
to its result in the journal), p50/p99 run time (a worker taking the run to its end) and the
per-step overhead (a run's first intent to its last result, divided by its steps; median
over runs), with the load average before and after.

``--soak KILLS``: a kill-9 soak: workers are killed with SIGKILL (and replaced) every
``--kill-every`` seconds while they run the runs, until KILLS kills; then every run must be
completed with every step's result journaled exactly once (counted from the journal).
``--profile``: cProfile one in-process worker on the PostgreSQL journal and count the
statements sent per step.

    python -m benchmarks.scale [--quick] [--runs N] [--workers 1,2,4]
        [--backends sqlite,postgresql,ray] [--soak 100] [--json FILE] [--md FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
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


async def idem_do(ctx: Any, t: str) -> dict[str, Any]:
    """The benchmark's no-op tool: idempotent (a step interrupted by a kill runs again with
    its idempotency key, as a real idempotent tool would)."""
    return {"holds": [("done", t)]}


idem_do.idempotent = True  # type: ignore[attr-defined]
idem_do.timeout_s = 5.0  # type: ignore[attr-defined]
idem_do.ray = {"num_cpus": 0.01}  # type: ignore[attr-defined]


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


def spec_dir(tmp: Path) -> Path:
    """The chores spec of :mod:`benchmarks.runtime`, its tool the idempotent no-op."""
    from benchmarks.runtime import SPEC, _spec_dir

    d = _spec_dir(tmp)
    (d / "spec.yaml").write_text(SPEC.replace("benchmarks.runtime:noop_do",
                                              "benchmarks.scale:idem_do"))
    return d


def _submit(spec: Path, journal: str, runs: int, seed: int) -> int:
    from benchmarks.runtime import _problem
    from engine.api import Engine
    from engine.runner import RunOptions
    from engine.worker import submit

    rng = random.Random(seed)
    eng = Engine.from_spec(spec, journal=journal, planner=chain_planner,
                           options=RunOptions(approvals="auto", parallel=False))
    sizes = [rng.randint(10, 50) for _ in range(runs)]
    problems = {n: eng.problem(_problem(spec, n, f"p{n}")) for n in set(sizes)}
    for k, n in enumerate(sizes):
        submit(eng, problems[n], run_id=f"run-{k:05d}")
    eng.close()
    return sum(sizes)


def _q(xs: list[float], p: int) -> float:
    if len(xs) < 2:
        return round(xs[0] * 1000, 3) if xs else 0.0
    return round(statistics.quantiles(xs, n=100, method="inclusive")[p - 1] * 1000, 3)


def _measure(journal: str) -> dict[str, Any]:
    """Everything counted from the journal: runs completed, steps, latencies, and steps lost
    (a completed run's plan step without an ok result) or repeated (two ok results)."""
    from engine.journal import open_journal

    j = open_journal(journal)
    try:
        events = j.events(kinds=("step-intent", "step-result", "run-finished", "run-resumed",
                                 "plan-certified", "retry"))
        intents: dict[tuple[str, str], float] = {}
        lat: list[float] = []
        spans: dict[str, list[float]] = {}
        taken: dict[str, float] = {}
        run_s: list[float] = []
        finished: dict[str, str] = {}
        planned: dict[str, set[str]] = {}
        results: dict[tuple[str, str], int] = {}
        resumed: dict[str, int] = {}
        reruns = 0
        for e in events:
            p = e.payload
            if e.kind == "step-intent":
                intents[(e.run_id, p["step"])] = e.ts
                spans.setdefault(e.run_id, []).append(e.ts)
            elif e.kind == "step-result" and p.get("status") in ("ok", "mismatch"):
                t = intents.get((e.run_id, p["step"]))
                if t is not None:
                    lat.append(e.ts - t)
                results[(e.run_id, p["step"])] = results.get((e.run_id, p["step"]), 0) + 1
                spans.setdefault(e.run_id, []).append(e.ts)
            elif e.kind == "plan-certified":
                planned[e.run_id] = {s["id"] for s in p["plan"]["steps"]}
            elif e.kind == "run-resumed":
                resumed[e.run_id] = resumed.get(e.run_id, 0) + 1
                taken.setdefault(e.run_id, e.ts)
            elif e.kind == "retry" and p.get("kind") == "interrupted":
                reruns += 1
            elif e.kind == "run-finished":
                finished[e.run_id] = p.get("status", "")
                if e.run_id in taken:
                    run_s.append(e.ts - taken[e.run_id])
        per_step = [(ts[-1] - ts[0]) / (len(ts) / 2) for ts in spans.values() if len(ts) > 2]
        done = [r for r, s in finished.items() if s == "completed"]
        lost = sum(1 for r in done for s in planned.get(r, ()) if not results.get((r, s)))
        return {"completed": len(done), "steps": sum(results.values()),
                "step_p50_ms": _q(lat, 50), "step_p99_ms": _q(lat, 99),
                "run_p50_s": round(_q(run_s, 50) / 1000, 3),
                "run_p99_s": round(_q(run_s, 99) / 1000, 3),
                "per_step_overhead_ms": round(statistics.median(per_step) * 1000, 3)
                if per_step else None,
                "steps_lost": lost, "steps_repeated": sum(n - 1 for n in results.values()),
                "taken_over": sum(1 for n in resumed.values() if n > 1),
                "takeovers": sum(n - 1 for n in resumed.values()),
                "idempotent_reruns": reruns, "chain_ok": j.verify_chain().ok}
    finally:
        j.close()


def _spawn(journal: str, ray: str | None, idle: float = 1.0) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "benchmarks.scale", "--worker", journal, "--idle", str(idle)]
    return subprocess.Popen(argv + (["--ray", ray] if ray else []), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _last_finish(journal: str) -> float:
    from engine.journal import open_journal

    j = open_journal(journal)
    try:
        return max(e.ts for e in j.events(kinds=("run-finished",)))
    finally:
        j.close()


def one(backend: str, journal: str, spec: Path, runs: int, workers: int, seed: int,
        ray: str | None = None) -> dict[str, Any]:
    """One configuration: submit ``runs``, start ``workers`` processes, measure."""
    total_steps = _submit(spec, journal, runs, seed)
    load0 = os.getloadavg()[0]
    start = time.time()
    procs = [_spawn(journal, ray) for _ in range(workers)]
    errs = [p.communicate()[1] for p in procs]  # workers exit after 1 s idle
    for p, err in zip(procs, errs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(err.decode()[-2000:])
    wall = _last_finish(journal) - start
    m = _measure(journal)
    return {"backend": backend, "workers": workers, "runs": runs, "planned_steps": total_steps,
            "wall_s": round(wall, 2), "runs_per_s": round(m["completed"] / wall, 2),
            "steps_per_s": round(m["steps"] / wall, 1), **m,
            "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2)}


def soak(journal: str, spec: Path, runs: int, workers: int, kills: int, every_s: float,
         seed: int) -> dict[str, Any]:
    """Every ``every_s`` seconds kill with SIGKILL a random worker that holds a run's lease
    (it is driving the run) and start another in its place, ``kills`` times; then let the
    rest finish."""
    from engine.journal import open_journal

    rng = random.Random(seed)
    total_steps = _submit(spec, journal, runs, seed)
    j = open_journal(journal)
    load0, start = os.getloadavg()[0], time.time()
    procs = {_spawn(journal, None, idle=5.0): time.monotonic() for _ in range(workers)}
    killed = 0
    try:
        while len(j.events(kinds=("run-finished",))) < runs:
            time.sleep(every_s)
            for p in [p for p in procs if p.poll() is not None]:  # idle exits: keep N
                del procs[p]
                procs[_spawn(journal, None, idle=5.0)] = time.monotonic()
            busy = _lease_pids(j)  # kill a worker in the middle of a run's steps
            ripe = [p for p, t in procs.items() if p.pid in busy]
            if killed < kills and ripe:
                victim = rng.choice(ripe)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                killed += 1
                del procs[victim]
                procs[_spawn(journal, None, idle=5.0)] = time.monotonic()
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        j.close()
    wall = _last_finish(journal) - start
    m = _measure(journal)
    return {"backend": "postgresql (kill -9 soak)", "workers": workers, "runs": runs,
            "planned_steps": total_steps, "kills": killed,
            "wall_s": round(wall, 2), "runs_per_s": round(m["completed"] / wall, 2),
            "steps_per_s": round(m["steps"] / wall, 1), **m,
            "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2)}


def _lease_pids(j: Any) -> set[int]:
    """The workers running a run's steps now: they hold its lease, resumed it (the run's
    latest ``run-resumed`` is theirs) and journaled a step's intent since (not still
    starting, verifying or planning)."""
    with j._lock:
        rows = j._conn.execute(
            "SELECT l.pid FROM plansafe_leases l, LATERAL (SELECT r.id, r.payload FROM "
            "plansafe_events r WHERE r.run_id = l.run_id AND r.kind = 'run-resumed' ORDER BY "
            "r.id DESC LIMIT 1) last WHERE l.expires > clock_timestamp() AND "
            "(last.payload::json->>'pid')::int = l.pid AND EXISTS (SELECT 1 FROM "
            "plansafe_events e WHERE e.run_id = l.run_id AND e.kind = 'step-intent' AND "
            "e.id > last.id)").fetchall()
    return {int(r[0]) for r in rows}


def _worker(journal: str, idle: float, ray: str | None) -> int:
    from engine.journal import open_journal
    from engine.worker import Worker

    j = open_journal(journal)
    Worker(j, planner="benchmarks.scale:chain_planner", poll_s=0.02,
           ray_address=ray).run(idle_exit_s=idle)
    j.close()
    return 0


def profile(journal: str, spec: Path, runs: int, seed: int, top: int = 25) -> dict[str, Any]:
    """cProfile one in-process worker on ``journal`` (PostgreSQL); count the statements
    (each one round trip, a pipeline's several one) and transactions per step."""
    import cProfile
    import io
    import pstats

    import psycopg

    from engine.journal import open_journal
    from engine.worker import Worker

    total = _submit(spec, journal, runs, seed)
    counts = {"statements": 0, "pipelines": 0}
    execute, pipeline = psycopg.Connection.execute, psycopg.Connection.pipeline

    def counted_execute(self: Any, *a: Any, **k: Any) -> Any:
        counts["statements"] += 1
        return execute(self, *a, **k)

    def counted_pipeline(self: Any, *a: Any, **k: Any) -> Any:
        counts["pipelines"] += 1
        return pipeline(self, *a, **k)

    j = open_journal(journal)
    psycopg.Connection.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Connection.pipeline = counted_pipeline  # type: ignore[method-assign]
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    try:
        prof.enable()
        Worker(j, planner="benchmarks.scale:chain_planner", poll_s=0.02).run(idle_exit_s=0.3)
        prof.disable()
    finally:
        psycopg.Connection.execute = execute  # type: ignore[method-assign]
        psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign]
        j.close()
    wall = time.perf_counter() - t0
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    m = _measure(journal)
    return {"runs": runs, "steps": total, "wall_s": round(wall, 2),
            "statements_per_step": round(counts["statements"] / total, 2),
            "pipelines_per_step": round(counts["pipelines"] / total, 3),
            "per_step_overhead_ms": m["per_step_overhead_ms"], "step_p50_ms": m["step_p50_ms"],
            "load": round(os.getloadavg()[0], 2), "cprofile": out.getvalue()}


_COLS = ("backend", "workers", "completed", "runs", "steps", "runs_per_s", "steps_per_s",
         "step_p50_ms", "step_p99_ms", "run_p50_s", "run_p99_s", "per_step_overhead_ms",
         "steps_lost", "steps_repeated", "load_before", "load_after")


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a markdown table."""
    lines = ["| " + " | ".join(c.replace("_", " ") for c in _COLS) + " |",
             "|" + "---|" * len(_COLS)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in _COLS) + " |" for r in rows]
    return "\n".join(lines)


def _journal_for(backend: str, tag: str, tmp: Path, pg: Any) -> str:
    if backend in ("postgresql", "ray", "soak"):
        return str(pg.create_database(f"scale_{tag}"))
    return str(tmp / f"scale-{tag}.sqlite")


def _grid(a: argparse.Namespace, tmp: Path, spec: Path, pg: Any, ray: str | None
          ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    runs = a.runs or (30 if a.quick else 1000)
    for backend in [b for b in a.backends.split(",") if b]:
        for w in (int(x) for x in a.workers.split(",")):
            journal = _journal_for(backend, f"{backend}_w{w}", tmp, pg)
            row = one(backend, journal, spec, runs, w, a.seed,
                      ray=ray if backend == "ray" else None)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if a.soak:
        row = soak(_journal_for("soak", "soak", tmp, pg), spec, a.soak_runs, 4, a.soak,
                   a.kill_every, a.seed)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="30 runs per configuration")
    ap.add_argument("--runs", type=int, default=None, help="runs per configuration (1000)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--backends", default="sqlite,postgresql,ray")
    ap.add_argument("--soak", type=int, default=0, help="kill -9 this many workers")
    ap.add_argument("--soak-runs", type=int, default=300)
    ap.add_argument("--kill-every", type=float, default=1.0)
    ap.add_argument("--profile", type=int, default=0, help="profile a worker on N runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--idle", type=float, default=1.0, help=argparse.SUPPRESS)
    ap.add_argument("--ray", default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    if a.worker:
        return _worker(a.worker, a.idle, a.ray)
    from engine.pg_local import LocalPostgres

    with tempfile.TemporaryDirectory(prefix="plansafe-scale-") as td:
        tmp = Path(td)
        os.environ.setdefault("PLANSAFE_KEY_DIR", str(tmp / "keys"))
        spec = spec_dir(tmp)
        pg = LocalPostgres.start(fast=False)  # fsync on, asynchronous commit
        ray_mod: Any = None
        ray: str | None = None
        try:
            if a.profile:
                res = profile(pg.create_database("scale_profile"), spec, a.profile, a.seed)
                print(res.pop("cprofile"))
                print(json.dumps(res))
                return 0
            if "ray" in a.backends.split(","):
                import ray as ray_mod

                ray_mod.init(num_cpus=os.cpu_count() or 2, include_dashboard=False,
                             log_to_driver=False)
                ray = ray_mod.get_runtime_context().gcs_address
            rows = _grid(a, tmp, spec, pg, ray)
        finally:
            if ray_mod is not None:
                ray_mod.shutdown()
            pg.stop()
    print("\n" + table(rows))
    if a.json is not None:
        a.json.write_text(json.dumps({"rows": rows, "cpus": os.cpu_count()}, indent=2))
    if a.md is not None:
        a.md.write_text(table(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
