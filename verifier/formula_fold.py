"""One walk over a state formula (:data:`verifier.model.Formula`), bottom up.

A :class:`FormulaFold` names what each kind of node becomes, given what its parts became;
calling it on a formula folds the whole tree. The PDDL writer (:func:`verifier.pddl_writer.
formula_text`) and the plain-language text of policies (:func:`verifier.policy.render`)
are two folds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from verifier import model as m

__all__ = ["FormulaFold"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FormulaFold(Generic[T]):
    """What each node of a formula becomes; ``other`` is asked for a node of no known kind."""

    atom: Callable[[m.Atom], T]
    not_: Callable[[T], T]
    and_: Callable[[list[T]], T]
    or_: Callable[[list[T]], T]
    imply: Callable[[T, T], T]
    eq: Callable[[m.Eq], T]
    quantified: Callable[[m.Forall | m.Exists, T], T]  # the quantifier and its folded body
    const: Callable[[bool], T]
    other: Callable[[object], T]

    def __call__(self, f: m.Formula) -> T:
        if isinstance(f, m.Atom):
            return self.atom(f)
        if isinstance(f, m.Not):
            return self.not_(self(f.arg))
        if isinstance(f, m.And):
            return self.and_([self(a) for a in f.args])
        if isinstance(f, m.Or):
            return self.or_([self(a) for a in f.args])
        if isinstance(f, m.Imply):
            return self.imply(self(f.left), self(f.right))
        if isinstance(f, m.Eq):
            return self.eq(f)
        if isinstance(f, (m.Forall, m.Exists)):
            return self.quantified(f, self(f.body))
        if isinstance(f, m.Const):
            return self.const(f.value)
        return self.other(f)
