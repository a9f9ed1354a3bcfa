"""benchmarks/llm_plan.py: option checks that need no model."""

from __future__ import annotations

import hashlib

import pytest

from benchmarks import llm_plan


@pytest.mark.parametrize("beams", ["0", "eight", "8,-1", ""])
def test_bad_beam_widths_are_refused(beams, capsys):
    assert llm_plan.main(["--beams", beams, "--json", "/nonexistent/x.json"]) == 2
    assert "--beams takes widths of at least 1" in capsys.readouterr().err


def test_negative_offset_is_refused(capsys):
    assert llm_plan.main(["--offset", "-3", "--json", "/nonexistent/x.json"]) == 2
    assert "--offset takes a number of problems to skip" in capsys.readouterr().err


def test_offset_continues_the_same_sequence_of_unseen_problems():
    from engine.llm.prompts import problem_prompt

    first = [problem_prompt(p) for p in llm_plan.generated_problems("devops", 5, set())]
    later = [problem_prompt(p) for p in llm_plan.generated_problems("devops", 3, set(), 2)]
    assert later == first[2:] and len(set(first)) == 5
    skip = {hashlib.sha1(t.encode()).hexdigest()[:16] for t in first[:1]}
    # a problem whose prompt was trained on is skipped and does not count towards the offset
    assert [problem_prompt(p) for p in llm_plan.generated_problems("devops", 3, skip, 1)] \
        == first[2:5]
