"""benchmarks/llm_train_spec.py: its problems are the trainer's kind and its texts well formed."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from benchmarks.llm_train_spec import HAND, ROOT, _key, hand_goals, template_goals
from engine.llm.specgen import spec_examples
from verifier.spec import load_spec

SPEC = ROOT / "specs" / "onboarding"

REC: dict[str, Any] = {"spec": "onboarding", "seed": 1, "scale": 1.0,
       "objects": ["email", "payroll", "perab", "percd", "wiki"],
       "types": {"email": "system", "payroll": "system", "perab": "person",
                 "percd": "person", "wiki": "system"},
       "constants": ["email", "payroll", "wiki"],
       "init": ["(hired perab)", "(hired percd)", "(sensitive payroll)"],
       "goal": ["(background-checked perab)", "(equipped percd)"],
       "plan": ["(run-background-check perab)", "(ship-equipment percd)"]}


def test_key_is_the_trainers_key() -> None:
    """A problem trained on has the key the benchmark leaves out (engine.llm.train)."""
    examples = spec_examples([REC], load_spec(SPEC), seed=0)
    keys = {hashlib.sha1(e.prompt.encode()).hexdigest()[:16] for e in examples
            if e.task == "plan"}
    assert _key(REC) in keys


def test_hand_goals_name_the_problems_objects() -> None:
    spec = load_spec(SPEC)
    cases = hand_goals(SPEC)
    assert len(cases) == len(HAND)
    for problem, text, want in cases:
        names = set(problem.objects) | set(spec.domain.constants)
        for atom in re.findall(r"\(([^()]*)\)", want or ""):
            pred, *args = atom.split()
            assert pred in spec.domain.predicates, text
            assert set(args) <= names, text


def test_template_goals_expect_the_records_atoms_or_a_refusal() -> None:
    spec = load_spec(SPEC)
    cases = template_goals(spec, [REC] * 4)
    assert cases
    refusals = [c for c in cases if c[2] is None]
    assert refusals  # the first record's text names an object the problem lacks
    for _, text, want in cases:
        if want is not None:
            atoms = set(re.findall(r"\([^()]*\)", want))
            # a conjunction of the goal, or "every person" over the problem's persons
            assert atoms <= set(REC["goal"]) or {a.split()[1].rstrip(")")
                                                  for a in atoms} == {"perab", "percd"}, text
