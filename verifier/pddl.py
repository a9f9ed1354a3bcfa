"""Read PDDL into Plansafe's own immutable model.

The native reader (:mod:`verifier.pddl_native`) reads classical PDDL without importing
unified-planning (about 2 s); the problem's ``up_problem`` is then parsed by unified-planning
only when something reads it. PDDL beyond the native reader (durative actions, derived
predicates, numeric conditions, ...) is read by unified-planning and converted, as before.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from verifier import model
from verifier.errors import PlansafeError, SpecError, did_you_mean

__all__ = ["read_problem", "read_domain", "convert_problem", "normalise_pddl", "formula_of"]

_PREDICATES = re.compile(r"\(\s*:predicates\b", re.IGNORECASE)


def normalise_pddl(text: str) -> str:
    """Rename repeated variable names inside ``(:predicates ...)`` declarations.

    Parameter names of a predicate declaration carry no meaning, yet some IPC domains
    reuse one (logistics00 declares ``(in ?obj ?obj)``), which unified-planning's reader
    collapses into a one-argument predicate. Renaming the repeats gives the correct
    reading; lines and columns do not move because the new names have the same length
    or the text is only appended within the same line.
    """
    m = _PREDICATES.search(text)
    if not m:
        return text
    depth, i = 0, m.start()
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    block = text[m.start():i]

    def fix(decl: re.Match[str]) -> str:
        seen: dict[str, int] = {}

        def rename(var: re.Match[str]) -> str:
            name = var.group(0).lower()
            seen[name] = seen.get(name, 0) + 1
            return var.group(0) if seen[name] == 1 else f"{var.group(0)}{seen[name]}"

        return re.sub(r"\?[\w-]+", rename, decl.group(0))

    fixed = re.sub(r"\(\s*[^():\s][^()]*\)", fix, block)
    return text[:m.start()] + fixed + text[i:]


def _position_of(error: Exception) -> tuple[int, int]:
    """Best-effort (line, col) from unified-planning / pyparsing errors."""
    for attr_line, attr_col in (("lineno", "col"), ("lineno", "column")):
        line, col = getattr(error, attr_line, None), getattr(error, attr_col, None)
        if isinstance(line, int) and isinstance(col, int):
            return line, col
    m = re.search(r"line:?\s*(\d+),?\s*col(?:umn)?:?\s*(\d+)", str(error))
    if m:
        return int(m.group(1)), int(m.group(2))
    return 1, 1


def _clean_message(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = re.sub(r"^UP\w+Error\('?(.*?)'?\)$", r"\1", text)
    # positions are reported separately: drop unified-planning's / pyparsing's own
    text = re.sub(r"\s*\(at char \d+\),?\s*\(line:\s*\d+,\s*col:\s*\d+\)", "", text)
    text = re.sub(r"\.?\s*(From|found at) line:.*$", "", text)
    return text.strip()


def _declared(text: str, section: str) -> set[str]:
    """Names declared in ``(:section ...)`` (types, constants, objects), without types."""
    m = re.search(r"\(\s*:" + section + r"\b(.*?)\)", text, re.IGNORECASE | re.DOTALL)
    if not m:
        return set()
    words = re.findall(r"[^\s()]+", m.group(1).lower())
    return {w for i, w in enumerate(words) if w != "-" and (i == 0 or words[i - 1] != "-")}


def _pddl_error(error: Exception, path: Path, text: str, names_text: str) -> SpecError:
    """A positioned, readable error for a unified-planning parse failure in ``text``."""
    line, col = _position_of(error)
    message = _clean_message(error)
    hint: str | None = "check the PDDL syntax and names at this position"
    word = None
    preds = {m.lower() for m in re.findall(r"\(\s*([^\s()?:][^\s()]*)\s+\?", re.sub(
        r"(?is).*?\(\s*:predicates(.*?)\(\s*:(action|functions|derived).*", r"\1", names_text))}
    if m := re.match(r"Not able to handle: \((\S+)", message):
        word, choices, message = m.group(1).lower(), preds, f"unknown predicate '{m.group(1)}'"
    elif m := re.match(r"Found invalid expression: (\S+?)\.?$", message):
        word = m.group(1).lower()
        choices = _declared(names_text, "constants") | _declared(text, "objects")
        message = f"unknown object or variable '{m.group(1)}'"
    elif m := re.match(r"(?:Undefined parameter's type: (\S+?)\.?|'([^']+)')$", message):
        word = (m.group(1) or m.group(2)).lower()
        choices = _declared(names_text, "types") | {"object"}
        message = f"unknown type '{word}'"
    if word is not None:
        hint = did_you_mean(word, choices) or hint
        if (line, col) == (1, 1):  # no position given: the word's first use after its kind
            found = re.search(r"(?<![\w?-])" + re.escape(word) + r"(?![\w-])", text,
                              re.IGNORECASE)
            if found:
                line = text.count("\n", 0, found.start()) + 1
                col = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return SpecError(message, path=str(path), line=line, col=col, hint=hint)


def _up_reader() -> Any:
    import unified_planning.shortcuts as up
    from unified_planning.io import PDDLReader  # heavy import, lazy

    up.get_environment().credits_stream = None
    return PDDLReader()


def read_problem(domain_path: str | Path, problem_path: str | Path | None, *,
                 native: bool = True) -> model.Problem:
    """Read a PDDL domain (and problem) into a :class:`Problem`.

    Every parse error becomes a :class:`SpecError` naming the file and position.
    ``native=False`` reads with unified-planning and converts (the reference reading).
    """
    from verifier.pddl_native import Unsupported, read_native

    domain_path = Path(domain_path)
    domain_text = _read_text(domain_path)
    problem_text = _read_text(Path(problem_path)) if problem_path is not None else None
    lazy = model.LazyUpProblem(functools.partial(
        _build_up_problem, str(domain_path), domain_text,
        None if problem_path is None else str(problem_path), problem_text))
    if native:
        try:
            return read_native(domain_text, problem_text, domain_path=str(domain_path),
                               problem_path=None if problem_path is None else str(problem_path),
                               up_problem=lazy)
        except Unsupported:
            pass  # unified-planning reads what the native reader leaves to it
    up_problem = lazy.get()
    m = re.search(r"\(\s*domain\s+([^\s()]+)", domain_text, re.IGNORECASE)
    return convert_problem(up_problem, domain_path=str(domain_path),
                           problem_path=str(problem_path or domain_path),
                           domain_name=m.group(1).lower() if m else None)


def _build_up_problem(domain_path: str, domain_text: str, problem_path: str | None,
                      problem_text: str | None) -> Any:
    """unified-planning's reading of the texts (``Problem.up_problem``, built lazily)."""
    reader = _up_reader()
    try:
        if problem_text is None:
            up_problem = reader.parse_problem_string(normalise_pddl(domain_text))
        else:
            up_problem = reader.parse_problem_string(normalise_pddl(domain_text), problem_text)
    except (SpecError, PlansafeError):
        raise
    except Exception as error:  # unified-planning raises many types; all are bad input here
        raise _blame(error, reader, Path(domain_path), domain_text, problem_path, problem_text
                     ) from None
    return up_problem


def read_domain(domain_path: str | Path) -> model.Domain:
    return read_problem(domain_path, None).domain


def _blame(error: Exception, reader: Any, domain_path: Path, domain_text: str,
           problem_path: str | Path | None, problem_text: str | None) -> SpecError:
    """unified-planning does not say which file an error is in: the problem is to blame
    exactly when the domain alone reads without error."""
    if problem_text is not None:
        try:
            reader.parse_problem_string(normalise_pddl(domain_text))
        except Exception as domain_error:  # the domain itself is bad: report that
            return _pddl_error(domain_error, domain_path, domain_text, domain_text)
        return _pddl_error(error, Path(str(problem_path)), problem_text, domain_text)
    return _pddl_error(error, domain_path, domain_text, domain_text)


def _read_text(path: Path) -> str:
    from verifier.inputs import read_input_text

    return read_input_text(path, what="PDDL file")


# --- conversion from unified-planning objects ---------------------------------------------------


def _var(name: str) -> str:
    return name if name.startswith("?") else "?" + name


def formula_of(node: Any) -> model.Formula:
    """Convert a unified-planning boolean FNode to a :data:`Formula`."""
    if node.is_bool_constant():
        return model.Const(bool(node.bool_constant_value()))
    if node.is_fluent_exp():
        return model.Atom(node.fluent().name, tuple(_term(a) for a in node.args))
    if node.is_and():
        return model.And(tuple(formula_of(a) for a in node.args))
    if node.is_or():
        return model.Or(tuple(formula_of(a) for a in node.args))
    if node.is_not():
        return model.Not(formula_of(node.arg(0)))
    if node.is_implies():
        return model.Imply(formula_of(node.arg(0)), formula_of(node.arg(1)))
    if node.is_iff():
        a, b = formula_of(node.arg(0)), formula_of(node.arg(1))
        return model.And((model.Imply(a, b), model.Imply(b, a)))
    if node.is_equals():
        return model.Eq(_term(node.arg(0)), _term(node.arg(1)))
    if node.is_forall() or node.is_exists():
        params = tuple((_var(v.name), v.type.name) for v in node.variables())
        body = formula_of(node.arg(0))
        return model.Forall(params, body) if node.is_forall() else model.Exists(params, body)
    raise PlansafeError(f"unsupported PDDL expression: {node}")


def _term(node: Any) -> str:
    if node.is_parameter_exp():
        return _var(node.parameter().name)
    if node.is_variable_exp():
        return _var(node.variable().name)
    if node.is_object_exp():
        return str(node.object().name)
    raise PlansafeError(f"unsupported term: {node}")


def _is_bool(fluent: Any) -> bool:
    return bool(fluent.type.is_bool_type())


def convert_problem(
    up_problem: Any, *, domain_path: str, problem_path: str, domain_name: str | None = None
) -> model.Problem:
    """Convert a unified-planning ``Problem`` to Plansafe's model (numeric costs are dropped)."""
    types: dict[str, str | None] = {}
    for t in up_problem.user_types:
        types[t.name] = t.father.name if t.father is not None else None
    predicates = {
        f.name: tuple(p.type.name for p in f.signature)
        for f in up_problem.fluents if _is_bool(f)
    }
    actions: dict[str, model.ActionSchema] = {}
    for a in up_problem.actions:
        if not hasattr(a, "preconditions"):
            raise PlansafeError(f"action '{a.name}' is not instantaneous; only classical "
                                "actions are supported")
        pre = [formula_of(p) for p in a.preconditions]
        effects = []
        for e in a.effects:
            if not _is_bool(e.fluent.fluent()):
                continue  # action costs / numeric effects do not affect validity
            effects.append(model.Effect(
                atom=formula_of(e.fluent),  # type: ignore[arg-type]
                positive=bool(e.value.bool_constant_value()),
                condition=formula_of(e.condition),
                forall=tuple((_var(v.name), v.type.name) for v in e.forall),
            ))
        actions[a.name] = model.ActionSchema(
            name=a.name,
            params=tuple((_var(p.name), p.type.name) for p in a.parameters),
            precondition=pre[0] if len(pre) == 1 else model.And(tuple(pre)),
            effects=tuple(effects),
        )
    objects = {o.name: o.type.name for o in up_problem.all_objects}
    domain_constants = _domain_constants(up_problem, domain_path, objects)
    domain = model.Domain(
        name=domain_name or up_problem.name,
        types=types, predicates=predicates, actions=actions,
        constants=domain_constants, path=domain_path,
    )
    init = frozenset(
        (k.fluent().name, *(_term(a) for a in k.args))
        for k, v in up_problem.explicit_initial_values.items()
        if _is_bool(k.fluent()) and v.is_true()
    )
    goals = [formula_of(g) for g in up_problem.goals]
    return model.Problem(
        name=up_problem.name, domain=domain, objects=objects, init=init,
        goal=goals[0] if len(goals) == 1 else model.And(tuple(goals)),
        path=problem_path, up_problem=up_problem,
    )


_CONSTANTS = re.compile(r"\(\s*:constants\b(.*?)\)", re.IGNORECASE | re.DOTALL)


def _domain_constants(up_problem: Any, domain_path: str, objects: dict[str, str]) -> dict[str, str]:
    """Names declared in the domain's ``:constants`` (unified-planning merges them with objects)."""
    try:
        text = Path(domain_path).read_text(encoding="utf-8")
    except OSError:
        return {}
    m = _CONSTANTS.search(text)
    if not m:
        return {}
    names = [w.lower() for w in re.findall(r"[^\s()]+", m.group(1)) if w != "-"]
    return {n: objects[n] for n in names if n in objects}
