"""Training examples for the embedded model: goal prompts read like the ones the Planner writes."""

from __future__ import annotations

import random
import re

from domains.generated import GeneratedProblem
from engine.goals import goal_objects
from engine.llm.dataset import generator_module
from engine.llm.examples import _goal_examples, name_pool
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
                used = {w for a in re.findall(r"\(([^()]*)\)", ex.completion)
                        for w in a.split()[1:]}
                assert used <= set(listed), (ex.prompt, ex.completion)
                seen |= used
    assert n >= 60
    # renamed from the whole pool: invoices past inv4 (the largest small problem) appear
    assert any(int(o[3:]) > 4 for o in seen if o.startswith("inv"))


def _solved(spec_name: str, seed: int) -> dict:
    from domains.generated import load_generated
    from engine.llm.dataset import _spec
    from engine.symbolic.planning import solve

    rec = _record(spec_name, seed)
    spec = _spec(spec_name)
    gp = generator_module(spec_name).random_problem(random.Random(seed))
    problem = load_generated(spec.domain_path, gp)
    result = solve(problem, policies=spec.policies, access=spec.access)
    # as dataset records have them: the problem's objects, domain constants included
    rec["types"], rec["objects"] = dict(problem.objects), sorted(problem.objects)
    assert result.solved
    rec["plan"] = [s.call for s in result.plan.steps]
    return rec


def test_suffix_records_start_mid_plan_and_verify_from_there() -> None:
    from engine.llm.dataset import _problem_of, _spec
    from engine.llm.detours import suffix_records
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    rec = next(r for r in (_solved("blocksworld", s) for s in range(20)) if len(r["plan"]) >= 4)
    subs = suffix_records(rec, range(len(rec["plan"]) + 2))  # out-of-range cuts are ignored
    assert 1 <= len(subs) <= len(rec["plan"]) - 1
    spec = _spec("blocksworld")
    for sub in subs:
        tail = len(sub["plan"])
        assert 0 < tail < len(rec["plan"]) and sub["plan"] == rec["plan"][-tail:]
        assert sub["goal"] == rec["goal"] and sub["init"] != rec["init"]
        problem = _problem_of(sub, spec.domain)
        checker = Checker(problem, policies=spec.policies, access=spec.access)
        assert checker.check(parse_plan("".join(c + "\n" for c in sub["plan"]))).valid
    # after an odd number of steps the arm holds a block: a state no generated problem has
    odd = [s for s in subs if (len(rec["plan"]) - len(s["plan"])) % 2 == 1]
    assert all(any(a.startswith("(holding ") for a in s["init"]) for s in odd)
    assert "(handempty)" in rec["init"]


def test_examples_with_suffixes_add_plan_examples_only() -> None:
    from collections import Counter

    from engine.llm.examples import examples_from

    recs = {"devops": [_solved("devops", s) for s in range(6)]}
    plain = examples_from(recs, seed=1)
    more = examples_from(recs, seed=1, suffixes=2)
    counts, plain_counts = Counter(e.task for e in more), Counter(e.task for e in plain)
    assert counts["plan"] > plain_counts["plan"]
    assert {e for e in more if e.task == "goal"} == {e for e in plain if e.task == "goal"}
    # every plan completion is (a renaming of) a tail of a teacher plan: same actions
    tails = {tuple(c.split()[0] for c in r["plan"][i:]) for r in recs["devops"]
             for i in range(len(r["plan"]))}
    for e in more:
        if e.task == "plan":
            assert tuple(line.split()[0] for line in e.completion.splitlines()) in tails


def test_more_goal_examples_keep_the_share_of_refusals() -> None:
    from collections import Counter

    from engine.llm.examples import examples_from

    recs = {"devops": [_solved("devops", s) for s in range(12)]}
    two = Counter((e.task, e.completion == UNKNOWN_GOAL) for e in examples_from(recs, seed=3))
    four = Counter((e.task, e.completion == UNKNOWN_GOAL)
                   for e in examples_from(recs, seed=3, goals_per_record=4))
    assert four[("goal", False)] > 1.5 * two[("goal", False)]
    assert four[("goal", True)] > two[("goal", True)] > 0  # refusals grow with the goals
    # the plan examples stay (renamings draw from the same stream, so a duplicate may differ)
    assert abs(four[("plan", False)] - two[("plan", False)]) <= 0.1 * two[("plan", False)]
    none = Counter((e.task, e.completion == UNKNOWN_GOAL)
                   for e in examples_from(recs, seed=3, goals_per_record=0))
    assert none[("goal", False)] == 0 and 0 < none[("goal", True)] <= 12  # only refusals left


def test_detour_records_stray_then_recover_and_verify_as_a_whole() -> None:
    """A detour record: teacher steps, then steps the teacher did not take, then a new
    plan from there; prefix + plan passes the verifier from the original problem."""
    from engine.llm.dataset import _problem_of, _spec
    from engine.llm.detours import detour_records
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    spec = _spec("blocksworld")
    recs = [r for r in (_solved("blocksworld", s) for s in range(8)) if len(r["plan"]) >= 2]
    got = [d for r in recs for d in detour_records(r, 2, seed=r["seed"])]
    assert len(got) >= len(recs)  # most tries find a way back
    by_seed = {r["seed"]: r for r in recs}
    for d in got:
        rec = by_seed[d["seed"]]
        assert (d["goal"], d["init"]) == (rec["goal"], rec["init"])
        pairs = zip(d["prefix"] + [None] * 99, rec["plan"], strict=False)
        cut = next(i for i, (a, b) in enumerate(pairs)
                   if a != b)
        assert cut < len(d["prefix"])  # the prefix leaves the teacher plan somewhere
        checker = Checker(_problem_of(rec, spec.domain), policies=spec.policies,
                          access=spec.access)
        whole = "".join(c + "\n" for c in d["prefix"] + d["plan"])
        assert checker.check(parse_plan(whole)).valid
    assert detour_records(recs[0], 2, seed=5) == detour_records(recs[0], 2, seed=5)


def test_detour_examples_show_the_prefix_and_train_on_the_rest() -> None:
    from engine.llm.detours import generate_detours
    from engine.llm.examples import examples_from

    recs = {"devops": [_solved("devops", s) for s in range(4)]}
    detours = generate_detours(recs, 1, workers=1, log=lambda m: None)
    plain = examples_from(recs, seed=1)
    more = examples_from(recs, seed=1, detours=detours)
    with_prefix = [e for e in more if e.prefix]
    assert len(with_prefix) == len(detours["devops"]) >= 1
    assert all(e.task == "plan" and e.completion for e in with_prefix)
    assert {e for e in more if not e.prefix} == set(plain)  # the other examples unchanged


def test_detour_cache_is_not_reused_for_another_number_of_records(tmp_path) -> None:
    """More problems of a spec (``plansafe train --count``) get detours of their own; the
    cache made from fewer is left alone."""
    from engine.llm.detours import generate_detours

    recs = [_solved("devops", s) for s in range(4)]
    few = generate_detours({"devops": recs[:2]}, 1, workers=1, folder=tmp_path,
                           log=lambda m: None)
    again = generate_detours({"devops": recs[:2]}, 1, workers=1, folder=tmp_path,
                             log=lambda m: None)
    assert again == few  # same records: read back from the cache
    more = generate_detours({"devops": recs}, 1, workers=1, folder=tmp_path,
                            log=lambda m: None)
    assert {d["seed"] for d in more["devops"]} - {r["seed"] for r in recs[:2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devops-0-detours1-2.jsonl",
                                                          "devops-0-detours1-4.jsonl"]
