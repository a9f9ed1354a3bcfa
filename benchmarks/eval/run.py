"""The evaluation: the systems on the scenario fixtures, then the report and the scorecard.

    plansafe bench [--quick] [--domains devops,documents,robotics] [--n N]
                   [--systems rule-based,single-agent,plansafe] [--out DIR] [--no-scorecard]
    python -m benchmarks.eval.run ...   (the same options)

Writes ``benchmarks/results/<date>/`` (``<date>-quick`` with ``--quick``): report.json,
report.md, outcomes.jsonl and the charts. Without ``--quick`` it runs the defined full set:
the first :data:`FULL_PER_DOMAIN` (40) scenarios of each domain with every system, then the
goal phrasings and the full scorecard (26 min on 2 idle cores; ``--n 100`` runs all 300
scenarios, about 55-60 min by the same CPU times).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.eval.fixtures import load_fixtures, quick_subset
from benchmarks.eval.systems import BUDGETS, RETRIES, SYSTEMS, Bench, Outcome
from domains.scenarios import DOMAINS, Scenario

__all__ = ["bench", "main", "select", "RESULTS"]

RESULTS = Path(__file__).resolve().parents[1] / "results"
#: the defined full set: the first 40 scenarios of each domain's 100 (every failure condition
#: 8-10 times, about 13 worlds that differ from the model per domain), all six systems, with
#: the full scorecard: 26 min on 2 idle cores (benchmarks/results/2026-12-05-full-d48866d).
#: All 300 scenarios (``--n 100``): about 55-60 min by that run's CPU times (21 CPU s a
#: scenario for the six systems, 8.8 of them the ReAct single agent's), not measured
FULL_PER_DOMAIN = 40
DEFAULTS = {k: v for k, v in Outcome("", "", "", "", 0, 0, "").to_json().items()
            if k not in ("system", "scenario")}  # fields a compact outcomes.jsonl leaves out


def select(domain: str, *, quick: bool, n: int | None, ids: Sequence[str] = ()
           ) -> list[Scenario]:
    """The scenarios of ``domain`` to run: ``ids`` (if given), the quick subset with
    ``quick``, and of those the first ``n``."""
    suite = load_fixtures(domain)
    if ids:
        suite = [s for s in suite if s.id in ids]
    if quick:
        suite = quick_subset(suite, per_failure=1, max_steps=25)
    return suite[:n] if n is not None else suite


def bench(*, quick: bool = False, domains: Sequence[str] = DOMAINS, n: int | None = None,
          systems: Sequence[str] = SYSTEMS, out: Path | None = None, planner: str = "auto",
          with_scorecard: bool = True, with_charts: bool = True,
          log: Callable[[str], None] = lambda m: None, command: str = "",
          from_outcomes: Sequence[Path] = (), quick_scorecard: bool = False,
          ids: Sequence[str] = (), notes: Sequence[str] = (), workers: int | None = None,
          with_phrasings: bool | None = None) -> dict[str, Any]:
    from benchmarks.eval.pool import default_workers, run_jobs
    from benchmarks.eval.report import write_report
    from benchmarks.eval.scorecard import device, scorecard

    for s in systems:
        if s not in SYSTEMS:
            raise ValueError(f"unknown system {s!r} (use {', '.join(SYSTEMS)})")
    if n is None and not quick and not ids:
        n = FULL_PER_DOMAIN  # the defined full set (--n 100: every scenario)
    t0, load_start = time.perf_counter(), _load()
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    folder = Path(out) if out is not None else RESULTS / (today + ("-quick" if quick else ""))
    outcomes = _read_outcomes(from_outcomes)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "outcomes.partial.jsonl"  # each outcome as it comes (a cut run is usable)
    partial.write_text("", encoding="utf-8")
    workers = default_workers() if workers is None else workers
    jobs, order = _jobs(domains, systems, log, quick=quick, n=n, ids=ids)
    log(f"{len(jobs)} runs in {workers} process(es), the longest expected first")
    with tempfile.TemporaryDirectory(prefix="plansafe-bench-") as tmp:
        done = run_jobs(order, tmp=Path(tmp), planner=planner, workers=workers,
                        partial=partial, log=log)
    place = {(sid, system): k for k, (_d, sid, system) in enumerate(jobs)}
    outcomes += sorted(done, key=lambda o: place[(o["scenario"], o["system"])])
    if with_phrasings is None:  # a goal-reading benchmark: it runs with the scorecard
        with_phrasings = with_scorecard
    phrasings = _phrasings(log) if with_phrasings and jobs else None
    partial.unlink(missing_ok=True)
    # a scenario run again (e.g. after a fix) replaces its earlier outcome for that system
    latest = {(o["system"], o["scenario"]): o for o in outcomes}
    outcomes = list(latest.values())
    runs_s = time.perf_counter() - t0
    meta = {
        "date": today, "quick": quick, "scorecard_quick": quick or quick_scorecard,
        "command": command or "plansafe bench", "device": device(),
        "domains": sorted({o["domain"] for o in outcomes}) or list(domains),
        "systems": [x for x in SYSTEMS if any(o["system"] == x for o in outcomes)],
        "scenario_set": _set_text(quick=quick, n=n, ids=ids),
        "merged_from": [str(p) for p in from_outcomes],
        "task_time_s": round(sum(o["total_s"] for o in outcomes), 1),
        "task_cpu_s": round(sum(o.get("cpu_s", 0.0) for o in outcomes), 1),
        **_settings(planner), "runs_s": round(runs_s, 1), "notes": list(notes),
        "workers": workers, "load_before": load_start, "phrasings": phrasings}
    if with_scorecard:  # the runs' report first: a scorecard cut short leaves it usable
        write_report(outcomes, folder, with_charts=False, meta={
            **meta, "scorecard": {"(pending)": {"error": "the scorecard was still running"}},
            "load_after": _load(), "wall_s": round(time.perf_counter() - t0, 1)})
    card = scorecard(quick=quick or quick_scorecard, log=log) if with_scorecard else {}
    report = write_report(outcomes, folder, with_charts=with_charts, meta={
        **meta, "scorecard": card, "load_after": _load(),
        "wall_s": round(time.perf_counter() - t0, 1)})
    report["folder"] = str(folder)
    log(f"wrote {folder}/report.json, report.md" + (", charts" if report.get("charts") else "")
        + f" in {report['wall_s']:.0f} s")
    return report


def _set_text(*, quick: bool, n: int | None, ids: Sequence[str]) -> str:
    """Which scenarios of each domain ran, in words."""
    if ids:
        return f"{len(ids)} chosen scenario(s)" + (f", at most {n} per domain" if n else "")
    if quick:
        return "the quick subset (the smallest scenario of each failure condition, and the " \
               "smallest with a formal PDDL goal, per domain)"
    if n is None or n >= 100:
        return "all scenarios of each domain"
    full = " (the defined full set)" if n == FULL_PER_DOMAIN else ""
    return f"the first {n} scenarios of each domain{full}"


def _jobs(domains: Sequence[str], systems: Sequence[str], log: Callable[[str], None], *,
          quick: bool, n: int | None, ids: Sequence[str]
          ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The (domain, scenario, system) runs in the report's order, and in the order they are
    started: the longest expected first (:func:`benchmarks.eval.pool.longest_first`)."""
    from benchmarks.eval.pool import estimated_cost, longest_first

    jobs, by_id = [], {}
    for domain in domains:
        scenarios = select(domain, quick=quick, n=n, ids=ids)
        log(f"{domain}: {len(scenarios)} scenarios x {len(systems)} systems")
        jobs += [(domain, s.id, system) for s in scenarios for system in systems]
        by_id.update({s.id: s for s in scenarios})
    return jobs, longest_first(jobs, lambda j: estimated_cost(
        j[2], len(by_id[j[1]].objects), by_id[j[1]].steps))


def _read_outcomes(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Outcomes of runs made earlier (e.g. one process per domain), to merge (JSON lines)."""
    outcomes: list[dict[str, Any]] = []
    for path in paths:
        outcomes += [{**DEFAULTS, **json.loads(line)} for line in Path(path).read_text()
                     .splitlines() if line.strip()]
    return outcomes


def _settings(planner: str) -> dict[str, Any]:
    """The report's settings, budgets and their text (how Plansafe plans, retries, approvals)."""
    planner_text = ("the Planner agent (embedded model, one proposal checked by the verifier, "
                    "then Fast Downward) where the problem fits the model's context, else Fast "
                    "Downward" if planner == "auto" else "Fast Downward (symbolic)")
    return {
        "settings": {"planner": planner, "retries_per_step": RETRIES,
                     "approvals": "auto-granted", "max_replans": 5},
        "settings_text": f"Plansafe plans with {planner_text}; approvals are granted "
                         f"automatically; every system tries a failing step {RETRIES} times.",
        "budgets": BUDGETS,
    }


def _load() -> list[float] | None:
    import os

    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _phrasings(log: Callable[[str], None]) -> dict[str, Any]:
    """Goals phrased outside the training templates (benchmarks/eval/phrasings.py), read by
    each system's reader (all of them, --quick too: about 30 s)."""
    from benchmarks.eval.phrasings import evaluate, load

    items = load()
    log(f"goal phrasings: {len(items)} goals")
    with tempfile.TemporaryDirectory(prefix="plansafe-phrasings-") as tmp:
        result = evaluate(items, backend=Bench(tmp).backend)
    result["subset"] = "all"
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--domains", default=",".join(DOMAINS))
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--n", type=int, default=None, help="the first N scenarios of each domain "
                    f"(default {FULL_PER_DOMAIN} of 100, the defined full set; 100: all)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--planner", choices=("auto", "symbolic"), default="auto")
    ap.add_argument("--no-scorecard", action="store_true")
    ap.add_argument("--note", action="append", default=[], help="a note for report.md")
    ap.add_argument("--ids", default="", help="only these scenario ids (comma-separated)")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: up to 2)")
    ap.add_argument("--quick-scorecard", action="store_true",
                    help="the quick versions of the earlier benchmarks")
    ap.add_argument("--from-outcomes", type=Path, nargs="*", default=[],
                    help="merge these outcomes.jsonl files (use --domains '' to run nothing)")
    args = ap.parse_args(argv)
    bench(quick=args.quick, domains=[d for d in args.domains.split(",") if d], n=args.n,
          systems=args.systems.split(","), out=args.out, planner=args.planner,
          with_scorecard=not args.no_scorecard,
          log=lambda m: print(m, file=sys.stderr, flush=True),
          command="python -m benchmarks.eval.run " + " ".join(argv or sys.argv[1:]),
          from_outcomes=args.from_outcomes, quick_scorecard=args.quick_scorecard,
          ids=[i for i in args.ids.split(",") if i], notes=args.note, workers=args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
