"""Memory of past runs: does the planner learn to avoid a route whose tool keeps failing?

The scenario spec (``benchmarks/scenarios/memory_routes``): a parcel is delivered by one
flight (``fly``, one step; its tool fails with probability 0.8, drawn per parcel from a
seeded RNG) or by truck (``load-truck`` then ``drive``, two steps, never fails). Without
memory the planner takes the shorter flight every time. With memory (``Engine(memory=...)``
default: on once the journal has outcomes), each run's outcomes become action costs
(:mod:`engine.memory`), and a failed flight is followed by a replan by truck.

For one seed: ``runs`` runs deliver parcels p1, p2, ... one run each, with memory; before
the first run and after each one, ``plans`` new plans are made for parcels no run has
touched (p21, p22, ...), and we count those that take the flight. The curve is the share
of such plans against the number of past runs, averaged over seeds; a baseline plans the
same goals with ``memory=False``.

    python -m benchmarks.memory [--seeds 8] [--runs 20] [--plans 2]
        [--out benchmarks/results/memory.json] [--figure docs/memory.png]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.memory import CostModel

SPEC = Path(__file__).resolve().parent / "scenarios" / "memory_routes"
FAILING_ACTION = "fly"
FIRST_NEW_PARCEL = 21  # parcels p21..p40 are planned for, never run
PARCELS = 40

__all__ = ["SPEC", "Point", "SeedCurve", "scenario", "failing_share", "main"]


@dataclass(frozen=True, slots=True)
class Point:
    """After ``runs`` past runs: how many of ``plans`` new plans took the failing route."""

    runs: int
    plans: int
    failing: int
    baseline_plans: int = 0  # plans for the same goals with memory=False (when measured)
    baseline_failing: int = 0

    @property
    def share(self) -> float:
        return self.failing / self.plans if self.plans else 0.0


@dataclass(frozen=True, slots=True)
class SeedCurve:
    seed: int
    points: tuple[Point, ...]
    run_routes: tuple[str, ...]  # per past run: the actions it executed, e.g. "fly x, truck"
    seconds: float


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    old = os.environ.get("PLANSAFE_ROUTES_SEED")
    os.environ["PLANSAFE_ROUTES_SEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PLANSAFE_ROUTES_SEED", None)
        else:
            os.environ["PLANSAFE_ROUTES_SEED"] = old


def failing_share(engine: Any, plans: int) -> int:
    """How many of ``plans`` new plans (parcels p21...) take the failing route."""
    if plans > PARCELS - FIRST_NEW_PARCEL + 1:
        raise ValueError(f"at most {PARCELS - FIRST_NEW_PARCEL + 1} new plans")
    failing = 0
    for i in range(FIRST_NEW_PARCEL, FIRST_NEW_PARCEL + plans):
        certified = engine.plan(goal=f"(delivered p{i})")
        failing += any(s.action == FAILING_ACTION for s in certified.plan.steps)
    return failing


def _route(result: Any) -> str:
    parts = []
    for s in result.steps:
        if s["action"] == FAILING_ACTION:
            parts.append("fly " + ("ok" if s["status"] == "completed" else "x"))
        elif s["action"] == "drive" and s["status"] == "completed":
            parts.append("truck")
    return ", ".join(parts)


def scenario(seed: int, *, runs: int = 10, plans: int = 20,
             at: Collection[int] | None = None, baseline_plans: int = 0,
             journal: str | Path | None = None, model: CostModel | None = None) -> SeedCurve:
    """One seed's curve: ``plans`` new plans after each number of past runs in ``at``
    (default: 0, 1, ... ``runs``); at the first and last of them also ``baseline_plans``
    plans without memory. ``journal``: a journal to use (default: a fresh SQLite file);
    ``model``: another cost model (an ablation)."""
    from engine.api import Engine

    if runs > FIRST_NEW_PARCEL - 1:
        raise ValueError(f"at most {FIRST_NEW_PARCEL - 1} runs")
    when = sorted(set(range(runs + 1) if at is None else at))
    start = time.perf_counter()
    with _seeded(seed), tempfile.TemporaryDirectory(prefix="plansafe-memory-") as tmp:
        path = journal if journal is not None else Path(tmp, "journal.sqlite")
        engine = Engine.from_spec(SPEC, journal=path)
        if model is not None and engine.memory is not None:
            engine.memory.model = model
        plain = Engine(engine.spec, journal=engine.journal, memory=False)
        points: list[Point] = []
        routes: list[str] = []
        try:
            for n in range(runs + 1):
                if n in when:
                    b = baseline_plans if n in (when[0], when[-1]) else 0
                    points.append(Point(n, plans, failing_share(engine, plans), b,
                                        failing_share(plain, b)))
                if n < runs:
                    result = engine.run(goal=f"(delivered p{n + 1})")
                    if result.status != "completed":
                        raise RuntimeError(f"run {n + 1} ended {result.status}: "
                                           f"{result.message}")
                    routes.append(_route(result))
        finally:
            engine.close()
    return SeedCurve(seed, tuple(points), tuple(routes), time.perf_counter() - start)


def _summary(curves: Sequence[SeedCurve]) -> list[dict[str, Any]]:
    out = []
    for i, p in enumerate(curves[0].points):
        at = [c.points[i] for c in curves]
        base_plans = sum(q.baseline_plans for q in at)
        out.append({"runs": p.runs, "plans": sum(q.plans for q in at),
                    "failing": sum(q.failing for q in at),
                    "share": sum(q.failing for q in at) / sum(q.plans for q in at),
                    "baseline_share": (sum(q.baseline_failing for q in at) / base_plans)
                    if base_plans else None})
    return out


def _figure(summary: Sequence[dict[str, Any]], path: Path, seeds: int,
            laplace: Sequence[dict[str, Any]] = ()) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [row["runs"] for row in summary]
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=120)
    ax.plot(xs, [row["share"] for row in summary], marker="o", label="with memory (default)")
    base = [(row["runs"], row["baseline_share"]) for row in summary
            if row["baseline_share"] is not None]
    if base:
        ax.plot([x for x, _ in base], [y for _, y in base], linestyle="--", marker="s",
                color="grey", label="memory off")
    if laplace:
        ax.plot([row["runs"] for row in laplace], [row["share"] for row in laplace],
                linestyle=":", marker="^", color="tab:red",
                label=f"memory, Laplace prior m0 = 0.5 ({laplace[0]['plans']} seeds)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("past runs in the journal")
    ax.set_ylabel("new plans taking the failing route")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"Memory of past runs: a route failing 80% of the time ({seeds} seeds)",
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _laplace(seeds: int, runs: int) -> list[dict[str, Any]]:
    """The ablation: Laplace's rule (prior 0.5, weight 2) instead of the 5% prior, one new
    plan after each run. A one-step route then never costs more than an untried two-step
    one (1 + 10p <= 11 < 2 * 6): the flight is given up only once the truck's own tools have
    a record (the replans after failed flights try the truck)."""
    if seeds <= 0:
        return []
    from engine.memory import CostModel

    curves = [scenario(seed, runs=runs, plans=1, model=CostModel(prior_rate=0.5))
              for seed in range(seeds)]
    out = _summary(curves)
    for row in out:
        print(f"Laplace prior, after {row['runs']:2d} runs: {row['failing']}/{row['plans']} "
              "new plans take the failing route", flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--plans", type=int, default=2, help="new plans per point and seed")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/memory.json"))
    ap.add_argument("--figure", type=Path, default=Path("docs/memory.png"))
    ap.add_argument("--laplace-seeds", type=int, default=2,
                    help="seeds of the ablation with Laplace's prior (m0 = 0.5)")
    args = ap.parse_args(argv)
    curves = []
    for seed in range(args.seeds):
        c = scenario(seed, runs=args.runs, plans=args.plans, baseline_plans=args.plans)
        curves.append(c)
        print(f"seed {seed}: " + " ".join(f"{p.failing}/{p.plans}" for p in c.points)
              + f"  runs: {'; '.join(c.run_routes)}  ({c.seconds:.1f} s)", flush=True)
    summary = _summary(curves)
    laplace = _laplace(args.laplace_seeds, args.runs)
    for row in summary:
        off = row["baseline_share"]
        base = "" if off is None else f"  (memory off {off:.2f})"
        print(f"after {row['runs']:2d} runs: {row['failing']:3d}/{row['plans']} new plans take "
              f"the failing route = {row['share']:.2f}{base}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "scenario": "benchmarks/scenarios/memory_routes: fly fails with p=0.8 (seeded), "
                    "truck (2 steps) never fails",
        "seeds": args.seeds, "runs": args.runs, "plans_per_point": args.plans,
        "curve": summary, "per_seed": [asdict(c) for c in curves],
        "laplace_ablation": {"seeds": args.laplace_seeds, "curve": laplace}}, indent=1) + "\n")
    _figure(summary, args.figure, args.seeds, laplace)
    print(f"wrote {args.out} and {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
