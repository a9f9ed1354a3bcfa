"""Planning overhead: the ``plansafe plan`` command against Fast Downward's own driver.

Both run as fresh processes on the same IPC problems (median of several runs each):
``plansafe plan DOMAIN PROBLEM --json`` and ``python fast-downward.py --alias lama-first
DOMAIN PROBLEM``, the driver and search configuration that unified-planning's Fast Downward
engine uses by default (up_fast_downward: ``--alias lama-first``, ``--log-level info``).
``--profile`` adds where the time of one ``plansafe plan`` goes: imports (``python -X
importtime``) and the phases of planning in a fresh process.

    python -m benchmarks.plan [--runs 3] [--json FILE] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = (  # domain folder, problem file
    ("blocks", "probBLOCKS-9-0.pddl"),
    ("logistics00", "problogistics-7-0.pddl"),
    ("depot", "pfile4.pddl"),
    ("rovers", "p05.pddl"),
    ("miconic-simpleadl", "s4-0.pddl"),
    ("elevators-opt08", "p05.pddl"),
    ("barman-opt14", "p536.1.pddl"),
)
TARGET_RATIO = 1.5


def data_dir() -> Path | None:
    """``$PLANSAFE_DATA`` or ``../shared/data`` next to the repository, as the tests find it."""
    path = Path(os.environ.get("PLANSAFE_DATA", ROOT.parent / "shared" / "data"))
    return path if path.is_dir() else None


def fast_downward_driver() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("up_fast_downward")
    if spec is None or spec.origin is None:
        raise SystemExit("up_fast_downward is not installed")
    return Path(spec.origin).parent / "downward" / "fast-downward.py"


def plansafe_command() -> list[str]:
    exe = Path(sys.executable).parent / "plansafe"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "engine.cli"]


def domain_file(root: Path, folder: str, problem: str) -> Path:
    manifest = json.loads((root / "ipc" / "manifest.json").read_text(encoding="utf-8"))
    pair = next(p for p in manifest["domains"][folder]["pairs"] if p["problem"] == problem)
    return root / "ipc" / folder / pair["domain"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - start, proc


def plan_length_fd(plan_file: Path) -> int:
    lines = plan_file.read_text().splitlines() if plan_file.exists() else []
    return sum(1 for line in lines if line.startswith("("))


def run(root: Path, runs: int) -> list[dict[str, Any]]:
    driver = fast_downward_driver()
    rows = []
    for folder, problem in PROBLEMS:
        dom, prob = domain_file(root, folder, problem), root / "ipc" / folder / problem
        ours, fd = [], []
        ours_len = fd_len = 0
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:  # FD writes output.sas into its cwd
                t, proc = timed([*plansafe_command(), "plan", str(dom), str(prob), "--json"],
                                Path(tmp))
                if proc.returncode != 0:
                    raise SystemExit(f"plansafe plan failed on {folder}/{problem}:\n"
                                     f"{proc.stdout[-800:]}{proc.stderr[-800:]}")
                ours.append(t)
                ours_len = len(json.loads(proc.stdout)["steps"])
            with tempfile.TemporaryDirectory() as tmp:
                plan_file = Path(tmp) / "plan.txt"
                t, proc = timed([sys.executable, str(driver), "--plan-file", str(plan_file),
                                 "--log-level", "info", "--alias", "lama-first", str(dom),
                                 str(prob)], Path(tmp))
                if proc.returncode != 0:
                    raise SystemExit(f"fast-downward failed on {folder}/{problem}:\n"
                                     f"{proc.stdout[-800:]}{proc.stderr[-800:]}")
                fd.append(t)
                fd_len = plan_length_fd(plan_file)
        rows.append({"problem": f"{folder}/{Path(problem).stem}",
                     "plansafe_s": statistics.median(ours), "fast_downward_s":
                     statistics.median(fd), "ratio": statistics.median(ours) /
                     statistics.median(fd), "plansafe_runs_s": ours, "fast_downward_runs_s": fd,
                     "plansafe_steps": ours_len, "fast_downward_steps": fd_len})
    return rows


# --- profile -----------------------------------------------------------------------------------

_PHASES = r"""
import sys, time
t0 = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter()))
import engine.cli, engine.commands; mark("import engine.cli (typer, rich)")
from verifier.spec import load_spec, load_problem
from engine.symbolic.planning import solve
mark("import verifier (spec, planning)")
spec = load_spec(sys.argv[1]); problem = load_problem(spec, sys.argv[2])
mark("read PDDL (native reader)")
t = time.perf_counter()
result = solve(problem, policies=spec.policies, access=spec.access, describe=spec.describe)
assert result.status == "solved", result.message
marks.append(("engine: Fast Downward driver", t + result.seconds))
mark("verify the plan")
prev = t0
for name, t in marks:
    print(f"{name}\t{t - prev:.4f}")
    prev = t
"""


def profile(root: Path) -> dict[str, Any]:
    folder, problem = PROBLEMS[0]
    dom, prob = domain_file(root, folder, problem), root / "ipc" / folder / problem
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine.cli", "plan",
                               str(dom), str(prob), "--json"], cwd=tmp, capture_output=True,
                              text=True, timeout=300)
    top: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = line.partition(":")[2].split("|")
        if not name.startswith("  "):  # a top-level import: nested ones are indented more
            root_pkg = name.strip().split(".")[0]
            top[root_pkg] = top.get(root_pkg, 0.0) + int(cumulative_us) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        phases = subprocess.run([sys.executable, "-c", _PHASES, str(dom), str(prob)],
                                cwd=tmp, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        total = time.perf_counter() - start
    if phases.returncode != 0:
        raise SystemExit(phases.stderr[-1500:])
    parts = {n: float(s) for n, s in (ln.split("\t") for ln in phases.stdout.splitlines())}
    parts["interpreter start-up and exit"] = total - sum(parts.values())
    return {"problem": f"{folder}/{problem}",
            "imports_s": dict(sorted(top.items(), key=lambda kv: -kv[1])[:8]),
            "phases_s": parts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per problem (median)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the numbers here")
    parser.add_argument("--profile", action="store_true", help="where the time goes")
    args = parser.parse_args(argv)
    root = data_dir()
    if root is None:
        print(f"benchmark data not found at {ROOT.parent / 'shared' / 'data'}: set "
              "PLANSAFE_DATA to the folder that holds ipc/", file=sys.stderr)
        return 2
    if shutil.which("plansafe") is None and not (Path(sys.executable).parent / "plansafe"
                                                  ).exists():
        print("note: no plansafe script on PATH; running python -m engine.cli", file=sys.stderr)
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False, width=max(Console().width, 110))
    rows = run(root, args.runs)
    table = Table(title=f"plansafe plan vs Fast Downward's driver (lama-first), median of "
                  f"{args.runs} fresh processes")
    for col in ("problem", "plansafe plan", "fast-downward.py", "ratio", "steps (ours/FD)"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(r["problem"], f"{r['plansafe_s']:.2f} s", f"{r['fast_downward_s']:.2f} s",
                      f"{r['ratio']:.2f}x", f"{r['plansafe_steps']}/{r['fast_downward_steps']}")
    out.print(table)
    worst = max(r["ratio"] for r in rows)
    out.print(f"target <= {TARGET_RATIO}x: {'met' if worst <= TARGET_RATIO else 'MISSED'} "
              f"(worst {worst:.2f}x, median {statistics.median(r['ratio'] for r in rows):.2f}x)")
    report: dict[str, Any] = {"runs": args.runs, "rows": rows}
    if args.profile:
        prof = profile(root)
        report["profile"] = prof
        t = Table(title=f"one plansafe plan, {prof['problem']}: phases in a fresh process")
        t.add_column("phase")
        t.add_column("seconds", justify="right")
        for name, s in prof["phases_s"].items():
            t.add_row(name, f"{s:.3f}")
        out.print(t)
        t = Table(title="imports by top-level package (python -X importtime, cumulative)")
        t.add_column("package")
        t.add_column("seconds", justify="right")
        for name, s in prof["imports_s"].items():
            t.add_row(name, f"{s:.3f}")
        out.print(t)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
