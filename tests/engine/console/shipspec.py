"""A small spec whose runs wait for an outside event (``signoff-{s}``) and which an event
(``deploy-requested``) triggers; ``deploy`` appends to ``deploys.log`` (each step once?)."""

from __future__ import annotations

import sys
from pathlib import Path

DOMAIN = """(define (domain ship)
  (:requirements :strips :typing :negative-preconditions)
  (:types service)
  (:predicates (prepared ?s - service) (signed ?s - service) (deployed ?s - service))
  (:action prepare :parameters (?s - service)
    :precondition (and (not (prepared ?s))) :effect (and (prepared ?s)))
  (:action await-signoff :parameters (?s - service)
    :precondition (and (prepared ?s)) :effect (and (signed ?s)))
  (:action deploy :parameters (?s - service)
    :precondition (and (signed ?s)) :effect (and (deployed ?s))))
"""

PROBLEM = """(define (problem p01) (:domain ship)
  (:objects api web - service)
  (:init)
  (:goal (and (deployed api))))
"""

LOG = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"

SPEC = f"""name: ship
tools:
  prepare:
    adapter: shell
    command: ["{sys.executable}", -c, "{LOG}", "{{spec_dir}}/prepares.log", "{{s}}"]
  await-signoff:
    adapter: event
    event: "signoff-{{s}}"
    timeout_s: 120
  deploy:
    adapter: shell
    command: ["{sys.executable}", -c, "{LOG}", "{{spec_dir}}/deploys.log", "{{s}}"]
triggers:
  - on: deploy-requested
    fields: [service]
    goal: "(deployed {{service}})"
  - name: nightly
    cron: "30 2 * * *"
    problem: p01
"""


def write_spec(root: Path, domain: str, problem: str, spec_yaml: str) -> Path:
    """A spec folder: domain.pddl, problems/p01.pddl and spec.yaml."""
    (root / "problems").mkdir(parents=True, exist_ok=True)
    (root / "domain.pddl").write_text(domain)
    (root / "problems" / "p01.pddl").write_text(problem)
    (root / "spec.yaml").write_text(spec_yaml)
    return root


def make_ship(folder: Path) -> Path:
    return write_spec(folder / "ship", DOMAIN, PROBLEM, SPEC)
