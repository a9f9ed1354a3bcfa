"""Mid-plan and recovery records for training: suffixes of teacher plans and detours from
them (:mod:`engine.llm.dataset` makes the records these start from)."""

from __future__ import annotations

import contextlib
import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from engine.llm.dataset import _constants, _negative_preconditions, _plan_text, _problem_of, _spec
from engine.llm.prompts import atom_text


def suffix_records(rec: dict[str, Any], cuts: Sequence[int]) -> list[dict[str, Any]]:
    """Mid-plan problems: the state after the first ``i`` teacher steps as the initial state,
    the same goal, the rest of the teacher plan as the plan (kept only when the verifier
    accepts that rest under every policy from that state: an 'at some point' rule met
    before the cut would not be met again). These teach the model states that generated
    problems never start in (an arm holding a block, a service half deployed)."""
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    spec = _spec(rec["spec"])
    problem = _problem_of(rec, spec.domain)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    states = checker.trajectory(parse_plan(_plan_text(rec["plan"])))
    out = []
    for i in sorted(set(cuts)):
        if not 0 < i < len(rec["plan"]):
            continue
        init = sorted(atom_text(a) for a in checker.task.atoms_of(states[i]))
        sub = {**rec, "init": init, "plan": rec["plan"][i:]}
        sub_checker = Checker(_problem_of(sub, spec.domain), policies=spec.policies,
                              access=spec.access)
        if sub_checker.check(parse_plan(_plan_text(sub["plan"]))).valid:
            out.append(sub)
    return out



def detour_records(rec: dict[str, Any], n: int, *, seed: int, timeout_s: float = 8.0
                   ) -> list[dict[str, Any]]:
    """Recovery problems: the teacher plan's first steps, then a detour of 1-3 steps the
    teacher did not take (each applicable, with an allowed agent and breaking no policy:
    :class:`engine.llm.stateaware.Safe`), then a plan from there by the symbolic planner.
    The record's ``prefix`` holds what was written before the new plan; it is kept only
    when the whole plan, prefix and all, passes the verifier. At decoding time a model
    that strayed from a good plan must carry on from where it is (the state-aware
    constraint lets a plan end only at the goal); these examples show it how."""
    from domains.generated import GeneratedProblem, load_generated
    from engine.llm.prompts import step_line
    from engine.llm.stateaware import Safe
    from engine.symbolic.planning import solve
    from verifier.plan_io import parse_plan
    from verifier.validate import Checker

    spec = _spec(rec["spec"])
    problem = _problem_of(rec, spec.domain)
    checker = Checker(problem, policies=spec.policies, access=spec.access)
    rules = Safe(checker)
    teacher = [c + "\n" for c in rec["plan"]]
    rng = random.Random(seed)
    engine = "fast-downward" if _negative_preconditions(spec.domain) else "pyperplan"
    out: list[dict[str, Any]] = []
    for _ in range(n):
        cut, lines, node = _detour(rules, teacher, rng)
        if len(lines) == cut:
            continue
        consts = _constants(rec["spec"])
        gp = GeneratedProblem(
            f"d{rec['seed']}", spec.domain.name,
            tuple((o, t) for o, t in sorted(rec["types"].items()) if o not in consts),
            tuple(sorted(checker.task.atoms_of(cast(Any, node)[0]))),  # (state, memory)
            tuple(tuple(a.strip("()").split()) for a in rec["goal"]))
        sub = load_generated(spec.domain_path, gp)  # read as user files are (for the planners)
        rest = None
        for policies, eng in (((), engine), (spec.policies, "fast-downward")):
            result = solve(sub, policies=policies, access=spec.access, engine=eng,
                           timeout_s=timeout_s, explain=False)
            if result.solved and result.plan is not None:
                calls = [step_line(s.action, s.args) for s in result.plan.steps]
                if checker.check(parse_plan("".join(lines + calls))).valid:
                    rest = calls
                    break
        if rest is not None:
            out.append({**rec, "prefix": [c.strip() for c in lines],
                        "plan": [c.strip() for c in rest]})
    return out



def _detour(rules: Any, teacher: list[str], rng: random.Random) -> tuple[int, list[str], Any]:
    """The teacher's first ``cut`` steps, then 1-3 steps it did not take (the first one not
    the teacher's next), each one of ``rules``' options: (cut, the lines, the node reached)."""
    cut = rng.randrange(len(teacher))
    node = rules.initial()
    lines: list[str] = []
    for line in teacher[:cut]:
        node = rules.options(node)[0][line]
        lines.append(line)
    for j in range(rng.randint(1, 3)):
        options, _ = rules.options(node)
        choices = sorted(c for c in options if j > 0 or c != teacher[cut])
        if not choices:
            break
        line = rng.choice(choices)
        node = options[line]
        lines.append(line)
    return cut, lines, node


def _detour_worker(args: tuple[list[dict[str, Any]], int, int]) -> list[dict[str, Any]]:
    recs, n, seed = args
    os.chdir(os.environ.get("TMPDIR", "/tmp"))  # Fast Downward writes output.sas to the cwd
    out = []
    for rec in recs:
        with contextlib.suppress(Exception):  # one odd record must not stop the whole run
            out.extend(detour_records(rec, n, seed=seed * 1_000_003 + rec["seed"]))
    return out



def generate_detours(records: dict[str, list[dict[str, Any]]], n: int, *, seed: int = 0,
                     workers: int = 2, folder: Path | None = None, log: Any = print
                     ) -> dict[str, list[dict[str, Any]]]:
    """:func:`detour_records` for every record, ``n`` tries each (in ``workers``
    processes), cached as ``folder/<spec>-<seed>-detours<n>-<records>.jsonl`` (a cache
    made from another number of records is not reused)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out: dict[str, list[dict[str, Any]]] = {}
    for spec_name, recs in records.items():
        path = (folder / f"{spec_name}-{seed}-detours{n}-{len(recs)}.jsonl" if folder
                else None)
        if path is not None and path.is_file():
            out[spec_name] = [json.loads(x) for x in path.read_text().splitlines() if x]
        else:
            chunks = [(recs[i:i + 20], n, seed) for i in range(0, len(recs), 20)]
            if workers <= 1:
                parts = [_detour_worker(c) for c in chunks]
            else:
                ctx = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
                    parts = list(ex.map(_detour_worker, chunks))
            out[spec_name] = [r for part in parts for r in part]
            if path is not None:
                path.write_text("".join(json.dumps(r) + "\n" for r in out[spec_name]))
        log(f"{spec_name}: {len(out[spec_name])} detour examples from {len(recs)} problems")
    return out

