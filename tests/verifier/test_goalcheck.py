"""Goals that policies rule out in every final state (verifier.goalcheck)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.goals import with_goal
from engine.symbolic.planning import solve
from verifier.goalcheck import goal_conflicts
from verifier.spec import load_problem, load_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.mark.parametrize(("spec_name", "goal", "expected"), [
    ("documents", "(and (paid {inv}) (not (archived {inv})))", ("archive-after-pay",)),
    ("documents", "(and (paid {inv}))", ()),
    ("devops", "(and (deployed {svc} prod) (not (deployed {svc} staging)))",
     ("prod-mirrors-staging",)),
    ("devops", "(and (deployed {svc} prod))", ()),
], ids=["open-obligation", "documents-ok", "always", "devops-ok"])
def test_goal_conflicts(spec_name: str, goal: str, expected: tuple[str, ...]) -> None:
    spec = load_spec(SPECS / spec_name)
    base = load_problem(spec, sorted(spec.problems)[0])
    inv = next((o for o, t in base.objects.items() if t == "invoice"), "")
    svc = next((o for o, t in base.objects.items() if t == "service"), "")
    problem = with_goal(base, goal.format(inv=inv, svc=svc))
    assert goal_conflicts(problem, spec.policies) == expected
    if expected:  # the planner answers at once and names the policy
        r = solve(problem, policies=spec.policies, access=spec.access, timeout_s=5)
        assert r.status == "unsolvable-proven" and r.blocking == expected
