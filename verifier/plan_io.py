"""Read and write plans: the JSON plan format and IPC plan text (``(action args)`` per line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verifier.errors import SpecError
from verifier.model import Plan, Provenance, Step
from verifier.sexpr import Sym, read_sexprs

__all__ = ["parse_plan", "read_plan", "plan_to_json", "plan_to_text", "plan_from_calls"]


def parse_plan(text: str, *, path: str = "<plan>") -> Plan:
    """Parse a plan in JSON or IPC text form; bad syntax is a :class:`SpecError`."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        return _parse_json(text, path)
    return _parse_text(text, path)


def read_plan(path: str | Path, *, stdin_text: str | None = None) -> Plan:
    """Read a plan file, or standard input when ``path`` is ``-``."""
    from verifier.inputs import check_text, read_input_text

    if str(path) == "-":
        return parse_plan(check_text(stdin_text or "", "<stdin>"), path="<stdin>")
    p = Path(path)
    if not p.exists():
        raise SpecError("plan file not found", path=str(p), hint="check the path, or use - "
                        "to read the plan from standard input")
    return parse_plan(read_input_text(p, what="plan file"), path=str(p))


def _parse_json(text: str, path: str) -> Plan:
    from verifier.inputs import json_depth_error

    deep = json_depth_error(text, path)
    if deep is not None:
        raise deep
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"invalid JSON: {e.msg}", path=path, line=e.lineno, col=e.colno,
                        hint="a plan is {\"steps\": [{\"action\": ..., \"args\": [...]}]}"
                        ) from None
    except ValueError as e:  # e.g. a number too long to convert
        raise SpecError(f"invalid JSON: {e}", path=path,
                        hint="step ids and names are strings; numbers stay short") from None
    if isinstance(data, list):
        data = {"steps": data}
    from pydantic import ValidationError

    from verifier.plan_schema import PlanModel  # pydantic only when a JSON plan is read

    try:
        model = PlanModel.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        line, col = _json_position(text, err["loc"])
        raise SpecError(f"{loc}: {err['msg'].lower()}", path=path, line=line, col=col,
                        hint="each step needs \"action\" (a string) and \"args\" "
                        "(a list of object names)") from None
    steps = []
    ids: set[str] = set()
    for i, s in enumerate(model.steps, 1):
        sid = s.id or f"s{i}"
        if sid in ids:
            line, col = _json_position(text, ("steps", i - 1, "id"))
            raise SpecError(f"duplicate step id '{sid}'", path=path, line=line, col=col,
                            hint="step ids must be unique")
        ids.add(sid)
        steps.append(Step(sid, s.action.lower(), tuple(a.lower() for a in s.args), s.agent,
                          tuple(s.after)))
    for i, step in enumerate(steps):
        for dep in step.after:
            if dep not in ids:
                line, col = _json_position(text, ("steps", i, "after"))
                raise SpecError(f"step '{step.id}' is after unknown step '{dep}'", path=path,
                                line=line, col=col, hint=f"step ids are: {', '.join(sorted(ids))}")
    prov = None
    if model.provenance is not None:
        p = model.provenance
        source = p.source if p.source in ("llm", "llm-repaired", "symbolic", "user") else "user"
        prov = Provenance(source, p.rounds, p.tokens, p.seconds, p.engine)  # type: ignore[arg-type]
    return Plan(tuple(steps), prov, model.goal)


def _json_position(text: str, loc: tuple[Any, ...]) -> tuple[int, int]:
    """Approximate the position of a JSON path by scanning for the n-th step object."""
    index = 0
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        depth, seen, start = 0, -1, text.find("[", text.find('"steps"'))
        for i in range(max(start, 0), len(text)):
            ch = text[i]
            if ch == "{":
                depth += 1
                if depth == 1:
                    seen += 1
                    if seen == loc[1]:
                        index = i
                        break
            elif ch == "}":
                depth -= 1
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _parse_text(text: str, path: str) -> Plan:
    steps: list[Step] = []
    nodes = read_sexprs(text, path=path)
    for k, node in enumerate(nodes):
        if isinstance(node, Sym):
            if node.text.rstrip(":").replace(".", "").isdigit():
                if k + 1 < len(nodes) and not isinstance(nodes[k + 1], Sym):
                    continue  # "0: (action ...)" or "0.001: (...)" prefixes of timed plans
                raise SpecError(f"'{node.text}' is not a plan", path=path, line=node.line,
                                col=node.col, hint="a step number must be followed by its "
                                "step, e.g. 0: (pick-up a); a JSON plan is {\"steps\": [...]}")
            if node.text.startswith("[") and node.text.endswith("]"):
                continue  # durations
            raise SpecError(f"unexpected '{node.text}' in plan text", path=path, line=node.line,
                            col=node.col, hint="write one step per line as (action arg1 arg2)")
        if not node.items or not all(isinstance(x, Sym) for x in node.items):
            raise SpecError("a step must be (action arg ...)", path=path, line=node.line,
                            col=node.col, hint="for example (pick-up a)")
        words = [x.text for x in node.items if isinstance(x, Sym)]
        steps.append(Step(f"s{len(steps) + 1}", words[0], tuple(words[1:])))
    return Plan(tuple(steps))


def plan_from_calls(calls: list[tuple[str, tuple[str, ...]]],
                    provenance: Provenance | None = None) -> Plan:
    return Plan(tuple(Step(f"s{i}", a, tuple(args)) for i, (a, args) in enumerate(calls, 1)),
                provenance)


def plan_to_json(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {"steps": []}
    for s in plan.steps:
        d: dict[str, Any] = {"id": s.id, "action": s.action, "args": list(s.args)}
        if s.agent is not None:
            d["agent"] = s.agent
        if s.after:
            d["after"] = list(s.after)
        out["steps"].append(d)
    if plan.provenance is not None:
        p = plan.provenance
        out["provenance"] = {"source": p.source, "rounds": p.rounds, "tokens": p.tokens,
                             "seconds": round(p.seconds, 4), "engine": p.engine}
    if plan.goal is not None:
        out["goal"] = plan.goal
    return out


def plan_to_text(plan: Plan) -> str:
    return "".join(s.call + "\n" for s in plan.steps)
