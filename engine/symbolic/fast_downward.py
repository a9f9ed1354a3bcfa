"""Run the Fast Downward driver shipped in the up-fast-downward package on PDDL text."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from verifier.errors import PlansafeError

__all__ = ["driver_path", "run_fast_downward", "COST_SEARCH"]

# Fast Downward's driver exit codes (driver/returncodes.py)
_STATUS = {0: "solved", 1: "solved", 10: "unsolvable-proven", 11: "unsolvable-proven",
           12: "unsolvable-incompletely", 22: "error", 23: "timeout", 24: "error"}

#: with action costs (memory of past runs): lama-first ignores costs, so an eager weighted
#: A* (w=2) with the cost-aware FF heuristic and its preferred operators is used instead
#: (the lazy variant of LAMA's later iterations took a 1-step route of cost 829 over a
#: 2-step one of cost 228 in the memory scenario: lazy search evaluates late)
COST_SEARCH = "let(hff, ff(), eager_wastar([hff],preferred=[hff],w=2))"


def driver_path() -> Path:
    """The driver script, found without importing ``up_fast_downward`` (its ``__init__``
    imports unified-planning, about 2 s)."""
    spec = importlib.util.find_spec("up_fast_downward")
    if spec is None or not spec.submodule_search_locations:
        raise PlansafeError("Fast Downward is not installed (pip install up-fast-downward)")
    return Path(list(spec.submodule_search_locations)[0], "downward", "fast-downward.py")


def run_fast_downward(domain_pddl: str, problem_pddl: str, *, timeout_s: float,
                      alias: str = "lama-first", search: str | None = None
                      ) -> tuple[str, list[tuple[str, ...]], str]:
    """``(status, plan as lists of words, log tail)``; the driver runs in a temp directory
    and its whole process group is killed at the deadline. ``search``: a search
    configuration (``--search``) instead of the ``alias``."""
    with tempfile.TemporaryDirectory(prefix="plansafe-fd-") as tmp:
        d, p, plan = Path(tmp, "domain.pddl"), Path(tmp, "problem.pddl"), Path(tmp, "sas_plan")
        d.write_text(domain_pddl)
        p.write_text(problem_pddl)
        config = ["--alias", alias] if search is None else []
        cmd = [sys.executable, str(driver_path()), "--plan-file", str(plan), *config,
               str(d), str(p), *(["--search", search] if search is not None else [])]
        proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return "timeout", [], f"no plan within {timeout_s:g} s"
        status = _STATUS.get(proc.returncode, "error")
        if status != "solved" or not plan.exists():
            tail = out[-600:] if status == "error" else ""
            return (status if status != "solved" else "error"), [], tail
        steps = []
        for line in plan.read_text().splitlines():
            line = line.strip()
            if line.startswith("(") and line.endswith(")"):
                steps.append(tuple(line[1:-1].split()))
        return "solved", steps, ""
