"""The Planner agent: a language model proposes plans under a grammar, the verifier decides.

The LLM-Modulo loop: propose a candidate under the problem's plan grammar (the most
likely plan a beam search of width ``beams``, 16 by default, finds by the model's
probabilities alone; ``beams=1``: greedy) and verify it; if it fails, sample ``k - 1``
more and verify each;
if none is valid, go again for up to ``rounds`` rounds: from the state where the best
rejected plan came closest to the goal (most goal literals holding, before any step the
verifier faults), that plan's steps up to there kept and the model asked for the rest
(the plain plan prompt of that state: the model was trained on such mid-plan problems;
``resume=False``, or when no step got closer, the whole prompt again with the
verifier's explanation: violation kind, rule id, step, failing atoms); then hand over to
the symbolic planner. A prompt that does not fit in the model's context goes straight to
the fallback (a feedback prompt that does not fit is replaced by the plain one). Fail closed: a plan
leaves the agent only with a ``valid`` verdict from :class:`verifier.validate.Checker`,
whatever the backend returned.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

from engine.planner_report import AgentReport, RoundRecord
from verifier.errors import PlansafeError, SpecError
from verifier.model import Plan, Problem, Provenance, Verdict

_progress_log = logging.getLogger("plansafe.progress")  # shown on a terminal (engine.logs)

__all__ = ["AgentReport", "PlannerAgent", "PlannerKind", "RoundRecord"]

PlannerKind = Literal["llm", "symbolic", "auto"]
#: beam width of each round's first proposal (benchmarks/results/llm_plan.md: 16 beams
#: beat 8 on blocksworld and robotics, greedy by 13-34 points outside devops)
DEFAULT_BEAMS = 16
#: nats added under the state-aware decoding to the steps after which FF's relaxed plan is
#: shortest (engine/llm/hint.py; 0: the model alone; benchmarks/results/llm_hint.md)
DEFAULT_HINT = 12.0


@dataclass(slots=True)
class _Judged:
    """One round's proposals judged: how many were valid and unparseable, the first valid one
    (plan, verdict), the best rejected one (progress, text, verdict, plan), the last verdict
    of a rejected one."""
    valid: int = 0
    unparseable: int = 0
    winner: tuple[Plan, Verdict] | None = None
    best: tuple[int, str, Verdict, Plan] | None = None
    last: Verdict | None = None


class PlannerAgent:
    """Plans for problems of one spec with a language model, the verifier and a fallback."""

    def __init__(self, spec: Any, *, backend: Any = None, k: int = 4, rounds: int = 3,
                 fallback: bool = True, use_llm: bool = True, fmt: str = "text",
                 max_new_tokens: int | None = None, temperature: float = 0.7,
                 engine: str = "fast-downward", timeout_s: float = 60.0,
                 state_aware: bool | None = None, guided: bool = False,
                 decoding: str | None = None, shorten: bool = True,
                 beams: int | None = None, resume: bool = True,
                 llm_seconds: float | None = None, patience: int | None = None,
                 hint: float | None = None) -> None:
        beams = DEFAULT_BEAMS if beams is None else beams
        if k < 1 or rounds < 0 or beams < 1:
            raise PlansafeError(f"k and beams must be at least 1 and rounds at least 0 (k={k}, "
                                f"beams={beams}, rounds={rounds})")
        if fmt not in ("text", "json"):
            raise PlansafeError(f"unknown plan format '{fmt}' (use text or json)")
        if not use_llm and not fallback:
            raise PlansafeError("nothing to plan with: use_llm=False and fallback=False")
        self.spec = spec
        self._backend = backend
        self.k, self.rounds, self.fallback, self.use_llm = k, rounds, fallback, use_llm
        self.fmt, self.temperature = fmt, temperature
        self.beams = beams  # the first proposal of a round: beam search of this width
        self.max_new_tokens = max_new_tokens
        self.engine, self.timeout_s = engine, timeout_s
        if decoding is None:  # the older flags: state_aware / guided
            decoding = ("guided" if guided else "state-aware" if state_aware
                        else "grammar" if state_aware is False or fmt != "text"
                        else "state-aware")
            if guided and state_aware:
                raise PlansafeError("guided decoding needs fmt='text' and replaces the "
                                    "state-aware constraint")
        from engine.llm.decodings import DECODINGS

        self.rules_of = DECODINGS.get(decoding)()  # how the model writes (engine/llm/decodings)
        if not self.rules_of.any_format and fmt != "text":
            raise PlansafeError(f"the {decoding} decoding needs fmt='text' (the JSON plan "
                                "format is decoded under the plan grammar)")
        self.decoding = decoding
        self.shorten = shorten  # drop steps an accepted model plan does not need
        # feedback rounds go on from where the best rejected plan came closest to the goal
        self.resume = resume
        #: wall-clock seconds the model may spend on one problem (None: scaled to the
        #: problem, :meth:`_budget`); past it no new proposal starts and a running one stops
        self.llm_seconds = llm_seconds
        #: steps without coming closer to the goal after which a state-aware generation
        #: ends (None: scaled to the problem, :meth:`_patience`; 0: never)
        self.patience = patience
        self.hint = DEFAULT_HINT if hint is None else hint  # engine/llm/hint.py
        self._deadline: float | None = None
        self._budget_s = 0.0  # seconds the model got after its first proposal (_budget)
        self._turn_end: float | None = None
        self._steps_patience: int | None = None
        self._cap = 0  # the answer's token budget in the last generate call (the context)
        self._estimate: int | None = None  # the problem's own token budget (_max_tokens)
        #: windows a first proposal cut by the context goes on for (engine/llm/windows.py)
        self.windows = 3
        self.state_aware = self.rules_of.state_aware
        self.guided = self.rules_of.walks
        self.last = AgentReport()

    @classmethod
    def for_planner(cls, spec: Any, planner: PlannerKind, **options: Any) -> PlannerAgent:
        """``llm``: model only; ``symbolic``: planner only; ``auto``: model, then planner."""
        if planner not in ("llm", "symbolic", "auto"):
            raise PlansafeError(f"unknown planner '{planner}' (known: llm, symbolic, auto)")
        return cls(spec, use_llm=planner != "symbolic", fallback=planner != "llm", **options)

    @property
    def backend(self) -> Any:
        if self._backend is None:
            from engine.llm.spec_models import backend_for_spec

            # the spec's own model (plansafe train SPEC) when it has one, else the embedded one
            t0 = time.perf_counter()
            self._backend = backend_for_spec(self.spec)
            self.last.model_load_seconds += time.perf_counter() - t0
        return self._backend

    # --- the loop -----------------------------------------------------------------------------

    def plan(self, problem: Problem) -> tuple[Plan | None, Verdict | None]:
        """A verified plan with provenance and its verdict, or ``(None, last verdict)``."""
        from verifier.validate import Checker

        start = time.perf_counter()
        self.last = report = AgentReport()
        checker = Checker(problem, policies=self.spec.policies, access=self.spec.access,
                          describe=self.spec.describe)
        last_verdict: Verdict | None = None
        if self.use_llm and self.rounds > 0:
            found, last_verdict = self._llm_rounds(problem, checker, report)
            if found is not None:
                report.seconds = time.perf_counter() - start
                return found
        if not self.fallback:
            report.seconds = time.perf_counter() - start
            report.message = (report.message if report.context_overflow
                              or report.budget_spent else
                              f"no proposal passed the verifier in {len(report.rounds)} "
                              "round(s)") + "; the symbolic fallback is off"
            return None, last_verdict
        return self._symbolic(problem, checker, report, start)

    def _budget(self, problem: Problem, first: float = float("inf")) -> float:
        """Seconds the model gets for one problem after its first proposal (which runs to
        its token budget or until it stalls, ``patience``): ``llm_seconds``, else as long
        as the first proposal took (``first``; at least 1 s: the machine's speed and load
        scale both alike), at most 3 s and a quarter second per object and at most 12 s (a
        failing ``--planner llm`` run ends about then; ``auto`` falls back).
        ``$PLANSAFE_LLM_SECONDS`` replaces the default."""
        import os

        if self.llm_seconds is not None:
            return self.llm_seconds
        env = os.environ.get("PLANSAFE_LLM_SECONDS")
        if env:
            try:
                return float(env)
            except ValueError:
                raise PlansafeError(f"PLANSAFE_LLM_SECONDS={env!r} is not a number of "
                                    "seconds") from None
        return min(12.0, 3.0 + 0.25 * len(problem.objects), max(1.0, first))

    def _time_left(self) -> float:  # to the budget after the first proposal, or turn's end
        ends = [t for t in (self._deadline, self._turn_end) if t is not None]
        return min(ends) - time.perf_counter() if ends else float("inf")

    def _patience(self, problem: Problem) -> int | None:
        """Steps a state-aware generation may go without coming closer to the goal
        (:meth:`engine.llm.stateaware.Safe.distance`) before it ends: ``patience``, else 10
        and two per object (the model's valid first proposals on unseen problems of the
        training sizes went at most 12 steps without, Fast Downward's plans for up to 15
        blocks 11: benchmarks/results/llm_spec_train.md)."""
        if self.patience is not None:
            return self.patience or None
        return 10 + 2 * len(problem.objects)

    def _timed(self, *, clear: bool = False) -> None:
        """Bound the next generate call by the time left (backends with ``max_time``) and
        by the steps without progress (``patience``); ``clear``: unbound it again (the
        backend may be shared) and count a generation ended for want of progress."""
        if hasattr(self.backend, "max_time"):
            left = self._time_left()
            self.backend.max_time = (None if clear or left == float("inf")
                                     else max(0.05, left))
        if hasattr(self.backend, "patience"):
            self.backend.patience = None if clear else self._steps_patience
        if hasattr(self.backend, "prefer"):
            self.backend.prefer = 0.0 if clear else self.hint
            if clear and getattr(self.backend, "stalled", False):
                self.last.stalled += 1

    def _max_tokens(self, problem: Problem) -> int:
        """``max_new_tokens``, else the flat budget cut under the state-aware decoding to
        the steps the goal plausibly needs (:func:`engine.llm.budget.token_budget`)."""
        if self.max_new_tokens is not None:
            return self.max_new_tokens
        per_step = 8 if self.fmt == "text" else 20
        flat = min(1024, 64 + per_step * (8 + 3 * len(problem.objects)))
        return flat if self._estimate is None else min(flat, self._estimate)

    def _estimated_tokens(self, checker: Any, backend: Any = None) -> int | None:
        """The problem's own token budget (:mod:`engine.llm.budget`) for state-aware IPC
        text from the model, when the backend (or ``backend``: anything with a
        ``tokenizer``) has a tokenizer and the goal an estimate."""
        if self.max_new_tokens is not None or not (self.rules_of.state_aware
                                                   and self.fmt == "text") or self.guided:
            return None
        from engine.llm.budget import token_budget

        return token_budget(self.backend if backend is None else backend, checker)

    def _counter(self) -> Any:
        """What counts prompt tokens before the model loads: the checkpoint's tokenizer
        file (:mod:`engine.llm.preflight`); None when loaded, guided or not certain."""
        if self._backend is not None or self.guided:
            return None
        from engine.llm.preflight import checkpoint_for_spec, counter_for

        return counter_for(checkpoint_for_spec(self.spec))

    def _plan_prompt(self, problem: Problem, counter: Any = None) -> str:
        """The plan prompt; for the state-aware decoding one that fits the context
        (static atoms left out when the whole prompt does not:
        :func:`engine.llm.prompts.fitted_prompt`), counted by ``counter`` or the backend."""
        from engine.llm.prompts import fitted_prompt, problem_prompt
        from engine.llm.windows import fits

        if not (self.rules_of.state_aware and self.fmt == "text") or self.guided:
            return problem_prompt(problem)
        src = self.backend if counter is None else counter
        return fitted_prompt(problem, lambda text: fits(src, text))

    def _overflow_before_load(self, problem: Problem, checker: Any, prompt: str,
                              counter: Any) -> Any:
        """The :class:`~engine.llm.backend.ContextOverflow` the first proposal would meet,
        told from the checkpoint's tokenizer file before the model loads (the same count
        and the same answer budget: :mod:`engine.llm.preflight`); None when the prompt fits
        or the count is not certain (the loaded backend decides)."""
        if self.guided:
            return None
        from engine.llm.backend import ContextOverflow
        from engine.llm.windows import room

        if counter is None:
            return None
        estimate = self._estimated_tokens(checker, counter)
        flat = self._max_tokens(problem)
        want = flat if estimate is None else min(flat, estimate)
        cap = room(counter, prompt, want)
        used = counter.prompt_tokens(prompt)
        if used + cap <= counter.context_tokens:
            return None
        return ContextOverflow(prompt_tokens=used, max_new_tokens=cap,
                               context_tokens=counter.context_tokens)

    def _llm_rounds(self, problem: Problem, checker: Any, report: AgentReport
                    ) -> tuple[tuple[Plan, Verdict] | None, Verdict | None]:
        from engine.llm.budget import turn_end
        from engine.llm.grammar import plan_grammar
        from engine.llm.rounds import after_kept

        grammar = plan_grammar(problem.domain, problem.objects, fmt=self.fmt)  # type: ignore
        counter = self._counter()
        base = prompt = self._plan_prompt(problem, counter)
        # where this round's proposals start: after ``keep`` (steps of a rejected plan,
        # as plan text), from the node they reach (``start``: state and policy memory)
        keep, start = "", None
        last: Verdict | None = None
        budget = self._budget(problem)
        self._deadline = None  # set when the first proposal is written
        self._budget_s = budget  # the seconds it then gives (the message says them)
        self._turn_end = turn_end(self.fallback)  # the command's --timeout (budget.py)
        self._steps_patience = self._patience(problem)
        self._estimate = None
        if self._backend is None:  # not loaded yet: does the prompt fit at all?
            overflow = self._overflow_before_load(problem, checker, prompt, counter)
            if overflow is not None:  # the fallback (auto) decides, no model loaded
                report.context_overflow = True
                report.message = str(overflow)
                return None, None
        self._estimate = self._estimated_tokens(checker)
        for r in range(1, self.rounds + 1):
            if r > 1 and self._time_left() <= 0:  # fail fast: the fallback (auto) decides
                report.budget_spent = True
                report.message = (f"the model's time budget ({budget:.1f} s) ran out after "
                                  f"{r - 1} round(s)")
                break
            _progress_log.info("the model is planning: round %d of %d (%d beams, up to %d "
                               "proposals)...", r, self.rounds, self.beams, self.k)
            t0 = time.perf_counter()
            got = self._proposals(prompt, base, keep, start, grammar, problem, checker, r, report)
            if got is None:  # no room even for the plain prompt: the fallback decides
                break
            gens, prompt, keep, start = got
            if self._deadline is None:
                self._budget_s = self._budget(problem, time.perf_counter() - t0)
                self._deadline = time.perf_counter() + self._budget_s
            budget = self._budget_s
            gens = after_kept(keep, gens)
            judged = self._judge_round(gens, r, keep, prompt, grammar, problem, checker, report,
                                       start)
            last = judged.last or last
            seconds = time.perf_counter() - t0
            tokens = sum(g.tokens for g in gens)
            report.unparseable += judged.unparseable
            feedback: tuple[str, ...] = ()
            round_kept = keep.count("\n")
            if judged.winner is None and judged.best is not None:
                feedback, nxt = self._next_round(judged.best, r, round_kept, base, problem,
                                                 checker)
                if nxt is None:
                    report.message = (f"round {r} came no closer to the goal than the "
                                      "round before")  # fail fast: no more rounds
                    report.rounds.append(RoundRecord(r, len(gens), judged.valid,
                                                     judged.unparseable, tokens,
                                                     time.perf_counter() - t0, feedback,
                                                     round_kept))
                    break
                prompt, keep, start = nxt
            _progress_log.info("round %d: %d proposals, %d valid (%.1f s)", r, len(gens),
                               judged.valid, seconds)
            report.rounds.append(RoundRecord(r, len(gens), judged.valid, judged.unparseable,
                                             tokens, seconds, feedback, round_kept))
            if judged.winner is not None:
                won = self._won(judged.winner, r, checker, report)
                return won, won[1]
        return None, last

    def _proposals(self, prompt: str, base: str, keep: str, start: Any, grammar: str,
                   problem: Problem, checker: Any, r: int, report: AgentReport
                   ) -> tuple[list[Any], str, str, Any] | None:
        """Round ``r``'s first proposals, with the (prompt, kept text, start) they came from:
        the plain prompt again when the rejected attempt made the prompt too long; None when
        even the plain prompt does not fit (``report`` says so)."""
        from engine.llm.backend import ContextOverflow

        try:
            return (self._generate(prompt, grammar, problem, checker, r, report, start),
                    prompt, keep, start)
        except ContextOverflow as e:
            if prompt == base:
                report.context_overflow = True
                report.message = str(e)
                return None
            return self._generate(base, grammar, problem, checker, r, report), base, "", None

    def _judge_round(self, gens: list[Any], r: int, keep: str, prompt: str, grammar: str,
                     problem: Problem, checker: Any, report: AgentReport, start: Any
                     ) -> _Judged:
        """Round ``r``'s proposals judged in turn; when the first fails, the other k - 1 are
        sampled (``gens`` grows) and judged too."""
        from engine.llm.rounds import after_kept, progress_of

        judged = _Judged()
        for i, g in enumerate(gens):  # grows below: the samples are judged in turn
            text, plan, verdict = self._judge(g, f"<proposal {r}.{i + 1}>", checker,
                                              problem, report)
            if plan is None or verdict is None:
                judged.unparseable += 1
            else:
                if r == 1 and i == 0:
                    report.first_proposal_valid = verdict.valid
                if verdict.valid and verdict.plan is not None:
                    judged.valid += 1
                    judged.winner = judged.winner or (verdict.plan, verdict)
                else:
                    score = progress_of(verdict, plan)
                    if judged.best is None or score > judged.best[0]:
                        judged.best = (score, text, verdict, plan)
                    judged.last = verdict
            if i == 0 and judged.winner is None and not self.guided and len(gens) < self.k \
                    and self._time_left() > 0:
                # the first proposal failed: now the other k - 1, sampled
                gens.extend(after_kept(keep, self._sample(prompt, grammar, problem, checker,
                                                      start)))
        return judged

    def _next_round(self, best: tuple[int, str, Verdict, Plan], r: int, round_kept: int,
                    base: str, problem: Problem, checker: Any
                    ) -> tuple[tuple[str, ...], tuple[str, str, Any] | None]:
        """The explanation of round ``r``'s best rejected plan, and the next round's (prompt,
        kept plan text, start): on from where that plan came closest to the goal, or the
        plain prompt with the explanation; None when resuming came no closer than before."""
        from engine.llm.dataset import explain
        from engine.llm.prompts import feedback_prompt, step_line
        from engine.llm.rounds import resume_point
        from verifier.problem_ops import with_initial_state

        feedback = tuple(explain(best[2]))
        resuming = self.resume and self.fmt == "text" and not self.guided
        point = resume_point(best[3], best[2], checker) if resuming else None
        if resuming and r > 1 and (point is None or point[0] <= round_kept):
            return feedback, None
        if point is not None:  # plan on from the rejected plan's closest approach
            kept, start = point
            keep = "".join(step_line(s.action, s.args) for s in best[3].steps[:kept])
            return feedback, (self._plan_prompt(with_initial_state(
                problem, checker.task.atoms_of(start[0]))), keep, start)
        return feedback, (feedback_prompt(base, best[1], feedback), "", None)

    def _won(self, winner: tuple[Plan, Verdict], r: int, checker: Any, report: AgentReport
             ) -> tuple[Plan, Verdict]:
        """The valid plan of round ``r`` (shortened when asked), with its provenance."""
        plan, verdict = winner
        if self.shorten:
            plan, verdict = self._shortened(plan, verdict, checker, report)
        source = "llm" if r == 1 else "llm-repaired"
        report.source = source
        prov = Provenance(source, r, report.tokens,  # type: ignore[arg-type]
                          sum(x.seconds for x in report.rounds),
                          getattr(self.backend, "name", "model"))
        return replace(plan, provenance=prov), verdict

    def _judge(self, g: Any, label: str, checker: Any, problem: Problem, report: AgentReport
               ) -> tuple[str, Plan | None, Verdict | None]:
        """A proposal's text (cut to its whole steps if the budget ran out), its plan and
        verdict; plan and verdict are None when it does not parse."""
        from verifier.plan_io import parse_plan

        report.proposals += 1
        text = g.text
        if not self.guided and (g.tokens >= min(self._cap, self._max_tokens(problem)) or (
                self.fmt == "text" and text and not text.endswith("\n")
                and hasattr(self.backend, "max_time"))):  # cut by the time budget
            # the budget ran out, maybe inside a step: the grammar made every whole step
            # before it well-formed, so those are what the verifier judges
            report.truncated += 1
            if self.fmt == "text":
                text = text[:text.rfind("\n") + 1]
        try:
            plan = parse_plan(text, path=label)
        except SpecError:
            return text, None, None
        return text, plan, checker.check(plan)

    @staticmethod
    def _shortened(plan: Plan, verdict: Verdict, checker: Any, report: AgentReport
                   ) -> tuple[Plan, Verdict]:
        """The accepted plan without the steps it does not need, verified again (a model
        that may stop only at the goal sometimes does other work on the way)."""
        from engine.symbolic.shorten import eliminate_redundant_steps

        short = eliminate_redundant_steps(checker, plan)
        if short is plan:
            return plan, verdict
        again = checker.check(short)
        if not again.valid or again.plan is None:  # cannot happen; fail closed anyway
            return plan, verdict
        report.removed_steps = len(plan.steps) - len(short.steps)
        return again.plan, again

    def _generate(self, prompt: str, grammar: str, problem: Problem, checker: Any,
                  round_no: int = 1, report: AgentReport | None = None,
                  start: Any = None) -> Any:
        if self.guided:
            from engine.llm.guided import guided_walk

            walks = []  # up to k walks (the first of round 1 greedy); stop at a valid one
            for i in range(self.k):
                walks.append(guided_walk(self.backend, problem, checker,
                                         sample=round_no > 1 or i > 0,
                                         temperature=self.temperature,
                                         max_steps=self._max_tokens(problem) // 4))
                if walks[-1].status == "valid":
                    break
            if report is not None:
                report.walks.extend(w.status for w in walks)
            return [w.generation() for w in walks]
        # the first proposal alone: the other k - 1 are sampled only if it fails. The very
        # first proposal runs to its token budget whatever the time (on a slow or busy
        # machine a time bound would cut proposals that would pass: the budget starts
        # after it); the rest are timed
        from engine.llm.windows import continue_proposal, fits, room

        want = self._max_tokens(problem)
        self._cap = cap = room(self.backend, prompt, want)  # what the context leaves

        def write(text: str, node: Any) -> tuple[Any, int]:
            c = room(self.backend, text, want)
            self._timed()  # later windows are timed like the samples
            return self.backend.generate(text, grammar=grammar, k=1, max_new_tokens=c,
                                         temperature=self.temperature,
                                         state=self._rules(checker, node),
                                         beams=self.beams)[0], c

        self._timed()
        t0 = time.perf_counter()
        try:
            gens = self.backend.generate(prompt, grammar=grammar, k=1, max_new_tokens=cap,
                                         temperature=self.temperature,
                                         state=self._rules(checker, start), beams=self.beams)
            if cap < want and gens and self.fmt == "text" and self.rules_of.state_aware:
                # cut by the context: go on from the state its steps reach (a window),
                # within the time budget that starts after the first window
                if self._deadline is None:
                    self._budget_s = self._budget(problem, time.perf_counter() - t0)
                    self._deadline = time.perf_counter() + self._budget_s
                gens[0] = continue_proposal(gens[0], cap, want, windows=self.windows,
                                            checker=checker, problem=problem, start=start,
                                            write=write,
                                            fit=lambda text: fits(self.backend, text))
            return gens
        finally:
            self._timed(clear=True)

    def _rules(self, checker: Any, start: Any = None) -> Any:
        """What the backend's ``state=`` takes for this decoding; ``start``: the node
        (state, policy memory) the proposal goes on from."""
        return self.rules_of.rules(checker, start)

    def _sample(self, prompt: str, grammar: str, problem: Problem, checker: Any,
                start: Any = None) -> list[Any]:
        from engine.llm.windows import room

        self._cap = room(self.backend, prompt, self._max_tokens(problem))
        self._timed()
        try:
            samples: list[Any] = self.backend.sample(
                prompt, self.k - 1, grammar=grammar, max_new_tokens=self._cap,
                temperature=self.temperature, state=self._rules(checker, start))
            return samples
        finally:
            self._timed(clear=True)

    def _symbolic(self, problem: Problem, checker: Any, report: AgentReport, start: float
                  ) -> tuple[Plan | None, Verdict | None]:
        from engine.symbolic.planning import solve

        result = solve(problem, policies=self.spec.policies, access=self.spec.access,
                       describe=self.spec.describe, engine=self.engine,
                       timeout_s=self.timeout_s)
        report.fallback_status = result.status
        report.message = result.message
        report.blocking = result.blocking
        report.seconds = time.perf_counter() - start
        if not result.solved or result.plan is None:
            return None, result.verdict
        verdict = checker.check(result.plan)  # fail closed: check again here
        if not verdict.valid or verdict.plan is None:
            report.message = "the symbolic plan failed verification"
            return None, verdict
        report.source = "symbolic"
        prov = Provenance("symbolic", len(report.rounds), report.tokens, report.seconds,
                          result.engine)
        return replace(verdict.plan, provenance=prov), verdict

