"""Ground formulas and step effects for the Z3 encodings, as SMT-LIB text.

A formula is ground under a binding (``forall``/``exists`` expand over the problem's
objects) and written over a *state accessor*: a function from a ground atom to the
SMT term of its value in the state of interest. Step effects mirror
:class:`verifier.grounding.GroundAction` exactly: conditions read the state before the
step, and an atom both added and deleted is added.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from verifier import model as m
from verifier.errors import PlansafeError
from verifier.grounding import Task
from verifier.smt import and_, not_, or_

__all__ = ["Effects", "ground_atoms", "to_smt", "literal", "effects_of", "after_value",
           "atoms_in", "Binding"]

Binding = Mapping[str, str]
Accessor = Callable[[m.GroundAtom], str]


def _bindings(task: Task, params: tuple[tuple[str, str], ...], binding: Binding
              ) -> Iterator[dict[str, str]]:
    pools = [task.objects_of(t) for _, t in params]
    for combo in itertools.product(*pools):
        b = dict(binding)
        b.update(zip((v for v, _ in params), combo, strict=True))
        yield b


def ground_atoms(task: Task, f: m.Formula, binding: Binding) -> set[m.GroundAtom]:
    """Every ground atom the formula reads under ``binding``."""
    out: set[m.GroundAtom] = set()
    stack: list[tuple[m.Formula, Binding]] = [(f, binding)]
    while stack:
        g, b = stack.pop()
        if isinstance(g, m.Atom):
            out.add(task.ground_atom(g, dict(b)))
        elif isinstance(g, m.Not):
            stack.append((g.arg, b))
        elif isinstance(g, (m.And, m.Or)):
            stack.extend((x, b) for x in g.args)
        elif isinstance(g, m.Imply):
            stack.extend(((g.left, b), (g.right, b)))
        elif isinstance(g, (m.Forall, m.Exists)):
            stack.extend((g.body, bb) for bb in _bindings(task, g.params, b))
    return out


def to_smt(task: Task, f: m.Formula, binding: Binding, value: Accessor) -> str:
    """The formula as an SMT-LIB Boolean term over the accessor's atom values."""
    if isinstance(f, m.Atom):
        return value(task.ground_atom(f, dict(binding)))
    if isinstance(f, m.Const):
        return "true" if f.value else "false"
    if isinstance(f, m.Not):
        return not_(to_smt(task, f.arg, binding, value))
    if isinstance(f, m.And):
        return and_(to_smt(task, x, binding, value) for x in f.args)
    if isinstance(f, m.Or):
        return or_(to_smt(task, x, binding, value) for x in f.args)
    if isinstance(f, m.Imply):
        return or_((not_(to_smt(task, f.left, binding, value)),
                    to_smt(task, f.right, binding, value)))
    if isinstance(f, m.Eq):
        left, right = (binding.get(t, t) for t in (f.left, f.right))
        return "true" if left == right else "false"
    if isinstance(f, m.Forall):
        return and_(to_smt(task, f.body, b, value) for b in _bindings(task, f.params, binding))
    if isinstance(f, m.Exists):
        return or_(to_smt(task, f.body, b, value) for b in _bindings(task, f.params, binding))
    raise PlansafeError(f"cannot encode {type(f).__name__}")


def literal(task: Task, f: m.Formula, binding: Binding) -> tuple[m.GroundAtom, bool] | None:
    """``(atom, positive)`` when ``f`` is a single literal under ``binding``."""
    if isinstance(f, m.Atom):
        return task.ground_atom(f, dict(binding)), True
    if isinstance(f, m.Not) and isinstance(f.arg, m.Atom):
        return task.ground_atom(f.arg, dict(binding)), False
    return None


@dataclass(frozen=True, slots=True)
class Effects:
    """What one step needs and does, as ground atoms and ground formulas."""

    pre: m.Formula
    binding: tuple[tuple[str, str], ...]
    pre_pos: frozenset[m.GroundAtom] | None  # None: not a conjunction of literals
    pre_neg: frozenset[m.GroundAtom] | None
    add: frozenset[m.GroundAtom]  # unconditional
    delete: frozenset[m.GroundAtom]  # unconditional, never also added
    conditional: tuple[tuple[m.Formula, tuple[tuple[str, str], ...], m.GroundAtom, bool], ...]

    @property
    def writes(self) -> frozenset[m.GroundAtom]:
        return self.add | self.delete | frozenset(a for _, _, a, _ in self.conditional)

    def conditional_on(self, atom: m.GroundAtom) -> bool:
        return any(a == atom for _, _, a, _ in self.conditional)

    def pre_atoms(self, task: Task) -> set[m.GroundAtom]:
        return ground_atoms(task, self.pre, dict(self.binding))


def atoms_in(task: Task, mask: int) -> frozenset[m.GroundAtom]:
    """The atoms of a bitset (like ``Task.atoms_of``, in time linear in the set bits)."""
    table = task._atoms  # noqa: SLF001 - the interning table, read only
    out = []
    while mask:
        low = mask & -mask
        out.append(table[low.bit_length() - 1])
        mask ^= low
    return frozenset(out)


def effects_of(task: Task, step: m.Step) -> Effects:
    """The effects of a well-formed step (name, arity and types already checked)."""
    ga = task.action(step.action, step.args)
    schema = task.domain.actions[step.action]
    binding = dict(zip((v for v, _ in schema.params), step.args, strict=False))
    lits = task.literals(schema.precondition, binding)
    pre_pos = pre_neg = None
    if lits is not None and ga.pre_test is None:
        pre_pos, pre_neg = atoms_in(task, lits[0]), atoms_in(task, lits[1])
    conditional = []
    for eff in schema.effects:
        if isinstance(eff.condition, m.Const):
            continue  # unconditional (in the masks) or never
        for b in (_bindings(task, eff.forall, binding) if eff.forall else (binding,)):
            conditional.append((eff.condition, tuple(sorted(b.items())),
                                task.ground_atom(eff.atom, b), eff.positive))
    return Effects(schema.precondition, tuple(sorted(binding.items())), pre_pos, pre_neg,
                   atoms_in(task, ga.add), atoms_in(task, ga.delete), tuple(conditional))


def after_value(task: Task, eff: Effects, atom: m.GroundAtom, before: Accessor) -> str:
    """The value of ``atom`` right after a step, from the state before it."""
    if atom in eff.add:
        return "true"
    adds: list[str] = []
    dels: list[str] = ["true"] if atom in eff.delete else []
    for cond, b, a, positive in eff.conditional:
        if a == atom:
            (adds if positive else dels).append(to_smt(task, cond, dict(b), before))
    return or_((or_(adds), and_((not_(or_(dels)), before(atom)))))
