"""Fixtures for the runtime tests: engines on the built-in specs with a fast exact planner."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engine.journal import Journal
from engine.runstate import RunState
from tests.engine.planners import bfs_planner


@pytest.fixture(scope="session")
def devops_spec(specs_dir: Path) -> Any:
    from verifier.spec import load_spec

    return load_spec(specs_dir / "devops")


@pytest.fixture
def make_engine(devops_spec: Any, tmp_path: Path):  # noqa: ANN201
    from engine.api import Engine

    made: list[Any] = []

    def make(spec: Any = None, **kw: Any) -> Any:
        kw.setdefault("journal", tmp_path / "journal.sqlite")
        kw.setdefault("planner", bfs_planner)
        e = Engine(spec or devops_spec, **kw)
        made.append(e)
        return e

    yield make
    for e in made:
        e.close()


def step_runs(journal: Journal, run_id: str) -> Counter[str]:
    """How often each step produced a result that counts as having acted."""
    return Counter(e.payload["step"] for e in journal.events(run_id, kinds=("step-result",))
                   if e.payload["status"] in ("ok", "mismatch"))


def applied_counts(world_path: str | None, run_id: str) -> Counter[str]:
    """How often the simulated world applied each step (the ground truth)."""
    from domains.world import world_store

    return Counter(step for step, _key, _call in world_store(world_path).applied(run_id))


def fold(journal: Journal, run_id: str) -> RunState:
    return RunState.fold(run_id, journal.events(run_id))


# --- a throwaway PostgreSQL server (engine.pg_local) for the postgresql:// journal ------------


@pytest.fixture(scope="session")
def pg_server():  # noqa: ANN201
    """initdb + pg_ctl in a temp folder (as an unprivileged user when root), stopped at the
    end; skipped only when the PostgreSQL binaries are not installed."""
    from engine.pg_local import LocalPostgres, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: the "
                    "postgresql journal is not tested (Debian: apt-get install postgresql)")
    pg = LocalPostgres.start()
    yield pg
    pg.stop()


_PG_DBS = iter(range(1, 10**6))


@pytest.fixture
def pg_url(pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database on the session's server (its chain key under ``tmp_path``)."""
    monkeypatch.setenv("PLANSAFE_KEY_DIR", str(tmp_path / "keys"))
    return str(pg_server.create_database(f"t{os.getpid()}_{next(_PG_DBS)}"))
