"""Goals phrased outside the training templates, with their expected formal goals.

The training goals (and the scenario fixtures' plain goals) come from ``phrase_goal``
(domains/generated.py): ``<opener><verb phrase> {object} to {place}`` clauses from each
pack's ``PHRASING``, joined by "and" / ";" / ", then". The rules here write goals that
template never does, on each spec's default problem (:func:`engine.goals.default_problem`):

- ``verb``: verbs and idioms in no ``PHRASING`` ("bring web live in production");
- ``order``: the object or the place first, passive and "should" forms ("production must be
  running api", "inv3 needs to be paid");
- ``quantity``: sets named by what holds in the initial state ("every invoice from acme",
  "all large invoices", "both boxes at a1"), expanded to one atom each; a time the domain
  cannot see ("received this week") must be refused;
- ``relative``: relative clauses that pick the object ("the robot that is at the dock");
- ``refuse``: texts a correct reader refuses (negations, absent objects, other domains).

Each fixture: ``{"id", "domain", "rule", "text", "expected"}`` (``expected``: the atoms,
sorted, or null when the text must be refused). ``python -m benchmarks.eval.phrasings``
writes ``benchmarks/scenarios/goal_phrasings.jsonl`` (seeded, deterministic);
``--eval`` reads them with each system's reader and prints exact / refused / misread.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FIXTURE", "generate", "load", "evaluate", "READERS", "main"]

FIXTURE = Path(__file__).resolve().parents[1] / "scenarios" / "goal_phrasings.jsonl"
Item = dict[str, Any]
Rows = list[tuple[str, str, list[str] | None]]  # (rule, text, expected atoms or None)
ENVS = {"prod": ("production", "prod", "the live environment"),
        "staging": ("staging", "the staging environment")}


def _a(*atoms: tuple[str, ...]) -> list[str]:
    return sorted("(" + " ".join(a) + ")" for a in atoms)


def _devops(rng: random.Random, init: set[tuple[str, ...]]) -> Rows:
    services = ["api", "web", "worker", "auth", "billing", "search", "notify"]
    out: Rows = []
    for s in rng.sample(services, 6):
        e = rng.choice(("prod", "staging"))
        env = rng.choice(ENVS[e])
        out += [("verb", f"bring {s} live in {env}", _a(("deployed", s, e))),
                ("order", rng.choice((f"{env} must be running {s}",
                                      f"{s} should end up deployed in {env}",
                                      f"in {env}, {s} has to be deployed")),
                 _a(("deployed", s, e)))]
    for s in rng.sample(services, 4):
        out += [("verb", rng.choice((f"I'd like {s} compiled", f"produce a build of {s}")),
                 _a(("built", s))),
                ("order", f"{s}'s test suite should have passed", _a(("tested", s)))]
    for s in rng.sample(services, 4):
        e = rng.choice(("prod", "staging"))
        out.append(("relative", f"the service called {s} is the one that must be healthy in "
                    f"{rng.choice(ENVS[e])}", _a(("healthy", s, e))))
    s1, s2 = rng.sample(services, 2)
    out += [("verb", f"confirm {s1} is in good health on staging", _a(("healthy", s1, "staging"))),
            ("order", "production should have a fresh backup", _a(("backed-up", "prod"))),
            ("verb", f"restore the previous version of {s2} in production",
             _a(("rolled-back", s2, "prod"))),
            ("quantity", f"both {s1} and {s2} deployed to staging",
             _a(("deployed", s1, "staging"), ("deployed", s2, "staging"))),
            ("quantity", "every service that is already built should be tested",
             _a(*[("tested", x) for (p, *r) in init if p == "built" for x in r])),
            ("quantity", "deploy all services to staging",
             _a(*[("deployed", x, "staging") for x in ["api", "web", "worker", "db", "auth",
                                                        "billing", "search", "notify"]])),
            ("relative", "the service that has been built already should go to production",
             _a(*[("deployed", x, "prod") for (p, *r) in init if p == "built" for x in r])),
            ("relative", f"{s1}, which lives in staging today, must reach production",
             _a(("deployed", s1, "prod"))),
            ("quantity", "deploy every service that was changed this week to staging", None),
            ("refuse", f"never deploy {s2} to production", None),
            ("refuse", "scale the kubernetes cluster to ten nodes", None),
            ("refuse", "deploy payments to production", None)]
    return out


def _documents(rng: random.Random, init: set[tuple[str, ...]]) -> Rows:
    invs = [f"inv{i}" for i in range(1, 9)]
    by = {v: sorted(r[0] for (p, *r) in init if p == "issued-by" and r[1] == v)
          for v in ("acme", "globex", "initech", "umbrella")}
    large = sorted(r[0] for (p, *r) in init if p == "large")
    received = sorted(r[0] for (p, *r) in init if p == "received")
    out: Rows = []
    for i in rng.sample(invs, 6):
        n = i[3:]
        pick = rng.choice(((f"{i} needs to be paid", "paid"),
                           (f"invoice {n} should be archived", "archived"),
                           (f"by the end, invoice {n} is approved", "approved")))
        out += [("verb", rng.choice((f"remit payment on invoice {n}", f"wire the money for {i}",
                                     f"clear {i} for payment and pay it")), _a(("paid", i))),
                ("order", pick[0], _a((pick[1], i)))]
    for i in rng.sample(invs, 4):
        pick = rng.choice(((f"put {i} into storage", "archived"),
                           (f"give {i} the green light", "approved")))
        out.append(("verb", pick[0], _a((pick[1], i))))
    for v in rng.sample(sorted(by), 3):
        out += [("quantity", f"every invoice from {v} should be paid",
                 _a(*[("paid", i) for i in by[v]])),
                ("relative", f"archive the invoices that {v} sent us",
                 _a(*[("archived", i) for i in by[v]]))]
    for i in rng.sample(invs, 4):
        out.append(("relative", f"the invoice numbered {i[3:]}, which we already received, "
                    "must be validated", _a(("validated", i))))
    trio = sorted(rng.sample(invs, 3))
    out += [("quantity", f"each of {trio[0]}, {trio[1]} and {trio[2]} should be archived",
             _a(*[("archived", i) for i in trio])),
            ("quantity", "all large invoices must be approved",
             _a(*[("approved", i) for i in large])),
            ("relative", "pay each invoice which is large", _a(*[("paid", i) for i in large])),
            ("quantity", "every invoice we have received should be classified",
             _a(*[("classified", i) for i in received])),
            ("quantity", "all invoices received this week should be paid", None),
            ("relative", "the vendor that issued inv1 has to be checked",
             _a(*[("vendor-checked", r[1]) for (p, *r) in init if p == "issued-by"
                  and r[0] == "inv1"])),
            ("quantity", "both inv2 and inv5 need their fields extracted",
             _a(("extracted", "inv2"), ("extracted", "inv5"))),
            ("refuse", "do not pay inv3", None),
            ("refuse", "pay invoice 42", None),
            ("refuse", "book a flight to Berlin", None)]
    return out


def _robotics(rng: random.Random, init: set[tuple[str, ...]]) -> Rows:
    items = ["box1", "box2", "box3", "crate1", "crate2"]
    places = ["a1", "a2", "a3", "a4", "b1", "b3", "b4", "c1", "c2", "c3", "c4"]
    where = {r[0]: r[1] for (p, *r) in init if p == "item-at"}
    robot_at = {r[0]: r[1] for (p, *r) in init if p == "at"}
    out: Rows = []
    for it in rng.sample(items, 5):
        to = rng.choice([p for p in places if p != where[it]])
        out += [("verb", rng.choice((f"haul {it} over to {to}", f"relocate {it} into {to}",
                                     f"fetch {it} and drop it at {to}")),
                 _a(("item-at", it, to))),
                ("order", rng.choice((f"{to} is where {it} should end up",
                                      f"{it} belongs in {to}", f"at {to} I want {it}")),
                 _a(("item-at", it, to)))]
    for r in rng.sample(["r1", "r2", "r3"], 3):
        to = rng.choice([p for p in places if p != robot_at[r]])
        out += [("verb", f"dispatch {r} over to {to}", _a(("at", r, to))),
                ("order", f"{r} should be waiting at {to}", _a(("at", r, to)))]
    for it in rng.sample(items, 3):
        to = rng.choice([p for p in places if p != where[it]])
        out.append(("relative", f"{it}, which is currently at {where[it]}, should be moved to "
                    f"{to}", _a(("item-at", it, to))))
    a, b = rng.sample(places, 2)
    out.append(("quantity", f"r1 and r2 should both go to {a}", _a(("at", "r1", a),
                                                                   ("at", "r2", a))))
    here = sorted(i for i, p in where.items() if p == "a1")
    out += [("quantity", f"move box1 and box2 both to {a}",
             _a(("item-at", "box1", a), ("item-at", "box2", a))),
            ("quantity", f"every crate should be brought to {b}",
             _a(("item-at", "crate1", b), ("item-at", "crate2", b))),
            ("quantity", f"all items that are at a1 go to {b}",
             _a(*[("item-at", i, b) for i in here])),
            ("relative", f"the box that sits at c4 should go to {a}",
             _a(*[("item-at", i, a) for i, p in where.items() if p == "c4"])),
            ("relative", f"the robot that is at the dock should drive to {b}",
             _a(*[("at", r, b) for r, p in robot_at.items() if p == "dock"])),
            ("quantity", "bring the boxes that arrived yesterday to the dock", None),
            ("refuse", "do not move crate1", None),
            ("refuse", "bring box9 to a1", None),
            ("refuse", "deploy api to production", None)]
    return out


RULES: dict[str, Callable[[random.Random, set[tuple[str, ...]]],
                          list[tuple[str, str, list[str] | None]]]] = {
    "devops": _devops, "documents": _documents, "robotics": _robotics}


def _specs_root() -> Path:
    return Path(__file__).resolve().parents[2] / "specs"


def generate(seed: int = 0) -> list[Item]:
    from engine.goals import default_problem
    from verifier.spec import load_spec

    out: list[Item] = []
    for domain, rule in RULES.items():
        problem = default_problem(load_spec(_specs_root() / domain))
        rows = rule(random.Random(f"{seed}|{domain}"), set(problem.init))
        seen: set[str] = set()
        for k, (kind, text, expected) in enumerate(rows):
            if text in seen:
                continue
            seen.add(text)
            out.append({"id": f"{domain}-{k:03d}", "domain": domain, "rule": kind,
                        "text": text, "expected": expected})
    return out


def load(path: Path = FIXTURE) -> list[Item]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _atoms_of(goal: str) -> list[str]:
    from engine.goals import _atoms

    return sorted(_atoms(goal))


def _plansafe_reader(spec: Any, problem: Any, text: str, backend: Any) -> str | None:
    from engine.goals import translate_goal
    from verifier.errors import PlansafeError

    try:
        return translate_goal(spec, problem, text, backend=backend).goal
    except PlansafeError:
        return None


def _single_agent_reader(spec: Any, problem: Any, text: str, backend: Any) -> str | None:
    from benchmarks.eval.react import raw_goal

    return raw_goal(spec, problem, text, backend).goal


#: the readers of the systems that read goals (Plansafe's ablations use Plansafe's reader)
READERS: dict[str, Callable[[Any, Any, str, Any], str | None]] = {
    "single-agent": _single_agent_reader, "plansafe": _plansafe_reader}


def verdict(expected: Sequence[str] | None, read: str | None) -> str:
    """exact (the expected atoms, or a refusal where one is expected) | refused | misread."""
    if read is None:
        return "exact" if expected is None else "refused"
    if expected is not None and _atoms_of(read) == sorted(expected):
        return "exact"
    return "misread"


def evaluate(items: Iterable[Item], *, backend: Any = None,
             readers: Sequence[str] = tuple(READERS)) -> dict[str, Any]:
    """Each reader's exact / refused / misread counts, overall and per rule."""
    from engine.goals import default_problem
    from verifier.spec import load_spec

    if backend is None:
        from engine.llm.backend import load_default_backend

        backend = load_default_backend()
    rows = list(items)
    specs = {d: load_spec(_specs_root() / d) for d in {r["domain"] for r in rows}}
    problems = {d: default_problem(s) for d, s in specs.items()}
    out: dict[str, Any] = {"n": len(rows), "readers": {}}
    for name in readers:
        fn = READERS[name]
        t0 = time.perf_counter()
        counts: dict[str, int] = {"exact": 0, "refused": 0, "misread": 0}
        by_rule: dict[str, dict[str, int]] = {}
        misread: list[dict[str, Any]] = []
        for r in rows:
            read = fn(specs[r["domain"]], problems[r["domain"]], r["text"], backend)
            v = verdict(r["expected"], read)
            counts[v] += 1
            rule = by_rule.setdefault(r["rule"], {"exact": 0, "refused": 0, "misread": 0})
            rule[v] += 1
            if v == "misread":
                misread.append({"id": r["id"], "text": r["text"], "read": read})
        out["readers"][name] = {**counts, "by_rule": by_rule, "misread_examples": misread[:8],
                                "seconds": round(time.perf_counter() - t0, 1)}
    return out


def markdown(result: dict[str, Any]) -> str:
    rules = sorted({k for d in result["readers"].values() for k in d["by_rule"]})
    lines = ["| reader (systems) | exact | refused | misread | " + " | ".join(
        f"{k} e/r/m" for k in rules) + " |", "|" + "---|" * (4 + len(rules))]
    who = {"plansafe": "plansafe and its three ablations", "single-agent": "single-agent"}
    for name, d in result["readers"].items():
        cells = [f"{d['by_rule'].get(k, {}).get('exact', 0)}/"
                 f"{d['by_rule'].get(k, {}).get('refused', 0)}/"
                 f"{d['by_rule'].get(k, {}).get('misread', 0)}" for k in rules]
        lines.append(f"| {name} ({who.get(name, name)}) | {d['exact']} | {d['refused']} | "
                     f"{d['misread']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval", action="store_true", help="read the fixtures, print the table")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if not args.eval:
        items = generate(args.seed)
        FIXTURE.write_text("".join(json.dumps(i, separators=(",", ":")) + "\n" for i in items),
                           encoding="utf-8")
        print(f"{len(items)} goal phrasings -> {FIXTURE}")
        return 0
    result = evaluate(load())
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
