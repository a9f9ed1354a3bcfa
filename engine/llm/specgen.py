"""Training problems for any spec, with no domain pack: made from the spec's own examples.

:func:`spec_records` turns a spec folder (or a bare PDDL domain with problems) into solved
problems in the record format of :mod:`engine.llm.dataset`:

- **objects**: each record starts from one of the spec's example problems; a size
  curriculum (``scales``) adds objects by cloning an object of the same type (its unary
  atoms and its static relations to other objects are copied, so a cloned block lies on
  the table as its template did); every object is renamed (names are data);
- **initial states**: the example's, or a state a random walk reaches from it (actions
  never change static facts, so these stay as the example has them);
- **goals**: atoms of a state a random walk reaches, that did not hold before (reachable
  by construction; walks take only steps :class:`engine.llm.stateaware.Safe` allows, so
  they are reachable under the policies and access rules too);
- **teacher plans**: the symbolic planner with policies and access compiled in
  (:func:`engine.symbolic.planning.solve`), shortened and verified again.

:func:`spec_examples` makes plan examples (renamed objects always, renamed predicates and
actions for a share ``rename_share``; for a share ``compact_share`` of the problems one more
plan example whose prompt leaves out the initial atoms of static predicates, the largest
groups first, as :func:`engine.llm.prompts.fitted_prompt` does for prompts past the
context) and plain-language goal examples from the spec's
``describe`` templates plus phrasings that hold for any domain (imperatives from action
templates, "make sure", coordination, "every <type>" read as a conjunction over the
problem's objects, and ``(unknown)`` for texts naming objects the problem lacks).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.goal_words import GOAL_OPENERS as OPENERS
from engine.llm.dataset import Example
from engine.llm.prompts import UNKNOWN_GOAL, atom_text, goal_prompt, plan_prompt
from engine.llm.spec_models import backend_for_spec, spec_model_dir, spec_model_of

__all__ = ["SCALES", "SpecSource", "load_source", "spec_records", "spec_examples",
           "spec_model_dir", "spec_model_of", "backend_for_spec", "random_names"]

#: the size curriculum: objects per type as multiples of the example problem's
SCALES = (1.0, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True, slots=True)
class SpecSource:
    """A loaded spec and its example problems (at least one)."""

    path: Path
    spec: Any
    examples: tuple[Any, ...]


def load_source(path: str | Path) -> SpecSource:
    from verifier.errors import PlansafeError
    from verifier.spec import load_problem, load_spec

    spec = load_spec(Path(path).resolve())  # absolute: generation runs in TMPDIR
    examples = tuple(load_problem(spec, name) for name in sorted(spec.problems))
    if not examples:
        raise PlansafeError(f"{path}: the spec has no example problems; training makes its "
                            "problems from them (add a problems/ folder with one or more)")
    return SpecSource(Path(path), spec, examples)


def _solve(*args: Any, **kwargs: Any) -> Any:
    from engine.symbolic.planning import solve

    return solve(*args, **kwargs)


def _eliminate(checker: Any, plan: Any) -> Any:
    from engine.symbolic.shorten import eliminate_redundant_steps

    return eliminate_redundant_steps(checker, plan)


# --- names --------------------------------------------------------------------------------

_SYLLABLES = ("ka", "lo", "mi", "ra", "to", "ve", "zu", "ne", "sa", "di", "po", "fe", "gu",
              "ba", "ri", "te", "mo", "xi", "la", "no")


def random_names(rng: random.Random, n: int, *, prefix: str = "", taken: set[str]) -> list[str]:
    """``n`` fresh names not in ``taken`` (added to it): a type-like prefix and a number, or
    made-up words (names are data: the model must not learn a domain's object names)."""
    out: list[str] = []
    style = rng.random()
    base = rng.randrange(0, 40)
    tries = 0
    while len(out) < n:
        tries += 1
        if (style < 0.5 or tries > 50 * (n + 1)) and prefix:
            name = f"{prefix}{base + tries + rng.randrange(0, 3)}"
        elif style < 0.75 and tries < 50 * (n + 1):
            name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        else:
            name = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + str(rng.randrange(1, 99))
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _prefix(type_name: str) -> str:
    letters = re.sub(r"[^a-z]", "", type_name.lower())
    return letters[:3] or "o"


# --- problems -----------------------------------------------------------------------------


def _scaled(rng: random.Random, problem: Any, scale: float) -> tuple[dict[str, str],
                                                                        set[tuple[str, ...]]]:
    """Objects and initial atoms of ``problem`` with about ``scale`` times its objects."""
    domain = problem.domain
    consts = set(domain.constants)
    static = domain.static_predicates
    objects = dict(problem.objects)
    init = set(problem.init)
    by_type: dict[str, list[str]] = {}
    for o, t in objects.items():
        if o not in consts:
            by_type.setdefault(t, []).append(o)
    taken = set(objects) | set(domain.predicates) | set(domain.actions)
    for t, names in by_type.items():
        extra = max(0, round(len(names) * scale) - len(names))
        if not extra:
            continue

        def movable(o: str) -> int:  # dynamic atoms relating o to another object
            return sum(1 for a in init if o in a[1:] and a[0] not in static
                       and any(x != o and x not in consts for x in a[1:]))

        free = [o for o in names if movable(o) == 0] or names
        for new in random_names(rng, extra, prefix="tmp", taken=taken):
            src = rng.choice(free)
            objects[new] = t
            for a in list(init):
                if src not in a[1:]:
                    continue
                others = [x for x in a[1:] if x != src and x not in consts]
                if not others or a[0] in static:
                    init.add((a[0], *(new if x == src else x for x in a[1:])))
    return objects, init


def _walk(rng: random.Random, checker: Any, length: int) -> list[Any]:
    """The states of a random walk of up to ``length`` steps the rules allow."""
    from engine.llm.stateaware import Safe

    rules = Safe(checker)
    node = rules.initial()
    states = [node]
    for _ in range(length):
        options, _ = rules.options(node)
        if not options:
            break
        node = options[rng.choice(sorted(options))]
        states.append(node)
    return states


def _problem(name: str, domain: Any, objects: dict[str, str], init: Any, goal: Sequence[Any]
             ) -> Any:
    from verifier.model import And, Atom, Problem

    return Problem(name, domain, dict(objects), frozenset(init),
                   And(tuple(Atom(a[0], tuple(a[1:])) for a in goal)))


def _one(src: SpecSource, seed: int, timeout_s: float, scales: Sequence[float]
         ) -> dict[str, Any] | None:
    from domains.generated import GeneratedProblem, load_generated
    from verifier.validate import Checker

    spec = src.spec
    rng = random.Random(seed)
    example = src.examples[seed % len(src.examples)]
    scale = scales[(seed // len(src.examples)) % len(scales)]
    objects, init = _scaled(rng, example, scale)
    consts = set(spec.domain.constants)
    static = spec.domain.static_predicates
    # rename every (non-constant) object
    by_type: dict[str, list[str]] = {}
    for o, t in objects.items():
        if o not in consts:
            by_type.setdefault(t, []).append(o)
    taken = set(consts) | set(spec.domain.predicates) | set(spec.domain.actions)
    mapping: dict[str, str] = {}
    for t, names in sorted(by_type.items()):
        mapping.update(zip(names, random_names(rng, len(names), prefix=_prefix(t),
                                               taken=taken), strict=True))
    objects = {mapping.get(o, o): t for o, t in objects.items()}
    init = {(a[0], *(mapping.get(x, x) for x in a[1:])) for a in init}
    free = _problem("walk", spec.domain, objects, init, ())
    checker = Checker(free, policies=spec.policies, access=spec.access)
    if rng.random() < 0.5:  # start from a state a walk reaches (static facts unchanged)
        states = _walk(rng, checker, rng.randint(1, 4 + len(objects)))
        start = set(checker.task.atoms_of(states[-1][0]))
        mid = Checker(_problem("walk", spec.domain, objects, start, ()),
                      policies=spec.policies, access=spec.access)
        # kept only where the policies allow starting there (a "sometime-before" rule is
        # broken by a state where its atom already holds)
        if _walk(random.Random(0), mid, 1)[1:]:
            init, checker = start, mid
    states = _walk(rng, checker, rng.randint(2, 4 + 2 * len(objects)))
    end = checker.task.atoms_of(states[-1][0])
    changed = sorted(a for a in end - set(init) if a[0] not in static
                     and not a[0].startswith("ps-"))
    if not changed:
        return None
    goal = rng.sample(changed, rng.randint(1, min(len(changed), 2 + len(objects) // 2)))
    gp = GeneratedProblem(f"s{seed}", spec.domain.name,
                          tuple((o, t) for o, t in sorted(objects.items()) if o not in consts),
                          tuple(sorted(init)), tuple(sorted(goal)))
    problem = load_generated(spec.domain_path, gp)
    result = _solve(problem, policies=spec.policies, access=spec.access,
                    engine="fast-downward", timeout_s=timeout_s, explain=False)
    if not result.solved or result.plan is None:
        return None
    full = Checker(problem, policies=spec.policies, access=spec.access)
    plan = _eliminate(full, result.plan)
    if not full.check(plan).valid:
        return None
    return {"spec": spec.name, "seed": seed, "scale": scale,
            "objects": sorted(problem.objects),
            "types": dict(problem.objects), "constants": sorted(consts),
            "init": sorted(atom_text(a) for a in problem.init),
            "goal": [atom_text(a) for a in sorted(goal)],
            "plan": [s.call for s in plan.steps]}


def spec_records(path: str | Path, n: int, *, seed: int = 0, timeout_s: float = 8.0,
                 scales: Sequence[float] = SCALES, log: Any = None,
                 deadline: float | None = None) -> list[dict[str, Any]]:
    """Up to ``n`` solved problems made from the spec at ``path`` (see the module doc);
    with ``deadline`` (a ``time.monotonic()`` value), fewer if time runs out."""
    import os
    import time

    src = load_source(path)
    out: list[dict[str, Any]] = []
    tries = 0
    cwd = os.getcwd()
    os.chdir(os.environ.get("TMPDIR", "/tmp"))  # Fast Downward writes output.sas to the cwd
    try:
        while len(out) < n and tries < 3 * n + 10:
            if deadline is not None and time.monotonic() > deadline:
                break
            s = seed * 1_000_003 + tries
            tries += 1
            try:
                r = _one(src, s, timeout_s, scales)
            except Exception:  # noqa: BLE001 - one odd problem must not stop the run
                r = None
            if r is not None:
                out.append(r)
                if log is not None and (len(out) % 10 == 0 or len(out) == n):
                    log(f"{src.spec.name}: {len(out)}/{n} problems solved ({tries} tried)")
    finally:
        os.chdir(cwd)
    return out


# --- examples -----------------------------------------------------------------------------


def _words(atom: str) -> list[str]:
    return atom.strip("()").split()


def _renamed(rng: random.Random, rec: dict[str, Any], *, symbols: bool) -> dict[str, Any]:
    """A copy with every non-constant object renamed; with ``symbols``, predicates and
    actions renamed as well (one made-up word each)."""
    consts = set(rec.get("constants", ()))
    taken = set(rec["objects"])
    mapping: dict[str, str] = {}
    by_type: dict[str, list[str]] = {}
    for o, t in rec["types"].items():
        if o not in consts:
            by_type.setdefault(t, []).append(o)
    for t, names in sorted(by_type.items()):
        mapping.update(zip(names, random_names(rng, len(names), prefix=_prefix(t),
                                               taken=taken), strict=True))
    heads: dict[str, str] = {}
    if symbols:
        used = {_words(a)[0] for a in rec["init"] + rec["goal"] + rec["plan"]}
        fresh = random_names(rng, len(used), taken=taken | used)
        heads = {u: ("-".join(re.findall("..", f)) if len(f) > 4 else f)
                 for u, f in zip(sorted(used), fresh, strict=True)}

    def sub(atoms: list[str]) -> list[str]:
        res = []
        for a in atoms:
            w = _words(a)
            res.append("(" + " ".join([heads.get(w[0], w[0])] + [mapping.get(x, x)
                                                                  for x in w[1:]]) + ")")
        return res

    return {**rec, "objects": sorted(mapping.get(o, o) for o in rec["objects"]),
            "types": {mapping.get(o, o): t for o, t in rec["types"].items()},
            "init": sorted(sub(rec["init"])), "goal": sub(rec["goal"]),
            "plan": sub(rec["plan"])}


JOINERS = ((" and ", " and "), (", ", " and "), ("; ", "; "), (", ", ", and "),
           (" and ", ", then "))


@dataclass(frozen=True, slots=True)
class Phrasing:
    """What a spec's words say: its ``describe`` templates for predicates and, for a
    predicate one action makes true, that action's template (an imperative)."""

    states: dict[str, str]
    imperatives: dict[str, tuple[str, tuple[int, ...]]]  # pred -> (template, arg order)
    types: dict[str, str]  # pred -> the type of its only argument (unary predicates)


def phrasing_of(spec: Any) -> Phrasing:
    domain = spec.domain
    describe = dict(spec.describe)
    states: dict[str, str] = {}
    for p, params in domain.predicates.items():
        if p.startswith("ps-"):
            continue
        if p in describe:
            states[p] = describe[p]
        else:  # generic: "{0} is <pred words>" / "{0} <pred words> {1}"
            words = p.replace("-", " ").replace("_", " ")
            states[p] = ("{0} is " + words if len(params) == 1 else
                         "{0} " + words + " " + " ".join(f"{{{i}}}" for i in
                                                         range(1, len(params))))
    imperatives: dict[str, tuple[str, tuple[int, ...]]] = {}
    makers: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for a in domain.actions.values():
        if a.name not in describe:
            continue
        adds = [e for e in a.effects if e.positive and not e.forall
                and not e.atom.pred.startswith("ps-")]
        if len(adds) != 1:
            continue
        params = [v for v, _ in a.params]
        if not all(x in params for x in adds[0].atom.args):
            continue
        if len(adds[0].atom.args) != len(params):
            continue
        order = tuple(adds[0].atom.args.index(v) for v in params)
        makers.setdefault(adds[0].atom.pred, []).append((describe[a.name], order))
    for p, ms in makers.items():
        if len(ms) == 1:
            imperatives[p] = ms[0]
    types = {p: params[0] for p, params in domain.predicates.items() if len(params) == 1}
    return Phrasing(states, imperatives, types)


def _say(rng: random.Random, ph: Phrasing, atom: Sequence[str], *, imperative: bool) -> str:
    pred, args = atom[0], list(atom[1:])
    if imperative and pred in ph.imperatives:
        tmpl, order = ph.imperatives[pred]
        return tmpl.format(*(args[i] for i in order))
    return ph.states[pred].format(*args)


def phrase(rng: random.Random, ph: Phrasing, atoms: Sequence[Sequence[str]],
           objects: dict[str, str]) -> str | None:
    """A plain-language text for the conjunction ``atoms``, or None."""
    if any(a[0] not in ph.states for a in atoms):
        return None
    imperative = rng.random() < 0.4 and all(a[0] in ph.imperatives for a in atoms)
    parts = [_say(rng, ph, a, imperative=imperative) for a in atoms]
    if len(parts) == 1:
        body = parts[0]
    else:
        sep, last = rng.choice(JOINERS)
        body = sep.join(parts[:-1]) + last + parts[-1]
    opener = "" if imperative else rng.choice(OPENERS)
    text = opener + body
    return text[0].upper() + text[1:] if rng.random() < 0.5 else text


def _every(rng: random.Random, ph: Phrasing, rec: dict[str, Any]
           ) -> tuple[str, list[str]] | None:
    """"every <type> ..." for a unary predicate over a type of the problem: the text and
    the conjunction over the problem's objects of that type."""
    consts = set(rec.get("constants", ()))
    preds = [p for p, t in ph.types.items() if p in ph.states
             and any(tt == t and o not in consts for o, tt in rec["types"].items())]
    if not preds:
        return None
    p = rng.choice(preds)
    objs = sorted(o for o, t in rec["types"].items() if t == ph.types[p] and o not in consts)
    if rng.random() < 0.5 and p in ph.imperatives:
        tmpl, _ = ph.imperatives[p]
        text = tmpl.format(f"every {ph.types[p]}")
    else:
        text = rng.choice(("", "make sure ", "ensure that ")) + ph.states[p].format(
            rng.choice(("every ", "each ")) + ph.types[p])
    return text, [f"({p} {o})" for o in objs]


def _goal_examples(rng: random.Random, spec_name: str, ph: Phrasing, rec: dict[str, Any],
                   k: int) -> Iterator[Example]:
    from engine.goals import goal_objects

    objects = {o: t for o, t in rec["types"].items()}
    goal = [tuple(_words(a)) for a in rec["goal"]]
    for _ in range(k):
        sub = goal if len(goal) <= 3 or rng.random() < 0.3 else rng.sample(goal,
                                                                             rng.randint(1, 3))
        text = phrase(rng, ph, sub, objects)
        if text is None:
            continue
        named = goal_objects(rec["objects"], text, {})
        yield Example(goal_prompt(spec_name, named, text),
                      " ".join(atom_text(a) for a in sub), "goal")
    every = _every(rng, ph, rec)
    if every is not None:
        text, atoms = every
        yield Example(goal_prompt(spec_name, goal_objects(rec["objects"], text, {}), text),
                      " ".join(atoms), "goal")
    if rng.random() < 0.5 and goal:  # a text naming an object this problem lacks
        atom = list(rng.choice(goal))
        if len(atom) > 1:
            consts = set(rec.get("constants", ()))
            i = rng.choice([j for j in range(1, len(atom))] or [1])
            if atom[i] not in consts:
                atom[i] = random_names(rng, 1, prefix=_prefix(objects[atom[i]]),
                                       taken=set(rec["objects"]))[0]
                text = phrase(rng, ph, [atom], objects)
                if text is not None:
                    yield Example(goal_prompt(spec_name, goal_objects(rec["objects"], text, {}),
                                              text), UNKNOWN_GOAL, "goal")


def compact_prompt(rec: dict[str, Any], static: frozenset[str], groups: int) -> str | None:
    """``rec``'s plan prompt without the initial atoms of its ``groups`` largest static
    predicates (ties by name: :func:`engine.llm.prompts.fitted_prompt`'s order); None when
    it has no static atom."""
    sizes = Counter(_words(a)[0] for a in rec["init"] if _words(a)[0] in static)
    if not sizes:
        return None
    order = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    gone = {pred for pred, _ in order[:max(1, groups)]}
    return plan_prompt(rec["objects"], [a for a in rec["init"] if _words(a)[0] not in gone],
                       rec["goal"])


def spec_examples(records: Sequence[dict[str, Any]], spec: Any, *, seed: int = 0,
                  renamings: int = 2, rename_share: float = 0.3, goals_per_record: int = 2,
                  compact_share: float = 0.2) -> list[Example]:
    """Plan and goal examples for one spec's records (see the module doc), shuffled."""
    rng = random.Random(seed)
    ph = phrasing_of(spec)
    static = frozenset(spec.domain.static_predicates)
    out: list[Example] = []
    seen: set[str] = set()
    for rec in records:
        variants = [rec] + [_renamed(rng, rec, symbols=rng.random() < rename_share)
                            for _ in range(renamings)]
        prompts = [(plan_prompt(v["objects"], v["init"], v["goal"]), v) for v in variants]
        if static and rng.random() < compact_share:
            v = _renamed(rng, rec, symbols=False)  # static names are the spec's own
            c = compact_prompt(v, static, rng.randint(1, len(static)))
            if c is not None:
                prompts.append((c, v))
        for p, v in prompts:
            if p not in seen:
                seen.add(p)
                out.append(Example(p, "".join(c + "\n" for c in v["plan"]), "plan"))
        # goal texts read predicates by their words: object renaming only
        out.extend(_goal_examples(rng, spec.name, ph, _renamed(rng, rec, symbols=False),
                                  goals_per_record))
    rng.shuffle(out)
    return out
