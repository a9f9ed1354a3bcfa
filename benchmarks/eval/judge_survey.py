"""Judge a set of scenarios with the independent judge alone (no system runs): verdict
counts and time per domain, and how the verdicts meet the fixtures' labels.

``python -m benchmarks.eval.judge_survey [--n 40] [--nodes 20000]`` (``--n 0``: every
fixture). The defined full set of the bench is the first 40 per domain.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.eval.judge import MAX_NODES, drift_of, judge_scenario

ROOT = Path(__file__).resolve().parents[2]


def survey(domains: Sequence[str], *, n: int | None, max_nodes: int = MAX_NODES
           ) -> dict[str, Any]:
    """``{"domains": {domain: {verdict counts, "seconds"}}, "labels": {"<label>/<verdict>":
    count}}``; a label is ``unrecoverable`` or ``recoverable`` (every other failure)."""
    from benchmarks.eval.run import select
    from verifier.spec import load_spec

    per: dict[str, Any] = {}
    labels: Counter[str] = Counter()
    for d in domains:
        spec, drift, t0 = load_spec(ROOT / "specs" / d), drift_of(d), time.perf_counter()
        counts: Counter[str] = Counter()
        for s in select(d, quick=False, n=n):
            j = judge_scenario(spec, s, s.problem(spec.domain_path), drift=drift,
                               max_nodes=max_nodes)
            counts[j.verdict] += 1
            label = "unrecoverable" if s.failure == "unrecoverable" else "recoverable"
            labels[f"{label}/{j.verdict}"] += 1
        per[d] = {**counts, "seconds": round(time.perf_counter() - t0, 1)}
    return {"domains": per, "labels": dict(sorted(labels.items()))}


def main(argv: Sequence[str] | None = None) -> None:
    from domains.scenarios import DOMAINS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="scenarios per domain (0: all)")
    ap.add_argument("--nodes", type=int, default=MAX_NODES, help="node bound per search")
    ap.add_argument("--domains", default=",".join(DOMAINS))
    a = ap.parse_args(argv)
    domains = a.domains.split(",")
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown or a.n < 0 or a.nodes < 1:
        ap.error(f"--domains={a.domains!r}: unknown {', '.join(unknown)} (known: "
                 f"{', '.join(DOMAINS)})" if unknown else
                 f"--n={a.n} and --nodes={a.nodes} must be >= 0 and >= 1")
    out = survey(domains, n=a.n or None, max_nodes=a.nodes)
    for d, row in out["domains"].items():
        print(d, row)
    print("label/verdict", out["labels"])


if __name__ == "__main__":
    main()
