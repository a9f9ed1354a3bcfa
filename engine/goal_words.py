"""Which predicates the words of a plain-language goal speak of: a check on a reading.

The model may write a well-typed goal that says something else ("classify invoice 2"
read as ``(paid inv2)``; its probability does not tell such readings from good ones).
Each goal predicate has words: the parts of its name and the content words of its
phrasing templates (``PHRASING`` in the spec's domain pack), stemmed with the Snowball
English stemmer. A word that belongs to two predicates ("roll out" / "roll back") says
nothing alone; the predicates all of a text's words name together, or else those a word
names alone, are what the text speaks of (:func:`spoken_of`). A reading that uses none of
them is refused, and the error names them. A text whose words name no predicate (or only
words that disagree) is checked only for words the domain does not know
(:func:`unknown_words`): "reject invoice 2" names no predicate, and the model's best
well-typed reading of it would be a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["predicate_words", "spoken_of", "named_by_any", "vocabulary", "unknown_words",
           "negations", "clauses", "GOAL_OPENERS"]

#: how goal texts of any domain begin (the training phrasings and the quantity reader)
GOAL_OPENERS = ("", "", "make sure ", "ensure that ", "please make sure ", "see to it that ",
                "I need it so that ", "the goal: ")

_CLAUSE = re.compile(r"\s*(?:;|,\s*and\s+|,\s*then\s+|,|\s+and\s+|\s+then\s+)\s*", re.I)


def clauses(text: str) -> list[str]:
    """A plain goal cut at its joiners ("a, b and c", "a; then b"); one part if none."""
    return [c for c in _CLAUSE.split(text.strip().rstrip(".")) if c.strip()]

#: words that carry no predicate: English glue and the openers of goal texts
STOP = frozenset([
    "a", "an", "the", "and", "or", "then", "also", "please", "want", "need", "goal", "can",
    "you", "we", "i", "let", "let's", "make", "sure", "have", "get", "got", "ensure", "to",
    "on", "in", "at", "of", "for", "from", "into", "onto", "over", "with", "its", "it", "is",
    "are", "be", "been", "this", "that", "there", "these", "those", "up", "out", "off", "done",
    "some", "all", "by", "as", "so", "do", "does"
])


#: words that negate: a goal in plain words is a conjunction of atoms that must hold, so
#: "do not deploy api" has no reading (PDDL goals can say ``(not ...)``)
NEGATIONS = frozenset([
    "not", "never", "don", "dont", "doesn", "isn", "aren", "won", "without", "avoid",
    "prevent", "neither", "nor"
])


def negations(text: str) -> list[str]:
    """The negating words of ``text`` ("don't" is "don" and "t")."""
    return [w for w in _words(text) if w in NEGATIONS]


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _same(a: str, b: str) -> bool:
    """Stems of one word ("health" / "healthi", "classif" / "classifi")."""
    return a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))


def predicate_words(predicates: Iterable[str], phrasing: Mapping[str, Iterable[str]] | None,
                    *, types: Iterable[str] = ()) -> dict[str, frozenset[str]]:
    """Stems that name each predicate (phrased predicates only, when there is a phrasing),
    type names ("service") left out; a stem may name several predicates."""
    preds = [p for p in predicates if not phrasing or p in phrasing]
    nouns = {w for t in types for w in _words(t)}
    out = {}
    for p in preds:
        texts = [p.replace("-", " "), *((phrasing or {}).get(p, ()))]
        out[p] = frozenset(_stem(w) for t in texts for w in _words(re.sub(r"\{\d+\}", " ", t))
                           if w not in STOP and w not in nouns and len(w) >= 3)
    return out


def spoken_of(text: str, words: Mapping[str, frozenset[str]], *,
              names: Iterable[str] = ()) -> set[str]:
    """The predicates ``text`` speaks of (words that are object names left out): those
    every one of its predicate words names, if there are any ("roll api back": "roll" names
    deployed and rolled-back, "back" backed-up and rolled-back, so rolled-back); else
    those a word names alone ("deploy api and test it": deployed, tested); else none."""
    skip = {w for n in names for w in _words(n)}
    stems = {_stem(w) for w in _words(text) if w not in STOP and w not in skip}
    named = [frozenset(p for p, ws in words.items() if any(_same(s, w) for w in ws))
             for s in sorted(stems)]
    named = [ps for ps in named if ps]
    if not named:
        return set()
    common = frozenset.intersection(*named)
    return set(common) if common else {p for ps in named if len(ps) == 1 for p in ps}


def named_by_any(text: str, words: Mapping[str, frozenset[str]], *,
                 names: Iterable[str] = ()) -> set[str]:
    """Every predicate some word of ``text`` names, alone or with others ("release" names
    deployed and rolled-back): what a reading may use when the text names any."""
    skip = {w for n in names for w in _words(n)}
    stems = {_stem(w) for w in _words(text) if w not in STOP and w not in skip}
    return {p for p, ws in words.items() if any(_same(s, w) for s in stems for w in ws)}


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The stems of every word of ``texts`` (a domain's phrasing templates, openers,
    predicate, action, type and object names: the words its goals are written in)."""
    return frozenset(_stem(w) for t in texts for w in _words(re.sub(r"\{\d+\}", " ", t)))


def unknown_words(text: str, known: frozenset[str], *, names: Iterable[str] = ()) -> list[str]:
    """The content words of ``text`` (not glue, not object names, three letters or more)
    that no stem of ``known`` matches, in order of appearance ("reject" in "reject
    invoice 2" for documents)."""
    skip = {w for n in names for w in _words(n)}
    out: list[str] = []
    for w in _words(text):
        if w in STOP or w in skip or len(w) < 3 or w in out:
            continue
        s = _stem(w)
        if not any(_same(s, k) for k in known):
            out.append(w)
    return out
