"""The PDDL writer: writing a model and reading the text back gives the same model, over the
built-in specs, random problems of them, and the IPC corpus (../shared/data/ipc)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import DATA, SPECS
from verifier import strategies as ps
from verifier.model import And, Atom, Domain, Not, Problem
from verifier.pddl import read_problem
from verifier.pddl_writer import domain_text, formula_text, problem_parts_text, problem_text

IPC = DATA / "ipc"
BUILTIN = sorted(p.name for p in SPECS.iterdir() if (p / "domain.pddl").is_file())


def _domain_key(d: Domain) -> tuple[Any, ...]:
    return (d.name, d.types, d.predicates, d.actions, d.constants)


def _problem_key(p: Problem) -> tuple[Any, ...]:
    return (p.name, p.objects, p.init, p.goal)


def round_trip(problem: Problem, tmp: Path) -> Problem:
    """``problem`` written as a domain and a problem file and read back."""
    tmp.mkdir(parents=True, exist_ok=True)
    dom, prob = tmp / "domain.pddl", tmp / "problem.pddl"
    dom.write_text(domain_text(problem.domain), encoding="utf-8")
    prob.write_text(problem_text(problem), encoding="utf-8")
    return read_problem(dom, prob)


def assert_same(original: Problem, back: Problem) -> None:
    assert _domain_key(back.domain) == _domain_key(original.domain)
    assert _problem_key(back) == _problem_key(original)


@pytest.mark.parametrize("spec", BUILTIN)
def test_builtin_specs_round_trip(spec: str, tmp_path: Path) -> None:
    problems = sorted((SPECS / spec / "problems").glob("*.pddl"))
    assert problems
    for i, path in enumerate(problems):
        original = read_problem(SPECS / spec / "domain.pddl", path)
        assert_same(original, round_trip(original, tmp_path / str(i)))


@pytest.mark.parametrize("spec", ["devops", "robotics"])
def test_random_problems_round_trip(spec: str, tmp_path_factory: pytest.TempPathFactory
                                    ) -> None:
    loaded = ps.load(SPECS / spec)

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(ps.problems(loaded))
    def writes_back(problem: Problem) -> None:
        assert_same(problem, round_trip(problem, tmp_path_factory.mktemp("rt")))

    writes_back()


def _ipc_pairs() -> list[Any]:
    try:
        manifest = json.loads((IPC / "manifest.json").read_text(encoding="utf-8"))
    except OSError:
        return [pytest.param(None, None, id="no-data")]
    return [pytest.param(name, pair, id=f"{name}/{Path(pair['problem']).stem}")
            for name, info in manifest["domains"].items() for pair in info["pairs"]]


@pytest.mark.parametrize(("name", "pair"), _ipc_pairs())
def test_ipc_corpus_round_trips(name: str | None, pair: dict[str, str] | None,
                                tmp_path: Path) -> None:
    if name is None or pair is None:
        pytest.skip(f"IPC corpus not found at {IPC} (set PLANSAFE_DATA)")
    original = read_problem(IPC / name / pair["domain"], IPC / name / pair["problem"])
    assert_same(original, round_trip(original, tmp_path))


def test_formula_text_and_problem_parts() -> None:
    f = And((Atom("on", ("a", "b")), Not(Atom("clear", ("b",)))))
    assert formula_text(f) == "(and (on a b) (not (clear b)))"
    assert formula_text(And(())) == "(and)"
    text = problem_parts_text("p", "d", [("a", "block"), ("b", "block")], [("on", "a", "b")],
                              "(and (on a b))")
    assert "(:objects\n    a b - block)" in text and "(:goal (and (on a b))))" in text
