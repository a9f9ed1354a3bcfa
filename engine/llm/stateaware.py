"""State-aware constraints: the grammar of each plan step depends on where the plan is.

They extend the backend's grammar processor (outlines' llguidance logits processor).
Every row of the batch simulates its own plan: at the start of a step the row's grammar
becomes one whose only alternatives are the steps allowed from the row's current node
(IPC text format), plus the end of the plan where ending is allowed (:func:`lark_of`).
Its masks are llguidance's masks of that grammar, computed by
:class:`engine.llm.linemask.LineMasks` without compiling a matcher per node. Two rule
sets:

- :class:`Applicable` (given a :class:`verifier.grounding.Task`; ``--decoding
  applicable``): a step must be applicable in the state where it is taken. The plan may
  end anywhere; goal, policies and access are left to the verifier.
- :class:`Safe` (given a :class:`verifier.validate.Checker`; ``--decoding state-aware``,
  the default): a step must also have an agent allowed to run it and must not break a
  policy beyond repair (``always``, ``at-most-once``, ``sometime-before``, judged by
  :class:`verifier.progress.PolicyProgress`) and must not use up what the goal still
  needs: a step after which an ``at-most-once`` atom has held and stopped holding (a robot
  has put down the one item it may carry once), or after which an atom that no step
  deletes holds for good (a document flagged for ever), is left out when the goal can then
  no longer be reached even ignoring deletes, by steps that never make such a spent atom
  hold again and that no atom kept for good blocks (:meth:`Safe.goal_reachable`,
  :mod:`engine.llm.relaxed`; such a step starts no valid plan, so leaving it out loses
  none); so is a step after which a goal atom's ``at-most-once`` rule holds and the goal
  can only be reached by steps that delete that atom (a robot that must end carrying an
  item picks it up before anyone placed it where the goal wants it reported: deleting it
  would spend it, so no valid plan takes that step either); a step that moves an
  ``at-most-once`` rule is left out when it leads to a dead end, a node where every step
  is left out and the plan may not end (looked for ``LOOKAHEAD`` such steps deep: a
  fragile block lifted before its place is ready); a step that changes neither the state
  nor the policies' memory is left out (a plan without it reaches the same node); the plan
  may end only where the goal holds and no ``sometime`` / ``sometime-after`` rule is still
  owed; and a step may not take the plan back to a (state, policy memory) it has already
  been in unless every allowed step does (a plan that comes back to one can be cut short
  at the loop and stays valid; the rule keeps a greedy row from circling until its token
  budget runs out, and never leaves a row with no step at all).

Under :class:`Safe` a finished plan passes the verifier by construction, unless the row
runs out of tokens or reaches a node with no allowed step where it may not end (a dead
end: the plan ends there, and the verifier explains). The model still chooses every step;
nothing here searches for the goal. With a hint (``prefer`` nats, :mod:`engine.llm.hint`,
the Planner agent's default) the steps after which FF's relaxed plan is shortest get that
bonus, which the model may overrule, and a plan ends where it may. Under beam search (the
agent's first proposal) each row takes the plan state of the row it extends when
transformers reorders the beams; the beams are ranked by the model's probabilities, and
since a plan may end only at the goal the beams that finish are plans that reach it.
Enumerating applicable actions grounds every action, so these are for small problems.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

from engine.llm.grammar_processor import GrammarMasks
from engine.llm.linemask import lark_of, line_masks

if TYPE_CHECKING:
    from engine.llm.relaxed import Relaxation

__all__ = ["Applicable", "Safe", "lark_of", "line_masks", "state_aware_processor"]

#: how many ``at-most-once`` steps deep :meth:`Safe.options` looks for dead ends
LOOKAHEAD = 2

Options = tuple[dict[str, Hashable], bool]  # step line -> next node; may the plan end here


class Applicable:
    """Nodes are states; every applicable step is allowed; the plan may end anywhere."""

    avoid_revisits = False

    def __init__(self, task: Any, start: int | None = None) -> None:
        self.task = task
        self.start = start  # a state the plan goes on from (steps already written)

    def initial(self) -> Hashable:
        return self.task.initial_state if self.start is None else self.start

    def options(self, node: Any) -> Options:
        return {line: ga.apply(node) for ga, line in _ground_steps(self.task)
                if ga.applicable(node)}, True


class Safe:
    """Nodes are (state, policy memory); see the module doc."""

    avoid_revisits = True

    def __init__(self, checker: Any, start: Hashable | None = None) -> None:
        from verifier.progress import PolicyProgress

        self.checker = checker
        self.task = checker.task
        self.progress = PolicyProgress(checker)
        self._steps: list[tuple[Any, str]] | None = None
        #: a node the plan goes on from (steps already written: :meth:`after`)
        self.start = start
        self._fixed = -1  # atoms no offered step changes (set with the steps)
        self._relax: Relaxation | None = None  # made on first use
        self._heeded: list[tuple[int, int]] = []  # (memory index, marker) per rule heeded
        self._owing: list[tuple[int, bool, int]] | None = None  # (rule, sometime, atoms)
        self._ends: dict[tuple[Hashable, int], bool] = {}  # (node, look) -> dead end

    def initial(self) -> Hashable:
        if self.start is not None:
            return self.start
        state = self.task.initial_state
        return state, self.progress.start(state)

    def after(self, actions: Any) -> list[Hashable]:
        """The nodes a plan passes through taking ground ``actions`` from the initial
        node: one per step that is applicable and leaves every policy repairable (the
        walk stops at the first that is not), the initial node first."""
        nodes: list[Any] = [self.initial()]  # (state, policy memory) pairs
        for ga in actions:
            state, memory = nodes[-1]
            if memory is None or not ga.applicable(state):
                break
            nxt = ga.apply(state)
            mem = self.progress.advance(memory, state, nxt)
            if mem is None:
                break
            nodes.append((nxt, mem))
        return nodes

    def options(self, node: Any, *, look: int = LOOKAHEAD) -> Options:
        """The steps allowed from ``node`` (line -> next node) and whether the plan may end
        there. A step that moves an ``at-most-once`` rule (its condition begins to hold, or
        is spent) is also left out when the node it reaches is a dead end (no allowed
        step, may not end), looking ``look`` such steps deep: a fragile block lifted
        before the block it must go on is in place can go nowhere that keeps the goal
        reachable, so no valid plan takes that step."""
        state, memory = node
        if memory is None:  # the initial state already breaks a rule: nothing can mend it
            return {}, True
        out = dict(self._allowed(node, look))
        return out, self._may_end(node)

    def _may_end(self, node: Any) -> bool:
        state, memory = node
        return memory is not None and self.task.goal_test(state) and \
            self.progress.may_end(memory)

    def _allowed(self, node: Any, look: int) -> Iterator[tuple[str, Hashable]]:
        """The allowed steps from ``node`` (line, next node), one at a time (a dead-end
        check stops at the first)."""
        state, memory = node
        if self._steps is None:  # ground steps with an agent allowed to run them
            self._steps = [(ga, line) for ga, line in _ground_steps(self.task)
                           if self.checker.access.permitted(ga.name, ga.args)]
            self._fixed = ~_changing(ga for ga, _ in self._steps)  # no offered step changes
        fixed, kept = self._fixed, self.relaxation.kept
        projections = self.relaxation.projections
        spent = self.progress.spent(memory, state, fixed)
        held = self.progress.held_once(memory, state, fixed)
        for ga, line in self._steps:
            if not ga.applicable(state):
                continue
            nxt = ga.apply(state)
            mem = self.progress.advance(memory, state, nxt)
            if mem is None or (nxt == state and mem == memory):
                continue  # breaks a rule for good, or changes nothing (a plan without it
                # reaches the same node: leaving it out loses no plan)
            now_spent, now_held = ((self.progress.spent(mem, nxt, fixed),
                                    self.progress.held_once(mem, nxt, fixed))
                                   if mem is not memory else (spent, held))
            if ((now_spent != spent or now_held & ~held or ga.add & kept & ~state)
                    and not self.goal_reachable(nxt, now_spent, now_held)):
                continue  # the step uses up, or blocks for ever, what the goal needs (or
                # starts holding a goal atom only deleting it again could lead on from)
            if projections is not None and projections.stranded(nxt):
                continue  # a projection proves the goal out of reach from there (a robot
                # that can no longer end where the goal wants it with the level it wants)
            if look and self.progress.once_moved(memory, mem) and self._dead_end((nxt, mem),
                                                                                 look - 1):
                continue  # every way on from where the step leads is left out
            yield line, (nxt, mem)

    def _dead_end(self, node: Any, look: int) -> bool:
        """Whether ``node`` allows no step and the plan may not end there (memoised; stops
        at the first allowed step: most nodes a look-ahead reaches have one, and listing
        them all made a 138-object devops decoding 10x slower)."""
        got = self._ends.get((node, look))
        if got is None:
            got = node[1] is not None and not self._may_end(node) and \
                next(self._allowed(node, look), None) is None
            self._ends[(node, look)] = got
        return got

    def distance(self, node: Any) -> int | None:
        """How far ``node``'s state is from the goal ignoring deletes and negative
        preconditions (:meth:`engine.llm.relaxed.Relaxation.distance`; None when the goal
        is not a conjunction of literals). A measure of a plan's progress (fail fast:
        :func:`state_aware_processor`'s ``patience``), no proof."""
        return self.relaxation.distance(node[0])

    def closest(self, node: Any, lines: Any) -> frozenset[str]:
        """Those of ``lines`` (allowed from ``node``: line -> next node) after which FF's
        relaxed plan to the goal and the atoms then owed is shortest
        (:meth:`engine.llm.relaxed.Relaxation.closest`; none when all are alike)."""
        owed, held = self.owed, self.held
        return self.relaxation.closest({line: (nxt[0], owed(nxt[1]), held(nxt[1]))
                                        for line, nxt in lines.items()})

    def held(self, memory: Any) -> int:
        """The markers (:meth:`engine.llm.relaxed.Relaxation.heed_before`) of the
        ``sometime-before`` rules the hint heeds whose requirement ``memory`` says has
        held."""
        out = 0
        for i, marker in self._heeded:
            if memory[i]:
                out |= marker
        return out

    def _befores(self) -> list[tuple[int, int, int]]:
        """The ``sometime-before`` rules whose trigger and requirement are conjunctions
        with positive atoms, as (trigger atoms, required atoms, marker): the marker an
        atom of its own, which no action touches (kept with the rule's memory index in
        ``_heeded``)."""
        from verifier.model import SometimeBefore

        out: list[tuple[int, int, int]] = []
        for i, c in enumerate(self.checker.constraints()):
            op = c.constraint.op
            if isinstance(op, SometimeBefore):
                binding = dict(c.constraint.binding)
                trig = self.task.literals(op.trigger, binding)
                req = self.task.literals(op.required, binding)
                if trig is not None and req is not None and trig[0] and req[0]:
                    marker = int(self.task.bit(("plansafe-held", str(i))))
                    out.append((trig[0], req[0], marker))
                    self._heeded.append((i, marker))
        return out

    def owed(self, memory: Any) -> int:
        """The atoms (positive literals) of the ``sometime`` and ``sometime-after`` rules
        that ``memory`` still owes (a requirement not a conjunction of literals: none)."""
        if self._owing is None:
            from verifier.model import Sometime, SometimeAfter

            self._owing = []
            for i, c in enumerate(self.checker.constraints()):
                op = c.constraint.op
                if isinstance(op, (Sometime, SometimeAfter)):
                    lits = self.task.literals(op.required if isinstance(op, SometimeAfter)
                                              else op.arg, dict(c.constraint.binding))
                    if lits is not None and lits[0]:
                        self._owing.append((i, isinstance(op, Sometime), lits[0]))
        out = 0
        for i, sometime, atoms in self._owing:
            if bool(memory[i]) != sometime:  # sometime: not yet held; after: waiting
                out |= atoms
        return out

    def goal_reachable(self, state: int, spent: int, once_held: int = 0) -> bool:
        """Whether the goal can still be reached from ``state`` ignoring deletes, by steps
        that add no ``spent`` atom (an ``at-most-once`` rule already used up: adding it
        again breaks the rule), that delete no goal atom of ``once_held`` (an
        ``at-most-once`` rule holding now: deleting it spends it) and that no atom kept
        true for ever blocks
        (:meth:`engine.llm.relaxed.Relaxation.reachable`). False proves that no valid plan
        goes on from here; True proves nothing. Goals other than conjunctions of literals
        always count as reachable."""
        return self.relaxation.reachable(state, spent, once_held)

    @property
    def relaxation(self) -> Relaxation:
        """The delete relaxation over the offered steps (made once)."""
        if self._relax is None:
            from engine.llm.relaxed import Relaxation

            if self._steps is None:
                self.options(self.initial())  # grounds the steps
            relax = Relaxation(self._steps or (),
                               self.task.literals(self.checker.problem.goal, {}))
            if relax.literal and HEED_BEFORE:  # what sometime-before rules require
                relax.heed_before(self._befores(), self.task.initial_state)
            if relax.literal and AGENDA:  # goal atoms the hint reaches last (agenda.py)
                from engine.llm.agenda import late_goals

                once = self.progress.once_atoms(self.task.initial_state, self._fixed)
                relax.late = late_goals(self.task, relax.masks(), relax.pos, once=once)
            if relax.literal and PROJECTIONS:  # what the relaxation cannot count
                from engine.llm.projection import Projections

                relax.projections = Projections(self.task, relax.masks(), relax.pos)
            self._relax = relax
        return self._relax


#: whether the hint follows a goal agenda (engine/llm/agenda.py)
AGENDA = True
#: whether the hint's relaxed plans heed sometime-before rules (Relaxation.heed_before)
HEED_BEFORE = True
#: whether the hint takes projections onto functional atoms beside FF's relaxed plan for
#: the whole goal (engine/llm/projection.py)
PROJECTIONS = True
_GROUND: dict[int, tuple[Any, list[tuple[Any, str]]]] = {}
_STOPPED = (-1,)  # the mask key of a row whose matcher has stopped (EOS only)


def _ground_steps(task: Any) -> list[tuple[Any, str]]:
    """Every ground action of ``task`` that could ever be applicable, with its plan line
    (made once per task)."""
    from engine.llm.prompts import step_line

    got = _GROUND.get(id(task))
    if got is None or got[0] is not task:
        actions = [task.action(schema.name, combo) for schema in task.domain.actions.values()
                   for combo in _static_combos(task, schema)]
        # an atom no action adds or deletes keeps its initial value: a step whose
        # preconditions on such atoms fail in the initial state can never be taken
        changing = _changing(actions)
        init = task.initial_state
        steps = [(ga, step_line(ga.name, ga.args)) for ga in actions
                 if ga.pre_pos & ~changing & ~init == 0 and not ga.pre_neg & ~changing & init]
        if len(_GROUND) > 8:
            _GROUND.clear()
        got = _GROUND[id(task)] = (task, steps)
    return got[1]


def _conjuncts(formula: Any) -> Iterator[Any]:
    from verifier.model import And

    if isinstance(formula, And):
        for f in formula.args:
            yield from _conjuncts(f)
    else:
        yield formula


def _static_combos(task: Any, schema: Any) -> Iterator[tuple[str, ...]]:
    """The argument tuples of ``schema`` (in ``itertools.product`` order) whose
    precondition's conjuncts over static predicates (no action changes them: a map's
    roads, a battery's levels) hold in the initial state, each checked as soon as its
    variables are bound: the others can never be applicable, and grounding all of them
    first (34,488 navigate steps for 33 robotics objects, 1.2 s) was most of a decoding's
    set-up."""
    from verifier.model import Atom, Not

    params = [v for v, _ in schema.params]
    if not params:
        yield ()
        return
    static = task.domain.static_predicates
    pools = [task.objects_of(t) for t in schema.param_types]
    checks: list[list[tuple[Atom, bool]]] = [[] for _ in params]
    for f in _conjuncts(schema.precondition):
        atom, want = (f.arg, False) if isinstance(f, Not) else (f, True)
        if not isinstance(atom, Atom) or atom.pred not in static:
            continue
        used = [params.index(t) for t in atom.args if t in params]
        if len(used) != sum(t.startswith("?") for t in atom.args):
            continue  # a variable that is not a parameter (a quantifier's): not checked
        checks[max(used, default=0)].append((atom, want))
    init = task.initial_state
    binding: dict[str, str] = {}

    def walk(i: int) -> Iterator[tuple[str, ...]]:
        for obj in pools[i]:
            binding[params[i]] = obj
            if all(task.holds(task.ground_atom(a, binding), init) == want
                   for a, want in checks[i]):
                if i + 1 == len(params):
                    yield tuple(binding[v] for v in params)
                else:
                    yield from walk(i + 1)

    yield from walk(0)


def _changing(actions: Any) -> int:
    """The atoms some of the ground ``actions`` add or delete (bits)."""
    out = 0
    for ga in actions:
        out |= ga.add | ga.delete
        for _, c_add, c_del in ga.conditional:
            out |= c_add | c_del
    return out


def rules_for(source: Any) -> Applicable | Safe:
    """:class:`Safe` for a checker, :class:`Applicable` for a grounded task; rules
    themselves as they are."""
    if isinstance(source, (Applicable, Safe)):
        return source
    return Safe(source) if hasattr(source, "task") else Applicable(source)


def state_aware_processor(source: Any, llg_tokenizer: Any, tensor_library_name: str = "torch",
                          *, light: bool = False) -> Any:
    """A logits processor over ``source``: a :class:`verifier.validate.Checker` (the
    :class:`Safe` rules), a :class:`verifier.grounding.Task` (:class:`Applicable`), or
    rules themselves (started from a node of their own: a plan that goes on). ``light``:
    over the grammar processor that imports no outlines (engine/llm/tinygpt.py's path)."""
    rules = rules_for(source)
    masks = line_masks(llg_tokenizer)
    return _processor_class(light)(rules, masks, llg_tokenizer, tensor_library_name)


@functools.cache
def _processor_class(light: bool = False) -> Any:
    """:class:`StateAwareMasks` over the grammar processor of
    :func:`engine.llm.grammar_processor.grammar_processor_class` (built once, on first use:
    outlines is heavy)."""
    from engine.llm.grammar_processor import grammar_processor_class

    return type("StateAwareProcessor", (StateAwareMasks, grammar_processor_class(light)),
                {"__module__": __name__})


class _NodeGrammars:
    """What one processor works out once per node of its rules: the node's options and
    distance, and the grammar of its next step. Grammars are interned by (allowed lines,
    may end): the id is what masks are keyed by."""

    def __init__(self, rules: Applicable | Safe) -> None:
        self.rules = rules
        self.options: dict[Hashable, Options] = {}
        self.distances: dict[Hashable, int] = {}  # node -> Safe.distance (0: not measured)
        self._preferred: dict[tuple[Hashable, int], tuple[bytes, ...]] = {}
        self.ids: dict[tuple[frozenset[str], bool], int] = {}
        #: per id: sorted lines, may end
        self.line_sets: list[tuple[tuple[bytes, ...], bool]] = []

    def options_of(self, node: Hashable) -> Options:
        opt = self.options.get(node)
        if opt is None:
            opt = self.options[node] = self.rules.options(node)
        return opt

    def grammar_id(self, lines: frozenset[str], can_end: bool) -> int:
        if not lines:
            can_end = True  # a dead end: the plan ends here and the verifier says why
        key = (lines, can_end)
        gid = self.ids.get(key)
        if gid is None:
            gid = self.ids[key] = len(self.line_sets)
            self.line_sets.append((tuple(sorted(t.encode() for t in lines)), can_end))
        return gid

    def step(self, node: Hashable, visited: frozenset[Hashable] | set[Hashable]
             ) -> tuple[int, dict[str, Hashable]]:
        """The grammar id of ``node``'s next step and the steps it allows (under rules
        that avoid revisits, none back to a ``visited`` node unless all go back)."""
        opts, can_end = self.options_of(node)
        if self.rules.avoid_revisits:
            fresh = {line: nxt for line, nxt in opts.items() if nxt not in visited}
            if fresh:  # where every allowed step goes back, going back is allowed
                opts = fresh
        return self.grammar_id(frozenset(opts), can_end), opts

    def preferred(self, node: Hashable, gid: int, lines: Any) -> tuple[bytes, ...]:
        """The hinted ones of ``lines`` (grammar ``gid``'s, allowed from ``node``:
        :meth:`Safe.closest`), sorted bytes; none where all or none are."""
        got = self._preferred.get((node, gid))
        if got is None:
            rules = self.rules
            pref = rules.closest(node, lines) if isinstance(rules, Safe) else frozenset()
            got = () if len(pref) in (0, len(lines)) else tuple(sorted(t.encode()
                                                                       for t in pref))
            self._preferred[(node, gid)] = got
        return got

    def distance(self, node: Hashable) -> int:
        d = self.distances.get(node)
        if d is None:
            got = self.rules.distance(node) if isinstance(self.rules, Safe) else None
            d = self.distances[node] = 0 if got is None else got
        return d

    def lark(self, gid: int) -> str:
        """The Lark grammar of grammar id ``gid`` (:func:`lark_of`)."""
        return lark_of(*self.line_sets[gid])


class StateAwareMasks(GrammarMasks):
    """Each row's mask is that of its node's grammar (:func:`lark_of`) after the text
    the row has written on its line, computed by :class:`LineMasks` (the very masks
    llguidance computes for that grammar, without compiling one per node) and reused
    by (grammar, tokens since the last newline). One processor serves every generate
    call for its problem (the backend keeps it), so the nodes reached by the greedy
    row, the sampled rows and later feedback rounds are worked out once. A row that
    wrote EOS, or (which the masks rule out) a line no allowed step has, may only
    write EOS from there. Mixed into the grammar processor by :func:`_processor_class`;
    made by :func:`state_aware_processor`."""

    #: tests: compare every mask computed with the one an llguidance matcher of the
    #: node's grammar computes
    _check_llguidance = False

    def __init__(self, rules: Applicable | Safe, masks: Any, llg_tokenizer: Any,
                 tensor_library_name: str) -> None:
        self._grammars = _NodeGrammars(rules)
        self._masks = masks  # engine.llm.linemask.LineMasks of the tokenizer
        self._root = rules.initial()
        self._root_gid = self._grammars.step(self._root, frozenset({self._root}))[0]
        super().__init__(self._grammars.lark(self._root_gid), llg_tokenizer,
                         tensor_library_name)
        self.cache_masks_by_line()

    _row_values = ("_tails", "nodes", "allowed", "gids", "best", "since")
    _row_owned = ("visited", "pending")
    #: fail fast: when no row has come closer to the goal (:meth:`Safe.distance`) for
    #: this many steps and none has ended at the goal, every row ends (None: never)
    patience: int | None = None
    stalled = False  # the last generation was ended so

    def _setup(self, batch_size: int) -> None:
        grammars, root = self._grammars, self._root
        self.stalled = self._goal_ended = False
        # the rules measure distances (Safe, a goal of literals)
        self._measured = (isinstance(grammars.rules, Safe)
                          and grammars.rules.distance(root) is not None)
        self.best = [grammars.distance(root)] * batch_size
        self.since = [0] * batch_size
        self.ll_matchers = [None] * batch_size  # no matchers: the masks need none
        self._bias_logits = self._bias_logits_batch
        self.nodes = [root] * batch_size
        self.visited = [{root} for _ in range(batch_size)]
        self.allowed = [grammars.step(root, self.visited[0])[1]] * batch_size
        self.pending: list[list[int]] = [[] for _ in range(batch_size)]
        self._tails = [(self._root_gid,)] * batch_size
        self.gids = [self._root_gid] * batch_size

    def _row_mask(self, i: int, vocab: int) -> Any:
        import numpy as np
        import torch

        masks = self._masks
        tail = self._tails[i]
        if tail is None or tail is _STOPPED:
            allowed = [masks.eos]
        else:
            lines, can_end = self._grammars.line_sets[self.gids[i]]
            allowed = masks.allowed(lines, masks.text(self.pending[i]), can_end)
        row = np.ones(vocab, dtype=bool)  # numpy: a few microseconds, torch ~20
        row[allowed] = False
        banned = torch.from_numpy(row)
        if self._check_llguidance:
            assert torch.equal(banned, self._llguidance_mask(i, vocab)), tail
        return banned

    def _bias_logits_batch(self, input_ids: Any, logits: Any) -> Any:
        if self._line_cache is None:  # (tests) every mask computed, none kept
            import torch

            vocab = logits.shape[-1]
            banned = torch.stack([self._row_mask(i, vocab) for i in range(len(self.gids))])
            logits.masked_fill_(banned.to(logits.device), float("-inf"))
        else:
            logits = super()._bias_logits_batch(input_ids, logits)
        if self.prefer:
            from engine.llm.hint import add_hint

            add_hint(self, logits)
        return logits

    #: the hint: nats added to the tokens of the closest steps (engine/llm/hint.py; 0: none)
    prefer = 0.0


    def _llguidance_mask(self, i: int, vocab: int) -> Any:
        import llguidance as llg
        from llguidance.torch import allocate_token_bitmask, fill_next_token_bitmask

        tail = self._tails[i]
        gid = self.gids[i] if tail is not None and tail is not _STOPPED else None
        grammar = self._grammars.lark(gid) if gid is not None else 'start: ""'
        m = llg.LLMatcher(self.llg_tokenizer, llg.grammar_from("lark", grammar))
        for tok in self.pending[i] if gid is not None else ():
            m.consume_token(tok)
        bitmask = allocate_token_bitmask(1, self.llg_tokenizer.vocab_size)
        fill_next_token_bitmask(m, bitmask, 0)
        return self._banned(bitmask.numpy(), vocab)[0]

    def process_logits(self, input_ids: Any, logits: Any) -> Any:
        if self.is_first_token:
            self._setup(self.tensor_adapter.shape(input_ids)[0])
            self._start_beams(input_ids)
            self.is_first_token = False
        else:
            self._follow_beams(input_ids)  # beam search: rows take their parents' plans
            eos = self._masks.eos
            for i, tok in enumerate(input_ids[:, -1].tolist()):
                self._advance_row(i, tok, eos)
            self._stop_if_stalled()
        return self._bias_logits(input_ids, logits)

    def _advance_row(self, i: int, tok: int, eos: int) -> None:
        """Row ``i`` wrote ``tok``: EOS ends its plan; a token that ends a line takes
        the step the line names (:meth:`_take_step`)."""
        if self._tails[i] is _STOPPED or self._tails[i] is None:
            return  # padding after EOS, or adrift (below): EOS only
        if tok == eos:
            self._tails[i] = _STOPPED
            self._goal_ended |= self._grammars.options_of(self.nodes[i])[1]
            return
        self.pending[i].append(tok)
        # each grammar is a single line, so a newline can only end a token
        if self._newline(tok):
            text = self._masks.text(self.pending[i]).decode("utf-8", "replace")
            nxt = self.allowed[i].get(text)
            self.pending[i] = []
            if nxt is None:  # cannot happen under the mask: if it did, the
                self._tails[i] = None  # row could only end its plan here
                return
            self._take_step(i, nxt)
        self._tails[i] = (self.gids[i], *self.pending[i])

    def _take_step(self, i: int, nxt: Hashable) -> None:
        """Row ``i`` moves to node ``nxt``: its progress towards the goal and the
        grammar of its next step."""
        self.nodes[i] = nxt
        self.visited[i].add(nxt)
        d = self._grammars.distance(nxt)
        self.best[i], self.since[i] = ((d, 0) if d < self.best[i]
                                       else (self.best[i], self.since[i] + 1))
        gid, self.allowed[i] = self._grammars.step(nxt, self.visited[i])
        self.gids[i] = gid

    def _stop_if_stalled(self) -> None:
        """Fail fast: every row still writing has gone ``patience`` steps without
        coming closer to the goal, and no row has ended at it: all end now (their
        whole steps are judged as a proposal cut short)."""
        if self.patience is None or self._goal_ended or not self._measured:
            return
        live = [i for i, t in enumerate(self._tails) if t is not None and t is not _STOPPED]
        if live and all(self.since[i] >= self.patience for i in live):
            for i in live:
                self._tails[i] = _STOPPED
            self.stalled = True
