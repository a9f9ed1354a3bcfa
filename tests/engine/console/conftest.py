"""A real run waiting for approval in a temporary journal, and users who may sign in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.console.auth import token_digest

SPECS = Path(__file__).resolve().parents[3] / "specs"

USERS = {"alice": ("alice-token-7f3e9a", ["lead"]), "bob": ("bob-token-51c2d8", ["ci"])}


@dataclass(frozen=True)
class WaitingRun:
    journal: Path
    users: Path
    run_id: str


@pytest.fixture(scope="session")
def _waiting_template(tmp_path_factory: pytest.TempPathFactory) -> WaitingRun:
    """specs/devops p02, run by the symbolic planner, waiting for approval of s5
    ``(deploy api prod)`` (its agent ``lead`` may approve; ``ci`` may not); made once."""
    from engine.api import Engine

    folder = tmp_path_factory.mktemp("waiting")
    journal = folder / "journal.sqlite"
    eng = Engine.from_spec(SPECS / "devops", journal=journal)
    try:
        result = eng.run("p02")
    finally:
        eng.close()
    assert result.status == "waiting-approval" and result.waiting == ("s5",)
    users = folder / "users.json"
    users.write_text(json.dumps({"users": {name: {"token_sha256": token_digest(tok),
                                                  "roles": roles}
                                           for name, (tok, roles) in USERS.items()}}))
    return WaitingRun(journal, users, result.run_id)


@pytest.fixture
def waiting_run(_waiting_template: WaitingRun, tmp_path: Path) -> WaitingRun:
    """A fresh copy of the waiting run's folder (journal, its key and head, the world)."""
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(_waiting_template.journal.parent, folder)
    return WaitingRun(folder / "journal.sqlite", folder / "users.json",
                      _waiting_template.run_id)
