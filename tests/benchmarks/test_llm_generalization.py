"""benchmarks/llm_generalization.py: the renamed sets and the failure classes, no model run."""

from __future__ import annotations

from pathlib import Path

from benchmarks import llm_generalization as gen
from engine.llm.prompts import problem_prompt
from engine.planner_report import AgentReport, RoundRecord


def test_the_renamed_case_is_the_same_problems_with_every_name_replaced(tmp_path: Path) -> None:
    case = gen.renamed_case("devops", 3, 0, tmp_path, seed=1, kinds=gen_kinds(),
                            timeout_s=10)
    spec, renamed = case["spec"], case["renamed"]
    assert not set(spec.domain.actions) & set(renamed.domain.actions)
    for p, q in zip(case["problems"], case["moved"], strict=True):
        assert len(p.init) == len(q.init) and len(p.objects) == len(q.objects)
        assert not set(problem_prompt(q).split()) & {"build", "(deployed", "prod)", "web"}
        back = {case["mapping"][o] for o in p.objects}
        assert back == set(q.objects)


def gen_kinds() -> tuple[str, ...]:
    from verifier.renaming import KINDS

    return KINDS


def test_failures_are_classified_and_pairs_summed() -> None:
    overflow = AgentReport(context_overflow=True)
    cut = AgentReport(truncated=1, rounds=[RoundRecord(1, 1, 0, 0, 200, 1.0)])
    stalled = AgentReport(truncated=1, stalled=1)
    assert gen._failure(overflow, None) == "context"
    assert gen._failure(cut, object()) == "token-budget"
    assert gen._failure(stalled, object()) == "stalled"
    assert gen._failure(AgentReport(), object()) == "rejected"

    def row(valid: bool, failure: str | None) -> dict[str, object]:
        return {"valid": valid, "failure": failure, "prompt_tokens": 10, "tokens": 5}

    rows = [{"solvable": True, "original": row(True, None), "renamed": row(False, "stalled")},
            {"solvable": True, "original": row(True, None), "renamed": row(True, None)},
            {"solvable": False, "original": row(False, "x"), "renamed": row(False, "x")}]
    s = gen._pair_summary(rows)
    assert (s["solvable"], s["original_valid"], s["renamed_valid"], s["ratio"]) == (2, 2, 1, 0.5)
    assert s["renamed_failures"] == {"stalled": 1} and s["original_failures"] == {}


def test_plan_tokens_counts_fast_downwards_plans_both_ways() -> None:
    rows = gen.plan_tokens("devops", 2, 0, seed=1, kinds=gen_kinds(), timeout_s=20)
    assert rows
    for r in rows:
        assert 0 < r["original"] < r["renamed"] and r["steps"] > 0 and r["budget"] > 0
