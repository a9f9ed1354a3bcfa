"""Parent and child runs. A sub-workflow step's child run has the id ``<parent run>.<step>``
(engine/adapters/workflow.py) and lives in the parent's journal; these links are read from
the journal's run ids, each checked to be a run there."""

from __future__ import annotations

from engine.journal import Journal
from engine.results import RunLink
from engine.runstate import RunState

__all__ = ["run_links", "parent_id"]


def parent_id(run_id: str) -> str | None:
    """The parent's id a child run's id names (None for a run that is no child's)."""
    parent, dot, step = run_id.rpartition(".")
    return parent if dot and parent and step else None


def _link(journal: Journal, run_id: str, step: str | None) -> RunLink:
    return RunLink(run_id, RunState.fold(run_id, journal.events(run_id)).status, step)


def run_links(journal: Journal, run_id: str) -> tuple[RunLink | None, tuple[RunLink, ...]]:
    """The run's parent (when its id names one that is in the journal) and its child runs
    (direct ones, in the order they started)."""
    runs = journal.runs()
    known = set(runs)
    pid = parent_id(run_id)
    parent = _link(journal, pid, None) if pid is not None and pid in known else None
    children = tuple(_link(journal, r, r[len(run_id) + 1:]) for r in runs
                     if parent_id(r) == run_id)
    return parent, children
