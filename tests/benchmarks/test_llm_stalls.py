"""benchmarks/llm_stalls.py: a proposal replayed under the rules, its longest stall."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_replay_counts_steps_without_a_new_best(specs_dir):
    from benchmarks.llm_stalls import replay
    from verifier.spec import load_problem, load_spec

    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    plan = "(unstack a b)\n(put-down a)\n(pick-up b)\n(stack b a)\n"
    distances, longest = replay(spec, problem, plan)
    assert len(distances) == 5 and distances[0] > 0 and distances[-1] == 0
    best, since, want = distances[0], 0, 0
    for d in distances[1:]:
        best, since = (d, 0) if d < best else (best, since + 1)
        want = max(want, since)
    assert longest == want
    # a detour (put b back) adds steps that come no closer; a bad line ends the replay
    detour, stall = replay(spec, problem, "(unstack a b)\n(stack a b)\n(unstack a b)\n"
                                          "(bogus x)\n(put-down a)\n")
    assert len(detour) == 4 and stall >= 1
