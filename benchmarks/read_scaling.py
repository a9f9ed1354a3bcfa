"""How reading scales: text plans of 5k / 10k / 20k steps through ``parse_plan`` and a long
domain through ``read_sexprs`` (issue 27, item 7b: positions used to be recounted from the
file's start for every token, quadratic; now a bisection over line starts, linear).

    python -m benchmarks.read_scaling [--sizes 5000,10000,20000]
"""

from __future__ import annotations

import argparse
import time

from verifier.plan_io import parse_plan
from verifier.sexpr import read_sexprs


def _plan_text(n: int) -> str:
    return "".join(f"{i}: (deploy svc{i % 50} prod)\n" for i in range(n))


def _domain_text(n: int) -> str:
    actions = "".join(f"  (:action a{i} :parameters (?x - obj) :precondition (p ?x)\n"
                      f"     :effect (and (q ?x) (not (p ?x))))\n" for i in range(n))
    return f"(define (domain big)\n  (:predicates (p ?x) (q ?x))\n{actions})\n"


def _best(fn: object, text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(text)  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,10000,20000")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'steps/actions':>14} {'plan text s':>12} {'per 1k':>8} {'domain s':>10} {'per 1k':>8}")
    for n in sizes:
        p = _best(parse_plan, _plan_text(n))
        d = _best(read_sexprs, _domain_text(n))
        print(f"{n:>14,} {p:>12.3f} {1000 * p / n:>8.4f} {d:>10.3f} {1000 * d / n:>8.4f}")


if __name__ == "__main__":
    main()
