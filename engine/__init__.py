"""Plansafe's agents and runtime: planner, executor, monitor, LLM backends, journal, API, CLI."""

__all__: list[str] = []
