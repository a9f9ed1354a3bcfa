"""The Planner agent: the LLM-Modulo loop fails closed, repairs with feedback, records
provenance."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.backend import Generation, ModelBackend
from engine.planner import PlannerAgent
from verifier.errors import PlansafeError
from verifier.grounding import Task
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker


class ScriptedBackend(ModelBackend):
    """Answers each round with the next list of texts; remembers the prompts it saw."""

    name = "scripted"

    def __init__(self, rounds: list[list[str]]) -> None:
        self.rounds = rounds
        self.prompts: list[str] = []
        self.grammars: list[str | None] = []
        self.states: list[Any] = []
        self.beams: list[int] = []  # the beam width asked for, per generate call
        self.samples: list[int] = []  # how many samples were asked for after a first proposal

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        self.prompts.append(prompt)
        self.grammars.append(grammar)
        self.states.append(state)
        self.beams.append(beams)
        texts = self.rounds[min(len(self.prompts), len(self.rounds)) - 1]
        return [Generation(t, len(t.split()) + 1) for t in texts[:k]]

    def sample(self, prompt: str, n: int, **kw: Any) -> list[Generation]:
        # the rest of the current round's candidates (the agent asks after the first fails)
        assert prompt == self.prompts[-1]
        self.samples.append(n)
        texts = self.rounds[min(len(self.prompts), len(self.rounds)) - 1]
        return [Generation(t, len(t.split()) + 1) for t in texts[1:1 + n]]


# Executable plans that break the release policies, an unknown action, an ill-typed call,
# and text that is not a plan at all: none may leave the agent.
UNSAFE = [
    "(build api)\n(deploy api prod)\n",                     # no test, no backup, no staging
    "(build api)\n(test api)\n(deploy api prod)\n",          # no backup, no staging
    "(build api)\n(test api)\n(deploy api staging)\n(backup prod)\n(deploy api prod)\n",  # no check
    "(deploy api prod)\n",                                   # not built
    "(launch api)\n",
    "(deploy prod api)\n",
    "this is not a plan {",
    '{"steps": [{"action": "deploy", "args": ["api", "prod"]}]}',
]
GOOD = ("(build api)\n(test api)\n(deploy api staging)\n(backup prod)\n(deploy api prod)\n"
        "(health-check api prod)\n")


@pytest.fixture(scope="module")
def devops(specs_dir):
    spec = load_spec(specs_dir / "devops")
    return spec, load_problem(spec, "p02")


def test_state_aware_constraint_is_the_default_for_plan_text(devops):
    spec, problem = devops
    for options, expect in (({}, "state-aware"), ({"fmt": "json"}, "grammar"),
                            ({"state_aware": False}, "grammar"), ({"guided": True}, "guided"),
                            ({"decoding": "applicable"}, "applicable")):
        agent = PlannerAgent(spec, backend=ScriptedBackend([[GOOD]]), **options)
        assert agent.decoding == expect, options
        assert agent.state_aware is (expect in ("state-aware", "applicable"))
    for decoding, handed in (("state-aware", Checker), ("applicable", Task),
                             ("grammar", type(None))):
        backend = ScriptedBackend([[GOOD]])
        plan, verdict = PlannerAgent(spec, backend=backend, k=1, fallback=False,
                                     decoding=decoding).plan(problem)
        assert plan is not None and verdict.valid
        # the backend is handed what the constraint needs: the checker the verifier uses
        # (policies, access, goal) or only its grounded task (applicability)
        assert type(backend.states[0]) is handed, decoding
    with pytest.raises(PlansafeError, match="needs fmt='text'"):
        PlannerAgent(spec, fmt="json", state_aware=True)
    with pytest.raises(PlansafeError, match="needs fmt='text'"):
        PlannerAgent(spec, fmt="json", decoding="applicable")
    with pytest.raises(PlansafeError, match="unknown decoding 'psychic'"):
        PlannerAgent(spec, decoding="psychic")


def test_adversarial_backend_fails_closed_without_fallback(devops):
    spec, problem = devops
    backend = ScriptedBackend([UNSAFE])
    agent = PlannerAgent(spec, backend=backend, k=len(UNSAFE), rounds=3, fallback=False)
    plan, verdict = agent.plan(problem)
    assert plan is None
    assert verdict is not None and not verdict.valid
    assert agent.last.source is None
    # round 2 came no closer to the goal than round 1: the model's turn ends (fail fast)
    assert len(agent.last.rounds) == 2
    assert agent.last.proposals == 2 * len(UNSAFE)
    assert agent.last.unparseable == 2  # "this is not a plan {" in each round


def test_adversarial_backend_then_symbolic_fallback(devops):
    spec, problem = devops
    agent = PlannerAgent(spec, backend=ScriptedBackend([UNSAFE]), k=len(UNSAFE), rounds=2)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict is not None and verdict.valid
    assert plan.provenance is not None and plan.provenance.source == "symbolic"
    assert plan.provenance.rounds == 2 and plan.provenance.tokens > 0
    assert Checker(problem, policies=spec.policies, access=spec.access).check(plan).valid


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.lists(st.sampled_from(UNSAFE + [GOOD]), min_size=1, max_size=4),
                       min_size=1, max_size=3))
def test_no_unverified_plan_leaves_the_agent(devops, script):
    """Whatever the model says, in any order: a returned plan is one the verifier accepts."""
    spec, problem = devops
    agent = PlannerAgent(spec, backend=ScriptedBackend(script), k=4, rounds=len(script),
                         fallback=False)
    plan, verdict = agent.plan(problem)
    proposed_good = any(GOOD in texts for texts in script)
    # (a round that comes no closer to the goal than the one before ends the model's turn:
    # a GOOD proposal scripted after it is never asked for)
    assert plan is None or proposed_good
    assert plan is not None or GOOD not in script[0]
    if plan is not None:
        assert verdict.valid and agent.last.source in ("llm", "llm-repaired")
        assert [s.call for s in plan.steps] == GOOD.split("\n")[:-1]
        assert Checker(problem, policies=spec.policies, access=spec.access).check(plan).valid
    else:
        assert agent.last.source is None


def test_feedback_names_rule_and_repair_is_recorded(devops):
    spec, problem = devops
    backend = ScriptedBackend([[UNSAFE[1]], [GOOD]])
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=3, fallback=False)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid
    assert plan.provenance.source == "llm-repaired" and plan.provenance.rounds == 2
    assert "rejected:" in backend.prompts[1] and "backup-before-prod" in backend.prompts[1]
    assert agent.last.rounds[0].feedback and agent.last.rounds[0].valid == 0
    assert [r.tokens for r in agent.last.rounds] == [len(UNSAFE[1].split()) + 1,
                                                     len(GOOD.split()) + 1]
    assert all(s.agent for s in plan.steps)  # agents filled in by the verifier


def test_proposal_cut_by_the_token_budget_keeps_its_whole_steps(devops):
    spec, problem = devops
    cut = GOOD + "(deploy api"  # what a grammar-constrained model leaves when tokens run out
    agent = PlannerAgent(spec, backend=ScriptedBackend([[cut]]), k=1, rounds=1,
                         fallback=False, max_new_tokens=5)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid and len(plan.steps) == 6
    assert (agent.last.truncated, agent.last.unparseable) == (1, 0)


def test_first_valid_proposal_is_llm(devops):
    spec, problem = devops
    backend = ScriptedBackend([[GOOD, UNSAFE[0]]])
    agent = PlannerAgent(spec, backend=backend, k=2, rounds=3)
    plan, _ = agent.plan(problem)
    assert plan.provenance.source == "llm" and plan.provenance.rounds == 1
    assert agent.last.first_proposal_valid
    # a valid first proposal (beam search, width 16 by default) ends the round: no samples
    assert backend.beams == [16] and backend.samples == [] and agent.last.proposals == 1


def test_the_model_load_is_reported_apart(devops, monkeypatch):
    """A turn that loads the model itself says how much of its time that took; a turn
    with a model loaded before says 0."""
    import time

    from engine.llm import spec_models

    spec, problem = devops

    def slow_load(spec: Any) -> ModelBackend:
        time.sleep(0.2)
        return ScriptedBackend([[GOOD]])

    monkeypatch.setattr(spec_models, "backend_for_spec", slow_load)
    agent = PlannerAgent(spec, k=1, rounds=1)
    plan, _ = agent.plan(problem)
    assert plan is not None
    assert 0.2 <= agent.last.model_load_seconds <= agent.last.seconds
    assert agent.last.to_json()["model_load_seconds"] >= 0.2
    again = PlannerAgent(spec, backend=ScriptedBackend([[GOOD]]), k=1, rounds=1)
    again.plan(problem)
    assert again.last.model_load_seconds == 0.0


def test_samples_are_drawn_only_after_the_first_proposal_fails(devops):
    spec, problem = devops
    backend = ScriptedBackend([[UNSAFE[0], UNSAFE[1], GOOD], [GOOD]])
    agent = PlannerAgent(spec, backend=backend, k=3, rounds=2, fallback=False, beams=2)
    plan, _ = agent.plan(problem)
    assert plan is not None and plan.provenance.source == "llm"  # the second sample, round 1
    assert backend.beams == [2] and backend.samples == [2]
    assert not agent.last.first_proposal_valid
    assert (agent.last.proposals, agent.last.rounds[0].candidates,
            agent.last.rounds[0].valid) == (3, 3, 1)
    assert agent.last.rounds[0].tokens == sum(len(t.split()) + 1 for t in backend.rounds[0])
    with pytest.raises(PlansafeError, match="beams must be at least 1"):
        PlannerAgent(spec, beams=0)


def test_grammar_is_given_to_the_backend(devops):
    spec, problem = devops
    backend = ScriptedBackend([[GOOD]])
    PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False).plan(problem)
    assert backend.grammars[0] is not None and '"(deploy "' in backend.grammars[0]


class OverflowBackend(ScriptedBackend):
    """A model with a small context: prompts longer than ``limit`` characters overflow."""

    def __init__(self, rounds: list[list[str]], limit: int) -> None:
        super().__init__(rounds)
        self.limit = limit

    def generate(self, prompt: str, **kw: Any) -> list[Generation]:
        from engine.llm.backend import ContextOverflow

        if len(prompt) > self.limit:
            raise ContextOverflow(prompt_tokens=len(prompt), max_new_tokens=1,
                                  context_tokens=self.limit)
        return super().generate(prompt, **kw)


def test_context_overflow_goes_to_the_fallback(devops):
    spec, problem = devops
    agent = PlannerAgent(spec, backend=OverflowBackend([UNSAFE], limit=10), k=2, rounds=3)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid and plan.provenance.source == "symbolic"
    assert agent.last.context_overflow and agent.last.rounds == []
    assert agent.last.to_json()["context_overflow"] is True


def test_context_overflow_without_fallback_fails_closed(devops):
    spec, problem = devops
    agent = PlannerAgent(spec, backend=OverflowBackend([UNSAFE], limit=10), k=2, rounds=3,
                         fallback=False)
    plan, _ = agent.plan(problem)
    assert plan is None and agent.last.source is None
    assert "context_tokens=10" in agent.last.message and "fallback is off" in agent.last.message


def test_feedback_prompt_too_long_uses_the_plain_prompt(devops):
    spec, problem = devops
    from engine.llm.prompts import problem_prompt

    backend = OverflowBackend([[UNSAFE[1]], [GOOD]], limit=len(problem_prompt(problem)))
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=2, fallback=False)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid and plan.provenance.source == "llm-repaired"
    assert backend.prompts == [problem_prompt(problem)] * 2
    assert not agent.last.context_overflow


@pytest.mark.parametrize("planner,use_llm,fallback", [
    ("llm", True, False), ("symbolic", False, True), ("auto", True, True)])
def test_planner_kinds(devops, planner, use_llm, fallback):
    spec, _ = devops
    agent = PlannerAgent.for_planner(spec, planner, backend=ScriptedBackend([[GOOD]]))
    assert (agent.use_llm, agent.fallback) == (use_llm, fallback)


def test_bad_options(devops):
    spec, _ = devops
    with pytest.raises(PlansafeError):
        PlannerAgent(spec, k=0)
    with pytest.raises(PlansafeError):
        PlannerAgent.for_planner(spec, "oracle")  # type: ignore[arg-type]


# --- the real embedded model on the CPU -------------------------------------------------------

@pytest.fixture(scope="module")
def embedded():
    pytest.importorskip("torch")
    pytest.importorskip("outlines")
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import load_default_backend

    if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the embedded model is not built (plansafe train --out engine/models/default)")
    import torch

    torch.manual_seed(0)
    return load_default_backend(device="cpu")


@pytest.mark.parametrize("spec_name,problem_name", [("devops", "p01"), ("documents", "p01")])
def test_embedded_model_plans_small_problems(embedded, specs_dir, spec_name, problem_name):
    spec = load_spec(specs_dir / spec_name)
    problem = load_problem(spec, problem_name)
    agent = PlannerAgent(spec, backend=embedded, k=2, rounds=2, fallback=True)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict.valid
    assert plan.provenance.source in ("llm", "llm-repaired", "symbolic")
    assert agent.last.unparseable == 0  # grammatical by construction
    assert Checker(problem, policies=spec.policies, access=spec.access).check(plan).valid


def test_embedded_model_proposals_always_parse(embedded, specs_dir):
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from verifier.plan_io import parse_plan

    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    gens = embedded.generate(problem_prompt(problem),
                             grammar=plan_grammar(spec.domain, problem.objects), k=3,
                             max_new_tokens=64)
    assert len(gens) == 3
    for g in gens:
        parse_plan(g.text)  # never raises: the grammar admits only real, well-typed steps
        assert g.tokens >= 1


@pytest.mark.slow
def test_embedded_model_state_aware_and_json(embedded, specs_dir):
    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p02")
    for agent in (PlannerAgent(spec, backend=embedded, k=2, rounds=1, fallback=False,
                               state_aware=True),
                  PlannerAgent(spec, backend=embedded, k=2, rounds=1, fallback=False,
                               fmt="json")):
        plan, verdict = agent.plan(problem)
        assert agent.last.unparseable == 0
        assert plan is None or verdict.valid


@pytest.mark.parametrize("rules", ["applicable", "state-aware"])
def test_state_aware_masks_reused_per_state_and_line(embedded, specs_dir, rules):
    """The state-aware constraints reuse masks by (grammar of the node, text since the last
    newline): each reused mask equals the one llguidance computes, the outputs equal those
    of a fresh processor with every mask computed, and every step is applicable where
    taken; under the full rules every plan that ends by choice passes the verifier."""
    import torch

    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from engine.llm.stateaware import Safe
    from verifier.plan_io import parse_plan

    hits = ended = 0
    for spec_name, name in (("blocksworld", "p02"), ("devops", "p02"), ("robotics", "p01")):
        spec = load_spec(specs_dir / spec_name)
        problem = load_problem(spec, name)
        checker = Checker(problem, policies=spec.policies, access=spec.access)
        source = checker if rules == "state-aware" else checker.task
        grammar = plan_grammar(spec.domain, problem.objects)
        prompt = problem_prompt(problem)
        proc = embedded.state_processor(source)
        assert embedded.state_processor(source) is proc  # one per task
        proc._verify_cache = True  # every cache hit is recomputed and compared
        if rules != "grammar":  # every mask computed equals llguidance's for the node
            proc._check_llguidance = True
        try:
            runs = []
            for _ in range(2):  # the second call reuses the first call's masks
                torch.manual_seed(1)
                runs.append(embedded.generate(prompt, grammar=grammar, k=4, max_new_tokens=96,
                                              state=source))
            hits += len(proc._line_cache)
            proc._line_cache = None  # the plain path: every mask computed
            torch.manual_seed(1)
            plain = embedded.generate(prompt, grammar=grammar, k=4, max_new_tokens=96,
                                      state=source)
        finally:
            proc._verify_cache = proc._check_llguidance = False
            proc.cache_masks_by_line()
        assert [g.text for g in runs[0]] == [g.text for g in runs[1]] == [g.text for g in plain]
        safe = Safe(checker)
        for g in plain:
            whole = g.text if g.tokens < 96 else g.text[:g.text.rfind("\n") + 1]  # budget cut
            verdict = checker.check(parse_plan(whole))
            assert not [v for v in verdict.violations if v.kind == "precondition"], g.text
            if rules == "state-aware" and g.tokens < 96:  # ended with EOS, not the budget
                node = safe.initial()
                for line in g.text.splitlines(keepends=True):
                    node = safe.options(node)[0][line]  # every step was an allowed one
                options, may_end = safe.options(node)
                if options:  # not a dead end: the model chose to end here
                    assert may_end and verdict.valid, g.text
                    ended += 1
    assert hits > 10
    assert rules == "applicable" or ended >= 3


@pytest.mark.parametrize("rules", ["grammar", "state-aware"])
def test_beam_search_rows_keep_their_own_constraint(embedded, specs_dir, rules):
    """Beam search reorders and splits rows between steps; each row's matcher and plan
    follow it: every reused mask equals the computed one, the best beam is grammatical,
    and under the full rules a plan that ended with EOS passes the verifier. Under the
    plan grammar alone rows need no following (their tails are read off their tokens):
    the same search with matchers that follow their rows finds the same plan."""
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from verifier.plan_io import parse_plan

    reorders = ended = 0
    for spec_name, name in (("blocksworld", "p02"), ("blocksworld", "p03"), ("devops", "p02"),
                            ("robotics", "p01")):
        spec = load_spec(specs_dir / spec_name)
        problem = load_problem(spec, name)
        checker = Checker(problem, policies=spec.policies, access=spec.access)
        grammar = plan_grammar(spec.domain, problem.objects)
        state = checker if rules == "state-aware" else None
        proc = embedded.state_processor(checker) if state else embedded.processor(grammar)
        proc._verify_cache = True
        proc._check_llguidance = state is not None  # masks equal llguidance's
        before = getattr(proc, "reorders", 0)
        try:
            (g,) = embedded.generate(problem_prompt(problem), grammar=grammar, k=1,
                                     max_new_tokens=160, state=state, beams=4)
            if state is None:  # the plain path: matchers kept in step, moved with their rows
                proc._line_cache = None
                (plain,) = embedded.generate(problem_prompt(problem), grammar=grammar, k=1,
                                             max_new_tokens=160, beams=4)
                assert plain.text == g.text  # tails read off the tokens: the same search
        finally:
            proc._verify_cache = proc._check_llguidance = False
            if state is None:
                proc.cache_masks_by_line()
        reorders += getattr(proc, "reorders", 0) - before
        whole = g.text if g.tokens < 160 else g.text[:g.text.rfind("\n") + 1]
        verdict = checker.check(parse_plan(whole))  # parses: grammatical by construction
        if rules == "state-aware":
            assert not [v for v in verdict.violations if v.kind == "precondition"], g.text
            if g.tokens < 160:
                assert verdict.valid, g.text
                ended += 1
    assert reorders > 0  # the beams did move between rows
    assert rules == "grammar" or ended >= 3


def test_embedded_model_n_best_are_grammatical_and_ranked(embedded, specs_dir):
    """``best``: a beam search's n best whole answers, the first being what the same beam
    search gives as its one answer (the goal reader checks them in this order)."""
    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt
    from verifier.plan_io import parse_plan

    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    grammar = plan_grammar(spec.domain, problem.objects)
    prompt = problem_prompt(problem)
    gens = embedded.best(prompt, 3, grammar=grammar, max_new_tokens=48)
    assert len(gens) == 3 and len({g.text for g in gens}) == 3
    for g in gens:
        parse_plan(g.text)
    one = embedded.generate(prompt, grammar=grammar, k=1, max_new_tokens=48, beams=3)[0]
    assert gens[0].text == one.text


def test_embedded_model_context_overflow_is_an_error(embedded):
    from engine.llm.backend import ContextOverflow

    prompt = "plan\nobjects: " + " ".join(f"b{i}" for i in range(400)) + "\ninit:\ngoal:\n"
    with pytest.raises(ContextOverflow) as e:
        embedded.generate(prompt, grammar=None, k=1, max_new_tokens=16)
    assert e.value.context_tokens == embedded.context_tokens == 768
    assert e.value.prompt_tokens > 768 - 16


def test_line_cached_masks_equal_computed_masks(embedded, specs_dir):
    """Masks reused by the text since the last newline are the masks llguidance computes."""
    import torch

    from engine.llm.grammar import plan_grammar
    from engine.llm.prompts import problem_prompt

    hits = 0
    for spec_name, name in (("blocksworld", "p02"), ("devops", "p02"), ("robotics", "p01")):
        spec = load_spec(specs_dir / spec_name)
        problem = load_problem(spec, name)
        grammar = plan_grammar(spec.domain, problem.objects)
        proc = embedded.processor(grammar)
        assert proc._line_cache is not None
        proc._verify_cache = True  # every cache hit is recomputed and compared
        try:
            torch.manual_seed(1)
            cached = embedded.generate(problem_prompt(problem), grammar=grammar, k=4,
                                       max_new_tokens=96)
            hits += len(proc._line_cache)
            proc._line_cache = None  # the plain path: every mask computed
            torch.manual_seed(1)
            plain = embedded.generate(problem_prompt(problem), grammar=grammar, k=4,
                                      max_new_tokens=96)
        finally:
            proc._verify_cache = False
            proc.cache_masks_by_line()
        assert [g.text for g in cached] == [g.text for g in plain]
    assert hits > 10


def test_accepted_model_plans_lose_the_steps_they_do_not_need(devops):
    """Work nobody asked for (another service tested and staged) is dropped before the
    plan leaves the agent; the shorter plan is verified again. shorten=False keeps it."""
    spec, problem = devops
    detour = "(test web)\n(deploy web staging)\n(health-check web staging)\n"
    agent = PlannerAgent(spec, backend=ScriptedBackend([[detour + GOOD]]), k=1,
                         fallback=False)
    plan, verdict = agent.plan(problem)
    assert verdict.valid and [s.call + "\n" for s in plan.steps] == \
        GOOD.splitlines(keepends=True)
    assert agent.last.removed_steps == 3 and plan.provenance.source == "llm"
    assert Checker(problem, policies=spec.policies, access=spec.access).check(plan).valid
    keep = PlannerAgent(spec, backend=ScriptedBackend([[detour + GOOD]]), k=1,
                        fallback=False, shorten=False)
    plan, _ = keep.plan(problem)
    assert len(plan.steps) == 9 and keep.last.removed_steps == 0


def _tails_step_by_step(proc, tokens):  # noqa: ANN001, ANN202
    """The tail after each token, kept token by token (how rows were followed before)."""
    eos, tail, out = proc.llg_tokenizer.eos_token, (), []
    for tok in tokens:
        kind = proc._newline(tok)
        if tail == proc._ENDED or tok == eos:
            tail = proc._ENDED
        elif (tail is None and kind != 1) or kind == 2:
            tail = None
        else:
            tail = () if kind == 1 else tail + (tok,)
        out.append(tail)
    return out


def test_a_rows_tail_read_off_its_tokens_is_the_tail_kept_step_by_step(embedded, specs_dir):
    """Under the line-cached plan grammar each row's tail is read back from its last tokens
    (no matcher follows the row): over hypothesis-chosen token sequences with line ends,
    newlines inside tokens and EOS with padding, the tail read back from any window that reaches a
    line
    end (or from the whole row) is the tail kept token by token."""
    from engine.llm.grammar import plan_grammar

    spec = load_spec(specs_dir / "devops")
    proc = embedded.processor(plan_grammar(spec.domain, load_problem(spec, "p02").objects))
    tok = embedded.tokenizer
    kinds: dict[int, list[int]] = {0: [], 1: [], 2: []}
    for t in range(len(tok)):
        kinds[proc._newline(t)].append(t)
    assert kinds[1]  # tokens that end a line (this tokenizer has none with one inside;
    kinds[2] = kinds[2] or kinds[0][40:50]  # so a few others stand in for them below)
    proc._tok_nl.update({t: 2 for t in kinds[2]})
    eos = proc.llg_tokenizer.eos_token
    pool = [t for t in kinds[0][:40] + kinds[1][:10] + kinds[2][:10] if t != eos]

    # a row: tokens, then maybe EOS and the padding after it (EOS again: pad is EOS here)
    @given(st.lists(st.sampled_from(pool), max_size=60), st.integers(0, 4),
           st.integers(1, 70))
    @settings(max_examples=200, deadline=None)
    def check(body: list[int], ended: int, window: int) -> None:
        tokens = body + [eos] * ended
        want = _tails_step_by_step(proc, tokens)
        for n in range(len(tokens) + 1):
            row = tokens[:n]
            kept = want[n - 1] if n else ()
            assert proc._tail(row, True) == kept
            got = proc._tail(row[-window:], window >= n)
            assert got is None or got == kept  # None: the whole row is read instead

    try:
        check()
    finally:
        proc._tok_nl.clear()  # the stand-ins were not newline tokens


def test_a_feedback_round_plans_on_from_where_the_rejected_plan_came_closest(specs_dir):
    """Round 1 stops after reaching one goal atom of three; round 2 is asked to plan from
    the state there (the plain plan prompt of that state, the decoding rules started
    from that node, policy memory included), and its answer is judged after those steps."""
    from engine.llm.prompts import problem_prompt, step_line
    from engine.llm.stateaware import Safe
    from engine.symbolic.planning import solve
    from verifier.problem_ops import with_initial_state

    spec = load_spec(specs_dir / "devops")
    problem = load_problem(spec, "p03")
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    plan = solve(problem, policies=spec.policies, access=spec.access, timeout_s=60).plan
    assert plan is not None
    lines = [step_line(s.action, s.args) for s in plan.steps]
    states = checker.trajectory(plan)
    goal = checker.task.literals(problem.goal, {})[0]
    cut = next(i for i, s in enumerate(states) if goal & s)  # the first goal atom holds
    assert 0 < cut < len(lines) and goal & ~states[cut]
    backend = ScriptedBackend([["".join(lines[:cut])], ["".join(lines[cut:])]])
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=2, fallback=False)
    found, verdict = agent.plan(problem)
    assert found is not None and verdict.valid
    assert found.provenance.source == "llm-repaired"
    assert [r.kept_steps for r in agent.last.rounds] == [0, cut]
    mid = with_initial_state(problem, checker.task.atoms_of(states[cut]))
    assert backend.prompts[1] == problem_prompt(mid)
    rules = backend.states[1]
    assert isinstance(rules, Safe) and rules.initial()[0] == states[cut]
    assert rules.initial() == Safe(checker).after(
        [checker.task.action(s.action, s.args) for s in plan.steps[:cut]])[-1]
    # without resume the second round gets the explanation, from the start
    backend = ScriptedBackend([["".join(lines[:cut])], ["".join(lines[cut:])]])
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=2, fallback=False, resume=False)
    assert agent.plan(problem)[0] is None
    assert "rejected:" in backend.prompts[1] and agent.last.rounds[1].kept_steps == 0
