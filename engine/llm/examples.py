"""Training examples from records (:mod:`engine.llm.dataset`): problem -> plan (with
isomorphic renamings and mid-plan suffixes), problem + rejected plan + verifier explanation ->
plan, plain-language goal -> formal goal, and recovery examples from detours."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from engine.llm.dataset import (
    BUILTIN_SPECS,
    SPECS_DIR,
    Example,
    _constants,
    _generate,
    _pack,
    _plan_text,
    _problem_of,
    explain,
)
from engine.llm.detours import suffix_records
from engine.llm.prompts import UNKNOWN_GOAL, atom_text, feedback_prompt, goal_prompt, plan_prompt

if TYPE_CHECKING:
    from domains.base import DomainPack
    from domains.generated import GeneratedProblem


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

