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
    # --quick: skipped (0 s); the report's goal-phrasings section reads goals instead
    "plain-language goals": ("benchmarks.goal_read", ["--quick"], [], 0, 900, True),
    "llm planner, decoding overhead, PlanBench": (
        "benchmarks.llm_plan", [], ["--quick"], 0, 1500, True),
}
LLM = "llm planner, decoding overhead, PlanBench"
# benchmarks.llm_plan measures decoding speed on every run, which alone takes minutes on two
# cores: --quick folds in its last recorded run instead (said so in the report)
LLM_RECORDED = ROOT / "build" / "bench" / "llm_plan.json"


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
        entry["summary"] = summarize(module, entry)
        if "data" in entry:
            entry["data"] = compact(entry["data"])
        return entry


def compact(data: Any, depth: int = 0) -> Any:
    """A benchmark's JSON without long per-problem lists (the report stays small)."""
    if isinstance(data, dict):
        return {k: compact(v, depth + 1) for k, v in data.items() if depth < 4}
    if isinstance(data, list):
        return [compact(v, depth + 1) for v in data] if len(data) <= 12 else \
            f"({len(data)} items left out)"
    return data


def _f(x: Any, fmt: str = "{:.3g}") -> str:
    return fmt.format(x) if isinstance(x, (int, float)) else "?"


def summarize(module: str, entry: dict[str, Any]) -> str:
    """One line of the numbers that matter, per benchmark."""
    data = entry.get("data") or {}
    try:
        if module == "benchmarks.validate":
            return "; ".join(f"{r['steps']} steps: ours {_f(r['ours_warm_ms'])} ms warm / "
                             f"{_f(r['ours_cold_ms'])} ms cold vs unified-planning "
                             f"{_f(r['up_ms'])} ms ({_f(r['speedup_warm'], '{:.0f}')}x)"
                             for r in data["rows"])
        if module == "benchmarks.plan":
            return "; ".join(f"{r['problem']}: plansafe plan {_f(r['plansafe_s'])} s vs Fast "
                             f"Downward driver {_f(r['fast_downward_s'])} s"
                             for r in data["rows"])
        if module == "benchmarks.z3_check":
            rows = [ln for ln in entry.get("text", "").splitlines() if ln.startswith("| ")
                    and "---" not in ln][1:]
            return "; ".join(" ".join(c.strip() for c in ln.strip("|").split("|")[:5])
                             for ln in rows)
        if module == "benchmarks.goal_read":
            return "; ".join(f"{k}: {data[k]['n']} goals, {data[k]['exact']} read exactly, "
                             f"{data[k]['refused']} refused, {data[k]['misread']} misread"
                             for k in data if isinstance(data[k], dict) and "exact" in data[k])
        if module == "benchmarks.llm_plan":
            sets = "; ".join(f"{k}: raw {_f(v.get('raw_validity'), '{:.0%}')}, final "
                             f"{_f(v.get('final_validity'), '{:.0%}')}"
                             for k, v in data.get("sets", {}).items())
            dec = data.get("decoding", {})
            return (sets + f"; grammar decoding overhead {_f(dec.get('overhead'), '{:.0%}')} "
                    "per token (" + ", ".join(f"{m} {_f(t)} tok/s" for m, t in
                                              dec.get("tokens_per_s", {}).items()) + ")")
    except (KeyError, TypeError) as e:
        return f"(unexpected output shape: {e})"
    nums = _numbers(data)
    return ", ".join(nums[:10]) if nums else (entry.get("text", "").splitlines() or [""])[0][:200]


def _recorded_llm() -> dict[str, Any]:
    if not LLM_RECORDED.is_file():
        return {"error": "skipped in --quick (its decoding measurement alone takes minutes on "
                         "two cores) and no earlier run recorded in build/bench/llm_plan.json; "
                         "run plansafe bench without --quick"}
    import datetime as dt

    when = dt.datetime.fromtimestamp(LLM_RECORDED.stat().st_mtime, dt.UTC)
    try:
        data = json.loads(LLM_RECORDED.read_text())
    except (OSError, json.JSONDecodeError) as e:
        return {"error": f"unreadable {LLM_RECORDED}: {e}"}
    entry = {"command": "python -m benchmarks.llm_plan (recorded run)", "data": data,
             "recorded": when.isoformat(timespec="minutes"), "remeasured": False}
    entry["summary"] = (f"not re-measured in --quick: last recorded run "
                        f"({when:%Y-%m-%d %H:%M} UTC): " + summarize("benchmarks.llm_plan", entry))
    entry["data"] = compact(data)
    return entry


def scorecard(*, quick: bool, only: list[str] | None = None,
              log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (module, qargs, fargs, tq, tf, wants_json) in BENCHMARKS.items():
        if only is not None and name not in only:
            continue
        log(f"scorecard: {name} ({module})")
        if name == LLM and quick:
            out[name] = _recorded_llm()
            continue
        if quick and not tq:
            out[name] = {"error": "skipped in --quick (the goal-phrasings section of this "
                                  "report reads goals outside the training templates); run "
                                  "plansafe bench without --quick"}
            continue
        try:
            out[name] = _run_one(module, qargs if quick else fargs, tq if quick else tf,
                                 wants_json)
        except Exception as e:  # noqa: BLE001 - recorded, never fatal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
        log(f"scorecard: {name}: " + (out[name].get("error") or
                                      f"done in {out[name].get('wall_s')} s"))
    return out
