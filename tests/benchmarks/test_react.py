"""The ReAct single agent: acts, reads the tool's error, proposes again from the observed
world (a scripted model stands in for the embedded one here; the bench runs the real one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from benchmarks.eval.fixtures import load_fixtures

pytestmark = pytest.mark.timeout(300)


@dataclass
class _Gen:
    text: str
    tokens: int = 5


@dataclass
class ScriptedModel:
    """Answers plan prompts from ``plans`` in turn; records each prompt and its beams."""

    plans: list[str]
    prompts: list[str] = field(default_factory=list)
    beams: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.model = type("M", (), {"config": type("C", (), {"n_positions": 4096})()})()

    def format_prompt(self, prompt: str) -> str:
        return prompt

    def tokenizer(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        return {"input_ids": list(range(len(text.split())))}

    def generate(self, prompt: str, *, grammar: Any, k: int = 1, max_new_tokens: int = 0,
                 beams: int = 1, **kw: Any) -> list[_Gen]:
        self.prompts.append(prompt)
        self.beams.append(beams)
        return [_Gen(self.plans.pop(0))]


def test_the_agent_reads_the_error_and_proposes_again(tmp_path: Path) -> None:
    from benchmarks.eval.judge import search
    from benchmarks.eval.react import BEAMS
    from benchmarks.eval.systems import Bench

    s = min((x for x in load_fixtures("documents") if x.failure == "none"
             and x.phrasing == "pddl" and not x.world), key=lambda x: (x.steps, x.id))
    bench = Bench(tmp_path, planner="symbolic")
    problem = bench.problem(s)
    good = search(bench.spec("documents"), problem).plan
    from verifier.grounding import Task

    task = Task(problem)
    # a step of the plan that cannot run first: the tool refuses, the world stays as it was
    late = next(c for c in good if not task.action(*c).applicable(task.mask(problem.init)))
    bad = "(" + " ".join((late[0], *late[1])) + ")\n"
    model = ScriptedModel([bad, "".join("(" + " ".join((a, *x)) + ")\n" for a, x in good)])
    bench._backend = model
    o = bench.run("single-agent", s)
    assert o.status == "completed" and o.goal_reached, (o.explanation, o.note)
    assert o.replans == 1 and model.beams == [BEAMS, BEAMS]
    assert "rejected:" not in model.prompts[0]
    assert "rejected:\n" + bad.strip() in model.prompts[1] and "cannot run" in model.prompts[1]
    assert o.tool_errors >= 1 and o.violations == 0
