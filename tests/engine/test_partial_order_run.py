"""A partial-order plan that ``validate`` certifies runs with ``run --plan --certificate``
(issue 27, item 8: it was refused with an empty reason)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any


def test_a_certified_partial_order_plan_runs(make_engine: Any) -> None:
    e = make_engine(faults="none")
    cp = e.plan("p01")
    steps, prev = [], None
    for s in cp.plan.steps:
        steps.append(replace(s, after=(prev,) if prev else ()))
        prev = s.id
    po = replace(cp.plan, steps=tuple(steps))
    assert not po.is_sequential
    v = e.verify(po, "p01")
    assert v.valid and v.certificate is not None
    r = e.run("p01", plan=v.plan, certificate=v.certificate, approvals="auto")
    assert r.status == "completed", r.message
    assert any("partial order" in o for o in r.execution)
