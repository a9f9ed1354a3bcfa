"""Training data for the embedded model, made by the symbolic planner on random problems.

Records (one JSON object a line) hold a problem of a built-in spec as sorted atom
strings and the teacher plan that :func:`engine.symbolic.planning.solve` found (policies and
access rules compiled in), shortened by greedy action elimination and verified again.
From records come three kinds of examples: problem -> plan, problem + rejected plan +
verifier explanation -> plan, and plain-language goal -> formal goal (with ``(unknown)``
for texts that cannot be mapped): :mod:`engine.llm.examples`; mid-plan and recovery records:
:mod:`engine.llm.detours`. Nothing here reads ``../shared/data``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.llm.prompts import atom_text, plan_prompt
from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from domains.base import DomainPack, ProblemGenerator
    from domains.generated import GeneratedProblem

__all__ = ["BUILTIN_SPECS", "SPECS_DIR", "Example", "generate_records", "build_dataset",
           "record_key", "explain", "generator_module"]

SPECS_DIR = Path(__file__).resolve().parents[2] / "specs"
BUILTIN_SPECS = ("blocksworld", "devops", "documents", "robotics")


@dataclass(frozen=True, slots=True)
class Example:
    prompt: str
    completion: str
    task: str  # "plan" | "repair" | "goal"
    #: plan steps the model is shown as already written (a detour), not trained on
    prefix: str = ""


def _pack(spec_name: str) -> DomainPack:
    """The domain pack of a built-in spec (its generator and phrasing make the data)."""
    from engine.packs import DOMAIN_PACKS

    return DOMAIN_PACKS.get(spec_name)


def _generator(spec_name: str) -> ProblemGenerator:
    gen = _pack(spec_name).random_problem
    if gen is None:
        raise PlansafeError(f"domain pack '{spec_name}' has no problem generator")
    return gen


def _generate(spec_name: str, rng: random.Random, **kw: Any) -> GeneratedProblem:
    return _generator(spec_name)(rng, **kw)


def generator_module(spec_name: str) -> Any:
    """The module of a pack's problem generator (its ``PHRASING``, ``ALIASES``...)."""
    return importlib.import_module(_generator(spec_name).__module__)


def record_key(objects: Sequence[str], init: Sequence[str], goal: Sequence[str]) -> str:
    """A content hash of a problem (to keep evaluation problems out of training)."""
    text = plan_prompt(objects, init, goal)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def explain(verdict: Any, *, limit: int = 2) -> list[str]:
    """The verifier's explanation in the compact form the model reads: kind, rule, step, atoms."""
    out = []
    for v in verdict.violations[:limit]:
        parts = [v.kind]
        if v.rule and v.rule != "access":
            parts.append(v.rule)
        if v.step:
            parts.append(v.step)
        parts += [atom_text(a) for a in v.atoms[:3]]
        out.append(" ".join(parts))
    return out


def _shorten(checker: Any, plan: Any) -> Any:
    """Greedy action elimination: drop each step whose removal keeps the plan valid."""
    steps = list(plan.steps)
    i = len(steps) - 1
    while i >= 0:
        trial = steps[:i] + steps[i + 1:]
        if checker.check(replace(plan, steps=tuple(trial))).valid:
            steps = trial
        i -= 1
    return replace(plan, steps=tuple(steps))


_SPECS: dict[str, Any] = {}


def _spec(spec_name: str) -> Any:
    if spec_name not in _SPECS:
        from verifier.spec import load_spec

        _SPECS[spec_name] = load_spec(SPECS_DIR / spec_name)
    return _SPECS[spec_name]


def _one(spec_name: str, seed: int, timeout_s: float) -> dict[str, Any] | None:
    from domains.generated import load_generated
    from engine.symbolic.planning import solve
    from verifier.validate import Checker

    spec = _spec(spec_name)
    rng = random.Random(seed)
    gp = _generate(spec_name, rng, name=f"g{seed}")
    problem = load_generated(spec.domain_path, gp)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    # Planning without the policies is several times faster; keep such a plan only when the
    # verifier accepts it under every policy, else plan again with the policies compiled in.
    # pyperplan runs in-process (no translator start-up) but has no negative preconditions.
    engine = "fast-downward" if _negative_preconditions(spec.domain) else "pyperplan"
    result = solve(problem, policies=(), access=spec.access, engine=engine,
                   timeout_s=timeout_s, explain=False)
    if not (result.solved and result.plan is not None and checker.check(result.plan).valid):
        result = solve(problem, policies=spec.policies, access=spec.access,
                       engine="fast-downward", timeout_s=timeout_s, explain=False)
    if not result.solved or result.plan is None:
        return None
    plan = _shorten(checker, result.plan)
    if not checker.check(plan).valid:
        return None
    return {"spec": spec_name, "seed": seed, "objects": sorted(problem.objects),
            "types": {o: t for o, t in problem.objects.items()},
            "init": sorted(atom_text(a) for a in problem.init),
            "goal": [atom_text(a) for a in gp.goal],
            "plan": [s.call for s in plan.steps]}


def _negative_preconditions(domain: Any) -> bool:
    from verifier.model import Not

    def has_not(f: Any) -> bool:
        if isinstance(f, Not):
            return True
        return any(has_not(x) for x in getattr(f, "args", ()) if not isinstance(x, str)) or \
            has_not(getattr(f, "body", None)) if f is not None else False

    return any(has_not(a.precondition) for a in domain.actions.values())


def _worker(args: tuple[str, list[int], float]) -> list[dict[str, Any]]:
    spec_name, seeds, timeout_s = args
    os.chdir(os.environ.get("TMPDIR", "/tmp"))  # Fast Downward writes output.sas to the cwd
    out = []
    for s in seeds:
        try:
            r = _one(spec_name, s, timeout_s)
        except Exception:  # a generator bug must not stop the whole run
            r = None
        if r is not None:
            out.append(r)
    return out


def generate_records(spec_name: str, n: int, *, seed: int = 0, workers: int = 2,
                     timeout_s: float = 8.0, sink: Path | None = None) -> list[dict[str, Any]]:
    """Up to ``n`` solved random problems of a built-in spec (unsolvable ones are skipped).

    With ``sink``, records are appended to that JSONL file as chunks finish, and seeds
    already there are not solved again (an interrupted run resumes).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    base = seed * 1_000_003 + BUILTIN_SPECS.index(spec_name) * 100_000_007
    done: dict[int, dict[str, Any] | None] = {}
    if sink is not None and sink.exists():
        for line in sink.read_text().splitlines():
            if line:
                r = json.loads(line)
                done[r["seed"]] = r if r.get("plan") is not None else None
    seeds = [base + i for i in range(n) if base + i not in done]
    step = 20
    chunks = [(spec_name, seeds[i:i + step], timeout_s) for i in range(0, len(seeds), step)]

    def keep(part: list[dict[str, Any]], chunk_seeds: list[int]) -> None:
        got = {r["seed"] for r in part}
        for r in part:
            done[r["seed"]] = r
        missing = [{"seed": s_, "plan": None} for s_ in chunk_seeds if s_ not in got]
        for s_ in chunk_seeds:
            done.setdefault(s_, None)
        if sink is not None:
            with sink.open("a") as f:
                f.write("".join(json.dumps(r) + "\n" for r in part + missing))

    if workers <= 1:
        for c in chunks:
            keep(_worker(c), c[1])
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as ex:
            futures = {ex.submit(_worker, c): c for c in chunks}
            for fut in as_completed(futures):
                keep(fut.result(), futures[fut][1])
    kept = [done[s] for s in sorted(done) if base <= s < base + n]
    return [r for r in kept if r is not None]


def build_dataset(folder: Path, counts: dict[str, int], *, seed: int = 0, workers: int = 2,
                  log: Any = print) -> dict[str, list[dict[str, Any]]]:
    """Records per spec, cached (and resumable) as ``folder/<spec>-<seed>.jsonl``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for spec_name, n in counts.items():
        path = folder / f"{spec_name}-{seed}.jsonl"
        recs = generate_records(spec_name, n, seed=seed, workers=workers, sink=path)
        log(f"{spec_name}: {len(recs)} solved problems of {n} ({path})")
        out[spec_name] = recs
    return out


# --- record helpers (shared by engine/llm/examples.py and engine/llm/detours.py) ------------


_CONSTANTS: dict[str, frozenset[str]] = {}



def _constants(spec_name: str) -> frozenset[str]:
    if spec_name not in _CONSTANTS:
        from verifier.spec import load_spec

        _CONSTANTS[spec_name] = frozenset(load_spec(SPECS_DIR / spec_name).domain.constants)
    return _CONSTANTS[spec_name]



def _plan_text(calls: Sequence[str]) -> str:
    return "".join(c + "\n" for c in calls)



def _problem_of(rec: dict[str, Any], domain: Any) -> Any:
    """A record as a :class:`Problem` for the checker (no PDDL round trip: fast)."""
    from verifier.model import And, Atom, Problem

    goal = And(tuple(Atom(w[0], tuple(w[1:])) for w in
                     (a.strip("()").split() for a in rec["goal"])))
    init = frozenset(tuple(a.strip("()").split()) for a in rec["init"])
    return Problem(f"rec{rec.get('seed', 0)}", domain, dict(rec["types"]), init, goal)

