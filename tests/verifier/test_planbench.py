"""PlanBench Blocksworld (../shared/data/planbench): our validator accepts every ground-truth
plan and agrees with PlanBench's VAL-based label on every GPT-4 plan."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from tests.conftest import DATA
from verifier.model import Problem
from verifier.pddl import read_problem
from verifier.plan_io import plan_from_calls, read_plan
from verifier.validate import validate

BENCH = DATA / "planbench"
RESULTS = "task_1_plan_generation.gpt-4_chat.results.subset.json"
_LLM_PLAN = re.compile(r"instance-(\d+)\.gpt4\.(valid|invalid)\.plan$")


def _number(path: Path) -> int:
    return int(re.search(r"instance-(\d+)", path.name).group(1))  # type: ignore[union-attr]


def _ground_truth() -> list[object]:
    files = sorted((BENCH / "plans").glob("instance-*.plan"), key=_number)
    return [pytest.param(_number(f), id=f"instance-{_number(f)}") for f in files] or [
        pytest.param(None, id="no-data")]


def _llm_plans() -> list[object]:
    out = []
    for f in (BENCH / "llm_plans").glob("*.plan"):
        m = _LLM_PLAN.search(f.name)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    out.sort()
    return [pytest.param(n, label, id=f"instance-{n}-{label}") for n, label in out] or [
        pytest.param(None, None, id="no-data")]


@functools.cache
def _problem(n: int) -> Problem:
    return read_problem(BENCH / "domain.pddl", BENCH / "instances" / f"instance-{n}.pddl")


def test_corpus_is_complete(data_dir: Path) -> None:
    assert len(list((BENCH / "plans").glob("instance-*.plan"))) == 50
    labels = [m.group(2) for f in (BENCH / "llm_plans").glob("*.plan")
              if (m := _LLM_PLAN.search(f.name))]
    assert (labels.count("valid"), labels.count("invalid")) == (21, 28)


@pytest.mark.parametrize("n", _ground_truth())
def test_ground_truth_plan_is_valid(data_dir: Path, n: int) -> None:
    verdict = validate(_problem(n), read_plan(BENCH / "plans" / f"instance-{n}.plan"))
    assert verdict.status == "valid", [v.message for v in verdict.violations]


@pytest.mark.parametrize(("n", "label"), _llm_plans())
def test_gpt4_plan_verdict_matches_planbench_label(data_dir: Path, n: int, label: str) -> None:
    plan = read_plan(BENCH / "llm_plans" / f"instance-{n}.gpt4.{label}.plan")
    verdict = validate(_problem(n), plan)
    assert verdict.status == label, [v.message for v in verdict.violations]
    if label == "invalid":
        assert verdict.violations and verdict.violations[0].kind in ("precondition", "goal")


def test_results_json_agrees_with_plan_files(data_dir: Path) -> None:
    """The labels in file names are the ones in PlanBench's results, for the same plans."""
    results = json.loads((BENCH / RESULTS).read_text(encoding="utf-8"))["instances"]
    assert len(results) == 49
    for item in results:
        n, label = item["instance_id"], "valid" if item["llm_correct"] else "invalid"
        plan_file = read_plan(BENCH / "llm_plans" / f"instance-{n}.gpt4.{label}.plan")
        calls = []
        for text in item["extracted_llm_plan"]:
            words = text.strip("() ").split()
            calls.append((words[0], tuple(words[1:])))
        from_json = plan_from_calls(calls)
        assert [s.call for s in from_json.steps] == [s.call for s in plan_file.steps]
        assert validate(_problem(n), from_json).status == label, f"instance-{n}"
