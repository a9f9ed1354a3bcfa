"""The Planner agent on problems the embedded model never saw, and constrained decoding speed.

For each built-in spec, random problems from its generator with seeds outside the
training range (and whose prompt is not among the training prompts), and the 50
PlanBench Blocksworld instances in ``../shared/data/planbench`` (its own domain file, no
policies). Per set: raw validity (the first proposal, no feedback: the best of a beam
search of width ``--beams``, 16 by default as in the agent; 1 is greedy), validity of
the first round's ``k`` candidates, validity after verifier feedback (LLM within the
rounds), the share solved by the symbolic fallback, final validity, mean rounds, tokens
and seconds per plan, unparseable proposals over all proposals, proposals cut by the
token budget (their whole steps are verified) and prompts past the model's context.
``--modes`` chooses the decodings (``engine/llm/stateaware.py``): ``grammar`` (the plan
grammar only), ``applicable`` (each step applicable where it is taken), ``state-aware``
(the Planner's default: also an allowed agent, no policy broken beyond repair, the plan
ends only where the goal and every owed rule hold) and ``guided`` (one step at a time
from the simulated state), each labelled as such; accepted model plans are compared in length
with Fast Downward's plan
for the same problem. Then decoding speed: tokens per second with and without the
grammar, same model, same prompts, same run.

    python -m benchmarks.llm_plan [--quick] [--n 40] [--k 4] [--rounds 3] [--json FILE]
                                  [--modes grammar,applicable,state-aware,guided]
                                  [--beams 1,16] [--offset 40] [--decoding-only]
                                  [--threads 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL_SEED_BASE = 7_000_000_000  # generator seeds for evaluation; training uses seeds < 1e9
PUBLISHED = {"gpt-4 alone": 0.34, "gpt-4 + verifier feedback (15 rounds)": 0.82}


def data_dir() -> Path | None:
    path = Path(os.environ.get("PLANSAFE_DATA", ROOT.parent / "shared" / "data"))
    return path if path.is_dir() else None


def _train_keys(model_dir: Path) -> set[str]:
    path = model_dir / "train_keys.json"
    return set(json.loads(path.read_text())) if path.is_file() else set()


def generated_problems(spec_name: str, n: int, train_keys: set[str], offset: int = 0
                       ) -> list[Any]:
    """``n`` unseen problems, after skipping the first ``offset`` (``--offset 40``: a
    second set, for checking choices made on the first)."""
    from domains.generated import load_generated
    from engine.llm.dataset import SPECS_DIR, generator_module
    from engine.llm.prompts import problem_prompt

    mod = generator_module(spec_name)
    domain_path = SPECS_DIR / spec_name / "domain.pddl"
    out, i, seen = [], 0, set()
    while len(out) < n + offset and i < (n + offset) * 20:
        rng = random.Random(EVAL_SEED_BASE + 1000 * len(spec_name) + i)
        i += 1
        problem = load_generated(domain_path, mod.random_problem(rng, name=f"eval{i}"))
        key = hashlib.sha1(problem_prompt(problem).encode()).hexdigest()[:16]
        if key in train_keys or key in seen:
            continue
        seen.add(key)
        out.append(problem)
    return out[offset:]


def planbench_problems(limit: int | None) -> tuple[Any, list[Any]]:
    from verifier.pddl import read_problem
    from verifier.spec import load_spec

    root = data_dir()
    if root is None or not (root / "planbench" / "instances").is_dir():
        return None, []
    pb = root / "planbench"
    spec = load_spec(pb / "domain.pddl")
    files = sorted((pb / "instances").glob("instance-*.pddl"),
                   key=lambda p: int(p.stem.split("-")[1]))
    return spec, [read_problem(pb / "domain.pddl", f) for f in files[:limit]]


def reference_lengths(spec: Any, problems: list[Any], timeout_s: float) -> list[int | None]:
    """Steps of Fast Downward's plan (lama-first, policies compiled in) for each problem."""
    from engine.symbolic.planning import solve

    out: list[int | None] = []
    for p in problems:
        r = solve(p, policies=spec.policies, access=spec.access, engine="fast-downward",
                  timeout_s=timeout_s, explain=False)
        out.append(len(r.plan.steps) if r.solved and r.plan is not None else None)
    return out


MODES = ("grammar", "applicable", "state-aware", "guided")


def run_set(spec: Any, problems: list[Any], backend: Any, *, k: int, rounds: int,
            decoding: str = "grammar", timeout_s: float,
            reference: list[int | None] | None = None, beams: int | None = None,
            resume: bool = True, hint: float | None = None) -> dict[str, Any]:
    from engine.planner import PlannerAgent
    from verifier.validate import Checker

    agent = PlannerAgent(spec, backend=backend, k=k, rounds=rounds, fallback=True,
                         decoding=decoding, timeout_s=timeout_s, beams=beams, resume=resume,
                         hint=hint)
    rows = []
    for j, problem in enumerate(problems):
        plan, verdict = agent.plan(problem)
        rep = agent.last
        if plan is not None:  # fail closed, checked again here
            assert Checker(problem, policies=spec.policies, access=spec.access).check(plan).valid
        rows.append({
            "problem": problem.name, "objects": len(problem.objects),
            "first_valid": rep.first_proposal_valid,
            "round1_valid": bool(rep.rounds and rep.rounds[0].valid),
            "llm_valid": rep.source in ("llm", "llm-repaired"),
            "fallback": rep.source == "symbolic", "final_valid": plan is not None,
            "unsolvable": rep.fallback_status in ("unsolvable-proven", "unsolvable-incompletely"),
            "rounds": len(rep.rounds), "tokens": rep.tokens,
            "llm_seconds": sum(r.seconds for r in rep.rounds), "seconds": rep.seconds,
            "proposals": rep.proposals, "unparseable": rep.unparseable,
            "truncated": rep.truncated, "context_overflow": rep.context_overflow,
            "steps": len(plan.steps) if plan else None,
            "reference_steps": reference[j] if reference else None,
            "walks": list(rep.walks),
        })
    solvable = [r for r in rows if not r["unsolvable"]] or rows

    def share(key: str) -> float:
        return sum(r[key] for r in solvable) / max(1, len(solvable))

    return {
        "problems": len(rows), "solvable": len(solvable),
        "raw_validity": share("first_valid"), "round1_validity": share("round1_valid"),
        "after_feedback_validity": share("llm_valid"), "fallback_share": share("fallback"),
        "final_validity": share("final_valid"),
        "mean_rounds": statistics.fmean(r["rounds"] for r in rows) if rows else 0.0,
        "tokens_per_plan": statistics.fmean(r["tokens"] for r in rows) if rows else 0.0,
        "llm_seconds_per_plan": statistics.fmean(r["llm_seconds"] for r in rows) if rows else 0,
        "seconds_per_plan": statistics.fmean(r["seconds"] for r in rows) if rows else 0.0,
        "proposals": sum(r["proposals"] for r in rows),
        "unparseable": sum(r["unparseable"] for r in rows),
        "truncated": sum(r["truncated"] for r in rows),
        "context_overflow": sum(r["context_overflow"] for r in rows),
        # model plans accepted, in steps, over Fast Downward's plan for the same problem
        "llm_length_ratio": _length_ratio(rows),
        "walks": {s: sum(w == s for r in rows for w in r["walks"])
                  for s in ("valid", "dead-end", "step-limit")} if decoding == "guided" else None,
        "rows": rows,
    }


def _length_ratio(rows: list[dict[str, Any]]) -> float | None:
    pairs = [(r["steps"], r["reference_steps"]) for r in rows
             if r["llm_valid"] and r["steps"] is not None and r["reference_steps"]]
    if not pairs:
        return None
    return sum(a for a, _ in pairs) / sum(b for _, b in pairs)


def decoding_speed(backend: Any, cases: list[tuple[Any, Any]], *, max_new_tokens: int = 96,
                   repeats: int = 5, k: int = 1, rules: str | None = None,
                   fresh: bool = False, beams: int = 1) -> dict[str, Any]:
    """Tokens per second with and without the plan grammar: same model, prompts and lengths.

    Every run makes exactly ``max_new_tokens`` tokens per row (EOS held back by
    ``min_new_tokens``; the plan grammar never forces an end), so both modes do the same
    forward passes and the difference is the grammar's cost. ``k`` as in the planner: one
    greedy row, then ``k - 1`` sampled rows in one batch. The modes alternate, which one
    goes first alternates too, and each case is timed ``repeats`` times; the overhead
    is the median over cases and repeats of 1 - constrained / unconstrained tokens/s.
    With ``rules`` (``applicable`` or ``state-aware``) the constrained rows also run that
    state-aware constraint (a grammar per node reached, compiled when first reached:
    inside the timing); the
    backend keeps one state-aware processor per problem, as across the planner's
    candidates and rounds, unless ``fresh`` (a new one every call: a problem's first call).
    ``beams`` > 1 times a beam search of that width instead (``k`` must be 1): tokens are
    those of the answer, the work that of every beam, alike in both modes.
    """
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from verifier.validate import Checker

    prompts = [(problem_prompt(p), plan_grammar(spec.domain, p.objects),
                _rules_source(Checker(p, policies=spec.policies, access=spec.access), rules))
               for spec, p in cases]
    for prompt, grammar, _ in prompts:  # warm up: compile each grammar once, outside the timing
        backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=4)
    kept = getattr(backend, "state_cache_size", None)
    if rules and kept is not None:
        backend.state_cache_size = max(kept, len(prompts))
    runs: dict[str, list[tuple[int, float]]] = {"unconstrained": [], "constrained": []}
    ratios: list[float] = []
    dead_ends = 0
    for rep in range(repeats):
        for prompt, grammar, task in prompts:
            tps = _time_pair(backend, prompt, grammar, task, constrained_first=rep % 2 == 1,
                             k=k, max_new_tokens=max_new_tokens, fresh=fresh, beams=beams)
            if tps is None:
                dead_ends += 1
            else:
                for mode, run in tps.items():
                    runs[mode].append(run)
                ratios.append((tps["constrained"][0] / tps["constrained"][1])
                              / (tps["unconstrained"][0] / tps["unconstrained"][1]))
    med = {m: statistics.median(n / dt for n, dt in v) for m, v in runs.items()}
    tokens = {m: sum(n for n, _ in v) for m, v in runs.items()}
    return {"tokens_per_s": med, "tokens": tokens, "runs": len(ratios), "k": k,
            "max_new_tokens": max_new_tokens, "equal_lengths": [n for n, _ in runs[
                "constrained"]] == [n for n, _ in runs["unconstrained"]],
            "overhead": 1 - statistics.median(ratios),
            "overhead_total": 1 - (tokens["constrained"] / sum(dt for _, dt in runs[
                "constrained"])) / (tokens["unconstrained"] / sum(dt for _, dt in runs[
                    "unconstrained"])),
            "device": getattr(backend, "device", "?"), "rules": rules,
            "fresh": fresh, "dead_ends_left_out": dead_ends, "beams": beams}


def _time_pair(backend: Any, prompt: str, grammar: Any, task: Any, *, constrained_first: bool,
               k: int, max_new_tokens: int, fresh: bool, beams: int
               ) -> dict[str, tuple[int, float]] | None:
    """One prompt without and with the grammar (``constrained_first``: in the other order):
    (tokens, seconds) by mode, or None when a row reached a dead end."""
    modes = [("unconstrained", None), ("constrained", grammar)]
    tps: dict[str, tuple[int, float]] = {}
    for mode, g in (modes[::-1] if constrained_first else modes):
        if fresh and g is not None:
            backend._state_processors = []
        t0 = time.perf_counter()
        try:
            gens = backend.generate(prompt, grammar=g, k=k, max_new_tokens=max_new_tokens,
                                    min_new_tokens=max_new_tokens,
                                    state=task if g is not None else None, beams=beams)
        except RuntimeError:
            # a sampled state-aware row reached a state where nothing applies: only
            # EOS is allowed there and min_new_tokens bans it; the pair is left out
            return None
        dt = time.perf_counter() - t0
        tps[mode] = (sum(x.tokens for x in gens), dt)
    return tps


def _rules_source(checker: Any, rules: str | None) -> Any:
    """What the backend's ``state=`` takes for each decoding (see the Planner agent)."""
    return checker if rules == "state-aware" else checker.task if rules == "applicable" \
        else None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 problems per spec, 20 PlanBench")
    ap.add_argument("--n", type=int, default=40, help="generated problems per built-in spec")
    ap.add_argument("--offset", type=int, default=0, help="skip the first N generated "
                    "problems per spec (40: the held-out set the beam width was checked on)")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", type=Path, default=None, help="checkpoint folder")
    ap.add_argument("--state-aware", action="store_true", help="also run with the "
                    "state-aware constraint (the Planner's default)")
    ap.add_argument("--guided", action="store_true", help="also run with guided decoding "
                    "(engine/llm/guided.py: one step at a time from the simulated state)")
    ap.add_argument("--modes", default=None, help="comma-separated modes to run instead "
                    "(grammar, applicable, state-aware, guided)")
    ap.add_argument("--beams", default=None, help="comma-separated beam widths of the first "
                    "proposal, each run as its own mode (1: greedy; default: the agent's, 16)")
    ap.add_argument("--no-resume", action="store_true", help="feedback rounds start from "
                    "the initial state with the explanation in the prompt, not from where "
                    "the best rejected plan came closest to the goal")
    ap.add_argument("--specs", default="blocksworld,devops,documents,robotics")
    ap.add_argument("--planbench", type=int, default=None, help="first N PlanBench instances")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hint", type=float, default=None, help="the state-aware decoding's "
                    "hint in nats (default: the agent's; 0: the model alone)")
    ap.add_argument("--decoding-only", action="store_true", help="only the decoding speed "
                    "(three problems of each set)")
    ap.add_argument("--no-decoding", action="store_true", help="skip the decoding speed "
                    "(run it apart, on an idle machine, with --decoding-only)")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "llm_plan.json")
    return ap


def _beam_widths(text: str | None, default: int) -> list[int]:
    """``--beams``' widths (``[default]`` without it; ``[0]``, refused, when not numbers)."""
    try:
        return [int(b) for b in text.split(",")] if text is not None else [default]
    except ValueError:
        return [0]


def _planbench_sets(limit: int | None, offset: int, keys: set[str]
                    ) -> tuple[list[tuple[str, Any, list[Any]]], int]:
    """PlanBench's problem sets (all, and without those the model was trained on when there are
    such) and how many were in training; none with an ``offset`` (it has no next instances)."""
    pb_spec, pb_problems = planbench_problems(limit) if not offset else (None, [])
    if pb_spec is None or not pb_problems:  # (--planbench 0: none)
        print("PlanBench left out (no next instances after --offset)" if offset else
              "PlanBench left out (--planbench 0)" if pb_spec is not None else
              "PlanBench not found (../shared/data/planbench): skipped", file=sys.stderr)
        return [], 0
    from engine.llm.prompts import problem_prompt

    seen = [p for p in pb_problems
            if hashlib.sha1(problem_prompt(p).encode()).hexdigest()[:16] in keys]
    clean = [p for p in pb_problems if p not in seen]
    sets: list[tuple[str, Any, list[Any]]] = [("planbench-blocksworld", pb_spec, pb_problems)]
    if seen:  # instances whose prompt the model was trained on (by chance), left out
        sets.append(("planbench-unseen", pb_spec, clean))
    return sets, len(seen)


def _decoding_results(backend: Any, cases: list[tuple[Any, Any]], widths: list[int],
                      modes: list[str]) -> dict[str, Any]:
    """The decoding speeds measured: k=1 and k=4, each beam width over 1, and the state-aware
    constraints of the modes run (kept processor, and a problem's first call)."""
    results: dict[str, Any] = {"decoding": decoding_speed(backend, cases),
                               "decoding_k4": decoding_speed(backend, cases, k=4, repeats=3)}
    for b in sorted({b for b in widths if b > 1}):
        results[f"decoding_beams{b}"] = decoding_speed(backend, cases, beams=b)
        if "state-aware" in modes:  # kept processor, and a problem's first call
            for fresh in (False, True):
                results[f"decoding_beams{b}_state_aware" + ("_fresh" if fresh else "")] = \
                    decoding_speed(backend, cases, beams=b, rules="state-aware", fresh=fresh)
    for rules in ("applicable", "state-aware"):
        if rules not in modes:
            continue
        for fresh in (False, True):
            tag = f"_{rules.replace('-', '_')}" + ("_fresh" if fresh else "")
            results[f"decoding{tag}"] = decoding_speed(backend, cases, rules=rules, fresh=fresh)
            results[f"decoding_k4{tag}"] = decoding_speed(backend, cases, k=4, repeats=3,
                                                          rules=rules, fresh=fresh)
    return results


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TORCH_COMPILE_DISABLE", "1")
    args = _parser().parse_args(argv)
    from engine.planner import DEFAULT_BEAMS

    widths = _beam_widths(args.beams, DEFAULT_BEAMS)
    if not widths or min(widths) < 1:
        print(f"llm_plan: --beams takes widths of at least 1, not {args.beams!r}",
              file=sys.stderr)
        return 2
    if args.offset < 0:
        print(f"llm_plan: --offset takes a number of problems to skip, not {args.offset}",
              file=sys.stderr)
        return 2
    import torch

    torch.manual_seed(0)
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import TransformersBackend
    from verifier.spec import load_spec

    model_dir = args.model or DEFAULT_MODEL_DIR
    n = 8 if args.quick else args.n
    pb_limit = args.planbench if args.planbench is not None else (20 if args.quick else None)
    t0 = time.perf_counter()
    backend = TransformersBackend(model_dir, threads=args.threads)
    load_s = time.perf_counter() - t0
    keys = _train_keys(model_dir)
    sets: list[tuple[str, Any, list[Any]]] = []
    for name in args.specs.split(","):
        spec = load_spec(ROOT / "specs" / name)
        sets.append((name, spec, generated_problems(name, n, keys, args.offset)))
    # PlanBench has its 50 instances and no next ones: with --offset it is left out
    pb_sets, results_overlap = _planbench_sets(pb_limit, args.offset, keys)
    sets += pb_sets
    results: dict[str, Any] = {"model": str(model_dir), "load_seconds": load_s, "k": args.k,
                               "offset": args.offset,
                               "rounds": args.rounds, "published_planbench": PUBLISHED,
                               "planbench_in_training": results_overlap,
                               "sets": {}}
    if args.modes:
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        bad = [m for m in modes if m not in MODES]
        if bad:
            print(f"llm_plan: unknown mode {bad[0]!r} (use {', '.join(MODES)})", file=sys.stderr)
            return 2
    else:
        modes = ["grammar"] + (["state-aware"] if args.state_aware else []) + \
            (["guided"] if args.guided else [])
    if not args.decoding_only:
        runs = [(mode, b, _label(mode, b, DEFAULT_BEAMS))
                for mode in modes for b in (widths if mode != "guided" else [1])]
        _run_sets(args, backend, sets, runs, results)
    if not args.no_decoding:
        cases = [(spec, p) for _, spec, ps in sets for p in ps[:3]]
        results.update(_decoding_results(backend, cases, widths, modes))
    print_table(results)
    _write(args.json, results)
    print(f"\nwritten: {args.json}")
    return 0


def _run_sets(args: argparse.Namespace, backend: Any, sets: list[tuple[str, Any, list[Any]]],
              runs: list[tuple[str, int, str]], results: dict[str, Any]) -> None:
    """Each (mode, beam width) on each problem set, into ``results["sets"]``, written to
    ``args.json`` after every set (a stopped run keeps what it measured)."""
    refs = {name: reference_lengths(spec, problems, args.timeout)
            for name, spec, problems in sets}
    for mode, beams, label in runs:
        for name, spec, problems in sets:
            t = time.perf_counter()
            r = run_set(spec, problems, backend, k=args.k, rounds=args.rounds,
                        decoding=mode, timeout_s=args.timeout, reference=refs[name],
                        beams=beams, resume=not args.no_resume, hint=args.hint)
            r["resume"] = not args.no_resume
            r["hint"] = args.hint
            r["wall_seconds"] = time.perf_counter() - t
            r["beams"] = beams
            results["sets"][f"{name} [{label}]"] = r
            print(f"{name} [{label}]: raw {r['raw_validity']:.0%}, final "
                  f"{r['final_validity']:.0%} ({r['wall_seconds']:.0f} s)", file=sys.stderr)
            _write(args.json, results)  # after every set: a stopped run keeps what it measured


def _label(mode: str, beams: int, default: int) -> str:
    """A run's label: the mode, with the beam width when it is not the agent's default."""
    return mode if beams == default else f"{mode}, " + ("greedy" if beams == 1
                                                         else f"beams {beams}")


def _write(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(path)


def print_table(results: dict[str, Any]) -> None:
    head = ("set", "n", "raw", "round1", "feedback", "fallback", "final", "rounds", "tokens",
            "s/plan", "unparseable", "truncated", "overflow", "length/FD", "walks")
    print(" | ".join(head))
    for name, r in results["sets"].items():
        print(" | ".join([
            name, str(r["solvable"]), f"{r['raw_validity']:.0%}", f"{r['round1_validity']:.0%}",
            f"{r['after_feedback_validity']:.0%}", f"{r['fallback_share']:.0%}",
            f"{r['final_validity']:.0%}", f"{r['mean_rounds']:.2f}",
            f"{r['tokens_per_plan']:.0f}", f"{r['seconds_per_plan']:.2f}",
            f"{r['unparseable']}/{r['proposals']}", str(r.get("truncated", 0)),
            str(r.get("context_overflow", 0)),
            f"{r['llm_length_ratio']:.2f}" if r.get("llm_length_ratio") else "-",
            " ".join(f"{k} {v}" for k, v in (r.get("walks") or {}).items()) or "-"]))
    print()
    for key, d in results.items():
        if not key.startswith("decoding") or not isinstance(d, dict):
            continue
        kind = ((d.get("rules") or "grammar") + (", fresh processor" if d.get("fresh") else "")
                + (f", beams {d['beams']}" if d.get("beams", 1) > 1 else ""))
        print(f"decoding [{kind}] ({d['device']}, k={d['k']}, {d['runs']} paired runs of "
              f"{d['max_new_tokens']} tokens, equal lengths {d['equal_lengths']}): median "
              f"unconstrained {d['tokens_per_s']['unconstrained']:.0f} tok/s, constrained "
              f"{d['tokens_per_s']['constrained']:.0f} tok/s, overhead {d['overhead']:.1%} "
              f"(median of pairs; {d['overhead_total']:.1%} over all tokens)")
    print(f"PlanBench instances whose prompt was among the training prompts: "
          f"{results['planbench_in_training']}")
    print("published PlanBench Blocksworld: GPT-4 alone 34% valid; with 15 rounds of verifier "
          "feedback 82%")


if __name__ == "__main__":
    raise SystemExit(main())
