"""benchmarks/scale.py on a tiny configuration: every run completes, the numbers are there."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.runtime import _spec_dir
from benchmarks.scale import one, soak, spec_dir


def test_scale_one_worker_on_sqlite(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PLANSAFE_KEY_DIR", str(tmp_path / "keys"))
    row = one("sqlite", str(tmp_path / "j.sqlite"), _spec_dir(tmp_path), 2, 1, seed=3)
    assert row["completed"] == 2 and row["steps"] == row["planned_steps"] >= 20
    assert row["chain_ok"] and row["step_p50_ms"] > 0 and row["runs_per_s"] > 0


@pytest.mark.slow
def test_scale_soak_kills_workers_mid_run_and_loses_no_step(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A short kill -9 soak on PostgreSQL: workers killed while they hold a run's lease."""
    from engine.pg_local import LocalPostgres, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    monkeypatch.setenv("PLANSAFE_KEY_DIR", str(tmp_path / "keys"))
    with LocalPostgres.start() as pg:
        row = soak(pg.create_database("soak"), spec_dir(tmp_path), 20, 3, 5, 0.7, seed=1)
    assert row["kills"] == 5 and row["completed"] == 20 and row["chain_ok"]
    assert row["steps"] == row["planned_steps"]
    assert row["steps_lost"] == 0 and row["steps_repeated"] == 0
    assert row["taken_over"] >= 1  # at least one kill landed in the middle of a run
