"""Formulas and effects for the native PDDL reader (:mod:`verifier.pddl_native`).

:class:`FormulaReader` holds what a domain declares (types, predicates, functions, objects)
and reads conditions and effects against it, as strictly as unified-planning's reader
(arities, argument types, names). :func:`simplify` mirrors unified-planning's simplifier,
which its reader applies to ``when`` conditions; so must we, to read the same model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from verifier.errors import SpecError, did_you_mean
from verifier.model import And, Atom, Const, Effect, Eq, Exists, Forall, Formula, Imply, Not, Or
from verifier.sexpr import SExpr, SList, Sym

__all__ = ["Unsupported", "FormulaReader", "TRUE", "FALSE", "conjoin", "negate",
           "free_variables", "simplify"]

TRUE, FALSE = Const(True), Const(False)
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_NUMERIC = frozenset(["<", ">", "<=", ">=", "+", "-", "*", "/"])
_NUMERIC_EFFECTS = frozenset(["assign", "increase", "decrease"])
_TEMPORAL = frozenset(["always", "sometime", "sometime-before", "sometime-after", "at-most-once"])


class Unsupported(Exception):
    """This PDDL uses a feature the native reader leaves to unified-planning."""


class FormulaReader:
    """The names a domain declares, and conditions and effects read against them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.types: dict[str, str | None] = {}
        self.predicates: dict[str, tuple[str, ...]] = {}
        self.functions: dict[str, tuple[str, ...]] = {}
        self.objects: dict[str, str] = {}  # constants, then problem objects
        self.names: dict[str, str] = {}  # every declared name -> what it names
        self.in_problem = False

    # --- names and types -----------------------------------------------------------------

    def error(self, node: SExpr, message: str, hint: str | None = None) -> SpecError:
        return SpecError(message, path=self.path, line=node.line, col=node.col, hint=hint)

    def name(self, node: SExpr, kind: str, *, variable: bool = False) -> str:
        if not isinstance(node, Sym):
            raise self.error(node, f"expected a {kind}, found a list")
        text = node.text[1:] if variable else node.text
        if variable and not node.text.startswith("?"):
            raise self.error(node, f"expected a variable, found '{node.text}'",
                             hint=f"variables start with '?', e.g. ?{node.text}")
        if not _NAME.match(text):
            raise self.error(node, f"invalid {kind} '{node.text}'",
                             hint="names start with a letter and use letters, digits, '-', '_'")
        return node.text

    def claim(self, node: Sym, kind: str) -> None:
        if node.text in self.names:
            what = self.names[node.text]
            raise self.error(node, f"'{node.text}' is already declared as "
                             f"{'an' if what[0] in 'aeiou' else 'a'} {what}",
                             hint="every type, predicate, function, action and object needs "
                             "its own name")
        self.names[node.text] = kind

    def type_of(self, node: Sym | None) -> str:
        if node is None:
            return "object"
        if node.text not in self.types and node.text != "object":
            raise self.error(node, f"unknown type '{node.text}'",
                             hint=did_you_mean(node.text, [*self.types, "object"])
                             or "declare it in :types")
        return node.text

    def ancestors(self, t: str) -> list[str]:
        out: list[str] = []
        while t is not None and t not in out:
            out.append(t)
            t = self.types.get(t)  # type: ignore[assignment]
        return out

    def fits(self, param: str, arg: str) -> bool:
        """unified-planning's ``is_compatible``: ``arg`` is ``param`` or a subtype of it."""
        return param in self.ancestors(arg) or (param == "object" and "object" not in self.types)

    def groups(self, items: Sequence[SExpr], kind: str, *, variables: bool = False
               ) -> list[tuple[list[Sym], Sym | None]]:
        """A typed list ``a b - t c`` as ``[([a, b], t), ([c], None)]``."""
        out: list[tuple[list[Sym], Sym | None]] = []
        pending: list[Sym] = []
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, Sym) and item.text == "-":
                if not pending:
                    raise self.error(item, "'-' must follow the names it gives a type to")
                if i + 1 >= len(items):
                    raise self.error(item, "'-' must be followed by a type")
                t = items[i + 1]
                if isinstance(t, SList):
                    head = t.items[0] if t.items else None
                    if isinstance(head, Sym) and head.text == "either":
                        raise self.error(t, "'either' types are not supported",
                                         hint="declare a common supertype and use it instead")
                    raise self.error(t, "expected a type name, found a list")
                self.name(t, "type name")
                out.append((pending, t))
                pending, i = [], i + 2
                continue
            self.name(item, kind, variable=variables)
            pending.append(item)  # type: ignore[arg-type]
            i += 1
        if pending:
            out.append((pending, None))
        return out

    def params(self, node: SExpr, owner: str, *, quantifier: bool = False
               ) -> tuple[tuple[str, str], ...]:
        if not isinstance(node, SList):
            raise self.error(node, f"the parameters of {owner} must be a list such as "
                             "(?x - type)")
        out: dict[str, str] = {}
        for names, t in self.groups(node.items, "variable", variables=True):
            for v in names:
                if v.text in out:
                    raise self.error(v, f"variable '{v.text}' is declared twice in {owner}")
                out[v.text] = self.type_of(t)
        if quantifier and not out:
            raise self.error(node, f"{owner} needs at least one variable")
        return tuple(out.items())

    # --- formulas ----------------------------------------------------------------------------

    def term(self, node: SExpr, scope: dict[str, str]) -> tuple[str, str]:
        if isinstance(node, SList):
            if node.items and isinstance(node.items[0], Sym) and node.items[0].text in \
                    self.functions:
                raise Unsupported("numeric term")
            raise self.error(node, "expected an object or a variable, found a list")
        text = node.text
        if text.startswith("?"):
            if text in scope:
                return text, scope[text]
            raise self.error(node, f"unknown variable '{text}'",
                             hint=did_you_mean(text, scope) or (
                                 "use an object here: variables need a forall or exists"
                                 if self.in_problem else "declare it in the action's "
                                 ":parameters or in a forall/exists"))
        if text in self.objects:
            return text, self.objects[text]
        if re.fullmatch(r"-?[0-9.]+", text):
            raise Unsupported("numeric term")
        raise self.error(node, f"unknown object or variable '{text}'",
                         hint=did_you_mean(text, self.objects) or
                         ("declare it in :objects" if self.in_problem else
                          "declare it in :constants, or use a parameter ?" + text))

    def atom(self, node: SList, scope: dict[str, str]) -> Atom:
        pred = node.items[0].text  # type: ignore[union-attr]
        sig = self.predicates[pred]
        args = node.items[1:]
        if len(args) != len(sig):
            raise self.error(node, f"'{pred}' takes {len(sig)} argument"
                             f"{'' if len(sig) == 1 else 's'}, got {len(args)}",
                             hint="(" + " ".join((pred, *sig)) + ")")
        names = []
        for i, (arg, want) in enumerate(zip(args, sig, strict=False), 1):
            name, have = self.term(arg, scope)
            if not self.fits(want, have):
                raise self.error(arg, f"'{name}' has type '{have}', but argument {i} of "
                                 f"'{pred}' must be a '{want}'",
                                 hint=f"use a '{want}' here, or a subtype of it")
            names.append(name)
        return Atom(pred, tuple(names))

    def formula(self, node: SExpr, scope: dict[str, str]) -> Formula:
        if isinstance(node, Sym):
            if self.predicates.get(node.text) == ():
                return Atom(node.text, ())
            raise self.error(node, f"expected a condition in parentheses, found '{node.text}'")
        if not node.items:
            return TRUE
        head, args = node.items[0], node.items[1:]
        if not isinstance(head, Sym):
            raise self.error(head, "expected a predicate or a connective such as 'and', "
                             "found a list")
        op = head.text
        if op == "and":
            return conjoin([self.formula(a, scope) for a in args])
        if op == "or":
            parts = [self.formula(a, scope) for a in args]
            return FALSE if not parts else parts[0] if len(parts) == 1 else Or(tuple(parts))
        if op in ("not", "imply", "=", "forall", "exists"):
            want = 1 if op == "not" else 2
            if len(args) != want:
                raise self.error(node, f"'{op}' takes {want} argument{'s' * (want > 1)}, "
                                 f"got {len(args)}")
        if op == "not":
            return negate(self.formula(args[0], scope), fold=False)
        if op == "imply":
            return Imply(self.formula(args[0], scope), self.formula(args[1], scope))
        if op == "=":
            (left, lt), (right, rt) = self.term(args[0], scope), self.term(args[1], scope)
            if not (self.fits(lt, rt) or self.fits(rt, lt)
                    or set(self.ancestors(lt)) & set(self.ancestors(rt))):
                raise self.error(node, f"'{left}' ({lt}) and '{right}' ({rt}) can never be "
                                 "equal: their types are unrelated",
                                 hint="compare terms of related types")
            return Eq(left, right)
        if op in ("forall", "exists"):
            params = self.params(args[0], f"'{op}'", quantifier=True)
            body = self.formula(args[1], {**scope, **dict(params)})
            return (Forall if op == "forall" else Exists)(params, body)
        if op in _NUMERIC or op in _TEMPORAL:
            raise Unsupported(op)
        if op in self.functions:
            raise self.error(node, f"'{op}' is a numeric function, not a predicate")
        if op in self.predicates:
            return self.atom(node, scope)
        raise self.error(node, f"unknown predicate '{op}'",
                         hint=did_you_mean(op, self.predicates) or "declare it in :predicates")

    # --- effects -----------------------------------------------------------------------------

    def effects(self, node: SList, params: dict[str, str]) -> tuple[Effect, ...]:
        """Breadth-first, as unified-planning adds them; a ``when`` replaces the condition."""
        out: list[Effect] = []
        queue: list[tuple[SExpr, Formula, dict[str, str]]] = [(node, TRUE, {})]
        while queue:
            e, cond, fvars = queue.pop(0)
            scope = {**params, **fvars}
            if isinstance(e, Sym):
                raise self.error(e, f"expected an effect in parentheses, found '{e.text}'")
            if not e.items:
                continue
            head, args = e.items[0], e.items[1:]
            op = head.text if isinstance(head, Sym) else None
            if op == "and":
                queue.extend((a, cond, fvars) for a in args)
            elif op in ("when", "forall"):
                if len(args) != 2:
                    raise self.error(e, f"'{op}' takes 2 arguments, got {len(args)}")
                if op == "when":
                    c = simplify(self.formula(args[0], scope), scope, fits=self.fits,
                                 type_of=lambda o: self.objects.get(o, "object"))
                    if c != FALSE:
                        queue.append((args[1], c, fvars))
                    continue
                if fvars:
                    raise self.error(e, "nested forall effects are not supported",
                                     hint="quantify all variables in one forall")
                queue.append((args[1], cond, dict(self.params(args[0], "'forall'",
                                                              quantifier=True))))
            elif op in _NUMERIC_EFFECTS:
                self.numeric_effect(e, args)
            else:
                positive = op != "not"
                target = e if positive else args[0] if len(args) == 1 else None
                if target is None:
                    raise self.error(e, f"'not' takes 1 argument, got {len(args)}")
                tops = target.items[0] if isinstance(target, SList) and target.items else None
                if not isinstance(tops, Sym) or tops.text not in self.predicates:
                    if isinstance(tops, Sym) and tops.text in self.functions:
                        raise self.error(target, f"'{tops.text}' is a numeric function: "
                                         "change it with increase, decrease or assign")
                    self.formula(target, scope)  # the precise error
                    raise self.error(target, "expected an atom such as (on ?x ?y) as effect")
                atom = self.atom(target, scope)  # type: ignore[arg-type]
                used = set(atom.args) | free_variables(cond)
                out.append(Effect(atom=atom, positive=positive, condition=cond,
                                  forall=tuple((v, t) for v, t in fvars.items() if v in used)))
        return tuple(out)

    def numeric_effect(self, e: SList, args: Sequence[SExpr]) -> None:
        """Numeric effects and initial values are dropped; their function must exist."""
        target = args[0] if args else e
        head = target.items[0] if isinstance(target, SList) and target.items else target
        if isinstance(head, Sym) and isinstance(target, SList) and head.text not in \
                self.functions and head.text not in self.predicates:
            raise self.error(target, f"unknown function '{head.text}'",
                             hint=did_you_mean(head.text, self.functions) or
                             "declare it in :functions")
        if not isinstance(head, Sym) or head.text not in self.functions or len(args) != 2:
            raise Unsupported("numeric effect")  # unified-planning decides what this means
        if any(isinstance(a, Sym) and a.text == "#t" for a in _walk(e)):
            raise Unsupported("continuous effect")


def _walk(node: SExpr) -> list[SExpr]:
    return [node] if isinstance(node, Sym) else [node, *(x for i in node.items for x in _walk(i))]


# --- unified-planning's simplifier, on our formulas -------------------------------------------


def conjoin(parts: list[Formula]) -> Formula:
    """unified-planning's ``And``: true for none, the one for one."""
    return TRUE if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))


def negate(f: Formula, *, fold: bool = True) -> Formula:
    """``not f``, with ``not not f`` as ``f`` (and, if ``fold``, ``not true`` as ``false``)."""
    if isinstance(f, Not):
        return f.arg
    if fold and isinstance(f, Const):
        return Const(not f.value)
    return Not(f)


def free_variables(f: Formula) -> set[str]:
    """Variable names occurring free in ``f``."""
    if isinstance(f, Atom):
        return {a for a in f.args if a.startswith("?")}
    if isinstance(f, Eq):
        return {a for a in (f.left, f.right) if a.startswith("?")}
    if isinstance(f, Not):
        return free_variables(f.arg)
    if isinstance(f, (And, Or)):
        return set().union(*(free_variables(a) for a in f.args))
    if isinstance(f, Imply):
        return free_variables(f.left) | free_variables(f.right)
    if isinstance(f, (Forall, Exists)):
        return free_variables(f.body) - {v for v, _ in f.params}
    return set()


def _substitute(f: Formula, var: str, value: str) -> Formula:
    if isinstance(f, Atom):
        return Atom(f.pred, tuple(value if a == var else a for a in f.args))
    if isinstance(f, Eq):
        return Eq(value if f.left == var else f.left, value if f.right == var else f.right)
    if isinstance(f, Not):
        return Not(_substitute(f.arg, var, value))
    if isinstance(f, (And, Or)):
        return type(f)(tuple(_substitute(a, var, value) for a in f.args))
    if isinstance(f, Imply):
        return Imply(_substitute(f.left, var, value), _substitute(f.right, var, value))
    if isinstance(f, (Forall, Exists)) and var not in {v for v, _ in f.params}:
        return type(f)(f.params, _substitute(f.body, var, value))
    return f


def _junction(f: And | Or, args: list[Formula]) -> Formula:
    unit, zero = (TRUE, FALSE) if isinstance(f, And) else (FALSE, TRUE)
    if len(args) == 2 and args[0] == args[1]:
        return args[0]
    seen: dict[Formula, bool] = {}
    for a in args:
        if a == unit:
            continue
        if a == zero:
            return zero
        for s in (a.args if isinstance(a, type(f)) else (a,)):
            if negate(s) in seen:
                return zero
            seen[s] = True
    return unit if not seen else next(iter(seen)) if len(seen) == 1 else type(f)(tuple(seen))


def simplify(f: Formula, scope: dict[str, str], *, type_of: Callable[[str], str],
             fits: Callable[[str, str], bool]) -> Formula:
    """unified-planning's ``Simplifier`` without static fluents, which its PDDL reader applies
    to ``when`` conditions: constants folded, one level of nested and/or flattened, repeats
    and complementary pairs found, unused quantified variables dropped, ``exists`` over an
    equality substituted. ``scope`` types variables, ``type_of`` objects; ``fits(a, b)``
    says whether type ``b`` is ``a`` or a subtype of it."""
    if isinstance(f, Eq):
        if f.left == f.right:
            return TRUE
        lt = scope.get(f.left) or type_of(f.left)
        rt = scope.get(f.right) or type_of(f.right)
        return f if fits(lt, rt) or fits(rt, lt) else FALSE
    if isinstance(f, Not):
        return negate(simplify(f.arg, scope, type_of=type_of, fits=fits))
    if isinstance(f, (And, Or)):
        return _junction(f, [simplify(a, scope, type_of=type_of, fits=fits) for a in f.args])
    if isinstance(f, Imply):
        left = simplify(f.left, scope, type_of=type_of, fits=fits)
        right = simplify(f.right, scope, type_of=type_of, fits=fits)
        if isinstance(left, Const):
            return right if left.value else TRUE
        if isinstance(right, Const):
            return TRUE if right.value else negate(left, fold=False)
        return TRUE if left == right else Imply(left, right)
    if isinstance(f, (Forall, Exists)):
        body = simplify(f.body, {**scope, **dict(f.params)}, type_of=type_of, fits=fits)
        free = free_variables(body)
        params = [p for p in f.params if p[0] in free]
        if isinstance(f, Forall):
            return Forall(tuple(params), body) if params else body
        again = True
        while again and isinstance(body, And):  # exists x. (x = c and φ)  ->  φ[c/x]
            again = False
            for i, a in enumerate(body.args):
                if isinstance(a, Eq):
                    var, value = (a.left, a.right) if any(v == a.left for v, _ in params) \
                        else (a.right, a.left)
                    if any(v == var for v, _ in params):
                        body = _substitute(conjoin([x for j, x in enumerate(body.args) if j != i]),
                                           var, value)
                        params = [p for p in params if p[0] != var]
                        again = True
                        break
        return Exists(tuple(params), body) if params else body
    return f
