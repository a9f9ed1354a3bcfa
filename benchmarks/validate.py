"""Validation speed: Plansafe's validator against unified-planning's PlanValidator.

The same valid Blocksworld plans of 10, 100 and 1000 steps go to both, in one run. Plans are
seeded random walks from the initial state of an IPC Blocksworld problem; the goal is set to
the state each walk ends in, so every plan is valid and is simulated to its end. Ours is
timed warm (one ``Checker`` reused: grounding cached) and cold (a new ``Checker`` each time:
interning the initial state, compiling the goal and grounding every step's action). A third
column runs the same simulation on frozensets (pyperplan's ``(state - del) | add``) to show
what the int bitsets buy.

    python -m benchmarks.validate [--json FILE] [--problem blocks/probBLOCKS-9-0.pddl]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = (10, 100, 1000)


def data_dir() -> Path | None:
    """``$PLANSAFE_DATA`` or ``../shared/data`` next to the repository, as the tests find it."""
    path = Path(os.environ.get("PLANSAFE_DATA", ROOT.parent / "shared" / "data"))
    return path if path.is_dir() else None


def times_s(fn: Callable[[], Any], *, repeat: int, budget_s: float = 2.0) -> list[float]:
    """Wall times of ``fn`` over ``repeat`` runs (fewer if the budget runs out, >= 3)."""
    times = []
    gc.collect()
    start = time.perf_counter()
    for i in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if i >= 2 and time.perf_counter() - start > budget_s:
            break
    return times


def walk_problem(problem: Any, steps: int, seed: int) -> tuple[Any, Any]:
    """A plan of ``steps`` random applicable actions and the problem whose goal is its end."""
    from verifier.grounding import Task
    from verifier.pddl import convert_problem
    from verifier.plan_io import plan_from_calls

    rng = random.Random(seed)
    task = Task(problem)
    state = task.initial_state
    calls = []
    for _ in range(steps):
        options = list(task.applicable_actions(state))
        a = rng.choice(options)
        calls.append((a.name, a.args))
        state = a.apply(state)
    upp = problem.up_problem.clone()
    upp.clear_goals()
    for atom in sorted(task.atoms_of(state)):
        upp.add_goal(upp.fluent(atom[0])(*(upp.object(o) for o in atom[1:])))
    goal_problem = convert_problem(upp, domain_path=problem.domain.path,
                                   problem_path=problem.path, domain_name=problem.domain.name)
    return goal_problem, plan_from_calls(calls)


def simulators(problem: Any, plan: Any) -> tuple[Callable[[], bool], Callable[[], bool]]:
    """The bare simulation loop, warm, on int bitsets and on frozensets (pyperplan's way)."""
    from verifier.grounding import Task

    task = Task(problem)
    actions = [task.action(s.action, s.args) for s in plan.steps]
    goal_test = task.goal_test

    def bitset() -> bool:
        state = task.initial_state
        for ga in actions:
            if not ga.applicable(state):
                return False
            state = ga.apply(state)
        return goal_test(state)

    ops = [(task.atoms_of(ga.pre_pos), task.atoms_of(ga.add), task.atoms_of(ga.delete))
           for ga in actions]
    init = frozenset(problem.init)
    goal = frozenset(_goal_atoms(problem))

    def frozenset_() -> bool:
        state = init
        for pre, add, delete in ops:
            if not pre <= state:
                return False
            state = (state - delete) | add
        return goal <= state

    return bitset, frozenset_


def _goal_atoms(problem: Any) -> list[tuple[str, ...]]:
    from verifier.model import And, Atom

    g = problem.goal
    parts = g.args if isinstance(g, And) else (g,)
    return [(a.pred, *a.args) for a in parts if isinstance(a, Atom)]


def run(problem_ref: str, *, seed: int) -> list[dict[str, Any]]:
    import unified_planning.shortcuts as up
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.plans import ActionInstance, SequentialPlan

    from verifier.pddl import read_problem
    from verifier.validate import Checker

    root = data_dir()
    assert root is not None
    domain_folder, problem_file = problem_ref.split("/", 1)
    folder = root / "ipc" / domain_folder
    base = read_problem(folder / "domain.pddl", folder / problem_file)
    up.get_environment().credits_stream = None
    rows = []
    for n in LENGTHS:
        problem, plan = walk_problem(base, n, seed)
        upp = problem.up_problem
        up_plan = SequentialPlan([ActionInstance(upp.action(s.action),
                                                 tuple(upp.object(a) for a in s.args))
                                  for s in plan.steps])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with up.PlanValidator(name="sequential_plan_validator") as validator:
                assert validator.validate(upp, up_plan).status == ValidationResultStatus.VALID
                up_t = times_s(lambda v=validator, u=upp, pl=up_plan: v.validate(u, pl), repeat=7,
                               budget_s=4)
        checker = Checker(problem)
        assert checker.check(plan).valid  # also warms the grounding cache
        warm_t = times_s(lambda c=checker, pl=plan: c.check(pl), repeat=200)
        cold_t = times_s(lambda pr=problem, pl=plan: Checker(pr).check(pl), repeat=100)
        bitset_sim, frozenset_sim = simulators(problem, plan)
        assert bitset_sim() and frozenset_sim()
        bitset_t = times_s(bitset_sim, repeat=200)
        frozenset_t = times_s(frozenset_sim, repeat=200)
        up_s, warm_s, cold_s = (statistics.median(t) for t in (up_t, warm_t, cold_t))
        rows.append({
            "steps": n, "up_ms": up_s * 1e3, "ours_warm_ms": warm_s * 1e3,
            "ours_cold_ms": cold_s * 1e3, "speedup_warm": up_s / warm_s,
            "speedup_cold": up_s / cold_s,
            "bitset_sim_ms": statistics.median(bitset_t) * 1e3,
            "frozenset_sim_ms": statistics.median(frozenset_t) * 1e3,
            "best_ms": {"up": min(up_t) * 1e3, "ours_warm": min(warm_t) * 1e3,
                        "ours_cold": min(cold_t) * 1e3, "bitset_sim": min(bitset_t) * 1e3,
                        "frozenset_sim": min(frozenset_t) * 1e3},
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the numbers here")
    parser.add_argument("--problem", default="blocks/probBLOCKS-9-0.pddl",
                        help="IPC problem as domain-folder/problem-file (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if data_dir() is None:
        print(f"benchmark data not found at {ROOT.parent / 'shared' / 'data'}: set "
              "PLANSAFE_DATA to the folder that holds ipc/", file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.table import Table

    rows = run(args.problem, seed=args.seed)
    table = Table(title=f"validating valid plans on {args.problem} (median wall time)")
    for col in ("steps", "unified-planning", "ours warm", "ours cold", "x warm", "x cold",
                "sim int bitset", "sim frozenset"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["steps"]), f"{r['up_ms']:.2f} ms", f"{r['ours_warm_ms']:.3f} ms",
                      f"{r['ours_cold_ms']:.3f} ms", f"{r['speedup_warm']:.0f}x",
                      f"{r['speedup_cold']:.0f}x", f"{r['bitset_sim_ms']:.3f} ms",
                      f"{r['frozenset_sim_ms']:.3f} ms")
    out = Console(highlight=False, width=max(Console().width, 110))
    out.print(table)
    last = rows[-1]
    target = "met" if last["speedup_warm"] >= 100 else "MISSED"
    out.print(f"target >= 100x at {last['steps']} steps (warm): {target}")
    if args.json is not None:
        args.json.write_text(json.dumps({"problem": args.problem, "seed": args.seed,
                                         "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
