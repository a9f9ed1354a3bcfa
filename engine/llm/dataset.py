"""Training data for the embedded model, made by the symbolic planner on random problems.

Records (one JSON object a line) hold a problem of a built-in spec as sorted atom
strings and the teacher plan that :func:`engine.symbolic.planning.solve` found (policies and
access rules compiled in), shortened by greedy action elimination and verified again.
From records come three kinds of examples: problem -> plan, problem + rejected plan +
verifier explanation -> plan, and plain-language goal -> formal goal (with ``(unknown)``
for texts that cannot be mapped). Nothing here reads ``../shared/data``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from engine.llm.prompts import UNKNOWN_GOAL, atom_text, feedback_prompt, goal_prompt, plan_prompt
from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from domains.base import DomainPack, ProblemGenerator
    from domains.generated import GeneratedProblem

__all__ = ["BUILTIN_SPECS", "SPECS_DIR", "Example", "generate_records", "build_dataset",
           "examples_from", "suffix_records", "detour_records", "generate_detours", "record_key",
           "explain", "generator_module", "name_pool"]

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


# --- examples -----------------------------------------------------------------------------


def _rename(rng: random.Random, rec: dict[str, Any]) -> dict[str, Any]:
    """An isomorphic copy: objects of each type permuted (constants untouched)."""
    from verifier.sexpr import SList, Sym, read_sexprs

    types: dict[str, str] = rec["types"]
    consts = _constants(rec["spec"])
    groups: dict[str, list[str]] = {}
    for o, t in types.items():
        if o not in consts:
            groups.setdefault(t, []).append(o)
    mapping: dict[str, str] = {}
    for names in groups.values():
        shuffled = names[:]
        rng.shuffle(shuffled)
        mapping.update(zip(names, shuffled, strict=True))

    def sub(atoms: list[str]) -> list[str]:
        res = []
        for a in atoms:
            words = a.strip("()").split()
            res.append("(" + " ".join([words[0]] + [mapping.get(w, w) for w in words[1:]]) + ")")
        return res

    del SList, Sym, read_sexprs
    return {**rec, "objects": sorted(mapping.get(o, o) for o in rec["objects"]),
            "types": {mapping.get(o, o): t for o, t in types.items()},
            "init": sorted(sub(rec["init"])), "goal": sub(rec["goal"]), "plan": sub(rec["plan"]),
            **({"prefix": sub(rec["prefix"])} if "prefix" in rec else {})}


_CONSTANTS: dict[str, frozenset[str]] = {}


def _constants(spec_name: str) -> frozenset[str]:
    if spec_name not in _CONSTANTS:
        from verifier.spec import load_spec

        _CONSTANTS[spec_name] = frozenset(load_spec(SPECS_DIR / spec_name).domain.constants)
    return _CONSTANTS[spec_name]


def _plan_text(calls: Sequence[str]) -> str:
    return "".join(c + "\n" for c in calls)


def _mutate(rng: random.Random, rec: dict[str, Any]) -> list[str] | None:
    plan = list(rec["plan"])
    if not plan:
        return None
    kind = rng.random()
    if kind < 0.3 and len(plan) > 1:
        return plan[:rng.randrange(1, len(plan))]  # stops too early
    if kind < 0.55 and len(plan) > 1:
        i = rng.randrange(len(plan))
        return plan[:i] + plan[i + 1:]  # a step left out
    if kind < 0.8 and len(plan) > 1:
        i = rng.randrange(len(plan) - 1)
        plan[i], plan[i + 1] = plan[i + 1], plan[i]  # two steps swapped
        return plan
    i = rng.randrange(len(plan))  # a wrong argument of the same type
    words = plan[i].strip("()").split()
    if len(words) < 2:
        return None
    j = rng.randrange(1, len(words))
    same = [o for o, t in rec["types"].items() if t == rec["types"].get(words[j]) and o != words[j]]
    if not same:
        return None
    words[j] = rng.choice(same)
    plan[i] = "(" + " ".join(words) + ")"
    return plan


def _repair_examples(rng: random.Random, recs: list[dict[str, Any]], n: int) -> Iterator[Example]:
    """(problem, rejected plan, explanation) -> teacher plan, explanations from the verifier."""
    from verifier.plan_io import parse_plan
    from verifier.spec import load_spec
    from verifier.validate import Checker

    specs = {}
    made = 0
    for rec in rng.sample(recs, min(len(recs), n * 2)):
        if made >= n:
            break
        bad = _mutate(rng, rec)
        if bad is None:
            continue
        name = rec["spec"]
        if name not in specs:
            specs[name] = load_spec(SPECS_DIR / name)
        spec = specs[name]
        problem = _problem_of(rec, spec.domain)
        verdict = Checker(problem, policies=spec.policies, access=spec.access).check(
            parse_plan(_plan_text(bad)))
        if verdict.valid:
            continue
        base = plan_prompt(rec["objects"], rec["init"], rec["goal"])
        yield Example(feedback_prompt(base, _plan_text(bad), explain(verdict)),
                      _plan_text(rec["plan"]), "repair")
        made += 1


def _problem_of(rec: dict[str, Any], domain: Any) -> Any:
    """A record as a :class:`Problem` for the checker (no PDDL round trip: fast)."""
    from verifier.model import And, Atom, Problem

    goal = And(tuple(Atom(w[0], tuple(w[1:])) for w in
                     (a.strip("()").split() for a in rec["goal"])))
    init = frozenset(tuple(a.strip("()").split()) for a in rec["init"])
    return Problem(f"rec{rec.get('seed', 0)}", domain, dict(rec["types"]), init, goal)


def _goal_examples(rng: random.Random, rec: dict[str, Any], k: int) -> Iterator[Example]:
    """Plain goal -> formal goal. Objects are renamed from the spec's whole name pool (scenario
    problems have invoices and items that small training problems lack) and the prompt lists
    only the objects the text names, as :func:`engine.goals.translate_goal` does."""
    from domains.generated import phrase_goal

    pack = _pack(rec["spec"])
    for _ in range(k):
        mapping = _pool_renaming(rng, rec)
        objs = [mapping.get(o, o) for o in rec["objects"]]
        goal = [tuple(mapping.get(w, w) for w in a.strip("()").split()) for a in rec["goal"]]
        sub = goal if len(goal) <= 3 or rng.random() < 0.3 else rng.sample(goal, rng.randint(1, 3))
        text = phrase_goal(rng, sub, pack.phrasing or {}, pack.aliases, openers=pack.openers)
        if text is None:
            continue
        yield Example(goal_prompt(rec["spec"], _named(rec["spec"], objs, text), text),
                      " ".join(atom_text(a) for a in sub), "goal")
    for _ in range(max(1, k // 2)):  # refusals keep their share of the goal examples
        if rng.random() < 0.5:
            continue
        # a text naming an object this problem lacks, or about another domain: (unknown)
        objs = rec["objects"]
        goal = [tuple(a.strip("()").split()) for a in rec["goal"]]
        other = rng.choice(BUILTIN_SPECS)
        opack = _pack(other)
        if other == rec["spec"]:
            fake = _absent_object(rng, rec, opack)
            if fake is None:
                continue
            atom = rng.choice(goal)
            swapped = tuple(fake if w == atom[1] else w for w in atom)
            text = phrase_goal(rng, [swapped], opack.phrasing or {}, opack.aliases,
                               openers=opack.openers)
        else:
            orec = _generate(other, rng)
            text = phrase_goal(rng, orec.goal[:1], opack.phrasing or {}, opack.aliases,
                               openers=opack.openers)
        if text:
            yield Example(goal_prompt(rec["spec"], _named(rec["spec"], objs, text), text),
                          UNKNOWN_GOAL, "goal")


def _named(spec_name: str, objects: Sequence[str], text: str) -> list[str]:
    """The objects a goal text names (by name or alias); all objects when it names none."""
    from engine.goals import goal_objects

    return goal_objects(objects, text, _pack(spec_name).aliases)


_POOLS: dict[str, dict[str, list[str]]] = {}


def name_pool(spec_name: str) -> dict[str, list[str]]:
    """Object names per type that problems of a spec use: its random problems, its scenario
    builder's problems (more invoices, items, places) and the objects its aliases know."""
    if spec_name in _POOLS:
        return _POOLS[spec_name]
    import re

    pack = _pack(spec_name)
    builders: list[Callable[[random.Random], GeneratedProblem]] = [
        lambda r: _generate(spec_name, r)]
    if pack.scenarios is not None:
        scen = importlib.import_module(pack.scenarios)
        builders.append(lambda r: scen.build(r, r.randint(1, 30), name="pool"))
    consts = _constants(spec_name)
    pool: dict[str, set[str]] = {}
    for i in range(100):
        for build in builders:
            for o, t in build(random.Random(i)).objects:
                if o not in consts:
                    pool.setdefault(t, set()).add(o)
    prefix = {re.sub(r"\d+$", "", o): t for t, names in pool.items() for o in names
              if re.search(r"\d$", o)}
    for o in pack.aliases:
        ty = prefix.get(re.sub(r"\d+$", "", o))
        if o not in consts and ty is not None and re.search(r"\d$", o):
            pool[ty].add(o)
    _POOLS[spec_name] = {t: sorted(names) for t, names in pool.items()}
    return _POOLS[spec_name]


def _pool_renaming(rng: random.Random, rec: dict[str, Any]) -> dict[str, str]:
    """A one-to-one renaming of a record's objects to names of the same type from the pool."""
    consts = _constants(rec["spec"])
    pool = name_pool(rec["spec"])
    groups: dict[str, list[str]] = {}
    for o, t in rec["types"].items():
        if o not in consts:
            groups.setdefault(t, []).append(o)
    mapping: dict[str, str] = {}
    for t, names in groups.items():
        choices = pool.get(t, [])
        if len(choices) >= len(names):
            mapping.update(zip(names, rng.sample(choices, len(names)), strict=True))
    return mapping


def _absent_object(rng: random.Random, rec: dict[str, Any], pack: DomainPack) -> str | None:
    """A name of the pack's domain that this record's problem lacks."""
    pool = list(pack.absent_names if pack.absent_names is not None else pack.object_names) \
        or list("abcdefghijklmnop")
    cands = [x for x in pool if x not in rec["types"]]
    return rng.choice(cands) if cands else None


def suffix_records(rec: dict[str, Any], cuts: Sequence[int]) -> list[dict[str, Any]]:
    """Mid-plan problems: the state after the first ``i`` teacher steps as the initial state,
    the same goal, the rest of the teacher plan as the plan (kept only when the verifier
    accepts that rest under every policy from that state: an 'at some point' rule met
    before the cut would not be met again). These teach the model states that generated
    problems never start in (an arm holding a block, a service half deployed)."""
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    spec = _spec(rec["spec"])
    problem = _problem_of(rec, spec.domain)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    states = checker.trajectory(parse_plan(_plan_text(rec["plan"])))
    out = []
    for i in sorted(set(cuts)):
        if not 0 < i < len(rec["plan"]):
            continue
        init = sorted(atom_text(a) for a in checker.task.atoms_of(states[i]))
        sub = {**rec, "init": init, "plan": rec["plan"][i:]}
        sub_checker = Checker(_problem_of(sub, spec.domain), policies=spec.policies,
                              access=spec.access)
        if sub_checker.check(parse_plan(_plan_text(sub["plan"]))).valid:
            out.append(sub)
    return out


def detour_records(rec: dict[str, Any], n: int, *, seed: int, timeout_s: float = 8.0
                   ) -> list[dict[str, Any]]:
    """Recovery problems: the teacher plan's first steps, then a detour of 1-3 steps the
    teacher did not take (each applicable, with an allowed agent and breaking no policy:
    :class:`engine.llm.stateaware.Safe`), then a plan from there by the symbolic planner.
    The record's ``prefix`` holds what was written before the new plan; it is kept only
    when the whole plan, prefix and all, passes the verifier. At decoding time a model
    that strayed from a good plan must carry on from where it is (the state-aware
    constraint lets a plan end only at the goal); these examples show it how."""
    from domains.generated import GeneratedProblem, load_generated
    from engine.llm.prompts import step_line
    from engine.llm.stateaware import Safe
    from engine.symbolic.planning import solve
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    spec = _spec(rec["spec"])
    problem = _problem_of(rec, spec.domain)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    rules = Safe(checker)
    teacher = [c + "\n" for c in rec["plan"]]
    rng = random.Random(seed)
    engine = "fast-downward" if _negative_preconditions(spec.domain) else "pyperplan"
    out: list[dict[str, Any]] = []
    for _ in range(n):
        cut = rng.randrange(len(teacher))
        node = rules.initial()
        lines: list[str] = []
        for line in teacher[:cut]:
            node = rules.options(node)[0][line]
            lines.append(line)
        for j in range(rng.randint(1, 3)):
            options, _ = rules.options(node)
            choices = sorted(c for c in options if j > 0 or c != teacher[cut])
            if not choices:
                break
            line = rng.choice(choices)
            node = options[line]
            lines.append(line)
        if len(lines) == cut:
            continue
        consts = _constants(rec["spec"])
        gp = GeneratedProblem(
            f"d{rec['seed']}", spec.domain.name,
            tuple((o, t) for o, t in sorted(rec["types"].items()) if o not in consts),
            tuple(sorted(checker.task.atoms_of(cast(Any, node)[0]))),  # (state, memory)
            tuple(tuple(a.strip("()").split()) for a in rec["goal"]))
        sub = load_generated(spec.domain_path, gp)  # read as user files are (for the planners)
        rest = None
        for policies, eng in (((), engine), (spec.policies, "fast-downward")):
            result = solve(sub, policies=policies, access=spec.access, engine=eng,
                           timeout_s=timeout_s, explain=False)
            if result.solved and result.plan is not None:
                calls = [step_line(s.action, s.args) for s in result.plan.steps]
                if checker.check(parse_plan("".join(lines + calls))).valid:
                    rest = calls
                    break
        if rest is not None:
            out.append({**rec, "prefix": [c.strip() for c in lines],
                        "plan": [c.strip() for c in rest]})
    return out


def _detour_worker(args: tuple[list[dict[str, Any]], int, int]) -> list[dict[str, Any]]:
    recs, n, seed = args
    os.chdir(os.environ.get("TMPDIR", "/tmp"))  # Fast Downward writes output.sas to the cwd
    out = []
    for rec in recs:
        with contextlib.suppress(Exception):  # one odd record must not stop the whole run
            out.extend(detour_records(rec, n, seed=seed * 1_000_003 + rec["seed"]))
    return out


def generate_detours(records: dict[str, list[dict[str, Any]]], n: int, *, seed: int = 0,
                     workers: int = 2, folder: Path | None = None, log: Any = print
                     ) -> dict[str, list[dict[str, Any]]]:
    """:func:`detour_records` for every record, ``n`` tries each (in ``workers``
    processes), cached as ``folder/<spec>-<seed>-detours<n>-<records>.jsonl`` (a cache
    made from another number of records is not reused)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out: dict[str, list[dict[str, Any]]] = {}
    for spec_name, recs in records.items():
        path = (folder / f"{spec_name}-{seed}-detours{n}-{len(recs)}.jsonl" if folder
                else None)
        if path is not None and path.is_file():
            out[spec_name] = [json.loads(x) for x in path.read_text().splitlines() if x]
        else:
            chunks = [(recs[i:i + 20], n, seed) for i in range(0, len(recs), 20)]
            if workers <= 1:
                parts = [_detour_worker(c) for c in chunks]
            else:
                ctx = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
                    parts = list(ex.map(_detour_worker, chunks))
            out[spec_name] = [r for part in parts for r in part]
            if path is not None:
                path.write_text("".join(json.dumps(r) + "\n" for r in out[spec_name]))
        log(f"{spec_name}: {len(out[spec_name])} detour examples from {len(recs)} problems")
    return out


def examples_from(records: dict[str, list[dict[str, Any]]], *, seed: int = 0,
                  renamings: int = 2, repair_share: float = 0.15, goals_per_record: int = 2,
                  suffixes: int = 0,
                  detours: dict[str, list[dict[str, Any]]] | None = None) -> list[Example]:
    """Plan, repair and goal examples (with isomorphic renamings), shuffled; with
    ``suffixes``, up to that many mid-plan problems per record as well (renamed); with
    ``detours`` (:func:`generate_detours`), recovery examples (renamed; the detour is
    the example's ``prefix``)."""
    rng = random.Random(seed)
    cut_rng = random.Random(seed + 7919)  # its own stream: the other examples stay the same
    out: list[Example] = []
    for spec_name, recs in records.items():
        plans = []
        for rec in recs:
            variants = [rec] + [_rename(rng, rec) for _ in range(renamings)]
            if suffixes and len(rec["plan"]) > 1:
                cuts = cut_rng.sample(range(1, len(rec["plan"])),
                                      min(suffixes, len(rec["plan"]) - 1))
                variants += [_rename(cut_rng, r) for r in suffix_records(rec, cuts)]
            seen = set()
            for v in variants:
                p = plan_prompt(v["objects"], v["init"], v["goal"])
                if p in seen:
                    continue
                seen.add(p)
                plans.append(Example(p, _plan_text(v["plan"]), "plan"))
            out.extend(_goal_examples(rng, variants[renamings], goals_per_record))
        out.extend(plans)
        out.extend(_repair_examples(rng, recs, int(len(plans) * repair_share)))
        detour_rng = random.Random(seed + 104729)  # its own stream, as for the cuts
        for d in (detours or {}).get(spec_name, []):
            v = _rename(detour_rng, d)
            out.append(Example(plan_prompt(v["objects"], v["init"], v["goal"]),
                               _plan_text(v["plan"]), "plan", _plan_text(v["prefix"])))
    rng.shuffle(out)
    return out
