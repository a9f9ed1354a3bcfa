"""Whole ``plansafe`` processes with and without the preload server (engine/preload.py).

Each command line runs ``--n`` times alone (``PLANSAFE_PRELOAD=0``: imports and all) and
``--n`` times through a preload server started for this run on a temporary socket,
alternating, so that both see the same machine load. Prints per-command medians, the
ratio (alone / through the server) and the server's counts (every run through it must be
served, none refused), as JSON.

    python -m benchmarks.preload --n 5 --json benchmarks/results/preload.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "plan --planner llm (blocksworld p01)": ["plan", "specs/blocksworld",
                                             "specs/blocksworld/problems/p01.pddl",
                                             "--planner", "llm", "--json"],
    "plan, default planner (devops p01)": ["plan", "specs/devops",
                                           "specs/devops/problems/p01.pddl", "--json"],
    "check (devops)": ["check", "specs/devops", "--json"],
}


def _time(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "engine.launch", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - t0, done.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args()
    from benchmarks.llm_failfast import preloaded

    out: dict[str, object] = {"n": args.n, "load": round(os.getloadavg()[0], 2),
                              "commands": {}}
    with preloaded(report=False) as status:
        served = dict(os.environ)
        alone = {**served, "PLANSAFE_PRELOAD": "0"}
        for name, cmd in COMMANDS.items():
            times: dict[str, list[float]] = {"alone": [], "preload": []}
            codes = set()
            for _ in range(args.n):
                for label, env in (("alone", alone), ("preload", served)):
                    seconds, code = _time(cmd, env)
                    times[label].append(seconds)
                    codes.add(code)
            a, p = statistics.median(times["alone"]), statistics.median(times["preload"])
            row = {"alone_median_s": round(a, 3), "preload_median_s": round(p, 3),
                   "ratio": round(a / p, 2), "exit_codes": sorted(codes),
                   "alone_s": [round(t, 3) for t in times["alone"]],
                   "preload_s": [round(t, 3) for t in times["preload"]]}
            out["commands"][name] = row  # type: ignore[index]
            print(json.dumps({name: row}), flush=True)
        info = status()
        out["server"] = {k: info.get(k) for k in ("served", "refused", "last_refusal",
                                                   "import_seconds")}
    print(json.dumps(out["server"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
