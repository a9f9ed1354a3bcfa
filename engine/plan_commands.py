"""What ``plansafe plan`` and ``plansafe validate`` do, through :class:`engine.api.Engine`.

``plan`` gets its plan from :meth:`Engine.plan` (propose, verify, certify: no path skips
the verifier) and reports the certificate it got; ``validate`` is :meth:`Engine.verify` of
a plan read from a file or standard input. Both return typed results (:mod:`engine.results`)
whose ``to_json()`` is the ``--json`` output.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from engine.api import Engine, NoPlanError
from engine.planners import PlannerSettings
from engine.results import CertificateCheck, Planning, PlanReport, ValidationReport
from verifier.deadline import DeadlineExceeded, within
from verifier.errors import PlansafeError, SpecError
from verifier.model import Plan, Problem, Verdict
from verifier.spec import Spec

if TYPE_CHECKING:
    from engine.journal import Journal
    from engine.llm.backend import ModelBackend

__all__ = ["make_plan", "validate_plan"]


def _engine(spec_path: Path, **options: object) -> Engine:
    """An Engine for a one-shot command: no journal file (unless ``journal``), no world file."""
    from verifier.spec import load_spec

    options.setdefault("journal", None)
    return Engine(load_spec(spec_path), **options)  # type: ignore[arg-type]


def memory_journal(given: Path | None, memory: bool | None) -> Journal | None:
    """The journal whose past runs steer ``plansafe plan`` (None: none to read). Only read:
    planning writes nothing to it."""
    from engine.journal import journal_url, open_journal
    from engine.run_commands import journal_path

    if memory is False:
        return None
    where = journal_path(given)
    url = journal_url(where)
    if url is None and not where.exists():
        if given is not None or memory:
            raise PlansafeError(f"no journal at {where} to remember past runs from (give "
                                "--journal, or --no-memory)")
        return None
    try:
        return open_journal(url or where)
    except (PlansafeError, OSError, sqlite3.Error):
        if given is not None or memory:
            raise
        return None  # the default journal, unreadable: plan without memory, as before


def make_plan(spec_path: Path, problem_ref: str | None, *, goal: str | None, planner: str,
              engine: str, timeout_s: float, k: int = 4, rounds: int = 3,
              model: Path | str | None = None, decoding: str = "state-aware",
              beams: int | None = None, hint: float | None = None,
              model_name: str | None = None,
              model_grammar: str = "gbnf",
              journal: Path | None = None, memory: bool | None = None,
              trust_spec: bool = False) -> PlanReport:
    """:meth:`Engine.plan` with the planner ``planner`` (see :data:`engine.planners.PLANNERS`:
    symbolic, fast-downward, pyperplan, llm, auto).

    ``decoding`` (see :data:`engine.llm.decodings.DECODINGS`) chooses how the model writes
    its plans; ``beams`` the beam width of each round's first proposal (1: greedy);
    ``hint`` the state-aware decoding's hint in nats (engine/llm/hint.py; 0: the model alone).

    With ``goal`` (plain words or PDDL) the goal replaces the problem's; without a problem
    the spec's default problem (see :func:`engine.goals.default_problem`) gives objects
    and initial state.

    ``memory`` (see :mod:`engine.memory`): the symbolic planners take action costs from the
    past runs in ``journal`` (default: ``$PLANSAFE_JOURNAL`` or .plansafe/journal.sqlite,
    when it exists); None: when it has outcomes for the spec; False: no journal is read.
    """
    from dataclasses import replace

    from engine.llm.decodings import DECODINGS
    from engine.runner import RunOptions

    DECODINGS.get(decoding)  # an unknown decoding is bad input whatever the planner
    if ":" in planner:  # a planner plugged in by name is code: the trust rule applies
        from engine.trust import Trust
        from verifier.spec import load_spec

        Trust.load(trust_spec=trust_spec).require(load_spec(spec_path), planner=planner,
                                                  tools=False)
    backend = _model_backend(model, model_name, model_grammar)
    settings = PlannerSettings(engine=engine, backend=backend, k=k, rounds=rounds,
                               decoding=decoding, beams=beams, hint=hint)
    # --timeout bounds every phase from here on: reading, grounding, compiling, search and
    # the verification of the plan found (verifier/deadline.py); running out is a plan
    # status "timeout" (exit 1), as a search that ran out always was
    with within(timeout_s):
        try:
            eng = _engine(spec_path, planner=planner, settings=settings, backend=backend,
                          planning_engine=engine, journal=memory_journal(journal, memory),
                          memory=memory,
                          options=replace(RunOptions(), plan_timeout_s=timeout_s))
            try:
                return _plan_report(eng, spec_path, problem_ref, goal)
            finally:
                eng.close()
        except DeadlineExceeded as e:
            return PlanReport(problem_ref or "goal", Planning(
                planner, "timeout", engine, e.limit_s, str(e)))


def _model_backend(model: Path | str | None, model_name: str | None, model_grammar: str
                   ) -> ModelBackend | None:
    """``--model``'s backend: an OpenAI-compatible server for a URL, a local checkpoint
    (transformers) for a folder, None (the planner's default) without one."""
    if model is not None and str(model).startswith(("http://", "https://")):
        from engine.llm.openai_backend import OpenAICompatibleBackend

        # an OpenAI-compatible server (engine/llm/openai_backend.py)
        return OpenAICompatibleBackend(str(model), model_name=model_name or "default",
                                       grammar_mode=model_grammar)  # type: ignore[arg-type]
    if model is not None:
        from engine.llm.backends import make_backend

        return make_backend("transformers", Path(model))
    return None


def _plan_report(eng: Engine, spec_path: Path, problem_ref: str | None, goal: str | None
                 ) -> PlanReport:
    """:func:`make_plan`'s work once its Engine is open."""
    if goal is None and problem_ref is None:
        raise SpecError("no problem given", path=str(spec_path),
                        hint="name a problem file or one of: " + ", ".join(eng.spec.problems))
    problem, translation = eng.read_problem(problem_ref, goal=goal)
    try:
        certified = eng.plan(problem)
    except NoPlanError as e:
        if e.planning is None:
            raise
        return PlanReport(problem.name, e.planning, translation=translation)
    if certified.planning is None:  # Engine.plan always says how it planned
        raise PlansafeError("Engine.plan returned a plan without its planning record")
    return PlanReport(problem.name, certified.planning, certified.plan,
                      certified.certificate, translation)


def validate_plan(spec_path: Path, problem_ref: str, plan_ref: str, *,
                  stdin_text: str | None = None, z3: bool = False,
                  certificate_file: Path | None = None,
                  timeout_s: float | None = None) -> ValidationReport:
    """:meth:`Engine.verify` of a plan file (or ``-``: ``stdin_text``). Partial-order plans
    (and every plan with ``z3``) go through the Z3 checker, which proves every schedule
    safe or gives one that is not.

    ``timeout_s`` bounds every phase (reading, grounding, the Z3 encoding, checking); running
    out is the verdict "unknown" (exit 1) with the phase in its reason, as a Z3 timeout is."""
    with within(timeout_s):
        try:
            return _validate(spec_path, problem_ref, plan_ref, stdin_text, z3, certificate_file)
        except DeadlineExceeded as e:
            return ValidationReport(Verdict("unknown", reason=str(e)))


def _validate(spec_path: Path, problem_ref: str, plan_ref: str, stdin_text: str | None,
              z3: bool, certificate_file: Path | None) -> ValidationReport:
    from verifier.plan_io import read_plan

    eng = _engine(spec_path)
    try:
        problem = eng.problem(problem_ref)
        plan = read_plan(plan_ref, stdin_text=stdin_text)
        out = eng.verify(plan, problem, z3=z3)
        check = None
        if certificate_file is not None:
            check = _check_certificate(certificate_file, eng.spec, problem, out.plan)
        return ValidationReport(out.verdict, out.certificate, check)
    finally:
        eng.close()


def _check_certificate(path: Path, spec: Spec, problem: Problem, plan: Plan
                       ) -> CertificateCheck:
    """Whether a certificate file (bare, or ``validate --json`` output) matches."""
    from verifier.certificate import Certificate, CertificateError, certificate_matches

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        cert = Certificate.from_json(data.get("certificate") or data)
    except FileNotFoundError:
        raise SpecError("certificate file not found", path=str(path),
                        hint="give the JSON that plansafe validate --json printed") from None
    except (json.JSONDecodeError, AttributeError, CertificateError) as e:
        raise SpecError(f"not a certificate: {e}", path=str(path),
                        hint="give the JSON that plansafe validate --json printed") from None
    ok = certificate_matches(cert, spec_files=spec.files(), problem_file=Path(problem.path),
                             plan=plan)
    return CertificateCheck(str(path), cert.id, ok)
