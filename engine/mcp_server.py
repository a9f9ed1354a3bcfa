"""Plansafe as an MCP server (``plansafe mcp SPEC ...``, stdio): a verified planner and a
guard that any MCP client (an agent framework, an IDE) can call before acting.

Tools: ``specs`` (what is served), ``check`` (lint a spec), ``plan`` (a certified plan for a
problem or a goal), ``validate`` (verify a plan an agent wrote: the violations, with the
schedule that breaks it for a partial-order plan), ``run`` (execute a certified plan with the
spec's tools), ``status`` and ``approve`` (a run waiting for approval goes on). Every answer is
JSON; bad input is an MCP tool error whose text is ``file:line:col: message (hint)``.

The server speaks on stdout: nothing else in the process may print there, so the tools'
output is captured.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import PlansafeError

if TYPE_CHECKING:
    from mcp.server.fastmcp import FastMCP

__all__ = ["build_server", "serve"]


class _Served:
    """The specs served, each with its Engine (opened on first use)."""

    def __init__(self, specs: Sequence[Path], journal: Path | None,
                 trust_spec: bool = False) -> None:
        from engine.trust import Trust
        from verifier.spec import load_spec

        trust = Trust.load(trust_spec=trust_spec)  # a served spec's tools run: engine/trust.py

        self.paths: dict[str, Path] = {}
        self.specs: dict[str, Any] = {}
        for p in specs:
            spec = load_spec(p)
            trust.require(spec)
            if spec.name in self.specs:
                raise PlansafeError(f"two specs are named {spec.name!r} ({self.paths[spec.name]}"
                                    f" and {p}); serve one of them")
            self.specs[spec.name], self.paths[spec.name] = spec, Path(p)
        self.journal = journal
        self.engines: dict[str, Any] = {}

    def name(self, spec: str | None) -> str:
        if spec is None:
            if len(self.specs) == 1:
                return next(iter(self.specs))
            raise PlansafeError(f"say which spec: {', '.join(self.specs)}")
        if spec not in self.specs:
            from verifier.errors import did_you_mean

            raise PlansafeError(f"no spec {spec!r} served"
                                + (f" ({h})" if (h := did_you_mean(spec, self.specs)) else
                                   f" (served: {', '.join(self.specs)})"))
        return spec

    def engine(self, spec: str | None) -> Any:
        from engine.api import DEFAULT_JOURNAL, Engine

        name = self.name(spec)
        if name not in self.engines:
            self.engines[name] = Engine(self.specs[name],
                                        journal=self.journal or DEFAULT_JOURNAL)
        return self.engines[name]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Whatever the engine or a tool prints goes to stderr, never onto the protocol."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield
    if buf.getvalue():
        sys.stderr.write(buf.getvalue())


def _json(value: Any) -> Any:
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _verdict_json(verdict: Any) -> dict[str, Any]:
    return {"status": verdict.status, "valid": verdict.valid,
            "violations": [v.to_json() for v in verdict.violations],
            "checks": list(verdict.checks), "reason": verdict.reason}


def _verification(checked: Any) -> tuple[Any, Any]:
    """``(verdict, certificate or None)`` of ``Engine.verify``'s answer."""
    if hasattr(checked, "verdict"):
        return checked.verdict, getattr(checked, "certificate", None)
    return checked, None


def build_server(specs: Sequence[str | Path], *, journal: str | Path | None = None,
                 trust_spec: bool = False) -> Any:
    """The FastMCP server for ``specs`` (not started); each spec's code must be trusted
    (engine/trust.py; ``trust_spec``: trust the specs named here)."""
    from mcp.server.fastmcp import FastMCP

    served = _Served([Path(s) for s in specs], Path(journal) if journal else None, trust_spec)
    server = FastMCP("plansafe", instructions=(
        "Plansafe plans and verifies workflows against formal policies. Call `plan` for a "
        "certified plan, `validate` to check a plan you wrote before acting on it, `run` to "
        "execute a certified plan with the spec's tools. Specs served: "
        + ", ".join(f"{n} ({s.summary or 'no summary'})" for n, s in served.specs.items())))

    _add_spec_tools(server, served)
    _add_run_tools(server, served)
    return server


def _add_spec_tools(server: FastMCP, served: _Served) -> None:
    """The tools that read specs and plans: specs, check, plan, validate."""
    @server.tool(name="specs")
    def list_specs() -> list[dict[str, Any]]:
        """The specs served: name, summary, actions, policies and problems."""
        return [{"name": n, "summary": s.summary, "actions": list(s.domain.actions),
                 "policies": [{"id": p.id, "says": p.says, "rule": p.text} for p in s.policies],
                 "problems": list(s.problems)} for n, s in served.specs.items()]

    @server.tool()
    def check(spec: str | None = None) -> dict[str, Any]:
        """Lint a spec and analyse its policies (as `plansafe check`); MCP tool bindings are
        checked against their servers."""
        from engine.commands import check_spec

        with _quiet():
            return dict(_json(check_spec(served.paths[served.name(spec)])))

    @server.tool()
    def plan(problem: str | None = None, goal: str | None = None,
             spec: str | None = None) -> dict[str, Any]:
        """A certified plan for a problem (a name from the spec's problems/ or a PDDL file)
        or a goal (plain words or PDDL) from a problem's initial state."""
        from engine.api import NoPlanError
        from verifier.plan_io import plan_to_json

        eng = served.engine(spec)
        try:
            with _quiet():
                cp = eng.plan(problem, goal=goal)
        except NoPlanError as e:
            return {"status": "no-plan", "message": str(e), "blocking": list(e.blocking)}
        return {"status": "solved", "plan": plan_to_json(cp.plan),
                "certificate": cp.certificate.to_json(), "verdict": _verdict_json(cp.verdict)}

    @server.tool()
    def validate(plan: str, problem: str | None = None, goal: str | None = None,
                 spec: str | None = None) -> dict[str, Any]:
        """Verify a plan (JSON as `plan` returns it, or IPC text `(action arg ...)` a line)
        against the spec's policies, access rules and the problem's goal. A partial-order plan
        is checked over every schedule; a violation carries the schedule that breaks it."""
        from verifier.plan_io import parse_plan

        eng = served.engine(spec)
        parsed = parse_plan(plan, path="<plan>")
        with _quiet():
            verdict, cert = _verification(eng.verify(parsed, problem, goal=goal))
        out = _verdict_json(verdict)
        if cert is not None:
            out["certificate"] = cert.to_json()
        return out


def _add_run_tools(server: FastMCP, served: _Served) -> None:
    """The tools that run workflows: run, status, approve."""
    @server.tool()
    async def run(problem: str | None = None, goal: str | None = None,
                  plan: str | None = None, spec: str | None = None) -> dict[str, Any]:
        """Plan (or take ``plan``, which must verify), certify and execute with the spec's
        tools; the Monitor replans on failures. Returns the run's result (its id for
        `status` / `approve`)."""
        from verifier.plan_io import parse_plan

        eng = served.engine(spec)
        with _quiet():
            if plan is not None:
                verdict, cert = _verification(eng.verify(parse_plan(plan, path="<plan>"),
                                                         problem, goal=goal))
                if cert is None:
                    return {"status": "refused", "verdict": _verdict_json(verdict)}
                prob = eng.problem(problem, goal=goal)
                result = await eng.arun(prob, plan=verdict.plan or parse_plan(plan),
                                        certificate=cert)
            else:
                result = await eng.arun(problem, goal=goal)
        return dict(result.to_json())

    @server.tool()
    def status(run_id: str, spec: str | None = None) -> dict[str, Any]:
        """A run's current result (steps, explanations, what it waits for)."""
        return dict(served.engine(spec).result(run_id).to_json())

    @server.tool()
    async def approve(run_id: str, step: str, approved: bool = True, reason: str = "",
                      spec: str | None = None, token: str | None = None) -> dict[str, Any]:
        """Approve (or reject) a step a run waits for, then resume the run. With a users
        file ($PLANSAFE_USERS) give the approver's ``token``; the spec's approval rules
        apply as everywhere (Engine.approve)."""
        eng = served.engine(spec)
        eng.approve(run_id, step, approved=approved, by="mcp", reason=reason, token=token)
        with _quiet():
            result = await eng.aresume(run_id)
        return dict(result.to_json())


def serve(specs: Sequence[str | Path], *, journal: str | Path | None = None,
          trust_spec: bool = False) -> None:
    """Serve ``specs`` over stdio until the client closes the connection."""
    server = build_server(specs, journal=journal, trust_spec=trust_spec)
    server.run("stdio")
