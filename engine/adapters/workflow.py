"""``adapter: workflow``: a step that is a child run of another spec.

The parent plans with the action's precondition and effects (the child's contract); the
child is planned, certified and journaled on its own, in the parent's journal, with the run
id ``<parent run>.<step>`` (the link ``plansafe show`` / ``plansafe runs`` display). Calling
the step again (a retry, a resume after a crash) resumes that same child instead of starting
another, so the step is idempotent. A child that stops is a permanent failure of the step whose
message is the child's explanation; a child waiting for approval is a failure that says so
(approve the child, resume it, then resume the parent).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domains.base import Observation, PermanentToolError, ToolContext
from engine.adapters.common import render, values_for
from engine.registry import load_ref
from verifier.errors import PlansafeError, SpecError
from verifier.tool_binding import ToolBinding

__all__ = ["ChildRun", "child_run_id", "check_workflows"]


def child_run_id(parent: str, step: str) -> str:
    return f"{parent}.{step}"


def _journal_of(world: str | None) -> Path:
    if not world:
        raise PermanentToolError("a workflow step needs a journal file (the run has none)")
    w = Path(world)
    stem = w.name.removesuffix(".world.sqlite")
    for suffix in (".sqlite", ".db", ".sqlite3", ""):
        p = w.with_name(stem + suffix)
        if p.exists() and p != w:
            return p
    raise PermanentToolError(f"cannot find the journal beside {w}")


class ChildRun:
    def __init__(self, binding: ToolBinding) -> None:
        self.binding = binding
        self.timeout_s = binding.timeout_s or 3600.0
        self.idempotent = True  # a second call resumes the same child run
        self.__name__ = f"workflow:{binding.workflow}"

    def __call__(self, ctx: ToolContext, *args: str) -> Observation | None:
        # A plugin that calls back into the application layer: the Engine is looked up by
        # name, as registries do, so the adapters stay below engine.api in the import graph.
        Engine: Any = load_ref("engine.api:Engine", what="application layer")  # noqa: N806

        b = self.binding
        goal = str(render(b.goal, values_for(b, ctx))) if b.goal else None
        journal = _journal_of(ctx.world)
        run_id = child_run_id(ctx.run_id, ctx.step_id)
        world = journal.with_name(f"{journal.stem}.{run_id}.world.sqlite")
        try:
            eng = Engine.from_spec(b.workflow or "", journal=journal, world=world)
        except PlansafeError as e:
            raise PermanentToolError(f"child spec {b.workflow}: {e}") from None
        try:
            if eng.journal.events(run_id, kinds=("run-started",)):
                result = eng.resume(run_id)
            else:
                result = eng.run(b.problem, goal=goal, run_id=run_id)
        except PlansafeError as e:
            raise PermanentToolError(f"child run {run_id}: {e}") from None
        finally:
            eng.close()
        if result.status == "completed":
            return None  # the child reached its goal: the parent's predicted effects hold
        why = "; ".join(str(x.get("message", "")) for x in result.explanations) \
            or result.message or result.status
        raise PermanentToolError(f"child run {run_id} ({Path(b.workflow or '').name}) "
                                 f"{result.status}: {why}")


def check_workflows(bindings: dict[str, ToolBinding]) -> list[str]:
    """A workflow whose child specs lead back to a spec on the way is refused (a cycle), at the
    binding that closes it; a child spec that does not load is an error too."""
    from verifier.spec import load_spec

    errors: list[str] = []

    def walk(bs: dict[str, Any], stack: tuple[str, ...], top: ToolBinding | None) -> None:
        for b in bs.values():
            if b.adapter != "workflow" or not b.workflow:
                continue
            at = top or b
            if b.workflow in stack:
                chain = " -> ".join(Path(s).name for s in (*stack, b.workflow))
                errors.append(str(at.error(f"tools.{at.action}: sub-workflows form a cycle: "
                                           f"{chain}", hint="a child spec may not run its "
                                           "parent, directly or through others")))
                continue
            try:
                child = load_spec(b.workflow)
            except SpecError as e:
                errors.append(str(at.error(f"tools.{at.action}: the child spec does not load: "
                                           f"{e}")))
                continue
            walk(child.adapters, (*stack, b.workflow), at)

    first = next(iter(bindings.values()))
    walk(bindings, (first.spec_dir,), None)
    return sorted(set(errors))
