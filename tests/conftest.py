"""Shared test fixtures: the external data folder, the built-in specs, slow/GPU markers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
DATA = Path(os.environ.get("PLANSAFE_DATA", ROOT.parent / "shared" / "data"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--runslow") or os.environ.get("PLANSAFE_SLOW") == "1"
    gpu_items = [item for item in items if "gpu" in item.keywords]
    # torch (seconds to import) only when a gpu-marked test was collected
    has_cuda = _has_cuda() if gpu_items else False
    for item in items:
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with --runslow or PLANSAFE_SLOW=1"))
    for item in gpu_items:
        if not has_cuda:
            item.add_marker(pytest.mark.skip(reason="needs CUDA"))


def _has_cuda() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # torch absent or broken: no GPU tests
        return False


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` (IPC domains, PlanBench); tests that need it skip when it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"external test data not found at {DATA} (set PLANSAFE_DATA)")
    return DATA


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
