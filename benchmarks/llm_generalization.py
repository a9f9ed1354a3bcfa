"""The embedded model on names and sizes it never saw: first proposals valid, default decoding.

Three sets (issue 22), all planned by the Planner agent's model alone (default decoding:
state-aware, 16 beams; one round, one proposal, no fallback: the first proposal, as in
``benchmarks/llm_length.py``):

- **renamed**: for each built-in spec, ``--n`` unseen problems of the training sizes
  (``benchmarks.llm_plan.generated_problems``: the evaluation seeds, prompts not among the
  training prompts) planned as they are and again in a renamed copy of the spec where
  every name is a made-up word (:mod:`verifier.renaming`: the domain, types, constants,
  predicates, actions and every object; ``--kinds`` for a partial renaming), the two
  planned one after the other so that load falls on both alike;
- **robotics x2**: robotics with twice the items (``llm_length.robotics_problem``);
- **blocksworld 6-15**: the project's generator with 6-15 blocks in turn
  (``llm_length.blocksworld_problem``).

Solvability is Fast Downward's (policies compiled in); unsolvable problems are left out
of every share. Each row says why a failed first proposal failed: the prompt past the
context, the generation stalled (no row came closer to the goal for ``patience`` steps),
cut by the token budget, or a plan the verifier rejected (its first reason).

    python -m benchmarks.llm_generalization --n 15 --n-length 10 --json build/bench/gen.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPECS = ("blocksworld", "devops", "documents", "robotics")


def first_proposal(spec: Any, problem: Any, backend: Any, hint: float | None = None
                   ) -> dict[str, Any]:
    """The agent's first proposal for ``problem`` (default decoding; ``hint``: the
    state-aware decoding's hint, None: the agent's default) and why it failed."""
    from engine.llm.prompts import problem_prompt
    from engine.planner import PlannerAgent

    agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False, shorten=False,
                         hint=hint)
    prompt_tokens = backend.prompt_tokens(problem_prompt(problem))
    budget = agent._max_tokens(problem)
    t0 = time.perf_counter()
    plan, verdict = agent.plan(problem)
    rep = agent.last
    feedback = rep.rounds[0].feedback if rep.rounds else ()
    return {"problem": problem.name, "objects": len(problem.objects),
            "valid": plan is not None and rep.first_proposal_valid,
            "failure": None if plan is not None else _failure(rep, verdict),
            "reason": None if plan is not None else (feedback[0] if feedback else rep.message),
            "prompt_tokens": prompt_tokens, "token_budget": budget, "tokens": rep.tokens,
            "context_overflow": rep.context_overflow, "stalled": rep.stalled,
            "truncated": rep.truncated, "unparseable": rep.unparseable,
            "steps": len(plan.steps) if plan is not None else None,
            "seconds": round(time.perf_counter() - t0, 2), "load": round(os.getloadavg()[0], 2)}


def _failure(rep: Any, verdict: Any) -> str:
    if rep.context_overflow:
        return "context"
    if rep.unparseable:
        return "unparseable"
    if rep.stalled:
        return "stalled"
    if rep.truncated:
        return "token-budget"
    if rep.budget_spent:
        return "time-budget"
    return "rejected" if verdict is not None else "none"


def _solvable(spec: Any, problems: list[Any], timeout_s: float) -> list[bool]:
    from benchmarks.llm_plan import reference_lengths

    cwd = os.getcwd()
    os.chdir(os.environ.get("TMPDIR", "/tmp"))  # Fast Downward writes output.sas to the cwd
    try:
        return [n is not None for n in reference_lengths(spec, problems, timeout_s)]
    finally:
        os.chdir(cwd)


def renamed_case(name: str, n: int, offset: int, out_dir: Path, *, seed: int,
                 kinds: tuple[str, ...], timeout_s: float) -> dict[str, Any]:
    """Spec ``name``, its renamed copy, ``n`` unseen problems of it and the same renamed."""
    from benchmarks.llm_plan import _train_keys, generated_problems
    from engine.llm import DEFAULT_MODEL_DIR
    from verifier.renaming import fresh_renaming, rename_problem, rename_spec
    from verifier.spec import load_spec

    spec = load_spec(ROOT / "specs" / name)
    problems = generated_problems(name, n, _train_keys(DEFAULT_MODEL_DIR), offset=offset)
    renaming = fresh_renaming(spec.domain, problems, seed=seed, kinds=kinds)  # type: ignore
    folder = rename_spec(ROOT / "specs" / name, out_dir / name, renaming)
    renamed = load_spec(folder)
    (folder / "eval").mkdir(exist_ok=True)
    moved = [rename_problem(p, renaming, renamed.domain_path, folder / "eval" / f"{p.name}.pddl")
             for p in problems]
    return {"spec": spec, "renamed": renamed, "problems": problems, "moved": moved,
            "timeout_s": timeout_s, "mapping": dict(renaming.names)}


def renamed_pair(case: dict[str, Any], i: int, backend: Any, hint: float | None = None
                 ) -> dict[str, Any]:
    """Problem ``i`` of a :func:`renamed_case` planned as it is, then renamed."""
    return {"solvable": _solvable(case["spec"], [case["problems"][i]], case["timeout_s"])[0],
            "original": first_proposal(case["spec"], case["problems"][i], backend, hint),
            "renamed": first_proposal(case["renamed"], case["moved"][i], backend, hint)}


def renamed_summary(case: dict[str, Any], rows: list[dict[str, Any]], kinds: tuple[str, ...]
                    ) -> dict[str, Any]:
    return {"spec": case["spec"].name, "renamed_as": case["renamed"].name, "kinds": list(kinds),
            "mapping": case["mapping"], "rows": rows, **_pair_summary(rows)}


def _short(row: dict[str, Any]) -> str:
    return ("valid" if row["valid"] else str(row["failure"])) + f" ({row['seconds']} s)"


def _pair_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    solv = [r for r in rows if r["solvable"]]
    orig = sum(r["original"]["valid"] for r in solv)
    ren = sum(r["renamed"]["valid"] for r in solv)
    return {"solvable": len(solv), "original_valid": orig, "renamed_valid": ren,
            "ratio": round(ren / orig, 3) if orig else None,
            "original_failures": _count(r["original"]["failure"] for r in solv),
            "renamed_failures": _count(r["renamed"]["failure"] for r in solv),
            "prompt_tokens": {k: statistics.fmean(r[k]["prompt_tokens"] for r in rows)
                              for k in ("original", "renamed")} if rows else {},
            "tokens_valid": {k: _mean([r[k]["tokens"] for r in solv if r[k]["valid"]])
                             for k in ("original", "renamed")}}


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        if i is not None:
            out[i] = out.get(i, 0) + 1
    return out


def _mean(xs: list[float]) -> float | None:
    return round(statistics.fmean(xs), 1) if xs else None


def length_case(name: str, n: int, *, timeout_s: float) -> dict[str, Any]:
    """``n`` larger problems (``benchmarks.llm_length``'s makers)."""
    from benchmarks.llm_length import blocksworld_problem, robotics_problem
    from domains.generated import load_generated
    from verifier.spec import load_spec

    spec = load_spec(ROOT / "specs" / name)
    make = blocksworld_problem if name == "blocksworld" else robotics_problem
    problems = [load_generated(spec.domain_path, make(i)) for i in range(n)]
    return {"spec": spec, "problems": problems, "timeout_s": timeout_s}


def length_summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    solv = [r for r in rows if r["solvable"]]
    return {"spec": name, "rows": rows, "solvable": len(solv),
            "valid": sum(r["valid"] for r in solv),
            "failures": _count(r["failure"] for r in solv)}


def plan_tokens(name: str, n: int, offset: int, *, seed: int, kinds: tuple[str, ...],
                timeout_s: float) -> list[dict[str, Any]]:
    """Would a right plan fit? Tokens of Fast Downward's plan (as the model writes it) for
    each problem of :func:`renamed_case`, original and renamed, against the agent's token
    budget. No model runs (the tokenizer only)."""
    from tokenizers import Tokenizer

    from benchmarks.llm_plan import _train_keys, generated_problems
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.prompts import step_line
    from engine.planner import PlannerAgent
    from engine.symbolic.planning import solve
    from verifier.renaming import fresh_renaming, rename_text
    from verifier.spec import load_spec

    tok = Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    spec = load_spec(ROOT / "specs" / name)
    problems = generated_problems(name, n, _train_keys(DEFAULT_MODEL_DIR), offset=offset)
    renaming = fresh_renaming(spec.domain, problems, seed=seed, kinds=kinds)  # type: ignore
    agent = PlannerAgent(spec, k=1, rounds=1, fallback=False)
    out = []
    for p in problems:
        r = solve(p, policies=spec.policies, access=spec.access, engine="fast-downward",
                  timeout_s=timeout_s, explain=False)
        if not r.solved or r.plan is None:
            continue
        text = "".join(step_line(s.action, s.args) for s in r.plan.steps)
        out.append({"problem": p.name, "steps": len(r.plan.steps),
                    "budget": agent._max_tokens(p),
                    "original": len(tok.encode(text).ids),
                    "renamed": len(tok.encode(rename_text(text, renaming)).ids)})
    return out


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--specs", default=",".join(SPECS))
    ap.add_argument("--n", type=int, default=15, help="problems per spec (renamed set)")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--n-length", type=int, default=10, help="problems per larger set")
    ap.add_argument("--length-sets", default="robotics,blocksworld")
    ap.add_argument("--kinds", default="domain,types,constants,predicates,actions,objects",
                    help="what the renaming replaces (verifier.renaming.KINDS)")
    ap.add_argument("--seed", type=int, default=0, help="the renaming's seed")
    ap.add_argument("--timeout", type=float, default=20.0, help="Fast Downward, per problem")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "build" / "bench" / "renamed")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hint", type=float, default=None,
                    help="the state-aware decoding's hint in nats (default: the agent's; "
                    "0: the model alone)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--plan-tokens", action="store_true",
                    help="only count the tokens of Fast Downward's plans (no model runs)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import TransformersBackend

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {msg}", flush=True)

    t0 = time.time()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if args.plan_tokens:
        counts = {name: plan_tokens(name, args.n, args.offset, seed=args.seed, kinds=kinds,
                                    timeout_s=args.timeout) for name in args.specs.split(",")}
        _save(args.json, {"commit": _commit(), "plan_tokens": counts})
        print(json.dumps(counts))
        return 0
    result: dict[str, Any] = {"commit": _commit(), "started": time.strftime(
        "%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "load_start": os.getloadavg(),
        "threads": args.threads, "hint": args.hint, "renamed": [], "larger": []}
    backend = TransformersBackend(DEFAULT_MODEL_DIR, threads=args.threads)
    renamed = {name: renamed_case(name, args.n, args.offset, args.out_dir, seed=args.seed,
                                  kinds=kinds, timeout_s=args.timeout)
               for name in args.specs.split(",") if name}
    larger = {name: length_case(name, args.n_length, timeout_s=args.timeout)
              for name in args.length_sets.split(",") if name}
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in renamed}
    big: dict[str, list[dict[str, Any]]] = {k: [] for k in larger}
    # one problem of every set in turn: a run cut short still has some of each
    for i in range(max(args.n, args.n_length)):
        for name, case in renamed.items():
            if i < len(case["problems"]):
                row = renamed_pair(case, i, backend, args.hint)
                rows[name].append(row)
                log(f"{name} {case['problems'][i].name}: original "
                    f"{_short(row['original'])}, renamed {_short(row['renamed'])}")
        for name, case in larger.items():
            if i < len(case["problems"]):
                row = {"solvable": _solvable(case["spec"], [case["problems"][i]],
                                             case["timeout_s"])[0],
                       **first_proposal(case["spec"], case["problems"][i], backend,
                                        args.hint)}
                big[name].append(row)
                log(f"{name} (larger) {row['problem']}, {row['objects']} objects: "
                    f"{_short(row)}")
        result["renamed"] = [renamed_summary(c, rows[n], kinds) for n, c in renamed.items()]
        result["larger"] = [length_summary(n, big[n]) for n in larger]
        result["seconds"] = round(time.time() - t0, 1)
        _save(args.json, result)
    result["load_end"] = os.getloadavg()
    result["seconds"] = round(time.time() - t0, 1)
    _save(args.json, result)
    for s in result["renamed"]:
        print(f"{s['spec']}: original {s['original_valid']}/{s['solvable']}, renamed "
              f"{s['renamed_valid']}/{s['solvable']} (ratio {s['ratio']}); failures "
              f"{s['renamed_failures']}")
    for s in result["larger"]:
        print(f"{s['spec']} larger: {s['valid']}/{s['solvable']}; failures {s['failures']}")
    return 0


def _save(path: Path | None, result: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    raise SystemExit(main())
