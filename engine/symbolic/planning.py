"""Symbolic planning through unified-planning engines, with policies and access rules compiled in.

Policies become PDDL3 trajectory constraints that unified-planning's
``TrajectoryConstraintsRemover`` compiles away; access rules become preconditions, so
every plan returned complies and every step has a permitted agent. The engine runs in a
child process that is killed at the deadline (up-pyperplan ignores its own timeout).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from engine.symbolic.ground import ground_constraints
from verifier import model
from verifier.deadline import DeadlineExceeded, checkpoint, seconds_left
from verifier.errors import PlansafeError
from verifier.policy import Policy

if TYPE_CHECKING:
    from verifier.validate import Checker

__all__ = ["PlanResult", "PlanStatus", "solve", "ENGINES", "DEFAULT_ENGINE"]

ActionCosts = Callable[[str, tuple[str, ...]], int]  # (action, args) -> cost (engine.memory)

PlanStatus = Literal["solved", "unsolvable-proven", "unsolvable-incompletely", "timeout",
                     "unsupported", "error"]
ENGINES = ("fast-downward", "pyperplan", "up-fast-downward")
"""``fast-downward``: our grounded policy compilation fed to Fast Downward's driver (falls
back to unified-planning's compiler for conditional effects); ``pyperplan`` and
``up-fast-downward``: unified-planning's ``TrajectoryConstraintsRemover`` and engine."""
DEFAULT_ENGINE = "fast-downward"
_STATUSES: tuple[PlanStatus, ...] = ("solved", "unsolvable-proven", "unsolvable-incompletely",
                                     "timeout", "unsupported", "error")


def _plan_status(status: str) -> PlanStatus:
    """An engine's status as a :data:`PlanStatus` (anything unknown is an error)."""
    return next((s for s in _STATUSES if s == status), "error")


@dataclass(frozen=True, slots=True)
class PlanResult:
    status: PlanStatus
    plan: model.Plan | None = None
    verdict: model.Verdict | None = None
    engine: str = DEFAULT_ENGINE
    seconds: float = 0.0
    message: str = ""
    blocking: tuple[str, ...] = ()  # policy ids that make the goal unreachable

    @property
    def solved(self) -> bool:
        return self.status == "solved"


# --- building the unified-planning problem -----------------------------------------------------


def _to_up(f: model.Formula | model.Temporal, up_problem: Any, scope: dict[str, Any]) -> Any:
    import unified_planning.shortcuts as up

    def term(t: str) -> Any:
        return scope[t] if t.startswith("?") else up_problem.object(t)

    if isinstance(f, model.Atom):
        return up_problem.fluent(f.pred)(*(term(a) for a in f.args))
    if isinstance(f, model.Const):
        return up.TRUE() if f.value else up.FALSE()
    if isinstance(f, model.Not):
        return up.Not(_to_up(f.arg, up_problem, scope))
    if isinstance(f, model.And):
        return up.And(*(_to_up(a, up_problem, scope) for a in f.args)) if f.args else up.TRUE()
    if isinstance(f, model.Or):
        return up.Or(*(_to_up(a, up_problem, scope) for a in f.args)) if f.args else up.FALSE()
    if isinstance(f, model.Imply):
        # (or (not a) b): the trajectory-constraint compiler rejects Implies
        return up.Or(up.Not(_to_up(f.left, up_problem, scope)), _to_up(f.right, up_problem, scope))
    if isinstance(f, model.Eq):
        return up.Equals(term(f.left), term(f.right))
    if isinstance(f, (model.Forall, model.Exists)):
        inner = dict(scope)
        vs = []
        for v, t in f.params:
            var = up.Variable(v.lstrip("?").replace("-", "_") + f"_{len(inner)}",
                              _up_type(up_problem, t))
            inner[v] = var
            vs.append(var)
        body = _to_up(f.body, up_problem, inner)
        return up.Forall(body, *vs) if isinstance(f, model.Forall) else up.Exists(body, *vs)
    if isinstance(f, model.Always):
        return up.Always(_to_up(f.arg, up_problem, scope))
    if isinstance(f, model.Sometime):
        return up.Sometime(_to_up(f.arg, up_problem, scope))
    if isinstance(f, model.AtMostOnce):
        return up.AtMostOnce(_to_up(f.arg, up_problem, scope))
    if isinstance(f, model.SometimeBefore):
        return up.SometimeBefore(_to_up(f.trigger, up_problem, scope),
                                 _to_up(f.required, up_problem, scope))
    if isinstance(f, model.SometimeAfter):
        return up.SometimeAfter(_to_up(f.trigger, up_problem, scope),
                                _to_up(f.required, up_problem, scope))
    raise PlansafeError(f"cannot compile {type(f).__name__}")


def _up_type(up_problem: Any, name: str) -> Any:
    import unified_planning.shortcuts as up

    if name == "object" and not up_problem.has_type("object"):
        return up.UserType("object")
    return up_problem.user_type(name)


def _access_condition(action: Any, access: Any, up_problem: Any) -> Any | None:
    """A precondition that holds exactly when some agent may perform the action."""
    import unified_planning.shortcuts as up

    def match(p: Any) -> Any:
        if p.args is None:
            return up.TRUE()
        eqs = [up.Equals(action.parameters[i], up_problem.object(c))
               for i, c in enumerate(p.args) if c is not None]
        return up.And(*eqs) if eqs else up.TRUE()

    per_agent = []
    for agent in access.agents:
        may = [match(p) for p in agent.may if p.action == action.name]
        if not may:
            continue
        cond = up.Or(*may)
        nots = [match(p) for p in agent.may_not if p.action == action.name]
        if nots:
            cond = up.And(cond, up.Not(up.Or(*nots)))
        per_agent.append(cond)
    if not per_agent:
        return up.FALSE()
    env_simplify = up.get_environment().simplifier.simplify
    cond = env_simplify(up.Or(*per_agent))
    return None if cond.is_true() else cond


def build_up_problem(problem: model.Problem, policies: Sequence[Policy], access: Any) -> Any:
    """A copy of the unified-planning problem with policies and access rules compiled in."""
    if problem.up_problem is None:
        raise PlansafeError("this problem was not read with unified-planning")
    pb = problem.up_problem.clone()
    if access is not None:
        for action in pb.actions:
            cond = _access_condition(action, access, pb)
            if cond is not None:
                action.add_precondition(cond)
    for c in ground_constraints(problem, policies):
        pb.add_trajectory_constraint(_to_up(c, pb, {}))
    return pb


# --- solving in a child process -----------------------------------------------------------------


def _child(conn: Any, up_problem: Any, engine: str, timeout_s: float) -> None:
    os.setpgrp()  # so that the parent can kill the engine's own subprocesses too
    import shutil
    import tempfile

    # Fast Downward writes output.sas into its working directory: keep it out of the user's.
    workdir = tempfile.mkdtemp(prefix="plansafe-")
    try:
        os.chdir(workdir)
        conn.send(_solve_here(up_problem, engine, timeout_s))
    except Exception as e:  # report, never hang the parent
        conn.send(("error", None, f"{type(e).__name__}: {e}"))
    finally:
        conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


# unified-planning reads "- number" cost tables as reals and flags cost entries left undefined
# (IPC elevators); Fast Downward plans with such tables. Costs never decide validity, the plan
# is verified afterwards, and Fast Downward fails (closed) on a reachable undefined cost.
_COST_TABLE_FEATURES = frozenset({"REAL_NUMBERS_IN_ACTIONS_COST", "UNDEFINED_INITIAL_NUMERIC"})


def _solve_here(up_problem: Any, engine: str, timeout_s: float) -> tuple[str, Any, str]:
    import unified_planning.shortcuts as up
    from unified_planning.engines import CompilationKind
    from unified_planning.engines import PlanGenerationResultStatus as S

    up.get_environment().credits_stream = None
    back = None
    if up_problem.trajectory_constraints:
        from unified_planning.engines.compilers import TrajectoryConstraintsRemover

        compiled = TrajectoryConstraintsRemover().compile(
            up_problem, CompilationKind.TRAJECTORY_CONSTRAINTS_REMOVING)
        up_problem, back = compiled.problem, compiled.map_back_action_instance
    with up.OneshotPlanner(name=engine) as planner:
        if not planner.supports(up_problem.kind):
            missing = set(up_problem.kind.features) - set(planner.supported_kind().features)
            if engine != "fast-downward" or not missing or missing - _COST_TABLE_FEATURES:
                return ("unsupported", None, f"{engine} does not support: "
                        + ", ".join(sorted(missing or up_problem.kind.features)))
        with warnings.catch_warnings():  # "cannot establish whether ... can solve"
            warnings.simplefilter("ignore", UserWarning)
            result = planner.solve(up_problem, timeout=timeout_s)
    status = {
        S.SOLVED_SATISFICING: "solved", S.SOLVED_OPTIMALLY: "solved",
        S.UNSOLVABLE_PROVEN: "unsolvable-proven",
        S.UNSOLVABLE_INCOMPLETELY: "unsolvable-incompletely",
        S.TIMEOUT: "timeout", S.MEMOUT: "error", S.INTERNAL_ERROR: "error",
        S.UNSUPPORTED_PROBLEM: "unsupported",
    }.get(result.status, "error")
    if status != "solved":
        log = " ".join(str(m.message) for m in (result.log_messages or []))[-400:]
        return (status, None, log)
    calls = []
    for ai in result.plan.actions:
        if back is not None:
            ai = back(ai)
            if ai is None:
                continue
        calls.append((ai.action.name, tuple(str(p.object().name) for p in ai.actual_parameters)))
    return ("solved", calls, "")


def _unrestricted(problem: model.Problem, access: Any) -> bool:
    return all(access.permitted(a.name, ()) or any(
        p.args is None for ag in access.agents for p in ag.may if p.action == a.name)
        and not any(ag.may_not for ag in access.agents)
        for a in problem.domain.actions.values())


def _plan_calls(problem: model.Problem, policies: Sequence[Policy], access: Any, engine: str,
                timeout_s: float, costs: ActionCosts | None = None) -> tuple[str, Any, str]:
    """``(status, [(action, args)...] or None, message)`` from the chosen engine."""
    if engine == "fast-downward":
        from engine.symbolic.compile_pddl import compile_task
        from engine.symbolic.fast_downward import COST_SEARCH, run_fast_downward
        from verifier.pddl import normalise_pddl

        if costs is None and not policies and _unrestricted(problem, access) and \
                problem.domain.path != problem.path:
            from pathlib import Path

            status, steps, msg = run_fast_downward(
                normalise_pddl(Path(problem.domain.path).read_text()),
                Path(problem.path).read_text(), timeout_s=seconds_left(timeout_s))
            return status, [(w[0], tuple(w[1:])) for w in steps], msg
        compiled = compile_task(problem, policies, access, costs)
        if compiled is not None:
            status, steps, msg = run_fast_downward(
                compiled.domain_pddl, compiled.problem_pddl, timeout_s=seconds_left(timeout_s),
                search=COST_SEARCH if costs is not None else None)
            return status, [compiled.actions[w[0]] for w in steps], msg
    up_engine = "fast-downward" if engine in ("fast-downward", "up-fast-downward") else engine
    up_problem = build_up_problem(problem, policies, access)
    checkpoint("compiling")
    return _run_with_deadline(up_problem, up_engine, seconds_left(timeout_s))


def _run_with_deadline(up_problem: Any, engine: str, timeout_s: float) -> tuple[str, Any, str]:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, up_problem, engine, timeout_s), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout_s):
            try:
                answer: tuple[str, Any, str] = parent.recv()
                return answer
            except EOFError:
                return ("error", None, f"{engine} exited without an answer "
                        f"(exit code {proc.exitcode})")
        return ("timeout", None, f"no plan within {timeout_s:g} s")
    finally:
        if proc.is_alive() and proc.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.join(timeout=5)


def solve(problem: model.Problem, *, policies: Sequence[Policy] = (), access: Any = None,
          describe: dict[str, str] | None = None, engine: str = DEFAULT_ENGINE,
          timeout_s: float = 60.0, explain: bool = True,
          costs: ActionCosts | None = None) -> PlanResult:
    """Plan for ``problem`` so that every policy and access rule holds; verify the result.

    A plan is returned only if the fast validator accepts it (fail closed). When no plan
    exists under the policies but one exists without them, ``blocking`` names a minimal
    set of policies that together make the goal unreachable. ``costs``: an integer cost
    per ground action (memory of past runs, :mod:`engine.memory`); Fast Downward on the
    grounded compilation minimises their sum; other engines, and domains that need
    unified-planning's compiler (conditional effects), plan without them.
    """
    from verifier.access import AccessRules
    from verifier.validate import Checker

    if engine not in ENGINES:
        raise PlansafeError(f"unknown engine '{engine}' (use one of {', '.join(ENGINES)})")
    access = access or AccessRules.default(problem.domain)
    start = time.perf_counter()
    up_front = _unsolvable_up_front(
        problem, policies, Checker(problem, policies=policies, access=access, describe=describe))
    if up_front is not None:
        return PlanResult("unsolvable-proven", None, None, engine, time.perf_counter() - start,
                          *up_front)
    status, calls, message = _plan_calls(problem, policies, access, engine, timeout_s, costs)
    if status == "timeout":
        checkpoint("search")  # the command's --timeout ran out (not only the engine's)
    seconds = time.perf_counter() - start
    if status != "solved":
        blocking: tuple[str, ...] = ()
        if explain and policies and status in ("unsolvable-proven", "unsolvable-incompletely"):
            blocking = _blocking(problem, policies, access, engine,
                                 max(1.0, timeout_s - seconds))
            if blocking:
                message = ("the goal is unreachable under policies "
                           + ", ".join(blocking) + (f"; {message}" if message else ""))
        return PlanResult(_plan_status(status), None, None, engine,
                          time.perf_counter() - start, message, blocking)
    steps = tuple(model.Step(f"s{i}", a, args, (access.permitted(a, args) or (None,))[0])
                  for i, (a, args) in enumerate(calls, 1))
    plan = model.Plan(steps, model.Provenance("symbolic", 0, 0, seconds, engine))
    verdict = Checker(problem, policies=policies, access=access, describe=describe).check(plan)
    if not verdict.valid:
        return PlanResult("error", None, verdict, engine, seconds,
                          "the engine's plan failed verification: "
                          + "; ".join(v.message for v in verdict.violations[:3]))
    return PlanResult("solved", replace(plan, steps=verdict.plan.steps if verdict.plan
                                        else plan.steps), verdict, engine, seconds)


def _unsolvable_up_front(problem: model.Problem, policies: Sequence[Policy], checker: Checker
                        ) -> tuple[str, tuple[str, ...]] | None:
    """Why no plan can exist, found before any search (the message and the policies), or None.
    """
    # A policy already broken in the initial state can never be satisfied (and
    # unified-planning's compiler raises instead of reporting it): answer directly.
    s0 = checker.task.initial_state
    broken = tuple(dict.fromkeys(
        c.constraint.policy.id for c in checker.constraints()
        if (isinstance(c.constraint.op, model.Always) and not c.trigger(s0))
        or (isinstance(c.constraint.op, model.SometimeBefore) and c.trigger(s0))))
    if broken:
        return "policies broken in the initial state: " + ", ".join(broken), broken
    # A goal whose every final state breaks a policy (always, or an obligation left open):
    # no search needed, and the policies are named (verifier.goalcheck).
    from verifier.goalcheck import goal_conflicts

    ruled_out = goal_conflicts(problem, policies)
    if ruled_out:
        return ("the goal is unreachable under policies " + ", ".join(ruled_out)
                + " (every state that satisfies the goal breaks them)", ruled_out)
    return None


def _blocking(problem: model.Problem, policies: Sequence[Policy], access: Any, engine: str,
              budget_s: float) -> tuple[str, ...]:
    """A minimal set of policies under which the goal is unreachable (deletion filter)."""
    deadline = time.perf_counter() + budget_s

    def unsolvable(ps: Sequence[Policy]) -> bool | None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        try:
            st, _, _ = _plan_calls(problem, ps, access, engine, left)
        except DeadlineExceeded:  # --timeout ran out while explaining: keep the answer
            return None
        if st == "solved":
            return False
        return True if st.startswith("unsolvable") else None

    if unsolvable(()) is not False:
        return ()  # unreachable even without policies (or unknown): policies are not the cause
    core = list(policies)
    for p in list(policies):
        trial = [q for q in core if q is not p]
        verdict = unsolvable(trial)
        if verdict is None:
            return tuple(q.id for q in core)
        if verdict:
            core = trial
    return tuple(q.id for q in core)
