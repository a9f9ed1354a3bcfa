"""How a plain-language goal names things: the objects it mentions (by name or a known alias),
the words of a spec's goals, the predicates its words speak of (:mod:`engine.goal_words`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from verifier.model import Problem

if TYPE_CHECKING:
    from verifier.spec import Spec


def _objects(problem_or_objects: Problem | Mapping[str, str]) -> dict[str, str]:
    if isinstance(problem_or_objects, Problem):
        return dict(problem_or_objects.objects)
    return dict(problem_or_objects)


def _aliases(spec_name: str) -> dict[str, tuple[str, ...]]:
    from engine.packs import pack_for

    return dict(pack_for(spec_name).aliases)


def _predicate_words(spec: Spec) -> dict[str, frozenset[str]]:
    from engine.goal_words import predicate_words
    from engine.packs import pack_for

    return predicate_words(spec.domain.predicates, pack_for(spec.name).phrasing,
                           types=spec.domain.types)


def _forms(objects: Iterable[str], aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every way the text may name one of ``objects``: its name and its known aliases."""
    return [f for o in objects for f in (o, *aliases.get(o, ()))]


def _vocabulary(spec: Spec) -> frozenset[str]:
    """The words this spec's goals are written in (:func:`engine.goal_words.vocabulary`)."""
    from engine.goal_words import vocabulary
    from engine.packs import pack_for

    dom = spec.domain
    pack = pack_for(spec.name)
    phrasing = pack.phrasing or {}
    texts = [*dom.predicates, *dom.actions, *dom.types, *_known_names(spec),
             *(t for ts in phrasing.values() for t in ts), *pack.openers,
             *(a for al in _aliases(spec.name).values() for a in al)]
    return vocabulary(t.replace("-", " ") for t in texts)


def _known_names(spec: Spec) -> frozenset[str]:
    """Names that are objects in some problem of this spec (pools of its generator too);
    the problem files are read once per spec."""
    return _names_of(spec.name, tuple(str(p) for p in spec.problems.values()),
                     tuple(spec.domain.types))


@functools.lru_cache(maxsize=32)
def _names_of(spec_name: str, problem_paths: tuple[str, ...], type_names: tuple[str, ...]
              ) -> frozenset[str]:
    from engine.packs import pack_for

    names: set[str] = set(pack_for(spec_name).object_names)
    for path in problem_paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        m = re.search(r"\(:objects(.*?)\)", text, re.S | re.I)
        if m:
            names.update(w for w in m.group(1).split() if w != "-" and not w.startswith(";"))
    types = {t.lower() for t in type_names}
    return frozenset(n.lower() for n in names if len(n) > 1) - types  # "invoice 1": inv1


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9_\-]*", text.lower())


def _mentioned(obj: str, text: str, aliases: Mapping[str, tuple[str, ...]]) -> bool:
    low = " " + " ".join(_words(text)) + " "
    forms = {obj, *aliases.get(obj, ())}
    m = re.fullmatch(r"([a-z]+)(\d+)", obj)
    if m:
        forms.add(f"{m.group(1)} {m.group(2)}")
        forms.add(m.group(2)) if m.group(1) in ("inv",) else None
    return any(f" {' '.join(_words(f))} " in low for f in forms if _words(f))


def goal_objects(objects: Iterable[str], text: str, aliases: Mapping[str, tuple[str, ...]]
                 ) -> list[str]:
    """The objects a goal text names (by name or a known alias), sorted; all of ``objects``
    when it names none. The goal prompt lists these, so what the model reads does not grow
    with the problem (training problems are small, real ones are not)."""
    objs = list(objects)
    named = sorted(o for o in objs if _mentioned(o, text, aliases))
    return named or sorted(objs)
