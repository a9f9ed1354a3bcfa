"""Plansafe's agents and runtime: planner, executor, monitor, LLM backends, journal, API, CLI."""

from typing import Any

__all__: list[str] = ["Engine", "RunResult"]


def __getattr__(name: str) -> Any:  # lazy, so that the command line starts fast
    if name in ("Engine", "RunResult"):
        from engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
