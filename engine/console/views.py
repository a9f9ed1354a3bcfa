"""What the console's pages show, computed from the journal (no HTML here)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.journal import Event, Journal
from engine.render import changes_text
from engine.runstate import RunState

__all__ = ["RunRow", "Entry", "Node", "PlanGraph", "Decided", "row_of", "run_rows", "timeline",
           "plan_graph", "decisions", "ACTORS"]

#: the four agents of a run, as the journal's messages name them
ACTORS = ("planner", "verifier", "executor", "monitor")

Category = Literal["run", "plan", "step", "message", "replan", "approval", "world", "failure"]


@dataclass(frozen=True, slots=True)
class RunRow:
    run: str
    spec: str
    spec_path: str
    goal: str
    problem: str
    status: str
    done: int
    steps: int
    replans: int
    started: str
    started_ts: float
    waiting: tuple[str, ...]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _goal(started: dict[str, Any]) -> str:
    if started.get("goal_text"):
        return str(started["goal_text"])
    pddl = str(started.get("problem_pddl") or "")
    i = pddl.find("(:goal")
    if i < 0:
        return ""
    depth, j = 0, i
    for j in range(i, len(pddl)):
        depth += {"(": 1, ")": -1}.get(pddl[j], 0)
        if depth == 0:
            break
    return " ".join(pddl[i + len("(:goal"):j].split())


def row_of(run_id: str, events: Sequence[Event]) -> RunRow | None:
    """A run's row from its events (None when it has no ``run-started``)."""
    st = RunState.fold(run_id, events)
    if not st.started:
        return None
    steps = st.gen_steps()
    return RunRow(run_id, str(st.started.get("spec_name") or "?"),
                  str(st.started.get("spec") or ""), _goal(st.started),
                  str(st.started.get("problem") or ""), st.status,
                  sum(1 for s in steps if s.status == "completed"), len(steps), st.replans,
                  _when(events[0].ts), events[0].ts,
                  tuple(s.id for s in steps if s.status == "waiting-approval"))


def run_rows(journal: Journal) -> list[RunRow]:
    """Every run of the journal, newest first."""
    by_run: dict[str, list[Event]] = {}
    for e in journal.events():
        by_run.setdefault(e.run_id, []).append(e)
    rows = [r for rid, events in by_run.items() if (r := row_of(rid, events)) is not None]
    rows.sort(key=lambda r: r.started_ts, reverse=True)
    return rows


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a run's timeline."""

    id: int
    t: float
    kind: str
    category: Category
    text: str
    sender: str = ""
    receiver: str = ""


def _call(action: str, args: Sequence[str]) -> str:
    return "(" + " ".join([action, *args]) + ")"


def timeline(events: Sequence[Event]) -> list[Entry]:
    if not events:
        return []
    t0 = events[0].ts
    out = []
    for e in events:
        cat, text, sender, receiver = _entry_text(e.kind, e.payload)
        out.append(Entry(e.id, e.ts - t0, e.kind, cat, text, sender, receiver))
    return out


def _entry_text(k: str, p: dict[str, Any]  # noqa: C901 - one branch per kind
                ) -> tuple[Category, str, str, str]:
    """One event's timeline line: (category, text, sender, receiver)."""
    cat: Category = "run"
    sender = receiver = ""
    if k == "run-started":
        text = f"spec {p.get('spec_name')}, problem {p.get('problem')}, planner " \
               f"{p.get('planner')}, approvals {p.get('options', {}).get('approvals')}"
    elif k == "plan-certified":
        cat = "plan"
        text = (f"generation {p['generation']} ({p.get('reason', '')}): "
                f"{len(p['plan']['steps'])} steps, certificate {p['certificate']['id']}")
    elif k == "step-intent":
        cat = "step"
        text = f"{p['step']} {_call(p['action'], p['args'])} by {p.get('agent')}, attempt " \
               f"{p['attempt']}"
    elif k == "step-result":
        cat = "step" if p["status"] in ("ok", "mismatch") else "failure"
        text = (f"{p['step']} {p['status']} {changes_text(p)}"
                + (" (recovered)" if p.get("recovered") else "")
                if p["status"] in ("ok", "mismatch")
                else f"{p['step']} {p.get('kind')}: {p.get('error')}")
    elif k == "retry":
        cat = "step"
        text = f"retry {p.get('step')} (attempt {p.get('attempt')}) in " \
               f"{float(p.get('delay_s', 0)):.2f} s"
    elif k == "observation":
        cat = "world"
        text = f"the world changed ({p.get('source')}): {changes_text(p)}"
    elif k == "message":
        cat = "message"
        sender, receiver = str(p.get("from", "")), str(p.get("to", ""))
        detail = {key: v for key, v in p.items() if key not in ("from", "to", "about")
                  and not isinstance(v, (dict, list))}
        text = str(p.get("about", "")) + (
            ": " + ", ".join(f"{a} {v}" for a, v in detail.items()) if detail else "")
    elif k == "explanation":
        cat = "replan"
        text = f"{p.get('kind')} → {p.get('action')}: {p.get('message')}" + (
            f" [policies: {', '.join(p['policies'])}]" if p.get("policies") else "") + (
            f" [blocking: {', '.join(p['blocking'])}]" if p.get("blocking") else "")
    elif k == "replan":
        cat = "replan"
        text = f"replan #{p.get('count')}: {p.get('reason', '')}"
    elif k in ("approval-requested", "approval"):
        cat = "approval"
        text = (f"{p['step']} {p.get('call')} waits for approval" if k == "approval-requested"
                else f"{p['step']} {_call(str(p.get('action', '?')), p.get('args', []))} "
                f"{'approved' if p['approved'] else 'rejected'} by {p.get('by')}"
                + (f": {p['reason']}" if p.get("reason") else ""))
    elif k == "failure":
        cat = "failure"
        text = f"{p.get('kind')}: {p.get('message')}"
    else:
        text = ", ".join(f"{a} {v}" for a, v in p.items() if not isinstance(v, (dict, list)))
    return cat, text, sender, receiver


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    call: str
    agent: str
    status: str
    level: int  # the parallel group: steps of one level may run at the same time
    needs_approval: bool = False


@dataclass(frozen=True, slots=True)
class PlanGraph:
    generation: int
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]  # (before, after)
    certificate: dict[str, Any]
    order: str  # "partial order" (a schedule) or "sequence"

    @property
    def groups(self) -> list[list[Node]]:
        levels: dict[int, list[Node]] = {}
        for n in self.nodes:
            levels.setdefault(n.level, []).append(n)
        return [levels[k] for k in sorted(levels)]


def plan_graph(state: RunState, events: Sequence[Event], gen: int | None = None,
               needs_approval: Any = None) -> PlanGraph | None:
    """The plan of generation ``gen`` (the latest by default) with its ``after`` edges: those
    of the schedule the Executor used when there is one, else each step after the previous."""
    g = state.gen if gen is None else gen
    plan = state.plans.get(g)
    if plan is None:
        return None
    steps = plan["plan"]["steps"]
    after: dict[str, list[str]] = {s["id"]: list(s.get("after") or []) for s in steps}
    schedule, cur = None, -1
    for e in events:
        if e.kind == "plan-certified":
            cur = int(e.payload["generation"])
        elif e.kind == "message" and e.payload.get("about") == "schedule" and \
                int(e.payload.get("generation", cur)) == g and "after" in e.payload:
            schedule = e.payload
    if schedule is not None:
        after = {s["id"]: list(schedule["after"].get(s["id"], [])) for s in steps}
        order = "partial order"
    elif not any(after.values()):
        after = {s["id"]: ([steps[i - 1]["id"]] if i else []) for i, s in enumerate(steps)}
        order = "sequence"
    else:
        order = "partial order"
    level: dict[str, int] = {}
    for s in steps:  # steps come in an order consistent with ``after``
        level[s["id"]] = 1 + max((level.get(b, 0) for b in after[s["id"]]), default=-1)
    nodes = []
    for s in steps:
        rec = state.steps.get(s["id"])
        status = rec.status if rec is not None and rec.gen == g else "pending"
        args = tuple(s["args"])
        nodes.append(Node(s["id"], _call(s["action"], args), str(s.get("agent") or ""), status,
                          level[s["id"]], bool(needs_approval and needs_approval(s["action"],
                                                                                 args))))
    edges = tuple((b, s["id"]) for s in steps for b in after[s["id"]])
    return PlanGraph(g, tuple(nodes), edges, dict(plan.get("certificate") or {}), order)


@dataclass(frozen=True, slots=True)
class Decided:
    """An approval decision the journal holds: approved, rejected or refused (not allowed)."""

    id: int
    step: str
    call: str
    outcome: Literal["approved", "rejected", "refused"]
    by: str
    reason: str
    when: str


def decisions(events: Sequence[Event]) -> list[Decided]:
    out = []
    for e in events:
        p = e.payload
        if e.kind == "approval":
            out.append(Decided(e.id, str(p.get("step")),
                               _call(str(p.get("action", "?")), p.get("args", [])),
                               "approved" if p.get("approved") else "rejected",
                               str(p.get("by", "")), str(p.get("reason", "")), _when(e.ts)))
        elif e.kind == "message" and p.get("about") == "approval-refused":
            out.append(Decided(e.id, str(p.get("step")), str(p.get("call", "")), "refused",
                               str(p.get("by", "")), str(p.get("reason", "")), _when(e.ts)))
    return out
