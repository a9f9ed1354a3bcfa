"""Plain-language goals -> formal goals with the embedded model: how many are read exactly.

The sets:

- ``scenarios``: every plain-language goal of the evaluation fixtures
  (``benchmarks/scenarios/*.jsonl``), on its own scenario problem. Their phrasings come
  from the same templates the training goals use (``PHRASING`` in each domain pack), the
  problems and their sizes do not (scenario problems have up to 30 invoices or items;
  training problems at most a handful).
- ``held-out`` to ``held-out-9``: hand-written phrasings that are in no template (below),
  on each spec's default problem, including texts that must be refused; each set was
  written before the change to the reader that it was first run against.

Each goal is *exact* (the reading equals the expected atoms), *refused* (a clear error:
Plansafe then does nothing) or *misread* (a wrong goal: the failure that matters).

    python -m benchmarks.goal_read [--quick] [--model DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

GoalSet = dict[str, list[tuple[str, str | None]]]


def _held_sets() -> dict[str, GoalSet]:
    """The hand-written sets, in benchmarks/goal_sets.yaml with when and why each was
    written: set -> spec -> (text, expected atoms or None when the text must be refused),
    on the default problems."""
    import yaml

    data = yaml.safe_load(Path(__file__).with_name("goal_sets.yaml").read_text())
    return {name: {spec: [(text, want) for text, want in goals] for spec, goals in specs.items()}
            for name, specs in data.items()}


HELD = _held_sets()
(HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5, HELD_OUT_6, HELD_OUT_7, HELD_OUT_8,
 HELD_OUT_9) = HELD.values()


def _atoms(goal: str) -> set[str]:
    """The ground atoms of ``(and (p a) ...)`` or ``(p a) ...`` (innermost parentheses)."""
    return set(re.findall(r"\([^()]*\)", goal))


def _judge(spec: Any, problem: Any, text: str, want: str | None, backend: Any
           ) -> dict[str, Any]:
    from engine.goals import translate_goal
    from verifier.errors import PlansafeError

    source = None
    try:
        t = translate_goal(spec, problem, text, backend=backend)
        got: str | None = t.goal
        source = t.source
    except PlansafeError as e:
        got, why = None, str(e).splitlines()[0][:160]
    else:
        why = ""
    if got is None:
        verdict = "exact" if want is None else "refused"
    elif want is None:
        verdict = "misread"
    else:
        verdict = "exact" if _atoms(got) == _atoms(want) else "misread"
    return {"text": text, "want": want, "got": got, "verdict": verdict, "why": why,
            "source": source}


def run(backend: Any, *, per_domain: int | None = None) -> dict[str, Any]:
    from domains.scenarios import load_suite
    from engine.goals import default_problem
    from verifier.spec import load_spec

    out: dict[str, Any] = {}
    for set_name in ("scenarios", *HELD):
        rows = []
        t0 = time.perf_counter()
        for dom in ("devops", "documents", "robotics"):
            spec = load_spec(ROOT / "specs" / dom)
            if set_name == "scenarios":
                plain = [s for s in load_suite(ROOT / "benchmarks" / "scenarios" /
                                               f"{dom}.jsonl") if s.phrasing == "plain"]
                for s in plain[:per_domain]:
                    want = " ".join("(" + " ".join(a) + ")" for a in s.goal)
                    rows.append({"id": s.id, **_judge(spec, s.problem(spec.domain_path),
                                                      s.goal_text, want, backend)})
            else:
                problem = default_problem(spec)
                for text, want in HELD[set_name][dom]:
                    rows.append({"id": dom, **_judge(spec, problem, text, want, backend)})
        counts = {v: sum(r["verdict"] == v for r in rows) for v in ("exact", "refused",
                                                                     "misread")}
        out[set_name] = {"n": len(rows), **counts, "seconds": time.perf_counter() - t0,
                         # readings taken from the words alone, in part or whole
                         "from_words": sum("words" in (r["source"] or "") for r in rows),
                         "rows": rows}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="checkpoint folder")
    ap.add_argument("--quick", action="store_true", help="the first 8 scenario goals of each "
                    "domain (and every held-out phrasing)")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "goal_read.json")
    args = ap.parse_args(argv)
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import TransformersBackend
    from verifier.errors import PlansafeError

    model = args.model or DEFAULT_MODEL_DIR
    try:
        backend = TransformersBackend(model, device="cpu")
    except PlansafeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    results = {"model": str(model), "quick": args.quick,
               **run(backend, per_domain=8 if args.quick else None)}
    for name in ("scenarios", *HELD):
        r = results[name]
        print(f"{name}: {r['n']} goals: {r['exact']} exact, {r['refused']} refused, "
              f"{r['misread']} misread; {r['from_words']} read from their words "
              f"({r['seconds']:.0f} s)")
        for row in r["rows"]:
            if row["verdict"] != "exact":
                print(f"  {row['verdict']:8s} {row['id']}: {row['text']!r} -> "
                      f"{row['got'] or row['why']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
