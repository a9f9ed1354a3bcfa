"""How long a failing ``--planner llm`` run takes, with and without the model's time budget.

Problems: blocksworld with 1.5x the blocks of its example problems (engine/llm/specgen.py,
seeded), where the shipped model's proposals fail. Each problem is planned by the model
alone (no fallback, the default decoding, 3 rounds, k=4, 16 beams) twice: with no time
budget and no patience (``llm_seconds`` huge, ``patience=0``) and with the defaults
(``PlannerAgent._budget``, ``PlannerAgent._patience``; a round that comes no closer than
the one before ends the turn in both).
Prints the per-run seconds and the medians as JSON. Small samples: read them as such.

``--cli`` times what a user waits for instead: the whole ``plansafe plan --planner llm``
process on each problem (written to a temporary PDDL file), imports and model load
included, with its CPU seconds (user + system), the load average when it started and
the planning seconds the run itself reports (``--json``'s ``seconds``: reading the spec,
loading the model and its turn, without the interpreter's imports); only runs that end
without a plan count in the medians (those that find one are printed too).

    python -m benchmarks.llm_failfast --n 5
    python -m benchmarks.llm_failfast --n 5 --cli
    python -m benchmarks.llm_failfast --cli --spec specs/robotics --n 100 \
        --model build/llm/lo3/robotics --failed-in RESULT.json
    python -m benchmarks.llm_failfast --spec specs/robotics \
        --model build/llm/lo3/robotics --failed-in RESULT.json   # turns, one process
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--spec", default=str(Path(__file__).resolve().parents[1] / "specs" /
                                          "blocksworld"))
    ap.add_argument("--scale", type=float, default=1.5)
    ap.add_argument("--cli", action="store_true", help="time whole plansafe processes")
    ap.add_argument("--model", help="with --cli or --failed-in: the checkpoint to plan "
                    "with (default: the spec's own or the shipped one)")
    ap.add_argument("--failed-in", type=Path,
                    help="the problems whose first proposal failed in this "
                    "benchmarks.llm_train_spec result (its cached evaluation problems), "
                    "instead of seeded problems at --scale; without --cli each is planned "
                    "in this process, the model loaded once (as a worker or the console "
                    "plans), and each turn is timed")
    ap.add_argument("--preload", action="store_true",
                    help="with --cli: start a preload server (plansafe preload start, on a "
                    "temporary socket) for the runs and stop it after; each process is then "
                    "forked from its imports (its CPU seconds are then the launcher's only)")
    args = ap.parse_args()
    if args.failed_in and not args.cli:
        turn_runs(args.spec, failed_problems(args.spec, args.failed_in), model=args.model)
        return
    if args.cli:
        problems = (failed_problems(args.spec, args.failed_in) if args.failed_in else
                    scaled_problems(args.spec, args.n * 3, args.scale))
        if not args.preload:
            cli_runs(args.spec, problems, args.n, model=args.model)
            return
        with preloaded():  # (CPU seconds are then the launcher's alone)
            cli_runs(args.spec, problems, args.n, model=args.model)
        return
    from engine.llm.backend import load_default_backend
    from engine.llm.specgen import _problem, spec_records
    from engine.planner import PlannerAgent
    from verifier.spec import load_spec

    spec = load_spec(args.spec)
    recs = spec_records(args.spec, args.n * 3, seed=7, scales=(args.scale,))
    backend = load_default_backend(device="cpu")
    out: dict[str, list[dict[str, float | bool]]] = {"before": [], "after": []}
    failing = 0
    for rec in recs:
        if failing >= args.n:
            break
        atoms = [tuple(a.strip("()").split()) for a in rec["init"]]
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        problem = _problem(f"ff{rec['seed']}", spec.domain, rec["types"], atoms, goal)
        row = {}
        for label, secs, patience in (("before", 1e9, 0), ("after", None, None)):
            agent = PlannerAgent(spec, backend=backend, fallback=False, llm_seconds=secs,
                                 patience=patience)
            t0 = time.perf_counter()
            plan, _ = agent.plan(problem)
            row[label] = {"seconds": round(time.perf_counter() - t0, 2),
                          "solved": plan is not None, "objects": len(problem.objects)}
            if label == "before" and (plan is not None or agent.last.context_overflow):
                break  # only runs where the model wrote and failed are measured
        if "after" in row:
            failing += 1
            for k, v in row.items():
                out[k].append(v)
            print(json.dumps(row), flush=True)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in out.items() if v}
    print(json.dumps({"failing_runs": failing, "median_seconds": med}))


def scaled_problems(spec_dir: str, n: int, scale: float) -> Iterator[Any]:
    """``n`` seeded problems of the spec at ``scale`` times its example problems' sizes."""
    from engine.llm.specgen import _problem, spec_records
    from verifier.spec import load_spec

    spec = load_spec(spec_dir)
    for rec in spec_records(spec_dir, n, seed=7, scales=(scale,)):
        atoms = [tuple(a.strip("()").split()) for a in rec["init"]]
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        yield _problem(f"ff{rec['seed']}", spec.domain, rec["types"], atoms, goal)


def failed_problems(spec_dir: str, result: Path) -> Iterator[Any]:
    """The problems whose first proposal was not valid in ``result`` (the JSON of
    ``benchmarks.llm_train_spec --parts plans``), rebuilt from its cached evaluation
    problems (build/llm/eval-<spec>-<seed>-<n>.json)."""
    import sys

    from benchmarks.llm_train_spec import EVAL_SEED, _rec_problem
    from verifier.spec import load_spec

    spec = load_spec(spec_dir)
    try:
        plans = json.loads(result.read_text(encoding="utf-8"))["plans"]
        n, rows = int(plans["n"]), list(plans["rows"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"{result}: not a benchmarks.llm_train_spec --parts plans result "
              f"({type(e).__name__}: {e})", file=sys.stderr)
        raise SystemExit(2) from None
    cache = Path("build/llm") / f"eval-{spec.name}-{EVAL_SEED}-{n}.json"
    if not cache.is_file():
        print(f"{cache}: the evaluation's problems are not cached here "
              "(run benchmarks.llm_train_spec first)", file=sys.stderr)
        raise SystemExit(2)
    recs = {f"eval{r['seed']}": r for r in json.loads(cache.read_text(encoding="utf-8"))}
    for row in rows:
        if not row.get("first_valid") and row.get("problem") in recs:
            yield _rec_problem(spec, recs[row["problem"]])


def turn_runs(spec_dir: str, problems: Iterable[Any], *, model: str | None = None) -> None:
    """The Planner's turn on each of ``problems`` in this process with the model loaded once
    (``--planner llm``'s defaults: no fallback, 3 rounds, k=4, 16 beams): per run its
    seconds, tokens and message, then the median of the runs that end without a plan."""
    from engine.llm.backends import make_backend
    from engine.llm.spec_models import backend_for_spec
    from engine.planner import PlannerAgent
    from verifier.spec import load_spec

    spec = load_spec(spec_dir)
    backend = make_backend("transformers", Path(model)) if model else backend_for_spec(spec)
    failing: list[float] = []
    for problem in problems:
        agent = PlannerAgent.for_planner(spec, "llm", backend=backend)
        t0 = time.perf_counter()
        plan, _ = agent.plan(problem)
        seconds = time.perf_counter() - t0
        if plan is None:
            failing.append(seconds)
        print(json.dumps({"problem": problem.name, "objects": len(problem.objects),
                          "seconds": round(seconds, 2), "planned": plan is not None,
                          "tokens": agent.last.tokens, "result": agent.last.message[:100]}),
              flush=True)
    print(json.dumps({"failing_runs": len(failing), "median_turn_seconds":
                      round(statistics.median(failing), 2) if failing else None}))


@contextlib.contextmanager
def preloaded(*, report: bool = True) -> Iterator[Callable[[], dict[str, Any]]]:
    """A preload server (engine/preload.py) on a temporary socket while open, yielding a
    function that asks for its status; with ``report`` its counts (commands served and
    refused) are printed at the end."""
    import os
    import subprocess
    import sys
    import tempfile

    cli = [sys.executable, "-m", "engine.cli", "preload"]

    def status() -> dict[str, Any]:
        done = subprocess.run([*cli, "status", "--json"], capture_output=True, text=True)
        info: dict[str, Any] = json.loads(done.stdout)
        return info

    with tempfile.TemporaryDirectory(prefix="plansafe-preload-") as tmp:
        old = os.environ.get("PLANSAFE_PRELOAD_SOCKET")
        os.environ["PLANSAFE_PRELOAD_SOCKET"] = str(Path(tmp) / "preload.sock")
        try:
            subprocess.run([*cli, "start", "--json"], check=True, capture_output=True)
            yield status
            if report:
                info = status()
                print(json.dumps({"preload": {k: info.get(k) for k in
                                              ("served", "refused", "last_refusal",
                                               "import_seconds")}}), flush=True)
        finally:
            subprocess.run([*cli, "stop"], capture_output=True)
            if old is None:
                del os.environ["PLANSAFE_PRELOAD_SOCKET"]
            else:
                os.environ["PLANSAFE_PRELOAD_SOCKET"] = old


def cli_runs(spec_dir: str, problems: Iterable[Any], n: int, *,
             model: str | None = None) -> None:
    """Whole ``plansafe plan --planner llm`` processes on ``problems`` until ``n`` of them
    end without a plan; per run its wall seconds, the load average at its start and the
    last line it printed, then the median of the failing runs."""
    import os
    import resource
    import subprocess
    import sys
    import tempfile

    from engine.pddl_text import problem_to_pddl

    failing: list[float] = []
    cpus: list[float] = []  # user + system seconds of each failing process
    planning: list[float] = []  # the planning seconds each failing run reports (--json)
    with tempfile.TemporaryDirectory(prefix="failfast-") as tmp:
        for problem in problems:
            if len(failing) >= n:
                break
            path = Path(tmp) / f"{problem.name}.pddl"
            path.write_text(problem_to_pddl(problem), encoding="utf-8")
            load = os.getloadavg()[0]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            cmd = [sys.executable, "-m", "engine.launch", "plan", spec_dir, str(path),
                   "--planner", "llm", "--json", *(["--model", model] if model else [])]
            done = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            try:
                report = json.loads(done.stdout)
            except ValueError:
                report = {"status": "unreadable",
                          "message": done.stdout[-200:] + done.stderr[-200:]}
            if done.returncode == 1 and report.get("status") == "no-valid-proposal":
                failing.append(seconds)
                cpus.append(cpu)
                planning.append(float(report["seconds"]))
            print(json.dumps({"problem": problem.name, "objects": len(problem.objects),
                              "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                              "planning_seconds": report.get("seconds"),
                              "load": round(load, 1), "exit": done.returncode,
                              "result": f"{report.get('status')}: "
                                        f"{str(report.get('message'))[:90]}"}), flush=True)

    def median(xs: list[float]) -> float | None:
        return round(statistics.median(xs), 2) if xs else None

    print(json.dumps({"failing_runs": len(failing), "median_seconds": median(failing),
                      "median_cpu_seconds": median(cpus),
                      "median_planning_seconds": median(planning)}))


if __name__ == "__main__":
    main()
