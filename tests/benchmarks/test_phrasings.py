"""The goal-phrasing fixtures: at least 100, written by rules unlike the training templates,
each with an expected goal that type-checks on its spec's default problem."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from benchmarks.eval.phrasings import FIXTURE, generate, load, markdown, verdict


def test_the_fixtures_are_the_rules_output_and_cover_every_rule() -> None:
    items = load()
    assert items == json.loads(json.dumps(generate(0)))  # regenerated, unchanged
    assert len(items) >= 100 and len({i["text"] for i in items}) == len(items)
    rules = Counter(i["rule"] for i in items)
    assert set(rules) == {"verb", "order", "quantity", "relative", "refuse"}
    assert min(rules.values()) >= 9
    assert any(i["expected"] is None and i["rule"] == "quantity" for i in items)  # "this week"


def test_no_fixture_is_a_training_template() -> None:
    """No text is a training template (``PHRASING``) with object names in its slots."""
    import re

    from engine.goals import default_problem
    from engine.packs import pack_for
    from verifier.spec import load_spec

    root = Path(__file__).resolve().parents[2] / "specs"
    for domain in ("devops", "documents", "robotics"):
        pack = pack_for(domain)
        objects = dict(default_problem(load_spec(root / domain)).objects)
        names = sorted({*objects, *(a for o in objects for a in pack.aliases.get(o, ()))},
                       key=len, reverse=True)
        slot = "(?:" + "|".join(re.escape(n) for n in names) + ")"
        openers = "(?:" + "|".join(re.escape(o) for o in pack.openers if o) + ")?"
        patterns = [re.compile(openers + re.escape(t).replace(r"\{0\}", slot)
                               .replace(r"\{1\}", slot), re.I)
                    for ts in (pack.phrasing or {}).values() for t in ts]
        for item in (i for i in load() if i["domain"] == domain):
            assert not any(p.fullmatch(item["text"]) for p in patterns), item


def test_every_expected_goal_type_checks() -> None:
    from engine.goals import default_problem
    from verifier.policy import parse_formula
    from verifier.spec import load_spec

    root = Path(__file__).resolve().parents[2] / "specs"
    for domain in ("devops", "documents", "robotics"):
        spec = load_spec(root / domain)
        objects = dict(default_problem(spec).objects)
        for item in (i for i in load() if i["domain"] == domain and i["expected"]):
            parse_formula("(and " + " ".join(item["expected"]) + ")", spec.domain, objects,
                          path=str(FIXTURE))


def test_verdicts_and_table() -> None:
    assert verdict(["(paid inv1)"], "(and (paid inv1))") == "exact"
    assert verdict(["(paid inv1)"], None) == "refused"
    assert verdict(None, None) == "exact"  # a text to refuse, refused
    assert verdict(None, "(and (paid inv1))") == "misread"
    assert verdict(["(paid inv1)", "(paid inv2)"], "(and (paid inv1))") == "misread"
    md = markdown({"n": 2, "readers": {"plansafe": {
        "exact": 1, "refused": 1, "misread": 0,
        "by_rule": {"verb": {"exact": 1, "refused": 1, "misread": 0}}}}})
    assert "| plansafe (plansafe and its three ablations) | 1 | 1 | 0 | 1/1/0 |" in md
