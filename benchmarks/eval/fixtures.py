"""The scenario fixtures: generated once, committed, read back by every benchmark run.

    python -m benchmarks.eval.fixtures [--n 100] [--seed 0] [--domains devops,documents,robotics]

writes ``benchmarks/scenarios/<domain>.jsonl`` (one scenario per line, see
:mod:`domains.scenarios`). Regenerating with the same arguments gives the same files as
long as the generators and the symbolic planner answer the same way. The committed files
were made so (devops and documents: a few minutes each on two cores); robotics, whose big
problems take Fast Downward up to a minute each, in three parallel parts:

    for k in 0 1 2; do python -m benchmarks.eval.fixtures --domains robotics --part $k/3 & done
    wait; python -m benchmarks.eval.fixtures --domains robotics --join 3
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.eval.scenario_planner import SymbolicScenarioPlanner
from domains.scenarios import (
    DOMAINS,
    FAILURES,
    Scenario,
    failures_for,
    generate_suite,
    load_suite,
    save_suite,
)

__all__ = ["FIXTURES", "load_fixtures", "quick_subset", "main"]

FIXTURES = Path(__file__).resolve().parents[1] / "scenarios"


def load_fixtures(domain: str, *, folder: Path | None = None) -> list[Scenario]:
    path = (folder or FIXTURES) / f"{domain}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"no scenario fixtures at {path} (generate them with "
                                "'python -m benchmarks.eval.fixtures')")
    return load_suite(path)


def quick_subset(scenarios: Sequence[Scenario], *, per_failure: int = 2,
                 max_steps: int = 40, pddl: int = 1) -> list[Scenario]:
    """A fixed small subset: the smallest scenarios of each failure condition (plain and PDDL
    goals both kept when there is a choice), at most ``max_steps`` reference steps; then, so
    that formal goals are covered too, the smallest scenarios with a PDDL goal and a plan to
    run (``steps > 0``) until ``pddl`` of them are in."""
    out = _per_failure(scenarios, per_failure, max_steps)
    have = sum(1 for s in out if s.phrasing == "pddl")
    extra = sorted((s for s in scenarios if s.phrasing == "pddl" and 0 < s.steps <= max_steps
                    and s not in out), key=lambda s: (s.steps, s.id))
    return out + extra[:max(0, pddl - have)]


def _per_failure(scenarios: Sequence[Scenario], per_failure: int, max_steps: int
                 ) -> list[Scenario]:
    out: list[Scenario] = []
    for failure in FAILURES:
        pool = sorted((s for s in scenarios if s.failure == failure and s.steps <= max_steps),
                      key=lambda s: (s.steps, s.id))
        picked: list[Scenario] = []
        for phrasing in ("plain", "pddl"):
            picked += [s for s in pool if s.phrasing == phrasing][:1]
        for s in pool:
            if len(picked) >= per_failure:
                break
            if s not in picked:
                picked.append(s)
        out += sorted(picked[:per_failure], key=lambda s: s.id)
    return out


def _indices(text: str) -> set[int]:
    try:
        return {int(x) for x in text.split(",") if x.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give scenario indices like 37,42") from None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="scenarios per domain")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--domains", default=",".join(DOMAINS))
    ap.add_argument("--out", type=Path, default=FIXTURES)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--part", default=None, metavar="K/M",
                    help="only indices i with i %% M == K, into <domain>.K.part (then --join)")
    ap.add_argument("--join", type=int, default=None, metavar="M",
                    help="join the M parts of each domain into <domain>.jsonl")
    ap.add_argument("--failures", default=None, metavar="F,G",
                    help="regenerate only the scenarios of these failure conditions and "
                    "rewrite those that changed in place in <domain>.jsonl (the others stay)")
    ap.add_argument("--indices", default=None, metavar="I,J", type=_indices,
                    help="with --failures: only these scenario indices")
    return ap


def _join(out: Path, domains: list[str], m: int) -> None:
    """Join the ``m`` parts of each domain (``--part``) into <domain>.jsonl; the parts go."""
    for domain in domains:
        parts = [load_suite(out / f"{domain}.{k}.part") for k in range(m)]
        suite = sorted((s for p in parts for s in p), key=lambda s: s.id)
        save_suite(suite, out / f"{domain}.jsonl")
        for k in range(m):
            (out / f"{domain}.{k}.part").unlink()
        print(f"{domain}: {len(suite)} scenarios -> {out / (domain + '.jsonl')}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.join:
        _join(args.out, args.domains.split(","), args.join)
        return 0
    from verifier.spec import load_spec

    root = Path(__file__).resolve().parents[2] / "specs"
    planner = SymbolicScenarioPlanner()
    for domain in args.domains.split(","):
        t0 = time.perf_counter()
        spec = load_spec(root / domain)
        log = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
        if args.failures:
            kinds = failures_for(domain)
            wanted = set(args.failures.split(","))
            idx = [i for i in range(args.n) if kinds[i % len(kinds)] in wanted]
            if args.part:
                k, m = (int(x) for x in args.part.split("/"))
                idx = [i for i in idx if i % m == k]
            if args.indices:
                idx = [i for i in idx if i in args.indices]
            path = args.out / f"{domain}.jsonl"
            fresh = {s.id: s for s in generate_suite(spec, domain, planner=planner, n=args.n,
                                                     seed=args.seed, log=log, indices=idx)}
            changed = _replace_in_place(path, fresh)
            print(f"{domain}: {len(fresh)} regenerated, changed: {', '.join(changed) or 'none'}",
                  flush=True)
            continue
        if args.part:
            k, m = (int(x) for x in args.part.split("/"))
            suite = generate_suite(spec, domain, planner=planner, n=args.n, seed=args.seed, log=log,
                                   indices=[i for i in range(args.n) if i % m == k])
            save_suite(suite, args.out / f"{domain}.{k}.part")
            continue
        suite = generate_suite(spec, domain, planner=planner, n=args.n, seed=args.seed, log=log)
        save_suite(suite, args.out / f"{domain}.jsonl")
        print(f"{domain}: {len(suite)} scenarios in {time.perf_counter() - t0:.0f} s -> "
              f"{args.out / (domain + '.jsonl')}", flush=True)
    return 0


def _replace_in_place(path: Path, fresh: dict[str, Scenario]) -> list[str]:
    """Rewrite the scenarios of ``fresh`` whose JSON changed; return their ids (the file is
    locked, so parallel parts do not overwrite each other's changes)."""
    import fcntl
    import json

    with open(path, "r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = f.read().splitlines()
        changed = []
        for k, line in enumerate(lines):
            sid = json.loads(line)["id"]
            if sid in fresh:
                new = json.dumps(fresh[sid].to_json(), separators=(",", ":"))
                if new != line:
                    lines[k] = new
                    changed.append(sid)
        f.seek(0)
        f.write("\n".join(lines) + "\n")
        f.truncate()
    return changed


if __name__ == "__main__":
    raise SystemExit(main())
