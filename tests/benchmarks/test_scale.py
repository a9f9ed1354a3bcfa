"""benchmarks/scale.py on a tiny configuration: every run completes, the numbers are there."""

from __future__ import annotations

from pathlib import Path

from benchmarks.runtime import _spec_dir
from benchmarks.scale import one


def test_scale_one_worker_on_sqlite(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PLANSAFE_KEY_DIR", str(tmp_path / "keys"))
    row = one("sqlite", str(tmp_path / "j.sqlite"), _spec_dir(tmp_path), 2, 1, seed=3)
    assert row["completed"] == 2 and row["steps"] == row["planned_steps"] >= 20
    assert row["chain_ok"] and row["step_p50_ms"] > 0 and row["runs_per_s"] > 0
