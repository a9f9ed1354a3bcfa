"""Components found through package entry points, so that engine never imports the layer
above it: ``plansafe bench`` finds the evaluation harness (``benchmarks``) in the
``plansafe.bench`` group of ``pyproject.toml``::

    [project.entry-points."plansafe.bench"]
    run = "benchmarks.eval.run:bench"
"""

from __future__ import annotations

from importlib.metadata import entry_points

from verifier.errors import PlansafeError

__all__ = ["entry_point"]


def entry_point(group: str, name: str) -> object:
    """The object entry point ``name`` of ``group`` names, loaded (its module imported)."""
    found = entry_points(group=group)
    for ep in found:
        if ep.name == name:
            return ep.load()
    known = ", ".join(sorted(ep.name for ep in found)) or "none"
    raise PlansafeError(f"no entry point '{name}' in group '{group}' (known: {known}); "
                        "is plansafe installed with its metadata (pip install -e .)?")
