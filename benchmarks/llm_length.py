"""Length generalization: first proposals on problems larger than the model trained on.

Blocksworld with 6-15 blocks (the project's generator, ``domains.blocksworld.problems``,
sizes in turn; the shipped model trained on 3-6) and robotics with twice the items
(the generator's problem, then one more item per item, each with its own start and goal
location). Each problem is planned by the model alone (default decoding, 16 beams, one
round, one proposal: the first proposal), and the row says whether it was valid, whether
the old code would have overflowed the context (prompt + token budget > context), how
many tokens and seconds it took. Seeds are outside the training range.

    python -m benchmarks.llm_length --spec blocksworld --n 20 --out build/bench/len_bw.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_BASE = 8_000_000_000  # training seeds are < 1e9, llm_plan's are 7e9 + i


def blocksworld_problem(i: int) -> Any:
    from domains.blocksworld.problems import random_problem

    size = 6 + i % 10  # 6..15 blocks
    return random_problem(random.Random(SEED_BASE + i), name=f"len{i}", size=size)


def robotics_problem(i: int) -> Any:
    """The generator's problem with twice the items (each added item starts and ends at
    random distinct locations of the map)."""
    from dataclasses import replace

    from domains.robotics.problems import ITEMS, random_problem

    rng = random.Random(SEED_BASE + i)
    gp = random_problem(rng, name=f"len{i}")
    places = [o for o, t in gp.objects if t == "location"]
    items = [o for o, t in gp.objects if t == "item"]
    extra = rng.sample([it for it in ITEMS if it not in items], len(items))
    init, goal = list(gp.init), list(gp.goal)
    for it in extra:
        here, there = rng.sample(places, 2) if len(places) > 1 else (places[0], places[0])
        init.append(("item-at", it, here))
        if here != there:
            goal.append(("item-at", it, there))
    return replace(gp, objects=gp.objects + tuple((it, "item") for it in extra),
                   init=tuple(init), goal=tuple(goal))


def plan_gap(spec: Any, problem: Any, plan: Any) -> int:
    """The most steps in a row ``plan`` takes without coming closer to the goal
    (:meth:`engine.llm.stateaware.Safe.distance`): what the agent's ``patience`` must
    exceed for the plan to be written whole."""
    from engine.llm.stateaware import Safe
    from verifier.validate import Checker

    checker = Checker(problem, policies=spec.policies, access=spec.access)
    rules = Safe(checker)
    nodes = rules.after([checker.task.action(s.action, s.args) for s in plan.steps])
    dists = [rules.distance(n) or 0 for n in nodes]
    best, since, most = dists[0], 0, 0
    for d in dists[1:]:
        best, since = (d, 0) if d < best else (best, since + 1)
        most = max(most, since)
    return most


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", choices=("blocksworld", "robotics"), default="blocksworld")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--patience", type=int, default=None,
                    help="steps without progress before a generation ends (0: never; "
                    "default: the agent's)")
    args = ap.parse_args(argv)
    from domains.generated import load_generated
    from engine.llm.backend import load_default_backend
    from engine.llm.prompts import problem_prompt
    from engine.planner import PlannerAgent
    from verifier.spec import load_spec

    spec = load_spec(ROOT / "specs" / args.spec)
    make = blocksworld_problem if args.spec == "blocksworld" else robotics_problem
    backend = load_default_backend(device="cpu")
    rows: list[dict[str, Any]] = []
    for i in range(args.offset, args.offset + args.n):
        problem = load_generated(ROOT / "specs" / args.spec / "domain.pddl", make(i))
        agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False,
                             shorten=False, patience=args.patience)
        want = agent._max_tokens(problem)
        prompt_tokens = backend.prompt_tokens(problem_prompt(problem))
        t0 = time.perf_counter()
        plan, _ = agent.plan(problem)
        rep = agent.last
        row: dict[str, Any] = {"i": i, "objects": len(problem.objects), "valid": plan is not None,
               "old_overflow": prompt_tokens + want > (backend.context_tokens or 10**9),
               "prompt_tokens": prompt_tokens, "overflow": rep.context_overflow,
               "stalled": rep.stalled, "tokens": rep.tokens,
               "steps": len(plan.steps) if plan is not None else None,
               "gap": plan_gap(spec, problem, plan) if plan is not None else None,
               "seconds": round(time.perf_counter() - t0, 2)}
        rows.append(row)
        line = json.dumps(row)
        print(line, flush=True)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            with args.out.open("a") as f:
                f.write(line + "\n")
    valid = sum(r["valid"] for r in rows)
    print(json.dumps({"spec": args.spec, "n": len(rows), "first_proposal_valid": valid,
                      "old_overflow": sum(r["old_overflow"] for r in rows),
                      "overflow": sum(r["overflow"] for r in rows)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
