"""Read classical PDDL without unified-planning, into exactly the model that
:func:`verifier.pddl.convert_problem` builds from unified-planning's reading.

It mirrors unified-planning 1.x's reader where that reader decides something (which types
exist and their parents, ``object`` when something untyped needs it, ``(and)``/``(or)`` with
fewer than two arguments, ``(not (not x))``, effects in breadth-first order, ``when``
conditions simplified, ``forall`` effect variables kept only where used), and is as strict
(names, arities, argument types, section order), so that whatever reads here also reads
there. Numeric functions, ``increase``/``decrease``/``assign`` effects, numeric initial values
and ``:metric`` are read and dropped, as ``convert_problem`` drops them. What this reader
leaves to unified-planning raises :class:`Unsupported`: durative actions, derived predicates,
processes, events, HTN, trajectory constraints, timed initial literals, numeric conditions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

from verifier.errors import SpecError, did_you_mean
from verifier.model import ActionSchema, And, Atom, Domain, Formula, GroundAtom, Not, Problem
from verifier.pddl_formulas import TRUE, FormulaReader, Unsupported
from verifier.sexpr import SExpr, SList, Sym, read_sexprs

__all__ = ["Unsupported", "read_native"]

Groups = list[tuple[list[Sym], Sym | None]]  # a typed list: ``a b - t c`` (FormulaReader.groups)

_REQUIREMENTS = frozenset((  # unified-planning's list
    ":strips", ":typing", ":negative-preconditions", ":disjunctive-preconditions", ":equality",
    ":existential-preconditions", ":universal-preconditions", ":quantified-preconditions",
    ":conditional-effects", ":fluents", ":numeric-fluents", ":adl", ":durative-actions",
    ":duration-inequalities", ":timed-initial-literals", ":timed-initial-effects",
    ":action-costs", ":hierarchy", ":method-preconditions", ":constraints", ":contingent",
    ":preferences", ":time", ":continuous-effects",
))
_UNSUPPORTED_REQUIREMENTS = frozenset((
    ":durative-actions", ":duration-inequalities", ":timed-initial-literals",
    ":timed-initial-effects", ":hierarchy", ":method-preconditions", ":contingent", ":time",
    ":continuous-effects",
))
_DOMAIN_SECTIONS = (":requirements", ":types", ":constants", ":predicates", ":functions",
                    ":action")
_PROBLEM_SECTIONS = (":domain", ":requirements", ":objects", ":init", ":goal", ":metric")
_UNSUPPORTED_SECTIONS = frozenset((
    ":durative-action", ":derived", ":process", ":event", ":task", ":method", ":constraints",
    ":htn",
))
_ORDER_HINT = ("PDDL sections go in this order: " + ", ".join(_DOMAIN_SECTIONS[:-1])
               + ", then the actions")


def read_native(domain_text: str, problem_text: str | None, *, domain_path: str,
                problem_path: str | None = None, up_problem: object = None) -> Problem:
    """Read a domain (and problem) text; ``up_problem`` is stored as the problem's
    unified-planning problem (typically a :class:`verifier.model.LazyUpProblem`).

    Raises :class:`SpecError` on bad input and :class:`Unsupported` for PDDL beyond this reader.
    """
    reader = _Reader(domain_path)
    domain = reader.domain(_read(domain_text, domain_path, reader.domain))
    reader.domain_name = domain.name
    if problem_text is None:
        return Problem(name=domain.name, domain=domain, objects=dict(reader.objects),
                       init=frozenset(), goal=And(()), path=domain_path, up_problem=up_problem)
    reader.path = str(problem_path)
    name, init, goal = reader.problem(_read(problem_text, reader.path, reader.problem))
    return Problem(name=name, domain=domain, objects=dict(reader.objects), init=init, goal=goal,
                   path=str(problem_path), up_problem=up_problem)


def _read(text: str, path: str, parse: Callable[[list[SExpr]], object]) -> list[SExpr]:
    """The s-expressions of ``text``. When a '(' is never closed, the text is read again with
    closers appended and parsed: the first place where its structure breaks points at the
    missing ')' better than the unclosed '(' (often the ``define`` on line 1) does."""
    try:
        return read_sexprs(text, path=path)
    except SpecError as unclosed:
        if not unclosed.message.startswith("unclosed"):
            raise
        for extra in range(1, text.count("(") + 1):
            try:
                nodes = read_sexprs(text + ")" * extra, path=path)
            except SpecError:
                continue
            with contextlib.suppress(Unsupported):
                parse(nodes)  # raises the structural error, if there is one
            break
        raise unclosed from None


class _Reader(FormulaReader):
    """Domain and problem structure: sections, declarations, actions, initial state, goal."""

    domain_name: str | None = None  # set once the domain is read: a problem must name it

    def sections(self, items: Sequence[SExpr], order: tuple[str, ...], what: str
                 ) -> list[tuple[str, SList]]:
        out: list[tuple[str, SList]] = []
        rank = -1
        for item in items:
            head = item.items[0] if isinstance(item, SList) and item.items else None
            if not isinstance(item, SList) or not isinstance(head, Sym) or \
                    not head.text.startswith(":"):
                raise self.error(item, f"expected a {what} section such as "
                                 f"({':action' if what == 'domain' else ':init'} ...)")
            key = head.text
            if key in _UNSUPPORTED_SECTIONS:
                raise Unsupported(key)
            if key not in order:
                raise self.error(head, f"unknown section '{key}'",
                                 hint=did_you_mean(key, order) or f"a {what} has the sections "
                                 + ", ".join(order))
            if order.index(key) < rank or (order.index(key) == rank and key != ":action"):
                prev = order[rank]
                raise self.error(head, f"duplicate '{key}' section" if key == prev else
                                 f"'{key}' must come before '{prev}'",
                                 hint=_ORDER_HINT if what == "domain" else
                                 "a problem has, in order: " + ", ".join(order))
            rank = order.index(key)
            out.append((key, item))
        return out

    def header(self, nodes: list[SExpr], kind: str) -> tuple[str, tuple[SExpr, ...]]:
        hint = f"a PDDL {kind} reads (define ({kind} NAME) ...)"
        if not nodes:
            raise SpecError(f"empty {kind} file", path=self.path, hint=hint)
        if len(nodes) > 1:
            raise self.error(nodes[1], f"unexpected text after the {kind} definition",
                             hint="remove it, or check for an extra ')' before it")
        top = nodes[0]
        items = top.items if isinstance(top, SList) else ()
        if len(items) < 2 or not isinstance(items[0], Sym) or items[0].text != "define" or \
                not isinstance(items[1], SList) or len(items[1].items) != 2 or \
                not isinstance(items[1].items[0], Sym):
            raise self.error(top, f"expected (define ({kind} NAME) ...)", hint=hint)
        found = items[1].items[0]
        if found.text != kind:
            raise self.error(found, f"expected a {kind}, found '{found.text}'",
                             hint="give the domain file first, then the problem file"
                             if found.text in ("domain", "problem") else hint)
        return self.name(items[1].items[1], f"{kind} name"), items[2:]

    def requirements(self, section: SList) -> None:
        for item in section.items[1:]:
            if not isinstance(item, Sym) or item.text not in _REQUIREMENTS:
                text = item.text if isinstance(item, Sym) else "(...)"
                raise self.error(item, f"unknown requirement '{text}'",
                                 hint=did_you_mean(text, _REQUIREMENTS))
            if item.text in _UNSUPPORTED_REQUIREMENTS:
                raise Unsupported(item.text)

    # --- domain ----------------------------------------------------------------------------

    def domain(self, nodes: list[SExpr]) -> Domain:
        name, body = self.header(nodes, "domain")
        sections = self.sections(body, _DOMAIN_SECTIONS, "domain")
        parts = {key: s for key, s in sections}
        if ":requirements" in parts:
            self.requirements(parts[":requirements"])
        preds = [p for p in (parts[":predicates"].items[1:] if ":predicates" in parts else ())]
        funcs = self.function_signatures(parts.get(":functions"))
        consts = self.groups(parts[":constants"].items[1:], "constant") \
            if ":constants" in parts else []
        actions = [s for key, s in sections if key == ":action"]
        self.declare_types(parts.get(":types"), needs_object=self.needs_object(
            preds, funcs, consts, actions))
        for t in self.types:
            self.names[t] = "type"
        for p in preds:
            if not isinstance(p, SList) or not p.items:
                raise self.error(p, "expected a predicate such as (on ?x - block ?y - block)")
            pname = self.name(p.items[0], "predicate name")
            self.claim(p.items[0], "predicate")  # type: ignore[arg-type]
            self.predicates[pname] = tuple(self.type_of(t) for names, t in self.groups(
                p.items[1:], "variable", variables=True) for _ in names)
        for f, params in funcs:
            self.claim(f, "function")
            self.functions[f.text] = tuple(self.type_of(t) for names, t in params for _ in names)
        for names, ctype in consts:
            for c in names:
                self.claim(c, "constant")
                self.objects[c.text] = self.type_of(ctype)
        constants = dict(self.objects)
        schemas = [self.action(a) for a in actions]
        return Domain(name=name, types=dict(self.types), predicates=dict(self.predicates),
                      actions={a.name: a for a in schemas}, constants=constants,
                      path=self.path)

    def function_signatures(self, section: SList | None
                            ) -> list[tuple[Sym, Groups]]:
        out: list[tuple[Sym, Groups]] = []
        items = section.items[1:] if section is not None else ()
        i = 0
        while i < len(items):
            f = items[i]
            if not isinstance(f, SList) or not f.items:
                raise self.error(f, "expected a function such as (total-cost) - number")
            self.name(f.items[0], "function name")
            head = f.items[0]
            assert isinstance(head, Sym)  # self.name refuses a list
            out.append((head, self.groups(f.items[1:], "variable", variables=True)))
            i += 1
            sep = items[i] if i < len(items) else None
            if isinstance(sep, Sym) and sep.text == "-":
                t = items[i + 1] if i + 1 < len(items) else sep
                if not isinstance(t, Sym) or t.text != "number":
                    raise Unsupported("non-numeric function")
                i += 2
        return out

    def needs_object(self, preds: list[SExpr], funcs: list[tuple[Sym, Groups]],
                     consts: Groups, actions: list[SList]) -> bool:
        """unified-planning declares ``object`` when something in the domain is untyped or
        typed ``object``; top-level types then get it as their parent."""
        def untyped(groups: Groups) -> bool:
            return any(t is None or t.text == "object" for _, t in groups)

        for p in preds:
            if isinstance(p, SList) and untyped(self.groups(p.items[1:], "variable",
                                                            variables=True)):
                return True
        if any(untyped(params) for _, params in funcs) or untyped(consts):
            return True
        for a in actions:
            items = a.items
            if len(items) > 3 and isinstance(items[2], Sym) and items[2].text == ":parameters" \
                    and isinstance(items[3], SList) and untyped(
                        self.groups(items[3].items, "variable", variables=True)):
                return True
        return False

    def declare_types(self, section: SList | None, *, needs_object: bool) -> None:
        declared: dict[str, tuple[str | None, Sym]] = {}
        for names, t in self.groups(section.items[1:], "type name") if section else ():
            father = t.text if t is not None else ("object" if needs_object else None)
            for s in names:
                if s.text in declared:
                    raise self.error(s, f"type '{s.text}' is declared twice",
                                     hint="declare each type once, with its parent")
                if s.text == "object":
                    father = None  # and for the rest of this group, as unified-planning does
                declared[s.text] = (father, s)
        visiting: set[str] = set()

        def declare(t: str, father: str | None, node: Sym) -> None:
            if t in self.types:
                return
            if t in visiting:
                raise self.error(node, f"type '{t}' is its own ancestor",
                                 hint="the parents in :types must not form a cycle")
            visiting.add(t)
            if father is not None and father not in self.types:
                if father in declared:
                    if father == t:
                        raise self.error(node, f"type '{t}' is declared as a subtype of itself")
                    declare(father, *declared[father])
                elif father == "object" and not needs_object:
                    father = None
                else:
                    self.types[father] = None  # an undeclared parent: a root type
            self.types[t] = father
        for name, (father, node) in declared.items():
            declare(name, father, node)
        if needs_object:
            self.types.setdefault("object", None)

    def action(self, node: SList) -> ActionSchema:
        items = node.items
        if len(items) < 2:
            raise self.error(node, "an action needs a name and :parameters")
        name = self.name(items[1], "action name")
        self.claim(items[1], "action")  # type: ignore[arg-type]
        if len(items) < 4 or not isinstance(items[2], Sym) or items[2].text != ":parameters":
            raise self.error(items[2] if len(items) > 2 else node,
                             f"action '{name}' needs :parameters right after its name",
                             hint="write :parameters () for an action without parameters")
        params = self.params(items[3], f"action '{name}'")
        scope = dict(params)
        parts: dict[str, SList] = {}
        keys = (":precondition", ":effect")
        i = 4
        while i < len(items):
            key = items[i]
            if isinstance(key, SList):
                raise self.error(key, f"Expected ')' to end action '{name}'",
                                 hint="check the PDDL syntax: a ')' is probably missing before "
                                 "this")
            if key.text == ":observe":
                raise Unsupported(":observe")
            if key.text not in keys:
                raise self.error(key, f"unexpected '{key.text}' in action '{name}'",
                                 hint=did_you_mean(key.text, keys) or
                                 "an action has :parameters, :precondition and :effect")
            if key.text in parts or (key.text == ":precondition" and ":effect" in parts):
                raise self.error(key, f"'{key.text}' out of place in action '{name}'",
                                 hint="write :parameters, :precondition, :effect once each, "
                                 "in this order")
            value = items[i + 1] if i + 1 < len(items) else None
            if not isinstance(value, SList):
                raise self.error(key, f"'{key.text}' needs a value in parentheses")
            parts[key.text] = value
            i += 2
        pre = self.formula(parts[":precondition"], scope) if ":precondition" in parts else TRUE
        effects = self.effects(parts[":effect"], scope) if ":effect" in parts else ()
        return ActionSchema(name=name, params=params,
                            precondition=And(()) if pre == TRUE else pre, effects=effects)

    # --- problem -----------------------------------------------------------------------------

    def problem(self, nodes: list[SExpr]) -> tuple[str, frozenset[GroundAtom], Formula]:
        self.in_problem = True
        name, body = self.header(nodes, "problem")
        sections = self.sections(body, _PROBLEM_SECTIONS, "problem")
        parts = dict(sections)
        if not sections or sections[0][0] != ":domain":
            raise self.error(sections[0][1] if sections else nodes[0],
                             "a problem names its domain first: (:domain NAME)")
        if len(parts[":domain"].items) != 2:
            raise self.error(parts[":domain"], "expected (:domain NAME)")
        self.name(parts[":domain"].items[1], "domain name")
        named = parts[":domain"].items[1]
        want = self.domain_name
        if want is not None and isinstance(named, Sym) and named.text != want.lower():
            raise self.error(named, f"this problem is for domain '{named.text}', not "
                             f"'{want}'", hint="check that the problem belongs to this spec")
        if ":requirements" in parts:
            self.requirements(parts[":requirements"])
        for names, t in self.groups(parts[":objects"].items[1:], "object") \
                if ":objects" in parts else ():
            for o in names:
                self.claim(o, "object")
                self.objects[o.text] = self.type_of(t)
        if ":init" not in parts:
            raise self.error(nodes[0], "the problem has no :init section",
                             hint="write (:init) for an empty initial state")
        init = self.init(parts[":init"].items[1:])
        if ":goal" not in parts:
            raise self.error(nodes[0], "the problem has no :goal section",
                             hint="add (:goal (and ...))")
        goal_items = parts[":goal"].items[1:]
        if len(goal_items) != 1:
            raise self.error(parts[":goal"], "(:goal ...) holds exactly one condition",
                             hint="wrap several in (and ...)")
        if not isinstance(goal_items[0], SList):
            raise self.error(goal_items[0], "the goal must be a condition in parentheses")
        goal = self.formula(goal_items[0], {})
        return name, init, And(()) if goal == TRUE else goal

    def init(self, items: Sequence[SExpr]) -> frozenset[GroundAtom]:
        first = items[0] if len(items) == 1 else None
        if isinstance(first, SList) and first.items and isinstance(first.items[0], Sym) and \
                first.items[0].text == "and":
            items = first.items[1:]
        facts = set()
        for item in items:
            if not isinstance(item, SList):
                raise self.error(item, "expected a fact such as (on a b) in :init")
            head = item.items[0] if item.items else None
            op = head.text if isinstance(head, Sym) else None
            if op == "=" and len(item.items) == 3:
                self.numeric_effect(item, item.items[1:])
                continue
            if op == "at" and len(item.items) == 3 and isinstance(item.items[1], Sym) and \
                    item.items[1].text.replace(".", "", 1).isdigit():
                raise Unsupported("timed initial literal")
            if op in ("oneof", "or", "unknown"):
                raise self.error(item, f"'{op}' in :init is not supported",
                                 hint="list the facts that hold initially")
            f = self.formula(item, {})
            if isinstance(f, Atom):
                facts.add((f.pred, *f.args))
            elif isinstance(f, Not):
                raise self.error(item, "(not ...) in :init: the initial state lists only the "
                                 "facts that hold (everything else is false)",
                                 hint="remove it")
            else:
                raise self.error(item, "expected a fact such as (on a b) in :init")
        return frozenset(facts)
