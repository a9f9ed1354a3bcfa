"""``triggers:`` in spec.yaml and the 5-field cron parser: what is accepted, and every refusal
at its ``file:line:col``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.console.shipspec import write_spec
from verifier.cron import CronError, parse_cron
from verifier.errors import SpecError
from verifier.spec import load_spec

DOMAIN = """(define (domain ship)
  (:requirements :strips :typing)
  (:types service env)
  (:constants prod - env)
  (:predicates (deployed ?s - service ?e - env) (signed ?s - service))
  (:action deploy :parameters (?s - service ?e - env)
    :precondition (and (signed ?s)) :effect (and (deployed ?s ?e)))
  (:action sign :parameters (?s - service) :precondition (and) :effect (and (signed ?s))))
"""
PROBLEM = """(define (problem p01) (:domain ship) (:objects api - service)
  (:init) (:goal (and (deployed api prod))))
"""


def _spec(tmp_path: Path, triggers: str) -> Path:
    return write_spec(tmp_path / "ship", DOMAIN, PROBLEM, "name: ship\ntriggers:\n" + triggers)


def test_event_and_cron_triggers_load(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path, """  - on: deploy-requested
    fields: [service]
    goal: "(deployed {service} prod)"
  - cron: "*/5 9-17 * * mon-fri"
    problem: p01
  - name: words
    on: ship-it
    fields: [service]
    goal: deploy {service} to prod
"""))
    a, b, c = spec.triggers
    assert (a.name, a.on, a.fields) == ("on-deploy-requested", "deploy-requested", ("service",))
    assert a.goal_for({"service": "api"}) == "(deployed api prod)"
    assert b.cron is not None and b.name == "cron-1" and b.problem == "p01"
    assert b.cron.matches(datetime(2026, 12, 7, 9, 35)) and not \
        b.cron.matches(datetime(2026, 12, 6, 9, 35))  # a Monday yes, a Sunday no
    assert c.name == "words" and c.goal_for({"service": "web"}) == "deploy web to prod"


@pytest.mark.parametrize(("triggers", "where", "words"), [
    ('  - on: go\n    fields: [service]\n    goal: "(deploy {service} prod)"\n', (5, 13),
     "unknown predicate 'deploy'"),  # an action where a predicate belongs
    ('  - on: go\n    fields: [service]\n    goal: "(deployed {service})"\n', (5, 13),
     "takes 2 argument(s), not 1"),
    ('  - on: go\n    fields: [service]\n    goal: "(deployed {svc} prod)"\n', (5, 12),
     "unknown event field '{svc}'"),
    ('  - cron: "*/5 * * *"\n    problem: p01\n', (3, 12), "5 fields"),
    ('  - cron: "0 25 * * *"\n    problem: p01\n', (3, 14), "hour: 25 is outside 0-23"),
    ('  - cron: "0 0 * foo *"\n    problem: p01\n', (3, 18), "month: 'foo' is not a number"),
    ('  - cron: "*/0 * * * *"\n    problem: p01\n', (3, 14), "step '/0'"),
    ('  - cron: "0 * * * *"\n    goal: "(signed {x})"\n', (4, 12), "unknown event field"),
    ('  - on: go\n    cron: "* * * * *"\n    problem: p01\n', (3, 5), "exactly one of"),
    ('  - on: go\n', (3, 5), "a 'goal'"),
    ('  - on: go\n    problem: p09\n', (4, 14), "no problem 'p09'"),
    ('  - on: "a b"\n    problem: p01\n', (3, 10), "not an event name"),
    ('  - on: go\n    problem: p01\n    when: now\n', (5, 5), "unknown key 'when'"),
    ('  - on: go\n    problem: p01\n  - on: go\n    problem: p01\n', (5, 5), "two triggers"),
])
def test_bad_triggers_are_errors_at_their_position(tmp_path: Path, triggers: str,
                                                   where: tuple[int, int], words: str) -> None:
    with pytest.raises(SpecError) as e:
        load_spec(_spec(tmp_path, triggers))
    assert words in str(e.value), str(e.value)
    assert (e.value.line, e.value.col) == where, str(e.value)
    assert str(e.value).startswith(str(tmp_path / "ship" / "spec.yaml"))


def test_event_fields_cannot_inject_goal_syntax(tmp_path: Path) -> None:
    (t,) = load_spec(_spec(tmp_path, '  - on: go\n    fields: [service]\n'
                                     '    goal: "(deployed {service} prod)"\n')).triggers
    with pytest.raises(SpecError, match="not one name"):
        t.goal_for({"service": "api) (deployed web"})
    with pytest.raises(SpecError, match="no field 'service'"):
        t.goal_for({})


def test_check_exits_2_with_the_position(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    spec = _spec(tmp_path, '  - cron: "61 * * * *"\n    problem: p01\n')
    r = CliRunner().invoke(app, ["check", str(spec)])
    assert r.exit_code == 2
    assert "spec.yaml:3:12: triggers[0].cron: minute: 61 is outside 0-59" in r.output, r.output


def test_check_lists_the_triggers(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from engine.cli import app

    spec = _spec(tmp_path, '  - cron: "0 * * * *"\n    problem: p01\n')
    r = CliRunner().invoke(app, ["check", str(spec), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["triggers"] == [{
        "name": "cron-0", "on": None, "cron": "0 * * * *", "goal": None, "problem": "p01",
        "fields": []}]
    assert "1 triggers" in CliRunner().invoke(app, ["check", str(spec)]).output


def _brute(expr: str, t: datetime) -> bool:
    """A second reading of a cron expression, straight from its definition."""
    names = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
             "sep": 9, "oct": 10, "nov": 11, "dec": 12, "sun": 0, "mon": 1, "tue": 2,
             "wed": 3, "thu": 4, "fri": 5, "sat": 6}
    bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
    values = [t.minute, t.hour, t.day, t.month, t.isoweekday() % 7]

    def hit(field: str, i: int, v: int) -> bool:
        for part in field.split(","):
            rng, _, step = part.partition("/")
            lo, hi = bounds[i]
            if rng != "*":
                a, _, b = rng.partition("-")
                lo = int(names.get(a, a))
                hi = int(names.get(b, b)) if b else (bounds[i][1] if step else lo)
            cand = set(range(lo, hi + 1, int(step or 1)))
            if i == 4 and 7 in cand:
                cand.add(0)
            if v in cand:
                return True
        return False

    f = expr.split()
    ok = [hit(f[i], i, values[i]) for i in range(5)]
    day = ok[2] or ok[4] if not (f[2].startswith("*") or f[4].startswith("*")) \
        else ok[2] and ok[4]
    return ok[0] and ok[1] and ok[3] and day


def test_cron_refusals() -> None:
    for bad in ("* * * * jan", "* * * * 8", "5-1 * * * *", "* * * *", "@hourly", "1,,2 * * * *"):
        with pytest.raises(CronError):
            parse_cron(bad)


_WEEKDAYS = st.sampled_from(["*", "*/2", "0", "1-5", "1,3,5", "1-6/2", "mon-fri", "sun", "7",
                             "5-7"])


@settings(max_examples=200, deadline=None)
@given(fields=st.tuples(st.sampled_from(["*", "*/15", "0", "5-10/2", "1,30"]),
                        st.sampled_from(["*", "9-17", "0", "*/6"]),
                        st.sampled_from(["*", "1", "15", "1-7"]),
                        st.sampled_from(["*", "jan,jul", "6", "*/3"]), _WEEKDAYS),
       when=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)))
def test_cron_matches_agree_with_a_brute_reading(fields: tuple[str, ...], when: datetime
                                                 ) -> None:
    expr = " ".join(fields)
    assert parse_cron(expr).matches(when) == _brute(expr, when)
