"""Plain-language goals -> formal goals with the embedded model: how many are read exactly.

The sets:

- ``scenarios``: every plain-language goal of the evaluation fixtures
  (``benchmarks/scenarios/*.jsonl``), on its own scenario problem. Their phrasings come
  from the same templates the training goals use (``PHRASING`` in each domain pack), the
  problems and their sizes do not (scenario problems have up to 30 invoices or items;
  training problems at most a handful).
- ``held-out`` to ``held-out-9``: hand-written phrasings that are in no template (below),
  on each spec's default problem, including texts that must be refused; each set was
  written before the change to the reader that it was first run against.

Each goal is *exact* (the reading equals the expected atoms), *refused* (a clear error:
Plansafe then does nothing) or *misread* (a wrong goal: the failure that matters).

    python -m benchmarks.goal_read [--quick] [--model DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# (text, expected atoms or None when the text must be refused), on the default problems
HELD_OUT: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("bring api up in production", "(deployed api prod)"),
               ("deploy api into prod", "(deployed api prod)"),
               ("get web live", "(deployed web prod)"),
               ("ensure web is healthy in production", "(healthy web prod)"),
               ("run a health check on api in prod", "(healthy api prod)"),
               ("have the tests of web run", "(tested web)"),
               ("build the auth service", "(built auth)"),
               ("snapshot db", None),  # backed-up takes an env, db is a service
               ("release worker to staging and make sure it is healthy there",
                "(deployed worker staging) (healthy worker staging)"),
               ("order a pizza", None)],
    "documents": [("pay invoice 2 out", "(paid inv2)"),
                  ("get inv1 settled", "(paid inv1)"),
                  ("archive invoice number 3", "(archived inv3)"),
                  ("approve inv4 please", "(approved inv4)"),
                  ("validate the invoice inv2", "(validated inv2)"),
                  ("have inv1 classified", "(classified inv1)"),
                  ("do the payment of inv3", "(paid inv3)"),
                  ("deploy api to prod", None)],
    "robotics": [("drop box1 off at the lab", None),  # no lab in this problem
                 ("take box1 over to a1", "(item-at box1 a1)"),
                 ("make sure box2 ends up in c1", "(item-at box2 c1)"),
                 ("transport box1 to b1", "(item-at box1 b1)"),
                 ("send r1 to a2", "(at r1 a2)"),
                 ("put box3 in a1", "(item-at box3 a1)")],
}

# A second set, written on 2026-12-04 before the goal reader's checks of that day were
# added (its first run is the baseline in benchmarks/results/llm_plan.md); same rules.
HELD_OUT_2: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("push the web service live", "(deployed web prod)"),
               ("make auth available in staging", "(deployed auth staging)"),
               ("check the health of worker on production", "(healthy worker prod)"),
               ("have billing built", "(built billing)"),
               ("get the search tests done", "(tested search)"),
               ("roll api back in prod", "(rolled-back api prod)"),
               ("back up production", "(backed-up prod)"),
               ("deploy notify to staging, then check it is healthy there",
                "(deployed notify staging) (healthy notify staging)"),
               ("deploy api to the moon", None),
               ("make coffee", None),
               ("ship cart to prod", None)],
    "documents": [("get invoice 5 paid out", "(paid inv5)"),
                  ("have inv3 archived", "(archived inv3)"),
                  ("sign off on invoice 6", "(approved inv6)"),
                  ("classify invoice 2", "(classified inv2)"),
                  ("extract the data from inv7", "(extracted inv7)"),
                  ("vet vendor globex", "(vendor-checked globex)"),
                  ("approve inv1 and then pay it", "(approved inv1) (paid inv1)"),
                  ("pay invoice 12", None),
                  ("order new laptops", None)],
    "robotics": [("bring crate1 to b3", "(item-at crate1 b3)"),
                 ("have box2 delivered to a4", "(item-at box2 a4)"),
                 ("move robot r2 to c2", "(at r2 c2)"),
                 ("park r3 at the dock", "(at r3 dock)"),
                 ("get crate2 over to c4", "(item-at crate2 c4)"),
                 ("deliver box1 to the kitchen", None),  # no kitchen in this problem
                 ("water the plants", None)],
}

# A third set, written on 2026-12-04 after the word check took its final form (the second
# set's one misreading, "roll api back in prod", shaped it) and run once as written.
HELD_OUT_3: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("promote api to production", "(deployed api prod)"),
               ("put web on stage", "(deployed web staging)"),
               ("confirm billing is healthy on prod", "(healthy billing prod)"),
               ("compile the search service", "(built search)"),
               ("take a snapshot of staging", "(backed-up staging)"),
               ("revert worker on production", "(rolled-back worker prod)"),
               ("run the test suite for notify", "(tested notify)"),
               ("deploy db to qa", None),
               ("restart api", None)],
    "documents": [("settle invoice 4", "(paid inv4)"),
                  ("get invoice 8 approved", "(approved inv8)"),
                  ("put inv6 in the archive", "(archived inv6)"),
                  ("check vendor umbrella", "(vendor-checked umbrella)"),
                  ("get the fields of inv3 extracted", "(extracted inv3)"),
                  ("reject invoice 2", None)],
    "robotics": [("carry crate1 to a2", "(item-at crate1 a2)"),
                 ("drive r2 to b4", "(at r2 b4)"),
                 ("have r1 parked at c3", "(at r1 c3)"),
                 ("bring box3 to the warehouse", None),
                 ("report that box1 is at a3", "(reported box1 a3)")],
}
# A fourth set, written on 2026-12-04 (15:35 UTC) before the goal reader tried more than
# the model's single most likely reading, and run first on the reader as it was.
HELD_OUT_4: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("deploy the billing service to production", "(deployed billing prod)"),
               ("get auth running on staging", "(deployed auth staging)"),
               ("make sure notify is healthy in staging", "(healthy notify staging)"),
               ("build and test worker", "(built worker) (tested worker)"),
               ("back up the staging environment", "(backed-up staging)"),
               ("roll back search in production", "(rolled-back search prod)"),
               ("test the db service", "(tested db)"),
               ("deploy api to mars", None),
               ("scale web to ten replicas", None)],
    "documents": [("pay inv7", "(paid inv7)"),
                  ("archive invoice 1", "(archived inv1)"),
                  ("validate invoice 5", "(validated inv5)"),
                  ("approve invoice 3 and archive it", "(approved inv3) (archived inv3)"),
                  ("have vendor acme checked", "(vendor-checked acme)"),
                  ("extract invoice 4", "(extracted inv4)"),
                  ("email the vendor", None),
                  ("pay invoice 40", None)],
    "robotics": [("move box2 to b3", "(item-at box2 b3)"),
                 ("bring crate2 to the dock", "(item-at crate2 dock)"),
                 ("send robot r3 to a4", "(at r3 a4)"),
                 ("get box1 to c2", "(item-at box1 c2)"),
                 ("deliver crate1 to the garage", None),
                 ("vacuum the floor", None)],
}
# A fifth set, written on 2026-12-04 (15:50 UTC) before the reader resolved "it" and
# elided objects in clauses ("build and test worker"), and run first on the reader as it was.
HELD_OUT_5: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("build and deploy web to staging", "(built web) (deployed web staging)"),
               ("test api and then deploy it to production",
                "(tested api) (deployed api prod)"),
               ("deploy auth to prod and check that it is healthy there",
                "(deployed auth prod) (healthy auth prod)"),
               ("back up prod", "(backed-up prod)"),
               ("get worker tested", "(tested worker)"),
               ("deploy search on staging", "(deployed search staging)"),
               ("paint the servers blue", None)],
    "documents": [("validate and approve inv2", "(validated inv2) (approved inv2)"),
                  ("pay invoice 6 and archive it", "(paid inv6) (archived inv6)"),
                  ("approve invoice 7", "(approved inv7)"),
                  ("check vendor initech", "(vendor-checked initech)"),
                  ("archive inv9", None),  # no inv9 in this problem
                  ("classify inv5", "(classified inv5)")],
    "robotics": [("bring box3 to c4", "(item-at box3 c4)"),
                 ("move crate1 to a3 and box2 to b1", "(item-at crate1 a3) (item-at box2 b1)"),
                 ("get r1 to b3", "(at r1 b3)"),
                 ("take crate2 to the dock", "(item-at crate2 dock)"),
                 ("fly box1 to the moon", None)],
}
# A sixth set, written on 2026-12-04 (16:08 UTC) before the goal grammar left out the
# predicates no action changes, and run first on the reader as it was.
HELD_OUT_6: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("deploy worker to staging", "(deployed worker staging)"),
               ("make db healthy on prod", "(healthy db prod)"),
               ("roll back api on staging", "(rolled-back api staging)"),
               ("get notify built", "(built notify)"),
               ("run tests on search", "(tested search)"),
               ("deploy everything to the cloud", None)],
    "documents": [("get invoice 2 validated", "(validated inv2)"),
                  ("archive inv8", "(archived inv8)"),
                  ("approve and pay inv4", "(approved inv4) (paid inv4)"),
                  ("check the vendor globex", "(vendor-checked globex)"),
                  ("print invoice 3", None)],
    "robotics": [("send r2 to c1", "(at r2 c1)"),
                 ("drive robot r1 to the dock", "(at r1 dock)"),
                 ("park r2 at b1", "(at r2 b1)"),
                 ("carry box2 to a4", "(item-at box2 a4)"),
                 ("bring crate1 to c3 and send r3 to b4", "(item-at crate1 c3) (at r3 b4)"),
                 ("move r1 to a1", "(at r1 a1)"),
                 ("charge the robots", None)],
}
# A seventh set, written on 2026-12-04 (16:45 UTC) before the reader refused texts whose
# only content words name nothing in the domain ("reject invoice 2"), and run first on the
# reader as it was. Some unseen verbs here do mean a domain predicate ("launch",
# "relocate"); others name no predicate and must be refused.
HELD_OUT_7: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("launch api in production", "(deployed api prod)"),
               ("stop worker on staging", None),
               ("delete the db service", None),
               ("monitor web in prod", None),
               ("get search deployed to production", "(deployed search prod)"),
               ("make a backup of prod", "(backed-up prod)"),
               ("verify auth is healthy on staging", "(healthy auth staging)")],
    "documents": [("cancel invoice 3", None),
                  ("delete inv5", None),
                  ("get inv2 paid and archived", "(paid inv2) (archived inv2)"),
                  ("mark invoice 4 as approved", "(approved inv4)"),
                  ("send invoice 1 to the vendor", None),
                  ("validate inv6", "(validated inv6)")],
    "robotics": [("inspect box2", None),
                 ("weigh crate1 at a2", None),
                 ("move box1 to c3", "(item-at box1 c3)"),
                 # written as (item-at crate2 b2) by mistake: this problem has no b2
                 ("relocate crate2 to b2", None),
                 ("return r3 to the dock", "(at r3 dock)"),
                 ("paint r1 red", None)],
}
# An eighth set, written on 2026-12-04 (17:30 UTC) before the reader could read a clause
# from its words alone when every model reading fails (predicates the training goals
# rarely had: built, extracted, rolled-back, classified, the robot's at), and run first on
# the reader as it was.
HELD_OUT_8: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("build the worker service", "(built worker)"),
               ("get db built", "(built db)"),
               ("revert search on staging", "(rolled-back search staging)"),
               ("roll back notify in production", "(rolled-back notify prod)"),
               ("test the auth service", "(tested auth)"),
               ("deploy web and api to staging", "(deployed web staging) (deployed api staging)"),
               ("make a backup of staging", "(backed-up staging)"),
               ("tear down web", None)],
    "documents": [("extract inv3", "(extracted inv3)"),
                  ("sort invoice 7", "(classified inv7)"),
                  ("classify inv1 and approve it", "(classified inv1) (approved inv1)"),
                  ("vet globex", "(vendor-checked globex)"),
                  ("file inv4 away", "(archived inv4)"),
                  ("duplicate inv2", None)],
    "robotics": [("move crate2 to c4", "(item-at crate2 c4)"),
                 ("send r3 to b1", "(at r3 b1)"),
                 ("drive r1 to a3", "(at r1 a3)"),
                 ("deliver box3 to b4", "(item-at box3 b4)"),
                 ("move r2 to the dock", "(at r2 dock)"),
                 ("lift crate1", None)],
}
# A ninth set, written on 2026-12-04 (18:22 UTC) before the reader read a text whole when
# its clauses cannot be read one by one ("deploy web and api to staging"), and run first
# on the reader as it was: coordination, shared arguments, "it".
HELD_OUT_9: dict[str, list[tuple[str, str | None]]] = {
    "devops": [("deploy auth and worker to production",
                "(deployed auth prod) (deployed worker prod)"),
               ("build and test search", "(built search) (tested search)"),
               ("test web and db", "(tested web) (tested db)"),
               ("back up prod and staging", "(backed-up prod) (backed-up staging)"),
               ("deploy billing to staging and then to prod",
                "(deployed billing staging) (deployed billing prod)"),
               ("deploy notify to prod and make sure it is healthy",
                "(deployed notify prod) (healthy notify prod)"),
               ("deploy api and don't touch web", None)],
    "documents": [("pay inv1 and inv2", "(paid inv1) (paid inv2)"),
                  ("approve and archive invoice 5", "(approved inv5) (archived inv5)"),
                  ("archive inv3, inv4 and inv6",
                   "(archived inv3) (archived inv4) (archived inv6)"),
                  ("validate inv7 then pay it", "(validated inv7) (paid inv7)")],
    "robotics": [("bring box1 and box2 to c3", "(item-at box1 c3) (item-at box2 c3)"),
                 ("send r1 and r2 to the dock", "(at r1 dock) (at r2 dock)"),
                 ("move crate1 to a2 and crate2 to a3",
                  "(item-at crate1 a2) (item-at crate2 a3)"),
                 ("take box3 to b1, then send r3 to c2", "(item-at box3 b1) (at r3 c2)")],
}
HELD = {"held-out": HELD_OUT, "held-out-2": HELD_OUT_2, "held-out-3": HELD_OUT_3,
        "held-out-4": HELD_OUT_4, "held-out-5": HELD_OUT_5, "held-out-6": HELD_OUT_6,
        "held-out-7": HELD_OUT_7, "held-out-8": HELD_OUT_8, "held-out-9": HELD_OUT_9}


def _atoms(goal: str) -> set[str]:
    """The ground atoms of ``(and (p a) ...)`` or ``(p a) ...`` (innermost parentheses)."""
    return set(re.findall(r"\([^()]*\)", goal))


def _judge(spec: Any, problem: Any, text: str, want: str | None, backend: Any
           ) -> dict[str, Any]:
    from engine.goals import translate_goal
    from verifier.errors import PlansafeError

    source = None
    try:
        t = translate_goal(spec, problem, text, backend=backend)
        got: str | None = t.goal
        source = t.source
    except PlansafeError as e:
        got, why = None, str(e).splitlines()[0][:160]
    else:
        why = ""
    if got is None:
        verdict = "exact" if want is None else "refused"
    elif want is None:
        verdict = "misread"
    else:
        verdict = "exact" if _atoms(got) == _atoms(want) else "misread"
    return {"text": text, "want": want, "got": got, "verdict": verdict, "why": why,
            "source": source}


def run(backend: Any, *, per_domain: int | None = None) -> dict[str, Any]:
    from domains.scenarios import load_suite
    from engine.goals import default_problem
    from verifier.spec import load_spec

    out: dict[str, Any] = {}
    for set_name in ("scenarios", *HELD):
        rows = []
        t0 = time.perf_counter()
        for dom in ("devops", "documents", "robotics"):
            spec = load_spec(ROOT / "specs" / dom)
            if set_name == "scenarios":
                plain = [s for s in load_suite(ROOT / "benchmarks" / "scenarios" /
                                               f"{dom}.jsonl") if s.phrasing == "plain"]
                for s in plain[:per_domain]:
                    want = " ".join("(" + " ".join(a) + ")" for a in s.goal)
                    rows.append({"id": s.id, **_judge(spec, s.problem(spec.domain_path),
                                                      s.goal_text, want, backend)})
            else:
                problem = default_problem(spec)
                for text, want in HELD[set_name][dom]:
                    rows.append({"id": dom, **_judge(spec, problem, text, want, backend)})
        counts = {v: sum(r["verdict"] == v for r in rows) for v in ("exact", "refused",
                                                                     "misread")}
        out[set_name] = {"n": len(rows), **counts, "seconds": time.perf_counter() - t0,
                         # readings taken from the words alone, in part or whole
                         "from_words": sum("words" in (r["source"] or "") for r in rows),
                         "rows": rows}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="checkpoint folder")
    ap.add_argument("--quick", action="store_true", help="the first 8 scenario goals of each "
                    "domain (and every held-out phrasing)")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "goal_read.json")
    args = ap.parse_args(argv)
    from engine.llm import DEFAULT_MODEL_DIR
    from engine.llm.backend import TransformersBackend
    from verifier.errors import PlansafeError

    model = args.model or DEFAULT_MODEL_DIR
    try:
        backend = TransformersBackend(model, device="cpu")
    except PlansafeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    results = {"model": str(model), "quick": args.quick,
               **run(backend, per_domain=8 if args.quick else None)}
    for name in ("scenarios", *HELD):
        r = results[name]
        print(f"{name}: {r['n']} goals: {r['exact']} exact, {r['refused']} refused, "
              f"{r['misread']} misread; {r['from_words']} read from their words "
              f"({r['seconds']:.0f} s)")
        for row in r["rows"]:
            if row["verdict"] != "exact":
                print(f"  {row['verdict']:8s} {row['id']}: {row['text']!r} -> "
                      f"{row['got'] or row['why']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
