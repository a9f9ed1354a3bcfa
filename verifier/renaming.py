"""Consistent renaming of a spec's names: a spec folder whose every name is replaced.

A :class:`Renaming` maps names to fresh ones one to one: the domain's name, its types,
constants, predicates and actions, and problem objects. Applied to a spec folder
(:func:`rename_spec`) it rewrites ``domain.pddl`` and every ``problems/*.pddl`` (comments
dropped: they name the original things) and, in ``spec.yaml``, the keys of ``describe`` and
``tools``, agents' action patterns, approval patterns, policy rules, tool error rules'
atoms and PDDL trigger goals. Natural-language text (``says``, ``describe`` templates,
``summary``), agent and policy ids, variables and problem names are kept. Mapping back with
:meth:`Renaming.inverse` gives the original model (tests/verifier/test_renaming.py).

Used by ``benchmarks/llm_generalization.py`` to measure the embedded model on renamed
versions of the built-in specs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from verifier.errors import PlansafeError
from verifier.model import Domain, Problem

__all__ = ["Renaming", "NameKind", "KINDS", "spec_names", "fresh_renaming", "rename_spec",
           "rename_problem", "rename_text"]

NameKind = Literal["domain", "types", "constants", "predicates", "actions", "objects"]
KINDS: tuple[NameKind, ...] = ("domain", "types", "constants", "predicates", "actions",
                               "objects")
# words PDDL and the rule language give a meaning; never renamed, never made up
RESERVED = frozenset((
    "object", "either", "and", "or", "not", "imply", "forall", "exists", "when", "define",
    "domain", "problem", "always", "sometime", "within", "at-most-once", "sometime-after",
    "sometime-before", "always-within", "hold-during", "hold-after", "preference", "end",
    "start", "over", "all", "at-most-once-action", "only-after-action", "never-after-action",
    "per", "increase", "decrease", "assign", "minimize", "maximize", "total-cost"))
_TOKEN = re.compile(r"[^\s()]+")
_COMMENT = re.compile(r";[^\n]*")
_SYLLABLES = ("ba", "ko", "mi", "ru", "te", "sa", "lo", "vi", "ne", "pu", "da", "fe", "gi",
              "ho", "ju", "ka", "le", "mo", "ni", "po", "ri", "su", "ta", "vo", "ze", "xa")


@dataclass(frozen=True)
class Renaming:
    """``names``: old name -> new name (lower case, one to one)."""

    names: Mapping[str, str]

    def __post_init__(self) -> None:
        if len(set(self.names.values())) != len(self.names):
            raise PlansafeError("a renaming must be one to one")
        clash = (set(self.names) | set(self.names.values())) & RESERVED
        if clash:
            raise PlansafeError(f"reserved words cannot be renamed: {', '.join(sorted(clash))}")

    def inverse(self) -> Renaming:
        return Renaming({new: old for old, new in self.names.items()})

    def name(self, name: str) -> str:
        return self.names.get(name.lower(), name)


def rename_text(text: str, renaming: Renaming) -> str:
    """PDDL or rule text with every name token renamed (variables, keywords and anything
    not in the renaming kept)."""
    return _TOKEN.sub(lambda m: renaming.name(m.group(0)), text)


def spec_names(domain: Domain, problems: Iterable[Problem] = ()) -> dict[NameKind, set[str]]:
    """The names of ``domain`` and of the objects of ``problems`` (constants apart), by kind."""
    objects = {o for p in problems for o in p.objects if o not in domain.constants}
    return {"domain": {domain.name}, "types": set(domain.types) - {"object"},
            "constants": set(domain.constants), "predicates": set(domain.predicates),
            "actions": set(domain.actions), "objects": objects}


def _fresh_word(rng: random.Random, taken: set[str]) -> str:
    for tries in range(10_000):
        word = "".join(rng.choice(_SYLLABLES) for _ in range(2 + tries // 500))
        if word not in taken and word not in RESERVED:
            taken.add(word)
            return word
    raise PlansafeError("no fresh name left")  # pragma: no cover - 26**k words


def fresh_renaming(domain: Domain, problems: Iterable[Problem] = (), *, seed: int = 0,
                   kinds: Iterable[NameKind] = KINDS,
                   extra_objects: Iterable[str] = ()) -> Renaming:
    """Made-up words (two or more syllables) for the names of the chosen ``kinds``: the
    domain's and those of ``problems``' objects and ``extra_objects``; the new names are
    distinct from each other and from every old name."""
    names = spec_names(domain, problems)
    names["objects"] |= set(extra_objects) - set(domain.constants)
    old = set().union(*names.values())
    taken = set(old)
    rng = random.Random(seed)
    mapping: dict[str, str] = {}
    for kind in KINDS:
        if kind in set(kinds):
            for name in sorted(names[kind]):
                mapping[name] = _fresh_word(rng, taken)
    return Renaming(mapping)


def _rename_pddl_file(src: Path, dst: Path, renaming: Renaming) -> None:
    text = _COMMENT.sub("", src.read_text(encoding="utf-8"))
    dst.write_text(rename_text(text, renaming), encoding="utf-8")


def _rename_patterns(items: Any, renaming: Renaming) -> Any:
    if isinstance(items, str):
        return rename_text(items, renaming)
    if isinstance(items, list):
        return [_rename_patterns(i, renaming) for i in items]
    return items


def _rename_tool(binding: Any, renaming: Renaming) -> Any:
    if not isinstance(binding, dict):
        return binding  # module:callable
    out = dict(binding)
    if isinstance(out.get("on_error"), list):
        out["on_error"] = [
            {k: (_rename_patterns(v, renaming) if k in ("holds", "not_holds") else v)
             for k, v in rule.items()} if isinstance(rule, dict) else rule
            for rule in out["on_error"]]
    if isinstance(out.get("goal"), str) and out["goal"].lstrip().startswith("("):
        out["goal"] = rename_text(out["goal"], renaming)
    return out


def _rename_spec_data(data: dict[str, Any], renaming: Renaming) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("name"), str):
        out["name"] = renaming.name(out["name"])
    if isinstance(out.get("describe"), dict):
        out["describe"] = {renaming.name(k): v for k, v in out["describe"].items()}
    if isinstance(out.get("agents"), dict):
        out["agents"] = {a: {k: _rename_patterns(v, renaming) for k, v in (rules or {}).items()}
                         for a, rules in out["agents"].items()}
    if isinstance(out.get("approval"), list):
        out["approval"] = [
            {**e, "action": rename_text(e["action"], renaming)}
            if isinstance(e, dict) and isinstance(e.get("action"), str)
            else _rename_patterns(e, renaming) for e in out["approval"]]
    if isinstance(out.get("tools"), dict):
        out["tools"] = {renaming.name(a): _rename_tool(t, renaming)
                        for a, t in out["tools"].items()}
    if isinstance(out.get("policies"), list):
        out["policies"] = [{**p, "rule": rename_text(p["rule"], renaming)}
                           if isinstance(p, dict) and isinstance(p.get("rule"), str) else p
                           for p in out["policies"]]
    if isinstance(out.get("triggers"), list):
        out["triggers"] = [_rename_tool(t, renaming) for t in out["triggers"]]
    return out


def rename_spec(src: str | Path, dst: str | Path, renaming: Renaming) -> Path:
    """Write the spec folder ``src`` renamed into ``dst`` (created; files there replaced);
    returns ``dst``. Files other than the domain, the problems and ``spec.yaml`` (tools'
    scripts, plans) are not copied."""
    import yaml

    src, dst = Path(src), Path(dst)
    spec_yaml = src / "spec.yaml"
    if not spec_yaml.is_file():
        raise PlansafeError(f"{src}: not a spec folder (no spec.yaml)")
    data = yaml.safe_load(spec_yaml.read_text(encoding="utf-8"))
    dst.mkdir(parents=True, exist_ok=True)
    domain_rel = str(data.get("domain", "domain.pddl"))
    (dst / domain_rel).parent.mkdir(parents=True, exist_ok=True)
    _rename_pddl_file(src / domain_rel, dst / domain_rel, renaming)
    problems_rel = data.get("problems", "problems")
    if problems_rel is not None and (src / str(problems_rel)).is_dir():
        (dst / str(problems_rel)).mkdir(parents=True, exist_ok=True)
        for p in sorted((src / str(problems_rel)).glob("*.pddl")):
            _rename_pddl_file(p, dst / str(problems_rel) / p.name, renaming)
    renamed = _rename_spec_data(data, renaming)
    (dst / "spec.yaml").write_text(yaml.safe_dump(renamed, sort_keys=False, width=200),
                                   encoding="utf-8")
    return dst


def rename_problem(problem: Problem, renaming: Renaming, domain_path: str | Path,
                   where: str | Path) -> Problem:
    """``problem`` renamed, read against the renamed domain at ``domain_path``; the PDDL is
    written to the file ``where``."""
    from verifier.pddl import read_problem
    from verifier.pddl_writer import problem_text

    Path(where).write_text(rename_text(problem_text(problem), renaming), encoding="utf-8")
    return read_problem(domain_path, where)
