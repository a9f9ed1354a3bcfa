"""How long a failing ``--planner llm`` run takes, with and without the model's time budget.

Problems: blocksworld with 1.5x the blocks of its example problems (engine/llm/specgen.py,
seeded), where the shipped model's proposals fail. Each problem is planned by the model
alone (no fallback, the default decoding, 3 rounds, k=4, 16 beams) twice: with no time
budget and no patience (``llm_seconds`` huge, ``patience=0``) and with the defaults
(``PlannerAgent._budget``, ``PlannerAgent._patience``; a round that comes no closer than
the one before ends the turn in both).
Prints the per-run seconds and the medians as JSON. Small samples: read them as such.

    python -m benchmarks.llm_failfast --n 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--spec", default=str(Path(__file__).resolve().parents[1] / "specs" /
                                          "blocksworld"))
    ap.add_argument("--scale", type=float, default=1.5)
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
