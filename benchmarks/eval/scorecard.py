"""The earlier benchmarks folded into one scorecard, each run as its own process.

Validation speed (``benchmarks.validate``), planning wall time (``benchmarks.plan``), the Z3
checker (``benchmarks.z3_check``), runtime overhead (``benchmarks.runtime``) and the Planner
agent with decoding overhead and PlanBench validity (``benchmarks.llm_plan``). A benchmark
that fails or runs out of time is recorded with its error; the scorecard never crashes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["device", "scorecard", "BENCHMARKS"]

ROOT = Path(__file__).resolve().parents[2]

# name -> (module, quick args, full args, timeout quick s, timeout full s, writes --json)
BENCHMARKS: dict[str, tuple[str, list[str], list[str], float, float, bool]] = {
    "validation speed": ("benchmarks.validate", [], [], 90, 300, True),
    "planning wall time": ("benchmarks.plan", ["--runs", "1"], ["--runs", "3"], 90, 600, True),
    "z3 checker": ("benchmarks.z3_check", ["--quick"], [], 90, 600, False),
    "runtime overhead": ("benchmarks.runtime", ["--quick"], [], 90, 600, True),
    "llm planner, decoding overhead, PlanBench": (
        "benchmarks.llm_plan", ["--n", "2", "--planbench", "5", "--k", "2", "--rounds", "2",
                                "--specs", "blocksworld,devops"],
        ["--quick"], 150, 1200, True),
}


def device() -> dict[str, Any]:
    """The machine: CPU model and cores, and the CUDA device when torch sees one."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out: dict[str, Any] = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform(), "cuda": None}
    try:
        import torch

        if torch.cuda.is_available():
            out["cuda"] = torch.cuda.get_device_name(0)
        out["torch"] = torch.__version__
    except Exception:  # noqa: BLE001 - torch absent or broken: no CUDA
        pass
    out["summary"] = f"{cpu}, {out['cores']} cores" + (f", CUDA {out['cuda']}" if out["cuda"]
                                                        else ", no CUDA")
    return out


def _numbers(data: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """A few ``key=value`` numbers from a benchmark's JSON, for the one-line summary."""
    out: list[str] = []
    if isinstance(data, dict) and depth < 3:
        for k, v in data.items():
            if isinstance(v, bool):
                continue
            if isinstance(v, (int, float)):
                out.append(f"{prefix}{k}={v:.4g}" if isinstance(v, float) else f"{prefix}{k}={v}")
            elif isinstance(v, dict):
                out += _numbers(v, f"{prefix}{k}.", depth + 1)
    return out


def _run_one(module: str, args: list[str], timeout_s: float, wants_json: bool
             ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="plansafe-score-") as tmp:
        out_json = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", module, *args] + (["--json", str(out_json)]
                                                       if wants_json else [])
        t0 = time.perf_counter()
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        try:
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                               timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            return {"command": " ".join(cmd[1:]), "error": f"timed out after {timeout_s:.0f} s",
                    "wall_s": round(time.perf_counter() - t0, 1)}
        wall = round(time.perf_counter() - t0, 1)
        entry: dict[str, Any] = {"command": " ".join(["python", *cmd[1:]]).replace(
            str(out_json), "FILE"), "rc": p.returncode, "wall_s": wall}
        if p.returncode != 0:
            tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
            entry["error"] = f"exit {p.returncode}: " + " / ".join(tail)[-400:]
            return entry
        if wants_json and out_json.is_file():
            try:
                entry["data"] = json.loads(out_json.read_text())
            except json.JSONDecodeError as e:
                entry["error"] = f"unreadable JSON: {e}"
        else:
            entry["text"] = p.stdout.strip()[-4000:]
        nums = _numbers(entry.get("data"))
        entry["summary"] = (", ".join(nums[:10]) if nums else
                            (entry.get("text", "").splitlines() or [""])[0][:200])
        return entry


def scorecard(*, quick: bool, only: list[str] | None = None,
              log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (module, qargs, fargs, tq, tf, wants_json) in BENCHMARKS.items():
        if only is not None and name not in only:
            continue
        log(f"scorecard: {name} ({module})")
        try:
            out[name] = _run_one(module, qargs if quick else fargs, tq if quick else tf,
                                 wants_json)
        except Exception as e:  # noqa: BLE001 - recorded, never fatal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
        log(f"scorecard: {name}: " + (out[name].get("error") or
                                      f"done in {out[name].get('wall_s')} s"))
    return out
