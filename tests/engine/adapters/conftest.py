"""A tiny spec (one action per tool kind) written into tmp_path by each test."""

from __future__ import annotations

from pathlib import Path

import pytest

DOMAIN = """(define (domain kv)
  (:requirements :strips :typing :negative-preconditions)
  (:types item)
  (:predicates (stored ?i - item) (seen ?i - item))
  (:action put :parameters (?i - item)
    :precondition (and (not (stored ?i))) :effect (and (stored ?i)))
  (:action look :parameters (?i - item)
    :precondition (and (stored ?i)) :effect (and (seen ?i))))
"""

PROBLEM = """(define (problem p1) (:domain kv)
  (:objects a b - item)
  (:init)
  (:goal (and (seen a))))
"""


@pytest.fixture
def make_spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(tools_yaml: str) -> Path:
        root = tmp_path / "kv"
        (root / "problems").mkdir(parents=True, exist_ok=True)
        (root / "domain.pddl").write_text(DOMAIN)
        (root / "problems" / "p1.pddl").write_text(PROBLEM)
        (root / "spec.yaml").write_text("name: kv\ntools:\n" + tools_yaml)
        return root

    return make
