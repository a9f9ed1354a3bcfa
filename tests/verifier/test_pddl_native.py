"""The native PDDL reader reads exactly what unified-planning's reader + convert_problem read
(IPC corpus, built-in specs, hand-written ADL corners), reports bad input with positions, and
leaves unified-planning's problem unbuilt until something asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, ROOT, SPECS
from verifier.errors import PlansafeError, SpecError
from verifier.model import LazyUpProblem, Problem
from verifier.pddl import read_problem
from verifier.pddl_native import Unsupported, read_native

IPC = DATA / "ipc"


def _ipc_pairs() -> list[Any]:
    try:
        domains = json.loads((IPC / "manifest.json").read_text(encoding="utf-8"))["domains"]
    except OSError:
        return [pytest.param(None, None, id="no-data")]
    return [pytest.param(IPC / name / pair["domain"], IPC / name / pair["problem"],
                         id=f"{name}/{Path(pair['problem']).stem}")
            for name, info in domains.items() for pair in info["pairs"]]


def _spec_pairs() -> list[Any]:
    out = []
    for spec in sorted(p for p in SPECS.iterdir() if (p / "domain.pddl").is_file()):
        out.append(pytest.param(spec / "domain.pddl", None, id=f"{spec.name}/domain-only"))
        out += [pytest.param(spec / "domain.pddl", p, id=f"{spec.name}/{p.stem}")
                for p in sorted((spec / "problems").glob("*.pddl"))]
    return out


def assert_same(native: Problem, reference: Problem) -> None:
    """Field by field, without normalising anything: same order of effects, same nesting."""
    a, b = native.domain, reference.domain
    assert (a.name, a.path, a.types, a.predicates, a.constants) == \
        (b.name, b.path, b.types, b.predicates, b.constants)
    assert list(a.actions) == list(b.actions)
    for name, action in a.actions.items():
        assert action == b.actions[name], name
    assert (native.name, native.path, native.objects, native.init, native.goal) == \
        (reference.name, reference.path, reference.objects, reference.init, reference.goal)
    assert list(native.objects) == list(reference.objects)  # grounding order


def read_both(domain: Path, problem: Path | None) -> tuple[Problem, Problem]:
    native = read_native(domain.read_text(encoding="utf-8"),
                         problem.read_text(encoding="utf-8") if problem else None,
                         domain_path=str(domain), problem_path=str(problem) if problem else None)
    return native, read_problem(domain, problem, native=False)


@pytest.mark.parametrize(("domain", "problem"), _ipc_pairs())
def test_ipc_corpus_reads_as_unified_planning_reads(data_dir: Path, domain: Path,
                                                    problem: Path) -> None:
    assert_same(*read_both(domain, problem))


@pytest.mark.parametrize(("domain", "problem"), _spec_pairs())
def test_builtin_specs_read_as_unified_planning_reads(domain: Path, problem: Path | None) -> None:
    assert_same(*read_both(domain, problem))


# Corners the corpus does not reach: untyped domains, implicit and `object` parents, when
# conditions that unified-planning's simplifier rewrites, forall effects over unused variables.
ADL_DOMAIN = """\
(define (domain corners)
  (:requirements :adl :typing)
  (:types truck van - vehicle vehicle place - object gadget - thing)
  (:constants depot - place)
  (:predicates (at ?v - vehicle ?p - place) (free ?p) (mark ?g - gadget) (seen))
  (:action drive
    :parameters (?v - vehicle ?from ?to - place)
    :precondition (and (at ?v ?from) (not (not (free ?to))) (or (free ?from))
                       (imply (seen) (not (= ?from ?to))) (and) (exists (?w - van) (at ?w ?to)))
    :effect (and (not (at ?v ?from)) (and (at ?v ?to) (and (seen)))
                 (when (and (free ?to) (and (free ?to) (seen)) (= ?to ?to)) (not (free ?to)))
                 (when (= ?v ?to) (seen))
                 (when (or (free depot) (not (free depot))) (free ?from))
                 (when (imply (seen) (free ?to)) (seen))
                 (forall (?g - gadget ?u - truck) (when (at ?u ?to) (mark ?g)))
                 (forall (?p - place) (when (exists (?q - place) (and (= ?q ?p) (free ?q)))
                                            (free ?p)))
                 (forall (?p - place) (when (forall (?q - place) (free ?p)) (seen)))))
  (:action stay :parameters () :effect ()))
"""
ADL_PROBLEM = """\
(define (problem corners-1) (:domain corners)
  (:objects t1 - truck v1 - van home - place g1 - gadget)
  (:init (and (at t1 home) (free depot)))
  (:goal (and (at t1 depot) (or (seen) (mark g1)))))
"""
UNTYPED_DOMAIN = """\
(define (domain plain) (:requirements :strips)
  (:constants hub)
  (:predicates (road ?a ?b) (at ?x) (in ?obj ?obj))
  (:action go :parameters (?a ?b) :precondition (and (at ?a) (road ?a ?b))
    :effect (and (at ?b) (not (at ?a)))))
"""
UNTYPED_PROBLEM = """\
(define (problem plain-1) (:domain plain) (:objects a b)
  (:init (road a b) (road b hub) (at a) (in a b)) (:goal (at hub)))
"""


@pytest.mark.parametrize(("domain", "problem"), [
    pytest.param(ADL_DOMAIN, ADL_PROBLEM, id="adl-corners"),
    pytest.param(ADL_DOMAIN, None, id="adl-corners-domain-only"),
    pytest.param(UNTYPED_DOMAIN, UNTYPED_PROBLEM, id="untyped"),
])
def test_adl_corners_read_as_unified_planning_reads(tmp_path: Path, domain: str,
                                                    problem: str | None) -> None:
    (tmp_path / "d.pddl").write_text(domain)
    (tmp_path / "p.pddl").write_text(problem or "")
    assert_same(*read_both(tmp_path / "d.pddl", tmp_path / "p.pddl" if problem else None))


# --- bad input ------------------------------------------------------------------------------

DOMAIN = """\
(define (domain ship)
  (:requirements :strips :typing)
  (:types service env)
  (:constants staging prod - env)
  (:predicates (built ?s - service) (deployed ?s - service ?e - env))
  (:functions (total-cost) - number)
  (:action build :parameters (?s - service) :effect (built ?s))
  (:action deploy :parameters (?s - service ?e - env) :precondition (built ?s)
    :effect (and (deployed ?s ?e) (increase (total-cost) 1))))
"""
PROBLEM = """\
(define (problem p1) (:domain ship)
  (:objects api - service)
  (:init (= (total-cost) 0))
  (:goal (deployed api prod)))
"""
D, P = "d.pddl", "p.pddl"

# (file, old, new, line, token the column points at, message part, hint part)
BAD = [
    pytest.param(D, ":effect (built ?s))", ":effect (built ?s)", 8, "(:action deploy",
                 "Expected ')'", "PDDL syntax", id="missing-paren"),
    pytest.param(D, ":precondition (built ?s)", ":precondition (biult ?s)", 8, "(biult",
                 "unknown predicate 'biult'", "did you mean 'built'?", id="unknown-predicate"),
    pytest.param(D, "(and (deployed ?s ?e)", "(and (deployed ?s)", 9, "(deployed ?s)",
                 "'deployed' takes 2 arguments, got 1", "(deployed service env)",
                 id="effect-arity"),
    pytest.param(D, ":precondition (built ?s)", ":precondition (built ?e)", 8, "?e)",
                 "'?e' has type 'env', but argument 1 of 'built' must be a 'service'",
                 "subtype", id="argument-type"),
    pytest.param(D, ":precondition (built ?s)", ":precondition (built ?x)", 8, "?x",
                 "unknown variable '?x'", ":parameters", id="unknown-variable"),
    pytest.param(D, "(built ?s - service)", "(built ?s - servce)", 5, "servce",
                 "unknown type 'servce'", "did you mean 'service'?", id="unknown-type"),
    pytest.param(D, "(:types service env)", "(:typs service env)", 3, ":typs",
                 "unknown section ':typs'", "did you mean ':types'?", id="unknown-section"),
    pytest.param(D, ":strips :typing", ":strips :typin", 2, ":typin",
                 "unknown requirement ':typin'", "did you mean ':typing'?",
                 id="unknown-requirement"),
    pytest.param(D, "staging prod - env", "staging prod - (either env service)", 4, "(either",
                 "'either' types are not supported", "common supertype", id="either"),
    pytest.param(D, "(:types service env)", "(:types service env service)", 3, "service)",
                 "type 'service' is declared twice", "once", id="duplicate-type"),
    pytest.param(D, "(:action build", "(:action deploy", 8, "deploy :parameters (?s - service ?e",
                 "'deploy' is already declared as an action", "own name", id="duplicate-action"),
    pytest.param(D, "(:predicates (built", "(:predicates (prod", 4, "prod",
                 "'prod' is already declared as a predicate", "own name", id="name-clash"),
    pytest.param(D, "  (:types service env)\n  (:constants staging prod - env)\n",
                 "  (:constants staging prod - env)\n  (:types service env)\n", 4, ":types",
                 "':types' must come before ':constants'", "in this order", id="section-order"),
    pytest.param(D, ":effect (built ?s))", ":efect (built ?s))", 7, ":efect",
                 "unexpected ':efect' in action 'build'", "did you mean ':effect'?",
                 id="misspelled-action-key"),
    pytest.param(P, "(deployed api prod)", "(deployed apx prod)", 4, "apx",
                 "unknown object or variable 'apx'", "did you mean 'api'?", id="unknown-object"),
    pytest.param(P, "(= (total-cost) 0)", "(= (total-costs) 0)", 3, "(total-costs",
                 "unknown function 'total-costs'", "did you mean 'total-cost'?",
                 id="unknown-function"),
    pytest.param(P, "(:init (= (total-cost) 0))", "(:init (built prod))", 3, "prod",
                 "'prod' has type 'env', but argument 1 of 'built' must be a 'service'",
                 "subtype", id="init-argument-type"),
    pytest.param(P, "(:objects api - service)", "(:objects prod - service)", 2, "prod",
                 "'prod' is already declared as a constant", "own name", id="object-is-constant"),
    pytest.param(P, "  (:goal (deployed api prod)))\n", ")\n", 1, "(define",
                 "the problem has no :goal section", ":goal", id="missing-goal"),
    pytest.param(P, "(define (problem p1)", "(define (domain p1)", 1, "domain",
                 "expected a problem, found 'domain'", "domain file first", id="swapped-files"),
]


@pytest.mark.parametrize(("file", "old", "new", "line", "token", "message", "hint"), BAD)
def test_bad_pddl_is_a_positioned_spec_error(tmp_path: Path, file: str, old: str, new: str,
                                            line: int, token: str, message: str,
                                            hint: str) -> None:
    texts = {D: DOMAIN, P: PROBLEM}
    assert old in texts[file], "bad test case"
    texts[file] = texts[file].replace(old, new, 1)
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(SpecError) as info:
        read_problem(tmp_path / D, tmp_path / P)
    err = info.value
    col = texts[file].splitlines()[line - 1].index(token) + 1
    assert (Path(err.path).name, err.line, err.col) == (file, line, col), str(err)
    assert message in err.message and err.hint is not None and hint in err.hint, str(err)


def test_the_good_texts_read(tmp_path: Path) -> None:
    (tmp_path / D).write_text(DOMAIN)
    (tmp_path / P).write_text(PROBLEM)
    problem = read_problem(tmp_path / D, tmp_path / P)
    assert problem.init == frozenset() and "total-cost" not in problem.domain.predicates
    assert_same(problem, read_problem(tmp_path / D, tmp_path / P, native=False))


# --- what the native reader leaves to unified-planning -------------------------------------------

NUMERIC = DOMAIN.replace(":precondition (built ?s)", ":precondition (>= (total-cost) 1)")
DURATIVE = DOMAIN.replace("(:action build :parameters (?s - service) :effect (built ?s))",
                          "(:durative-action build :parameters (?s - service) :duration "
                          "(= ?duration 1) :condition () :effect (at end (built ?s)))")


@pytest.mark.parametrize("domain", [pytest.param(NUMERIC, id="numeric-precondition"),
                                    pytest.param(DURATIVE, id="durative-action")])
def test_unsupported_pddl_falls_back_to_unified_planning(tmp_path: Path, domain: str) -> None:
    (tmp_path / D).write_text(domain)
    (tmp_path / P).write_text(PROBLEM)
    with pytest.raises(Unsupported):
        read_native(domain, PROBLEM, domain_path=str(tmp_path / D), problem_path="p")
    outcomes = []
    for native in (True, False):  # the same outcome as unified-planning alone
        try:
            read_problem(tmp_path / D, tmp_path / P, native=native)
            outcomes.append("read")
        except PlansafeError as e:
            outcomes.append(f"{type(e).__name__}: {e}")
    assert outcomes[0] == outcomes[1]


# --- unified-planning's problem is built lazily ---------------------------------------------------


def test_up_problem_is_built_on_first_read_and_kept(specs_dir: Path) -> None:
    from verifier.problem_ops import with_initial_state

    problem = read_problem(specs_dir / "devops" / "domain.pddl",
                           specs_dir / "devops" / "problems" / "p01.pddl")
    assert isinstance(problem.deferred_up_problem(), LazyUpProblem)
    later = with_initial_state(problem, {("built", "api")}, name="later")
    assert isinstance(later.deferred_up_problem(), LazyUpProblem)  # still nothing built
    upp = problem.up_problem
    assert upp is problem.up_problem and upp.name == "p01"
    assert not isinstance(problem.deferred_up_problem(), LazyUpProblem)
    assert later.up_problem.name == "later" and later.up_problem is not upp


def test_loading_and_planning_path_imports_no_unified_planning() -> None:
    code = ("import sys\n"
            "from verifier.spec import load_spec, load_problem\n"
            "from verifier.validate import validate\n"
            "from engine.symbolic.fast_downward import driver_path\n"
            "spec = load_spec('specs/robotics')\n"
            "for name in spec.problems:\n"
            "    load_problem(spec, name)\n"
            "driver_path()\n"
            "print(sorted(m for m in ('unified_planning', 'z3', 'torch') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_negated_init_literal_is_refused_with_its_position(tmp_path: Path) -> None:
    """``(:init (not ...))`` says nothing (the initial state lists what holds): refused."""
    from verifier.errors import SpecError

    text = ADL_PROBLEM.replace("(:init (and (at t1 home) (free depot)))",
                               "(:init (and (at t1 home) (free depot) (not (seen))))")
    assert text != ADL_PROBLEM
    with pytest.raises(SpecError, match=r"p\.pddl:\d+:\d+: \(not \.\.\.\) in :init"):
        read_native(ADL_DOMAIN, text, domain_path=str(tmp_path / "d.pddl"),
                    problem_path=str(tmp_path / "p.pddl"))
