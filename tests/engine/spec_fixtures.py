"""A small spec that is not in the repository, written where a test asks (specgen, train)."""

from __future__ import annotations

from pathlib import Path

DOMAIN = """(define (domain library)
  (:requirements :strips :typing)
  (:types book shelf)
  (:predicates (at-desk ?b - book) (labelled ?b - book) (catalogued ?b - book)
               (shelved ?b - book ?s - shelf))
  (:action label :parameters (?b - book)
    :precondition (and (at-desk ?b))
    :effect (and (labelled ?b)))
  (:action catalogue :parameters (?b - book)
    :precondition (and (labelled ?b))
    :effect (and (catalogued ?b)))
  (:action shelve :parameters (?b - book ?s - shelf)
    :precondition (and (at-desk ?b) (labelled ?b))
    :effect (and (shelved ?b ?s) (not (at-desk ?b)))))
"""

SPEC = """name: library
summary: Label, catalogue and shelve returned books.
domain: domain.pddl
problems: problems
describe:
  at-desk: "{0} is at the desk"
  labelled: "{0} is labelled"
  catalogued: "{0} is catalogued"
  shelved: "{0} is on {1}"
  label: "label {0}"
  catalogue: "catalogue {0}"
  shelve: "put {0} on {1}"
agents:
  librarian: {may: [label, catalogue, shelve]}
policies:
  - id: catalogue-before-shelving
    says: A book is catalogued before it is shelved.
    rule: (forall (?b - book ?s - shelf) (always (imply (shelved ?b ?s) (catalogued ?b))))
"""

PROBLEMS = {
    "p1": """(define (problem p1) (:domain library)
  (:objects dune emma - book fiction - shelf)
  (:init (at-desk dune) (at-desk emma))
  (:goal (and (shelved dune fiction))))
""",
    "p2": """(define (problem p2) (:domain library)
  (:objects ulysses - book classics poetry - shelf)
  (:init (at-desk ulysses) (labelled ulysses))
  (:goal (and (shelved ulysses classics))))
""",
}


def write_library_spec(root: Path) -> Path:
    """The library spec (two example problems) under ``root/library``."""
    spec = root / "library"
    (spec / "problems").mkdir(parents=True, exist_ok=True)
    (spec / "domain.pddl").write_text(DOMAIN)
    (spec / "spec.yaml").write_text(SPEC)
    for name, text in PROBLEMS.items():
        (spec / "problems" / f"{name}.pddl").write_text(text)
    return spec
