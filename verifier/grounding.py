"""Grounding to a compact form: atoms are interned as bit positions, a state is a Python int.

Like pyperplan's ``Task``, a ground action has precondition and effect masks, and a
successor is ``(state & ~delete) | add``. Actions are grounded on demand and cached, so
validating a plan never enumerates every ground action of a large problem.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from verifier import model
from verifier.deadline import Ticker
from verifier.errors import PlansafeError

__all__ = ["Task", "GroundAction", "StateTest", "Binding"]

Binding: TypeAlias = dict[str, str]
StateTest: TypeAlias = Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class GroundAction:
    """One action with its arguments, compiled to bitmasks (pyperplan's ``Operator``)."""

    name: str
    args: tuple[str, ...]
    pre_pos: int
    pre_neg: int
    pre_test: StateTest | None  # for preconditions beyond a conjunction of literals
    add: int
    delete: int
    conditional: tuple[tuple[StateTest, int, int], ...]  # (condition, add, delete)

    def applicable(self, state: int) -> bool:
        if state & self.pre_pos != self.pre_pos or state & self.pre_neg:
            return False
        return self.pre_test is None or self.pre_test(state)

    def apply(self, state: int) -> int:
        add, delete = self.add, self.delete
        for test, c_add, c_del in self.conditional:
            if test(state):
                add |= c_add
                delete |= c_del
        return (state & ~delete) | add


# The default bound on enumerated groundings (every parameter over every object of its type).
MAX_GROUND_ACTIONS = 2_000_000


class Task:
    """A grounded problem: interned atoms, the initial state, the goal and ground actions."""

    def __init__(self, problem: model.Problem) -> None:
        self.problem = problem
        self.domain = problem.domain
        self._index: dict[model.GroundAtom, int] = {}
        self._atoms: list[model.GroundAtom] = []
        self._actions: dict[tuple[str, tuple[str, ...]], GroundAction] = {}
        self._by_type: dict[str, tuple[str, ...]] = {}
        self.initial_state = self.mask(problem.init)
        self.goal_test = self.compile(problem.goal, {})

    # --- atoms and states ---------------------------------------------------------------------

    def bit(self, atom: model.GroundAtom) -> int:
        i = self._index.get(atom)
        if i is None:
            i = self._index[atom] = len(self._atoms)
            self._atoms.append(atom)
        return 1 << i

    def mask(self, atoms: frozenset[model.GroundAtom] | set[model.GroundAtom]
             | list[model.GroundAtom]) -> int:
        m = 0
        for a in atoms:
            m |= self.bit(a)
        return m

    def atoms_of(self, state: int) -> frozenset[model.GroundAtom]:
        out = []
        i = 0
        while state:
            if state & 1:
                out.append(self._atoms[i])
            state >>= 1
            i += 1
        return frozenset(out)

    def holds(self, atom: model.GroundAtom, state: int) -> bool:
        i = self._index.get(atom)
        return i is not None and bool(state >> i & 1)

    def objects_of(self, type_name: str) -> tuple[str, ...]:
        objs = self._by_type.get(type_name)
        if objs is None:
            objs = self._by_type[type_name] = self.problem.objects_of(type_name)
        return objs

    # --- formulas -----------------------------------------------------------------------------

    def ground_atom(self, atom: model.Atom, binding: Binding) -> model.GroundAtom:
        return (atom.pred, *(binding.get(t, t) if t.startswith("?") else t for t in atom.args))

    def _bindings(self, params: tuple[tuple[str, str], ...], binding: Binding) -> Iterator[Binding]:
        pools = [self.objects_of(t) for _, t in params]
        tick = Ticker("grounding")
        for combo in itertools.product(*pools):
            tick()
            b = dict(binding)
            b.update(zip((v for v, _ in params), combo, strict=True))
            yield b

    def compile(self, formula: model.Formula, binding: Binding) -> StateTest:
        """Ground ``formula`` under ``binding`` into a fast test on a bitset state."""
        f = formula
        if isinstance(f, model.Atom):
            bit = self.bit(self.ground_atom(f, binding))
            return lambda s: bool(s & bit)
        if isinstance(f, model.Const):
            return (lambda s: True) if f.value else (lambda s: False)
        if isinstance(f, model.Not):
            inner = self.compile(f.arg, binding)
            return lambda s: not inner(s)
        if isinstance(f, model.Eq):
            left, right = (binding.get(t, t) for t in (f.left, f.right))
            return (lambda s: True) if left == right else (lambda s: False)
        if isinstance(f, model.Imply):
            premise, conclusion = self.compile(f.left, binding), self.compile(f.right, binding)
            return lambda s: (not premise(s)) or conclusion(s)
        if isinstance(f, (model.And, model.Forall)):
            pairs = (
                [(x, binding) for x in f.args] if isinstance(f, model.And)
                else [(f.body, b) for b in self._bindings(f.params, binding)]
            )
            pos, rest = 0, []
            for sub, b in pairs:
                if isinstance(sub, model.Atom):
                    pos |= self.bit(self.ground_atom(sub, b))
                else:
                    rest.append(self.compile(sub, b))
            if not rest:
                return lambda s: s & pos == pos
            return lambda s: s & pos == pos and all(t(s) for t in rest)
        if isinstance(f, (model.Or, model.Exists)):
            parts = (
                [self.compile(x, binding) for x in f.args] if isinstance(f, model.Or)
                else [self.compile(f.body, b) for b in self._bindings(f.params, binding)]
            )
            return lambda s: any(t(s) for t in parts)
        raise PlansafeError(f"cannot evaluate {type(f).__name__} in a state")

    def literals(self, formula: model.Formula, binding: Binding) -> tuple[int, int] | None:
        """``(positive mask, negative mask)`` if ``formula`` is a conjunction of literals."""
        masks = [0, 0]  # [negative, positive]

        def add(atom: model.GroundAtom, positive: bool) -> None:
            masks[positive] |= self.bit(atom)

        if self.walk_literals(formula, binding, add) is not True:
            return None
        return masks[1], masks[0]

    def walk_literals(self, formula: model.Formula, binding: Binding,
                      visit: Callable[[model.GroundAtom, bool], None]) -> bool | None:
        """Walk ``formula`` as a conjunction of literals under ``binding``, calling ``visit(atom,
        positive)`` for each atom literal in turn. True when it is one; False as soon as an
        (in)equality or ``Const(False)`` in it is false for this binding; None as soon as a part
        is not a literal (an ``or``, a quantifier, ...)."""
        stack = [formula]
        while stack:
            f = stack.pop()
            if isinstance(f, model.And):
                stack.extend(f.args)
            elif isinstance(f, model.Atom):
                visit(self.ground_atom(f, binding), True)
            elif isinstance(f, model.Not) and isinstance(f.arg, model.Atom):
                visit(self.ground_atom(f.arg, binding), False)
            elif isinstance(f, model.Const):
                if not f.value:
                    return False
            elif isinstance(f, model.Eq):
                if binding.get(f.left, f.left) != binding.get(f.right, f.right):
                    return False
            elif isinstance(f, model.Not) and isinstance(f.arg, model.Eq):
                e = f.arg
                if binding.get(e.left, e.left) == binding.get(e.right, e.right):
                    return False
            else:
                return None
        return True

    # --- ground actions -----------------------------------------------------------------------

    def action(self, name: str, args: tuple[str, ...]) -> GroundAction:
        """The ground action ``(name args...)``; the caller has checked name, arity and types."""
        key = (name, args)
        ga = self._actions.get(key)
        if ga is None:
            ga = self._actions[key] = self._ground(self.domain.actions[name], args)
        return ga

    def _ground(self, schema: model.ActionSchema, args: tuple[str, ...]) -> GroundAction:
        binding = dict(zip((v for v, _ in schema.params), args, strict=False))
        lits = self.literals(schema.precondition, binding)
        if lits is None:
            pre_pos, pre_neg = 0, 0
            pre_test: StateTest | None = self.compile(schema.precondition, binding)
        else:
            pre_pos, pre_neg = lits
            pre_test = None
        add = delete = 0
        conditional: list[tuple[StateTest, int, int]] = []
        for eff in schema.effects:
            for b in (self._bindings(eff.forall, binding) if eff.forall else (binding,)):
                bit = self.bit(self.ground_atom(eff.atom, b))
                if isinstance(eff.condition, model.Const) and eff.condition.value:
                    if eff.positive:
                        add |= bit
                    else:
                        delete |= bit
                elif not (isinstance(eff.condition, model.Const)):
                    test = self.compile(eff.condition, b)
                    conditional.append((test, bit, 0) if eff.positive else (test, 0, bit))
        # PDDL: delete effects first, then add effects; an atom both added and deleted is added.
        delete &= ~add
        return GroundAction(schema.name, args, pre_pos, pre_neg, pre_test, add, delete,
                            tuple(conditional))

    def grounding_size(self) -> int:
        """How many ground actions enumerating every grounding would make."""
        total = 0
        for schema in self.domain.actions.values():
            n = 1
            for t in schema.param_types:
                n *= len(self.objects_of(t))
            total += n
        return total

    def check_grounding_size(self, limit: int | None = None) -> int:
        """Refuse (a :class:`PlansafeError` naming the limit) to enumerate more ground actions
        than ``limit`` (default :data:`MAX_GROUND_ACTIONS`, or ``$PLANSAFE_MAX_GROUND_ACTIONS``)."""
        import os

        from verifier.errors import PlansafeError

        if limit is None:
            try:
                limit = int(os.environ.get("PLANSAFE_MAX_GROUND_ACTIONS", MAX_GROUND_ACTIONS))
            except ValueError:
                limit = MAX_GROUND_ACTIONS
        size = self.grounding_size()
        if size > limit:
            raise PlansafeError(f"grounding {self.problem.name} would make {size:,} ground "
                                f"actions, over the limit of {limit:,} (set "
                                "PLANSAFE_MAX_GROUND_ACTIONS to raise it)")
        return size

    def applicable_actions(self, state: int) -> Iterator[GroundAction]:
        """Every applicable ground action (enumerates all groundings: small problems only)."""
        self.check_grounding_size()
        tick = Ticker("grounding")
        for schema in self.domain.actions.values():
            pools = [self.objects_of(t) for t in schema.param_types]
            for combo in itertools.product(*pools):
                tick()
                ga = self.action(schema.name, combo)
                if ga.applicable(state):
                    yield ga
