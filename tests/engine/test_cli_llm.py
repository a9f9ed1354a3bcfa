"""``plansafe plan --planner llm|auto`` and ``--goal`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.llm import DEFAULT_MODEL_DIR

ROOT = Path(__file__).resolve().parents[2]
DEVOPS = ROOT / "specs" / "devops"
runner = CliRunner()

needs_model = pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "model.safetensors").is_file(),
                                 reason="the embedded model is not built")


def run(*args: str):  # noqa: ANN201
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def test_unknown_planner_is_bad_input():
    r = run("plan", DEVOPS, "p01", "--planner", "oracle", "--json")
    assert r.exit_code == 2 and "unknown planner" in json.loads(r.output)["error"]


def test_unknown_decoding_is_bad_input():
    r = run("plan", DEVOPS, "p01", "--planner", "auto", "--decoding", "beam", "--json")
    assert r.exit_code == 2 and "unknown decoding 'beam'" in json.loads(r.output)["error"]


@needs_model
def test_guided_decoding_from_the_command_line(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    r = run("plan", DEVOPS, "p01", "--planner", "auto", "--decoding", "guided", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "solved" and out["agent"]["walks"]
    assert out["agent"]["decoding"] == "guided"
    assert set(out["agent"]["walks"]) <= {"valid", "dead-end", "step-limit"}


@needs_model
@pytest.mark.parametrize("decoding", [None, "applicable", "grammar"])
def test_decodings_from_the_command_line(tmp_path, monkeypatch, decoding):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    extra = ("--decoding", decoding) if decoding else ()
    r = run("plan", DEVOPS, "p01", "--planner", "auto", *extra, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "solved"
    assert out["agent"]["decoding"] == (decoding or "state-aware")
    assert out["agent"]["beams"] == 16


@needs_model
def test_greedy_first_proposal_from_the_command_line(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    r = run("plan", DEVOPS, "p01", "--planner", "llm", "--beams", "1", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "solved" and out["agent"]["beams"] == 1


def test_zero_beams_is_bad_input():
    r = run("plan", DEVOPS, "p01", "--planner", "auto", "--beams", "0", "--json")
    assert r.exit_code == 2 and "beams must be at least 1" in json.loads(r.output)["error"]


def test_pddl_goal_with_symbolic_planner_needs_no_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("plan", DEVOPS, "--goal", "(and (deployed api staging))", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["goal"] == "(and (deployed api staging))" and out["goal_source"] == "pddl"
    assert out["provenance"]["source"] == "symbolic"


def test_missing_model_folder_is_bad_input(tmp_path):
    r = run("plan", DEVOPS, "p01", "--planner", "llm", "--model", tmp_path, "--json")
    assert r.exit_code == 2 and "no model checkpoint" in json.loads(r.output)["error"]


@needs_model
def test_plain_goal_auto_planner(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    r = run("plan", DEVOPS, "--goal", "ship the api to production", "--planner", "auto",
            "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["goal"] == "(and (deployed api prod))"
    assert out["provenance"]["source"] in ("llm", "llm-repaired", "symbolic")
    assert out["agent"]["unparseable"] == 0
    assert {"action": "deploy", "args": ["api", "prod"]}.items() <= next(
        s for s in out["steps"] if s["action"] == "deploy" and s["args"] == ["api", "prod"]).items()


@needs_model
def test_unmappable_goal_is_refused(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    r = run("plan", DEVOPS, "p01", "--goal", "deploy payroll to production", "--json")
    assert r.exit_code == 2
    assert "cannot map the goal" in json.loads(r.output)["error"]


@needs_model
def test_plain_goal_default_planner_prints_goal_plan_and_provenance(tmp_path, monkeypatch):
    """The issue's example, as a user types it: no --planner, no --json, offline."""
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = run("plan", DEVOPS, "--goal", "ship the api to production")
    assert r.exit_code == 0, r.output
    assert "goal: (and (deployed api prod))" in r.output
    assert "verified plan" in r.output and "(deploy api prod)" in r.output
    assert "provenance: symbolic" in r.output


def test_train_bad_options_are_bad_input(tmp_path):
    r = run("train", "--out", tmp_path / "m", "--suffixes", "-1")
    assert r.exit_code == 2 and "--suffixes must be 0 or more" in r.output
    r = run("train", "--out", tmp_path / "m", "--goal-examples", "-2")
    assert r.exit_code == 2 and "--goal-examples must be 0 or more" in r.output
    r = run("train", "--out", tmp_path / "m", "--detours", "-1")
    assert r.exit_code == 2 and "--detours must be 0 or more" in r.output
    r = run("train", "--out", tmp_path / "m", "--size", "huge")
    assert r.exit_code == 2 and "unknown size 'huge'" in r.output
    r = run("train", "--out", tmp_path / "m", "--init", tmp_path / "nowhere")
    assert r.exit_code == 2 and "not a checkpoint folder" in r.output
    r = run("train", "--out", tmp_path / "m", "--lr", "0")
    assert r.exit_code == 2 and "--lr must be positive" in r.output
    for bad in ("robotics", "robotics=many", "mars=10", "robotics=-5"):
        r = run("train", "--out", tmp_path / "m", "--count", bad)
        assert r.exit_code == 2 and f"--count '{bad}': use SPEC=N" in r.output, r.output
    assert not (tmp_path / "m").exists()  # refused before any work
