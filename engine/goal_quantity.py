"""Quantities in plain goals: "every person was welcomed", "ship equipment to all people",
"pay each invoice which is large", read as the conjunction over the problem's objects.

A *quantity* is a quantifier word (every, each, all; "all of the" too) and a type word of
the spec (a declared type, singular or plural: "person" / "people" / "persons"), with
restrictions that the problem's initial state decides; "the <type word> that ..." is one too
(all the objects that fit for a plural, exactly one for a singular: "the robot that is at
the dock"). Restrictions:

- a word before the type word that is a unary predicate's name ("all large invoices");
- a relative clause after it ("that / which / who ...") that is a predicate's ``describe``
  sentence (or its name: "which is large") about the quantified object, other objects
  named ("all items that are at a1").

Each quantity is replaced in the text by one object it covers (its *representative*, one
the text does not name), the text is read as any goal (the model under the grammar and
the word checks), and every atom of the reading that names the representative is written
once for each object the quantity covers (:func:`expand`). Nothing is guessed: a
quantifier over a word that is not a type, a type word that is ambiguous (two types, or
also an object's name), a restriction the initial state cannot decide ("received this
week", "from globex", a participle followed by the main verb), a quantity covering no
object, or a reading that says nothing of the representative is refused with the reason.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.errors import PlansafeError
from verifier.model import Problem

__all__ = ["Quantity", "Quantified", "quantified", "expand", "type_words"]

QUANTIFIERS = frozenset(["every", "each", "all"])
#: words between the quantifier and the type word that say nothing ("all of the people")
FILLER = frozenset(["the", "of", "single"])
#: relative pronouns that open a restriction after the type word
RELATIVE = frozenset(["that", "which", "who", "whom", "whose"])
#: words after the type word that open a restriction only a relative clause could decide
OPENERS = RELATIVE | frozenset([
    "where", "we", "i", "you", "they", "from", "at", "in", "on", "with", "without", "by",
    "under", "since", "before", "after", "during", "within", "whose", "named", "called",
    "like", "except", "but", "other", "not", "no"])
#: words a restriction may add to a describe sentence
ADVERBS = frozenset(["already", "currently", "now", "still"])
#: one form for the copulas and auxiliaries of a restriction ("that are at a1": "is at")
_NORMAL = {"are": "is", "was": "is", "were": "is", "have": "has", "had": "has", "be": "is"}
#: finite verbs and modals: a clause "<object> <w> ... <one of these> ..." whose ``w`` is
#: not one of these reads ``w ...`` as a restriction ("inv1 received this week should be
#: paid") that nothing decided
_FINITE = frozenset([
    "is", "are", "was", "were", "be", "been", "should", "must", "will", "shall", "needs",
    "need", "has", "have", "had", "can", "may", "gets", "get", "ought", "to", "goes", "go"])
_IRREGULAR = {"person": "people", "child": "children", "man": "men", "woman": "women",
              "staff": "staff"}


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity of a text: its words, its type and the objects it covers (sorted)."""

    phrase: str
    type: str
    objects: tuple[str, ...]
    representative: str


@dataclass(frozen=True, slots=True)
class Quantified:
    """A text (``original``) with each quantity replaced by its representative (``text``)."""

    text: str
    quantities: tuple[Quantity, ...]
    original: str


@dataclass(frozen=True, slots=True)
class _Tok:
    word: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0).lower(), m.start(), m.end())
            for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9_\-]*", text)]


def _plural(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def type_words(domain: Any) -> dict[str, frozenset[str]]:
    """Each word that names a declared type (singular, plural, "persons" too) -> the types it
    names (more than one: ambiguous). The root type ``object`` is not a type word."""
    out: dict[str, set[str]] = {}
    for t in domain.types:
        low = t.lower()
        if low == "object":
            continue
        for w in {low, _plural(low), low + "s"}:
            out.setdefault(w, set()).add(t)
    return {w: frozenset(ts) for w, ts in out.items()}


def _refuse(text: str, why: str) -> PlansafeError:
    return PlansafeError(f"cannot map the goal {text.strip()!r}: {why}; name the objects, or "
                         "write the goal in PDDL, e.g. (and (pred obj ...) ...)")


def quantified(spec: Any, problem_or_objects: Problem | Mapping[str, str], text: str
               ) -> Quantified | None:
    """``text`` with its quantities replaced by representatives; ``None`` when it has none
    ("each of inv2 and inv3" names its objects); :class:`PlansafeError` when a quantity
    cannot be read without a guess."""
    from engine.goal_names import _aliases, _mentioned, _objects

    objects = _objects(problem_or_objects)
    init = (frozenset(problem_or_objects.init) if isinstance(problem_or_objects, Problem)
            else None)
    toks = _tokens(text)
    words = type_words(spec.domain)
    the = {i for i in range(len(toks) - 2) if toks[i].word == "the"
           and toks[i + 1].word in words and toks[i + 2].word in RELATIVE}
    if not QUANTIFIERS & {t.word for t in toks} and not the:
        return None
    if {"or", "either"} & {t.word for t in toks}:
        raise _refuse(text, "a quantity with 'or' is no conjunction of atoms")
    aliases = _aliases(spec.name)
    names = {f.lower() for o in objects for f in (o, *aliases.get(o, ())) if " " not in f}
    found: list[tuple[Quantity, int, int]] = []  # quantity, start, end in text
    taken: set[str] = set()
    for i, tok in enumerate(toks):
        if (tok.word not in QUANTIFIERS and i not in the) or \
                any(s <= tok.start < e for _, s, e in found):
            continue
        q = _one(spec, objects, init, text, toks, i, words, names)
        if q is None:
            continue
        type_name, covered, end, phrase = q
        if i in the and toks[i + 1].word == type_name.lower() and len(covered) != 1:
            # "the robot that is at the dock": one object, or no reading
            raise _refuse(text, f"{phrase!r} should be one {type_name}, and "
                          f"{len(covered)} fit ({', '.join(covered)})")
        rep = next((o for o in covered if o not in taken
                    and not _mentioned(o, text, aliases)), None)
        if rep is None:
            raise _refuse(text, f"{phrase!r} covers only objects the text also names")
        taken.add(rep)
        found.append((Quantity(phrase, type_name, covered, rep), tok.start, end))
    if not found:
        return None
    out, last = [], 0
    for qn, start, end in found:
        out += [text[last:start], qn.representative]
        last = end
    rewritten = "".join(out) + text[last:]
    _check_clauses(spec, objects, text, rewritten, [q for q, _, _ in found])
    return Quantified(rewritten, tuple(q for q, _, _ in found), text)


def _one(spec: Any, objects: Mapping[str, str], init: frozenset[tuple[str, ...]] | None,
         text: str, toks: Sequence[_Tok], i: int, words: Mapping[str, frozenset[str]],
         names: set[str]) -> tuple[str, tuple[str, ...], int, str] | None:
    """The quantity whose quantifier is ``toks[i]``: its type, the objects it covers, where
    it ends in ``text`` and its words; ``None`` when the quantifier is followed by object
    names or nothing."""
    j = i + 1
    while j < len(toks) and toks[j].word in FILLER:
        j += 1
    if j >= len(toks) or (toks[j].word in names and toks[j].word not in words) \
            or toks[j].word.isdigit():
        return None
    mods: list[str] = []
    while j < len(toks) and toks[j].word not in words and len(mods) < 2:
        mods.append(toks[j].word)
        j += 1
    if j >= len(toks) or toks[j].word not in words:
        word = mods[0] if mods else toks[i].word
        listed = ", ".join(sorted(t for t in spec.domain.types if t != "object"))
        raise _refuse(text, f"{toks[i].word} {word!r}: {word!r} is not a type of {spec.name} "
                      f"(types: {listed})")
    kinds = words[toks[j].word]
    if len(kinds) > 1 or toks[j].word in names:
        raise _refuse(text, f"{toks[j].word!r} is ambiguous here (types "
                      + ", ".join(sorted(kinds)) + ("; also an object's name" if
                                                    toks[j].word in names else "") + ")")
    (type_name,) = kinds
    covered = sorted(o for o, t in objects.items() if spec.domain.is_subtype(t, type_name))
    conds: list[tuple[str, int, tuple[str, ...]]] = []  # predicate, slot, other arguments
    for m in mods:
        conds.append(_modifier(spec, text, m, type_name))
    end = toks[j].end
    if j + 1 < len(toks) and toks[j + 1].word in OPENERS | ADVERBS:
        cond, k = _relative(spec, objects, text, toks, j + 1, type_name)
        conds.append(cond)
        end = toks[k - 1].end
        if k < len(toks) and (toks[k].word in ("and", "or", "nor", "but")
                              or "," in text[end:toks[k].start]):
            # "who is hired and trained": the restriction may go on
            raise _refuse(text, f"where the restriction {text[toks[j + 1].start:end]!r} ends "
                          "is unclear")
    phrase = text[toks[i].start:end]
    if conds:
        if init is None:
            raise _refuse(text, f"{phrase!r} is decided by the initial state, and there is "
                          "no problem to decide it")
        covered = [o for o in covered if all(_holds(init, c, o) for c in conds)]
    if not covered:
        raise _refuse(text, f"no object of this problem is {phrase!r} (objects of type "
                      f"{type_name}: none that fit)")
    return type_name, tuple(covered), end, phrase


def _holds(init: frozenset[tuple[str, ...]], cond: tuple[str, int, tuple[str, ...]],
           obj: str) -> bool:
    pred, slot, others = cond
    args = list(others)
    args.insert(slot, obj)
    return (pred, *args) in init


def _modifier(spec: Any, text: str, word: str, type_name: str
              ) -> tuple[str, int, tuple[str, ...]]:
    """The unary predicate a word before the type word names ("large" in "all large
    invoices"), else :class:`PlansafeError`."""
    from engine.goal_words import _stem

    dom = spec.domain
    hits = [p for p, params in dom.predicates.items()
            if len(params) == 1 and dom.is_subtype(type_name, params[0])
            and _stem(word) in {_stem(w) for w in re.findall(r"[a-z]+", p.lower())}]
    if len(hits) != 1:
        raise _refuse(text, f"{word!r} in front of {type_name!r} is no property the initial "
                      "state decides" if not hits else f"{word!r} names "
                      + " and ".join(sorted(hits)))
    return hits[0], 0, ()


def _sentences(spec: Any, pred: str) -> list[list[str]]:
    """The words of ``pred``'s describe sentence and of its name ("{0} is large"), from the
    quantified object (slot 0) on, copulas in one form; placeholders as ``{n}``."""
    params = spec.domain.predicates[pred]
    out = []
    generic = "{0} is " + pred.replace("-", " ").replace("_", " ") + "".join(
        f" {{{n}}}" for n in range(1, len(params)))
    for sentence in (spec.describe.get(pred), generic):
        if not sentence or "{0}" not in sentence:
            continue
        after = sentence.split("{0}", 1)[1]
        out.append([_NORMAL.get(w, w) for w in re.findall(r"\{\d+\}|[a-z0-9\-]+",
                                                        after.lower()) if w != "the"])
    return out


def _relative(spec: Any, objects: Mapping[str, str], text: str, toks: Sequence[_Tok],
              k: int, type_name: str) -> tuple[tuple[str, int, tuple[str, ...]], int]:
    """The condition of the relative clause that starts at ``toks[k]`` ("that is already
    built"): one predicate whose sentence the clause's words are, the quantified object in
    its first argument, other arguments objects the clause names; and the index after
    the clause. :class:`PlansafeError` when no predicate, or more than one, fits."""
    first = k
    if toks[k].word in RELATIVE:
        k += 1
    rest = [(n, _NORMAL.get(t.word, t.word)) for n, t in enumerate(toks[k:], start=k)
            if t.word not in ADVERBS and t.word != "the"]
    dom = spec.domain
    fits: dict[tuple[str, tuple[str, ...]], int] = {}
    for pred, params in dom.predicates.items():
        if not params or not dom.is_subtype(type_name, params[0]):
            continue
        for words in _sentences(spec, pred):
            if len(words) > len(rest) or not words:
                continue
            args: dict[int, str] = {}
            ok = True
            for w, (_, got) in zip(words, rest, strict=False):
                m = re.fullmatch(r"\{(\d+)\}", w)
                if m and got in objects and 0 < int(m.group(1)) < len(params) and \
                        dom.is_subtype(objects[got], params[int(m.group(1))]):
                    args[int(m.group(1))] = got
                elif w != got:
                    ok = False
                    break
            if ok and len(args) == len(params) - 1:
                others = tuple(args[n] for n in range(1, len(params)))
                fits[(pred, others)] = max(fits.get((pred, others), 0),
                                           rest[len(words) - 1][0] + 1)
    if len(fits) != 1:
        clause = " ".join(t.word for t in toks[first:first + 6])
        raise _refuse(text, f"the restriction {clause!r}... is " + (
            "no fact of the initial state that this domain can decide" if not fits else
            "ambiguous (" + ", ".join(sorted(p for p, _ in fits)) + ")"))
    ((pred, others), end), = fits.items()
    return (pred, 0, others), end


def _check_clauses(spec: Any, objects: Mapping[str, str], text: str, rewritten: str,
                   quantities: Sequence[Quantity]) -> None:
    """Refuse a clause of a quantity with a word the domain does not know ("hired last
    week": a restriction nothing decides), and "<quantity> <w> ... <finite verb> ..."
    whose ``w`` is no finite verb: ``w ...`` restricts the quantity ("all invoices
    received this week should be paid") and was not decided."""
    from engine.goal_names import _aliases, _forms, _vocabulary
    from engine.goal_words import GOAL_OPENERS, clauses, unknown_words, vocabulary

    known = _vocabulary(spec) | vocabulary([*spec.describe.values(), *GOAL_OPENERS, *_FINITE,
                                            *ADVERBS])
    forms = _forms(objects, _aliases(spec.name))
    for clause in clauses(rewritten):
        words = [t.word for t in _tokens(clause)]
        for q in quantities:
            if q.representative not in words:
                continue
            odd = unknown_words(clause, known, names=forms)
            if odd:
                raise _refuse(text, ", ".join(repr(w) for w in odd) + f" (with {q.phrase!r})"
                              f" is no word of {spec.name}: a restriction the initial state "
                              "does not decide")
            n = words.index(q.representative)
            if n + 1 < len(words) and _restricts(spec, objects, words[n + 1], words[n + 2:]):
                raise _refuse(text, f"{' '.join(words[n + 1:n + 4])!r} after {q.phrase!r} "
                              "reads as a restriction the initial state does not decide")


def _restricts(spec: Any, objects: Mapping[str, str], word: str, rest: Sequence[str]) -> bool:
    """Whether ``word`` right after a quantity, and the words ``rest`` after it, read as a
    reduced relative clause: ``word`` is no finite verb and a finite verb comes later
    ("received this week should be paid"), or ``word`` is a participle naming a predicate
    and ``rest`` names another ("send every person hired the welcome message")."""
    from engine.goal_names import _aliases, _forms, _predicate_words
    from engine.goal_words import spoken_of

    if word in _FINITE | ADVERBS:
        return False
    if (_FINITE - {"to", "go", "goes"}) & set(rest):
        return True
    if not re.search(r"(ed|en|wn)$", word):
        return False
    words = _predicate_words(spec)
    forms = _forms(objects, _aliases(spec.name))
    named = spoken_of(word, words, names=forms)
    later = spoken_of(" ".join(rest), words, names=forms)
    return bool(named) and bool(later) and later != named


def expand(q: Quantified, goal: str) -> str:
    """``goal`` (the reading of ``q.text``) with each atom that names a representative
    written for every object its quantity covers; :class:`PlansafeError` if the reading
    says nothing of some representative."""
    atoms = re.findall(r"\(([^()]*)\)", goal)
    by_rep = {x.representative: x for x in q.quantities}
    for x in q.quantities:
        if not any(x.representative in a.split()[1:] for a in atoms):
            raise _refuse(q.original, f"the reading {goal} says nothing of {x.phrase!r}")
    out: dict[str, None] = {}
    for atom in atoms:
        pred, *args = atom.split()
        choices = [by_rep[a].objects if a in by_rep else (a,) for a in args]
        for combo in itertools.product(*choices):
            out["(" + " ".join((pred, *combo)) + ")"] = None
    return "(and " + " ".join(out) + ")"
