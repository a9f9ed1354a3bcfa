"""A certificate binds the exact spec files, problem file and plan: any change breaks it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.plan_commands import validate_plan
from verifier.certificate import Certificate, certificate_matches
from verifier.plan_io import read_plan
from verifier.spec import load_problem, load_spec
from verifier.validate import Checker

ROOT = Path(__file__).resolve().parents[2]
ONBOARDING = ROOT / "specs" / "onboarding"


@pytest.fixture()
def certified(tmp_path):
    root = tmp_path / "onboarding"
    shutil.copytree(ONBOARDING, root)
    plan_file = root / "plans" / "p01-ordered.json"
    out = validate_plan(root, "p01", str(plan_file)).to_json()
    assert out["status"] == "valid"
    cert_file = tmp_path / "cert.json"
    cert_file.write_text(json.dumps(out))
    return root, plan_file, cert_file, Certificate.from_json(out["certificate"])


def _matches(root: Path, plan_file: Path, cert: Certificate) -> bool:
    spec = load_spec(root)
    problem = load_problem(spec, "p01")
    plan = Checker(problem, access=spec.access).check(read_plan(plan_file)).plan
    return certificate_matches(cert, spec_files=spec.files(), problem_file=Path(problem.path),
                               plan=plan)


def _flip(path: Path, index: int) -> None:
    data = bytearray(path.read_bytes())
    data[index % len(data)] = (data[index % len(data)] + 1) % 128 or 65
    path.write_bytes(bytes(data))


def test_untouched_files_match(certified):
    root, plan_file, _, cert = certified
    assert _matches(root, plan_file, cert)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("c") / "onboarding"
    shutil.copytree(ONBOARDING, root)
    out = validate_plan(root, "p01", str(root / "plans" / "p01-ordered.json")).to_json()
    spec = load_spec(root)
    plan = Checker(load_problem(spec, "p01"), access=spec.access).check(
        read_plan(root / "plans" / "p01-ordered.json")).plan
    files = dict(spec_files=spec.files(), problem_file=root / "problems" / "p01.pddl",
                 plan=plan)
    return root, Certificate.from_json(out["certificate"]), files


@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(["spec.yaml", "domain.pddl", "problems/p01.pddl"]),
       index=st.integers(min_value=0))
def test_one_byte_in_spec_or_problem_breaks_it(pristine, which, index):
    root, cert, files = pristine
    assert certificate_matches(cert, **files)
    before = (root / which).read_bytes()
    try:
        _flip(root / which, index)  # any byte, comments and whitespace included
        assert not certificate_matches(cert, **files)
    finally:
        (root / which).write_bytes(before)


@pytest.mark.parametrize("old,new", [("alice", "alicf"), ("create-account", "create-accounu"),
                                     ('"after": ["check"]', '"after": []'),
                                     ('"id": "wiki"', '"id": "wikj"')])
def test_changing_the_plan_breaks_it(certified, old, new):
    root, plan_file, _, cert = certified
    text = plan_file.read_text()
    assert old in text
    plan_file.write_text(text.replace(old, new, 1))
    assert not _matches(root, plan_file, cert)


def test_cli_certificate_check(certified):
    root, plan_file, cert_file, _ = certified
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(root), "p01", str(plan_file),
                             "--certificate", str(cert_file)])
    assert ok.exit_code == 0, ok.output
    assert "matches" in ok.output
    _flip(root / "problems" / "p01.pddl", 3)
    bad = runner.invoke(app, ["validate", str(root), "p01", str(plan_file),
                              "--certificate", str(cert_file), "--json"])
    assert bad.exit_code == 1, bad.output
    assert json.loads(bad.stdout)["certificate_check"]["matches"] is False
    missing = runner.invoke(app, ["validate", str(root), "p01", str(plan_file),
                                  "--certificate", str(root / "nope.json")])
    assert missing.exit_code == 2
