"""One verdict everywhere: ``Engine.verify`` and ``plansafe validate`` agree on every plan file
stored in specs/, examples/ and tests/ (``<spec>/plans/<problem>-*.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.api import Engine
from engine.cli import app
from verifier.plan_io import read_plan
from verifier.verify import Verification

ROOT = Path(__file__).resolve().parents[2]
PLANS = sorted(p for folder in ("specs", "examples", "tests")
               for p in (ROOT / folder).glob("**/plans/*.json"))


def test_there_are_stored_plans_to_compare() -> None:
    assert len(PLANS) >= 5
    assert any(not read_plan(p).is_sequential for p in PLANS)  # a partial-order plan too


@pytest.mark.parametrize("plan_file", PLANS, ids=lambda p: str(p.relative_to(ROOT)))
def test_api_and_cli_agree(plan_file: Path, tmp_path: Path) -> None:
    spec_dir = plan_file.parent.parent
    problem = plan_file.stem.split("-")[0]
    result = CliRunner().invoke(app, ["validate", str(spec_dir), problem, str(plan_file),
                                      "--json"])
    cli = json.loads(result.stdout)
    engine = Engine.from_spec(spec_dir, journal=tmp_path / "j.sqlite")
    try:
        api = engine.verify(read_plan(plan_file), problem)
    finally:
        engine.close()
    assert isinstance(api, Verification)
    assert api.status == cli["status"], (api.verdict, cli)
    assert result.exit_code == (0 if api.valid else 1)
    assert sorted((v.kind, v.rule, v.step) for v in api.verdict.violations) == \
        sorted((v["kind"], v["rule"], v["step"]) for v in cli["violations"])
    if api.valid:
        assert api.certificate is not None and cli["certificate"] is not None
        assert api.certificate.id == cli["certificate"]["id"]  # one certificate id
    else:
        assert api.certificate is None and cli["certificate"] is None


def test_a_partial_order_plan_is_valid_in_every_schedule_through_the_api(tmp_path: Path
                                                                         ) -> None:
    """The issue's case: the API said 'unknown' ('this check simulated one of them')."""
    engine = Engine.from_spec(ROOT / "specs" / "onboarding", journal=tmp_path / "j.sqlite")
    try:
        out = engine.verify(read_plan(ROOT / "specs/onboarding/plans/p01-ordered.json"), "p01")
    finally:
        engine.close()
    assert out.status == "valid" and out.certificate is not None
    assert "every-schedule" in out.verdict.checks
