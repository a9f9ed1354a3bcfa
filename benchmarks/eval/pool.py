"""Run the (scenario, system) jobs of a benchmark in a few processes, one per core.

Each process has its own :class:`~benchmarks.eval.systems.Bench` (its own temporary
folder: journals and simulated worlds, its own copy of the model with one torch thread),
so no run sees another's world; outcomes come back in the order of the jobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_jobs", "default_workers", "longest_first", "estimated_cost"]

Job = tuple[str, str, str]  # (domain, scenario id, system)
#: CPU seconds per new token the model may write (its budget) and per reference plan step,
#: roughly as measured on a sample of the full set: the ReAct agent's up to six beam
#: searches cost most, Plansafe and its model ablations one beam search and a few replans,
#: Fast Downward grows with the plan, rule-based costs almost nothing
_PER_TOKEN = {"single-agent": 0.06, "plansafe-no-model": 0.0, "rule-based": 0.0}
_PER_TOKEN_MODEL = 0.012  # Plansafe and its ablations that plan with the model
_PER_STEP = {"rule-based": 0.002, "plansafe-no-model": 0.05}
_PER_STEP_DEFAULT = 0.03


def default_workers() -> int:
    import os

    return max(1, min(2, os.cpu_count() or 1))


_BENCH: dict[str, Any] = {}  # this process's Bench and scenarios (set by _init)


def _init(tmp: str, planner: str) -> None:
    import os

    from benchmarks.eval.systems import Bench

    bench = Bench(Path(tmp) / f"w{os.getpid()}", planner=planner)
    if planner == "auto":  # the model loaded (warm) before the first run is timed
        _ = bench.backend
    _BENCH["bench"], _BENCH["suites"] = bench, {}


def _one(job: Job) -> dict[str, Any]:
    from benchmarks.eval.fixtures import load_fixtures

    domain, sid, system = job
    suites = _BENCH["suites"]
    if domain not in suites:
        suites[domain] = {s.id: s for s in load_fixtures(domain)}
    out: dict[str, Any] = _BENCH["bench"].run(system, suites[domain][sid]).to_json()
    return out


def estimated_cost(system: str, objects: int, steps: int) -> float:
    """A run's expected CPU seconds, only to order the jobs (never to skip or cut one): the
    model's new-token budget (Plansafe's formula, 64 + 8 * (8 + 3 * objects), capped by the
    context) and the reference plan's length."""
    budget = min(64 + 8 * (8 + 3 * objects), 700)
    return _PER_TOKEN.get(system, _PER_TOKEN_MODEL) * budget + \
        _PER_STEP.get(system, _PER_STEP_DEFAULT) * steps


def longest_first(jobs: Sequence[Job], cost: Callable[[Job], float]) -> list[Job]:
    """``jobs`` with the most expensive first (stable for equal costs), so that with a few
    processes taking jobs as they free up no long run starts last and leaves the others idle
    (longest-processing-time-first scheduling)."""
    return sorted(jobs, key=lambda j: -cost(j))


def run_jobs(jobs: Sequence[Job], *, tmp: Path, planner: str, workers: int, partial: Path,
             log: Callable[[str], None] = lambda m: None) -> list[dict[str, Any]]:
    """The outcomes of ``jobs``, in their order; ``workers`` processes take them one at a
    time as they free up (1: all in this process). Each outcome is appended to ``partial``
    as it comes (a cut run is usable)."""
    def done(o: dict[str, Any]) -> None:
        with open(partial, "a", encoding="utf-8") as f:
            f.write(json.dumps(o, separators=(",", ":")) + "\n")
        mark = "ok" if o["goal_reached"] else ("stop-ok" if o.get("explanation_ok") else
                                               o["status"])
        log(f"  {o['scenario']} {o['failure']:13s} {o['system']:27s} {mark:9s} "
            f"{o['total_s']:6.2f} s" + (f"  violations={o['violations']}"
                                         if o["violations"] else ""))

    results: list[dict[str, Any]] = []
    if workers <= 1 or len(jobs) <= 1:
        _init(str(tmp), planner)
        for job in jobs:
            results.append(_one(job))
            done(results[-1])
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers, initializer=_init,
                                          initargs=(str(tmp), planner)) as pool:
            for o in pool.imap_unordered(_one, jobs):
                results.append(o)
                done(o)
    by_key = {(o["scenario"], o["system"]): o for o in results}
    return [by_key[(sid, system)] for _d, sid, system in jobs]
