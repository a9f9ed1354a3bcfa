"""benchmarks/llm_plan.py: option checks that need no model."""

from __future__ import annotations

import pytest

from benchmarks import llm_plan


@pytest.mark.parametrize("beams", ["0", "eight", "8,-1", ""])
def test_bad_beam_widths_are_refused(beams, capsys):
    assert llm_plan.main(["--beams", beams, "--json", "/nonexistent/x.json"]) == 2
    assert "--beams takes widths of at least 1" in capsys.readouterr().err
