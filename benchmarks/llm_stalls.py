"""How long a first proposal goes without coming closer to the goal, valid or not: the
evidence for (or against) a tighter ``patience`` (engine/llm/stateaware.py, fail fast).

The left-out evaluation's problems (benchmarks/llm_train_spec.py: ``--n`` unseen problems
of the spec, the model's own training problems left out), each planned as there (default
decoding, k=1, one round, no fallback). Each first proposal is replayed step by step under
the state-aware rules (:class:`engine.llm.stateaware.Safe`); per problem: valid or not, its
steps, the relaxed distance after each (``Safe.distance``) and its longest run of steps
without a new best distance (what ``patience`` counts). One JSON line per problem, then
the distribution.

    python -m benchmarks.llm_stalls --spec specs/robotics --model build/llm/lo3/robotics \
        --out benchmarks/results/llm_stalls-leftout-robotics.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from engine.planner import PlannerAgent


class _Recording(PlannerAgent):
    """The Planner agent, keeping each round's first proposal text."""

    texts: list[str]

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        gens = super()._generate(*args, **kwargs)
        self.texts.append(gens[0].text if gens else "")
        return gens


def replay(spec: Any, problem: Any, text: str) -> tuple[list[int], int]:
    """The relaxed distance before and after each whole step of ``text`` and the longest
    run of steps without a new best."""
    from engine.llm.stateaware import Safe
    from engine.llm.windows import ground_steps
    from verifier.validate import Checker

    checker = Checker(problem, policies=spec.policies, access=spec.access)
    safe = Safe(checker)
    actions, _ = ground_steps(text, checker)
    distances = [safe.distance(n) or 0 for n in safe.after(actions)]
    best, since, longest = distances[0], 0, 0
    for d in distances[1:]:
        best, since = (d, 0) if d < best else (best, since + 1)
        longest = max(longest, since)
    return distances, longest


def main(argv: list[str] | None = None) -> int:
    import torch

    from benchmarks.llm_train_spec import EVAL_SEED, _keys, _rec_problem, unseen_records
    from engine.llm.backend import TransformersBackend
    from verifier.spec import load_spec

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    spec = load_spec(args.spec)
    cache = Path("build/llm") / f"eval-{spec.name}-{EVAL_SEED}-{args.n}.json"
    recs = unseen_records(args.spec, args.n, _keys(args.model), cache)
    agent = _Recording(spec, backend=TransformersBackend(Path(args.model), device="cpu"),
                       k=1, rounds=1, fallback=False)
    rows = []
    with args.out.open("w") as fh:
        for rec in recs:
            problem = _rec_problem(spec, rec)
            agent.texts = []
            t0 = time.perf_counter()
            agent.plan(problem)
            distances, longest = replay(spec, problem, agent.texts[0] if agent.texts else "")
            row = {"problem": problem.name, "objects": len(problem.objects),
                   "valid": bool(agent.last.first_proposal_valid),
                   "steps": len(distances) - 1, "max_stall": longest,
                   "patience": agent._patience(problem), "distances": distances,
                   "seconds": round(time.perf_counter() - t0, 2)}
            rows.append(row)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
    for label, part in (("valid", [r for r in rows if r["valid"]]),
                        ("not valid", [r for r in rows if not r["valid"]])):
        print(json.dumps({label: len(part), "max_stall": sorted(
            Counter(r["max_stall"] for r in part).items())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
