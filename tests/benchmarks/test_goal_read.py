"""The goal-reading benchmark tells exact readings, refusals and misreadings apart."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.goal_read import HELD, _judge
from engine.goals import default_problem
from engine.llm.backend import Generation, ModelBackend
from verifier.spec import load_spec


class Fixed(ModelBackend):
    name = "fixed"

    def __init__(self, text: str) -> None:
        self.text = text

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        return [Generation(self.text, 3)]


@pytest.fixture(scope="module")
def devops(specs_dir):  # noqa: ANN001
    spec = load_spec(specs_dir / "devops")
    return spec, default_problem(spec)


@pytest.mark.parametrize("answer,want,verdict", [
    ("(deployed api prod)", "(deployed api prod)", "exact"),
    ("(healthy api prod)", "(deployed api prod)", "misread"),
    ("(unknown)", "(deployed api prod)", "refused"),
    ("(unknown)", None, "exact"),  # a text that must be refused and is
    ("(deployed api prod)", None, "misread"),
])
def test_verdicts(devops, answer: str, want: str | None, verdict: str) -> None:  # noqa: ANN001
    spec, problem = devops
    row = _judge(spec, problem, "get api out to production", want, Fixed(answer))
    assert row["verdict"] == verdict


@pytest.mark.parametrize("set_name", list(HELD))
def test_held_out_goals_are_goals_of_the_default_problems(set_name, specs_dir) -> None:  # noqa: ANN001
    """Every expected reading is a well-typed goal over the default problem's objects
    ("snapshot db" once expected (backed-up db): backed-up takes an environment)."""
    from verifier.policy import parse_formula

    for dom, cases in HELD[set_name].items():
        spec = load_spec(specs_dir / dom)
        objects = default_problem(spec).objects
        for _, want in cases:
            if want is not None:
                parse_formula(f"(and {want})", spec.domain, objects, path="<expected>")


def test_a_missing_checkpoint_is_a_clear_error(tmp_path, capsys) -> None:  # noqa: ANN001
    from benchmarks.goal_read import main

    assert main(["--model", str(tmp_path), "--json", str(tmp_path / "out.json")]) == 2
    assert "no model checkpoint" in capsys.readouterr().err


def test_bad_fixture_indices_are_refused_by_the_parser(capsys) -> None:  # noqa: ANN001
    from benchmarks.eval.fixtures import main

    with pytest.raises(SystemExit) as e:
        main(["--domains", "devops", "--failures", "external", "--indices", "x"])
    assert e.value.code == 2 and "give scenario indices" in capsys.readouterr().err
