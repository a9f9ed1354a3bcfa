"""A spec's own model (``plansafe train SPEC``) before and after, on problems it never saw.

For one spec (e.g. ``specs/onboarding``, on which the shipped model was never trained):

- ``plans``: first proposals (the Planner's default decoding, no feedback round, no
  fallback: as ``engine.llm.train.measure_validity``) on ``--n`` unseen problems made by
  the same generator ``plansafe train`` uses (``engine.llm.specgen.spec_records``) with a
  seed disjoint from the training seeds (training: seed 0, generator seeds below 1e6;
  here ``EVAL_SEED`` * 1_000_003 + i), and each plan prompt checked against the model's
  ``train_keys.json``;
- ``goals``: plain goals written from the spec's ``describe`` templates on the first
  ``--goals`` of those problems (one conjunction, one "every <type>" text, one text
  naming an object the problem lacks, which must be refused), with a seed other than the
  training's, plus the hand-written texts of ``HAND`` on the spec's example problems:
  each is exact, refused or misread (``benchmarks.goal_read._judge``);
- ``builtin``: first proposals on ``--builtin`` unseen problems of each built-in spec
  (``benchmarks.llm_plan.generated_problems``, the same problems for every model).

``--model`` names the checkpoint; ``shipped`` is the embedded model. Everything runs in
one process, one evaluation after the other.

    python -m benchmarks.llm_train_spec --model shipped --json before.json
    python -m benchmarks.llm_train_spec --model build/llm/onboarding-model --json after.json
    python -m benchmarks.llm_train_spec --compare before.json after.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: the state-aware decoding's hint for every first proposal (``--hint``; None: the agent's)
HINT: list[float | None] = [None]
EVAL_SEED = 11  # spec_records seed for evaluation problems (plansafe train uses 0, 1, ...)
GOAL_SEED = 5_000_000  # phrasing seeds (spec_examples uses the training seed)
BUILTIN = ("devops", "documents", "robotics", "blocksworld")

# Written from specs/onboarding's describe templates before any run, on its example
# problems (p04: alice bob carol; p05: ann ben cid dee eve); None: must be refused.
HAND: list[tuple[str, str, str | None]] = [
    ("p04", "create an account for alice", "(has-account alice)"),
    ("p04", "give bob access to wiki", "(access bob wiki)"),
    ("p04", "make sure carol passed the background check", "(background-checked carol)"),
    ("p04", "send alice the welcome message", "(welcomed alice)"),
    ("p04", "ship equipment to bob", "(equipped bob)"),
    ("p04", "have carol complete the security training", "(trained carol)"),
    ("p04", "alice has an account and alice was welcomed",
     "(has-account alice) (welcomed alice)"),
    ("p04", "give alice access to email, then send her the welcome message",
     "(access alice email) (welcomed alice)"),
    ("p04", "ensure that bob received their equipment", "(equipped bob)"),
    ("p04", "run the background check of alice", "(background-checked alice)"),
    ("p04", "give dave access to wiki", None),
    ("p04", "make sure bob has access to payroll", "(access bob payroll)"),
    ("p04", "carol completed the security training and carol has access to payroll",
     "(trained carol) (access carol payroll)"),
    ("p04", "order a pizza", None),
    ("p04", "onboard alice", None),
    ("p04", "every person was welcomed", "(welcomed alice) (welcomed bob) (welcomed carol)"),
    ("p04", "ship equipment to every person",
     "(equipped alice) (equipped bob) (equipped carol)"),
    ("p04", "create an account for alice and bob", "(has-account alice) (has-account bob)"),
    ("p05", "give ben access to the wiki", "(access ben wiki)"),
    ("p05", "see to it that eve has access to payroll", "(access eve payroll)"),
    ("p05", "dee received their equipment; dee was welcomed", "(equipped dee) (welcomed dee)"),
    ("p05", "deploy api to prod", None),
]


def _key(rec: dict[str, Any]) -> str:
    from engine.llm.prompts import plan_prompt

    return hashlib.sha1(plan_prompt(rec["objects"], rec["init"], rec["goal"]).encode()
                        ).hexdigest()[:16]


def unseen_records(spec_path: str, n: int, keys: set[str], cache: Path
                   ) -> list[dict[str, Any]]:
    """``n`` generated problems of the spec (cached in ``cache``) whose plan prompt is not
    among ``keys``."""
    from engine.llm.specgen import spec_records

    if cache.is_file():
        recs: list[dict[str, Any]] = json.loads(cache.read_text())
    else:
        recs = spec_records(spec_path, n + 10, seed=EVAL_SEED)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(recs))
    return [r for r in recs if _key(r) not in keys][:n]


def _rec_problem(spec: Any, rec: dict[str, Any]) -> Any:
    from engine.llm.specgen import _problem

    atoms = [tuple(a.strip("()").split()) for a in rec["init"]]
    goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
    return _problem(f"eval{rec['seed']}", spec.domain, rec["types"], atoms, goal)


def first_proposals(spec: Any, problems: list[Any], backend: Any,
                    rows: list[dict[str, Any]] | None = None,
                    on_row: Callable[[], None] | None = None) -> dict[str, Any]:
    """The first proposal of each problem (default decoding, k=1, one round, no fallback);
    each row appended to ``rows`` as it comes (``on_row`` called after each)."""
    from engine.planner import PlannerAgent

    agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False, hint=HINT[0])
    rows = [] if rows is None else rows
    for p in problems:
        t0 = time.perf_counter()
        agent.plan(p)
        rep = agent.last
        rows.append({"problem": p.name, "objects": len(p.objects),
                     "first_valid": bool(rep.first_proposal_valid), "tokens": rep.tokens,
                     "truncated": rep.truncated, "context_overflow": rep.context_overflow,
                     "seconds": round(time.perf_counter() - t0, 2)})
        if on_row is not None:
            on_row()
    valid = sum(r["first_valid"] for r in rows)
    return {"valid": valid, "n": len(rows), "decoding": agent.decoding, "rows": rows}


def template_goals(spec: Any, recs: list[dict[str, Any]]) -> list[tuple[Any, str, str | None]]:
    """(problem, text, expected atoms or None) from the spec's describe templates."""
    from engine.llm.specgen import _every, _prefix, phrase, phrasing_of, random_names

    ph = phrasing_of(spec)
    out: list[tuple[Any, str, str | None]] = []
    for i, rec in enumerate(recs):
        rng = random.Random(GOAL_SEED + i)
        problem = _rec_problem(spec, rec)
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        sub = goal if len(goal) <= 3 else rng.sample(goal, rng.randint(1, 3))
        text = phrase(rng, ph, sub, rec["types"])
        if text is not None:
            out.append((problem, text, " ".join("(" + " ".join(a) + ")" for a in sub)))
        every = _every(rng, ph, rec)
        if every is not None and i % 2 == 0:
            out.append((problem, every[0], " ".join(every[1])))
        atom = list(rng.choice(goal))
        consts = set(rec.get("constants", ()))
        if i % 4 == 0 and len(atom) > 1 and atom[1] not in consts:
            atom[1] = random_names(rng, 1, prefix=_prefix(rec["types"][atom[1]]),
                                   taken=set(rec["objects"]))[0]
            text = phrase(rng, ph, [atom], rec["types"])
            if text is not None:
                out.append((problem, text, None))
    return out


def hand_goals(spec_path: Path) -> list[tuple[Any, str, str | None]]:
    from verifier.pddl import read_problem

    if spec_path.resolve().name != "onboarding":
        return []  # HAND was written for onboarding's example problems only
    domain = spec_path / "domain.pddl"
    return [(read_problem(domain, spec_path / "problems" / f"{p}.pddl"), text, want)
            for p, text, want in HAND]


def read_goals(spec: Any, cases: list[tuple[Any, str, str | None]], backend: Any
               ) -> dict[str, Any]:
    from benchmarks.goal_read import _judge

    rows = [{"problem": p.name, **_judge(spec, p, text, want, backend)}
            for p, text, want in cases]
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("exact", "refused", "misread")}
    return {"n": len(rows), **counts, "rows": rows}


def _backend(model: str) -> Any:
    from engine.llm.backend import TransformersBackend, load_default_backend

    return load_default_backend() if model == "shipped" else TransformersBackend(
        Path(model), device="cpu")


def _keys(model: str) -> set[str]:
    from engine.llm import DEFAULT_MODEL_DIR

    folder = Path(DEFAULT_MODEL_DIR) if model == "shipped" else Path(model)
    path = folder / "train_keys.json"
    return set(json.loads(path.read_text())) if path.is_file() else set()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=ROOT / "specs" / "onboarding")
    ap.add_argument("--model", default="shipped", help="checkpoint folder, or shipped")
    ap.add_argument("--n", type=int, default=100, help="unseen problems of the spec")
    ap.add_argument("--skip", type=int, default=0, help="plans: leave out the first K "
                    "problems (a run continued)")
    ap.add_argument("--goals", type=int, default=50, help="problems phrased as plain goals")
    ap.add_argument("--builtin", type=int, default=20, help="problems per built-in spec")
    ap.add_argument("--parts", default="plans,goals,builtin")
    ap.add_argument("--exclude", type=Path, action="append", default=[],
                    help="also leave out problems whose prompt is in DIR/train_keys.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hint", type=float, default=None, help="the state-aware decoding's "
                    "hint in nats (default: the agent's; 0: the model alone)")
    ap.add_argument("--json", type=Path, required=True)
    return ap


def _plans(out: dict[str, Any], spec: Any, recs: list[dict[str, Any]], backend: Any,
           save: Callable[[], None]) -> None:
    out["plans"] = {"partial_rows": []}
    out["plans"] = first_proposals(spec, [_rec_problem(spec, r) for r in recs], backend,
                                   out["plans"]["partial_rows"], save)
    print(f"plans: {out['plans']['valid']}/{out['plans']['n']}", file=sys.stderr)


def _goals(out: dict[str, Any], spec: Any, recs: list[dict[str, Any]], backend: Any,
           spec_path: Path) -> None:
    out["goals"] = read_goals(spec, template_goals(spec, recs), backend)
    out["hand_goals"] = read_goals(spec, hand_goals(spec_path), backend)
    for k in ("goals", "hand_goals"):
        g = out[k]
        print(f"{k}: {g['exact']} exact, {g['refused']} refused, {g['misread']} misread "
              f"of {g['n']}", file=sys.stderr)


def _builtin(out: dict[str, Any], n: int, keys: set[str], backend: Any,
             save: Callable[[], None]) -> None:
    from benchmarks.llm_plan import generated_problems
    from verifier.spec import load_spec

    out["builtin"] = {}
    for name in BUILTIN:
        bspec = load_spec(ROOT / "specs" / name)
        out["builtin"][name] = {"partial_rows": []}
        out["builtin"][name] = first_proposals(
            bspec, generated_problems(name, n, keys), backend,
            out["builtin"][name]["partial_rows"], save)
        print(f"{name}: {out['builtin'][name]['valid']}/{n}", file=sys.stderr)
        save()


def main(argv: list[str] | None = None) -> int:
    import torch

    from verifier.spec import load_spec

    args = _parser().parse_args(argv)
    HINT[0] = args.hint
    torch.set_num_threads(args.threads)
    keys = _keys(args.model).union(*(_keys(str(d)) for d in args.exclude))
    spec = load_spec(args.spec)
    recs = unseen_records(str(args.spec), args.n, keys,
                          ROOT / "build" / "llm" / f"eval-{spec.name}-{EVAL_SEED}-{args.n}.json")
    backend = _backend(args.model)
    out: dict[str, Any] = {"model": args.model, "spec": str(args.spec),
                           "eval_seed": EVAL_SEED, "problem_keys": [_key(r) for r in recs],
                           "excluded_keys": len(keys), "load_before": os.getloadavg()}

    def save() -> None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")

    t0 = time.perf_counter()
    for part in args.parts.split(","):  # in the order given, each saved as it goes
        if part == "plans":
            _plans(out, spec, recs[args.skip:], backend, save)
        elif part == "goals":
            _goals(out, spec, recs[:args.goals], backend, Path(args.spec))
        elif part == "builtin" and args.builtin:
            _builtin(out, args.builtin, keys, backend, save)
        save()
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["load_after"] = os.getloadavg()
    save()
    return 0


def _rows(part: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = part.get("rows", part.get("partial_rows", []))
    return rows


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Markdown rows: first proposals valid of two runs on the problems both reached."""
    lines = ["| set | problems (both) | before | after |", "|---|---|---|---|"]
    sets = [("plans", before.get("plans"), after.get("plans"))] + [
        (n, before.get("builtin", {}).get(n), after.get("builtin", {}).get(n))
        for n in BUILTIN]
    for name, b, a in sets:
        if not b or not a:
            continue
        rb, ra = _rows(b), _rows(a)
        n = min(len(rb), len(ra))
        assert [r["problem"] for r in rb[:n]] == [r["problem"] for r in ra[:n]]
        lines.append(f"| {name} | {n} | {sum(r['first_valid'] for r in rb[:n])} | "
                     f"{sum(r['first_valid'] for r in ra[:n])} |")
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"]:
        print("\n".join(compare(*(json.loads(Path(f).read_text()) for f in sys.argv[2:4]))))
        sys.exit(0)
    sys.exit(main())
