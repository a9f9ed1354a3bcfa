"""Training examples for the embedded model: goal prompts read like the ones the Planner writes."""

from __future__ import annotations

import random
import re

from domains.generated import GeneratedProblem
from engine.goals import goal_objects
from engine.llm.dataset import _goal_examples, generator_module, name_pool
from engine.llm.prompts import UNKNOWN_GOAL


def _record(spec_name: str, seed: int) -> dict:
    gp: GeneratedProblem = generator_module(spec_name).random_problem(random.Random(seed))
    types = dict(gp.objects)
    return {"spec": spec_name, "seed": seed, "objects": sorted(types), "types": types,
            "init": sorted("(" + " ".join(a) + ")" for a in gp.init),
            "goal": ["(" + " ".join(a) + ")" for a in gp.goal], "plan": []}


def test_name_pool_reaches_past_the_small_training_problems() -> None:
    pool = name_pool("documents")
    assert {"inv1", "inv5", "inv12", "inv19"} <= set(pool["invoice"])
    assert "acme" in pool["vendor"] and not set(pool["invoice"]) & set(pool["vendor"])
    assert {"item09", "box1"} <= set(name_pool("robotics")["item"])


def test_goal_examples_list_only_the_objects_their_text_names() -> None:
    aliases = generator_module("documents").ALIASES
    seen: set[str] = set()
    n = 0
    for seed in range(40):
        rec = _record("documents", seed)
        for ex in _goal_examples(random.Random(seed), rec, 3):
            text = ex.prompt.split("\ntext: ")[1].split("\nformal:")[0]
            listed = ex.prompt.split("\nobjects: ")[1].split("\n")[0].split()
            assert listed == goal_objects(listed, text, aliases) or ex.completion == UNKNOWN_GOAL
            if ex.completion != UNKNOWN_GOAL:
                n += 1
                used = {w for a in re.findall(r"\(([^()]*)\)", ex.completion) for w in a.split()[1:]}
                assert used <= set(listed), (ex.prompt, ex.completion)
                seen |= used
    assert n >= 60
    # renamed from the whole pool: invoices past inv4 (the largest small problem) appear
    assert any(int(o[3:]) > 4 for o in seen if o.startswith("inv"))
