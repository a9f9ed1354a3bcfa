"""How reading and partial-order checking scale (issue 27, item 7b): the time per size and
the ratio per doubling (about 2: linear; about 4: quadratic).

- ``plan_text``: a text plan of N steps through ``parse_plan`` (positions used to be
  recounted from the file's start for every token: quadratic);
- ``domain_sexprs`` / ``domain_read``: a domain of N actions through ``read_sexprs``, and
  read whole (``read_domain``: s-expressions, then the domain model);
- ``chain_auto`` / ``chain_z3``: a partial-order plan whose N steps form one ``after`` chain
  (blocksworld, pick-up and put-down of one block: every step reads and writes the hand),
  checked by the Z3 checker as ``validate`` does (graph reasoning first) and with every check
  through the Z3 encoding (``--z3`` path, ``method="z3"``).

    python -m benchmarks.read_scaling [--quick] [--json out.json] [--md out.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES: dict[str, tuple[int, ...]] = {"plan_text": (5_000, 10_000, 20_000, 40_000),
         "domain_sexprs": (5_000, 10_000, 20_000), "domain_read": (5_000, 10_000, 20_000),
         "chain_auto": (1_000, 2_000, 4_000, 8_000), "chain_z3": (1_000, 2_000, 4_000, 8_000)}
QUICK: dict[str, tuple[int, ...]] = {"plan_text": (2_500, 5_000), "domain_sexprs": (1_000, 2_000),
         "domain_read": (1_000, 2_000), "chain_auto": (250, 500), "chain_z3": (250, 500)}


def _plan_text(n: int) -> str:
    return "".join(f"{i}: (deploy svc{i % 50} prod)\n" for i in range(n))


def _domain_text(n: int) -> str:
    actions = "".join(f"  (:action a{i} :parameters (?x - obj) :precondition (p ?x)\n"
                      f"     :effect (and (q ?x) (not (p ?x))))\n" for i in range(n))
    return ("(define (domain big) (:requirements :strips :typing)\n  (:types obj)\n"
            f"  (:predicates (p ?x - obj) (q ?x - obj))\n{actions})\n")


def _chain(n: int) -> Any:
    from verifier.model import Plan, Step

    return Plan(tuple(Step(f"x{i}", "pick-up" if i % 2 == 0 else "put-down", ("a",), None,
                           (f"x{i - 1}",) if i else ()) for i in range(n)))


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _cases(tmp: Path) -> dict[str, Callable[[int], Callable[[], object]]]:
    from verifier.plan_io import parse_plan
    from verifier.sexpr import read_sexprs
    from verifier.spec import load_problem, load_spec
    from verifier.z3check import Z3Checker

    spec = load_spec(ROOT / "specs" / "blocksworld")
    pfile = tmp / "chain.pddl"
    pfile.write_text("(define (problem chain) (:domain blocksworld) (:objects a b - block)\n"
                     " (:init (clear a) (ontable a) (clear b) (ontable b) (handempty))\n"
                     " (:goal (and (ontable a))))\n")
    problem = load_problem(spec, pfile)

    def domain_read(n: int) -> Callable[[], object]:
        from verifier.pddl import read_domain

        path = tmp / f"domain{n}.pddl"
        path.write_text(_domain_text(n))
        return lambda: read_domain(path)

    def chain(method: str) -> Callable[[int], Callable[[], object]]:
        def make(n: int) -> Callable[[], object]:
            plan = _chain(n)

            def run() -> object:
                v = Z3Checker(problem, policies=spec.policies, access=spec.access,
                              method=method, timeout_s=600).check(plan)  # type: ignore[arg-type]
                assert v.status == "valid", (v.status, v.reason)
                return v
            return run
        return make

    return {
        "plan_text": lambda n: (lambda text: lambda: parse_plan(text))(_plan_text(n)),
        "domain_sexprs": lambda n: (lambda text: lambda: read_sexprs(text))(_domain_text(n)),
        "domain_read": domain_read,
        "chain_auto": chain("auto"),
        "chain_z3": chain("z3"),
    }


def measure(sizes: dict[str, tuple[int, ...]], repeat: int = 3) -> dict[str, Any]:
    """Seconds per size and the ratio of each size's time to the previous (half) size's."""
    out: dict[str, Any] = {"load_before": os.getloadavg(), "cpus": os.cpu_count(),
                           "python": platform.python_version(), "repeat": repeat, "cases": {}}
    with tempfile.TemporaryDirectory() as d:
        cases = _cases(Path(d))
        for name, ns in sizes.items():
            rows: list[dict[str, Any]] = []
            for n in ns:
                run = cases[name](n)
                s = _best(run, repeat if not name.startswith("chain") or n <= 2000 else 1)
                prev = rows[-1] if rows else None
                ratio = (s / prev["seconds"]) if prev and n == 2 * prev["n"] else None
                rows.append({"n": n, "seconds": round(s, 4),
                             "per_1k": round(1000 * s / n, 5),
                             "ratio": None if ratio is None else round(ratio, 2)})
                print(f"{name:>14} {n:>7,} {s:>9.3f} s"
                      + (f"  x{ratio:.2f} per doubling" if ratio else ""), flush=True)
            out["cases"][name] = rows
    out["load_after"] = os.getloadavg()
    return out


def markdown(res: dict[str, Any]) -> str:
    lines = ["| case | N | seconds | per 1k | ratio per doubling |", "|---|---:|---:|---:|---:|"]
    for name, rows in res["cases"].items():
        for r in rows:
            lines.append(f"| {name} | {r['n']:,} | {r['seconds']:.3f} | {r['per_1k']:.4f} | "
                         + (f"{r['ratio']:.2f}" if r["ratio"] is not None else "") + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--json", type=Path, help="write the numbers as JSON")
    ap.add_argument("--md", type=Path, help="write the table as Markdown")
    ap.add_argument("--size", action="append", default=[], metavar="CASE=N,N",
                    help="sizes of one case (repeatable); with any, only those cases run")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else SIZES
    if args.size:
        sizes = {k: tuple(int(n) for n in v.split(",")) for k, v in
                 (item.split("=", 1) for item in args.size)}
    res = measure(sizes, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    if args.md:
        args.md.write_text(markdown(res))


if __name__ == "__main__":
    main()
