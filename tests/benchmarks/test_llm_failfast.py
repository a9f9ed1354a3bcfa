"""benchmarks/llm_failfast.py: its inputs fail cleanly, and a turn is timed and reported."""

from __future__ import annotations

import json

import pytest

from benchmarks.llm_failfast import failed_problems, turn_runs
from verifier.spec import load_problem, load_spec


def test_a_result_that_is_not_one_is_exit_2(tmp_path, specs_dir, capsys) -> None:  # noqa: ANN001
    bad = tmp_path / "result.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        list(failed_problems(str(specs_dir / "robotics"), bad))
    assert e.value.code == 2
    assert "not a benchmarks.llm_train_spec --parts plans result" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        list(failed_problems(str(specs_dir / "robotics"), tmp_path / "missing.json"))


def test_turns_are_timed_in_one_process(specs_dir, capsys) -> None:  # noqa: ANN001
    pytest.importorskip("transformers")
    spec_dir = specs_dir / "blocksworld"
    problem = load_problem(load_spec(spec_dir), "p01")
    turn_runs(str(spec_dir), [problem])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["problem"] == problem.name and lines[0]["planned"] is True
    assert lines[0]["seconds"] > 0 and lines[0]["tokens"] > 0
    assert lines[-1] == {"failing_runs": 0, "median_turn_seconds": None}

