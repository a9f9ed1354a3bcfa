"""Code trust (issue 27): a spec's tools and a ``--planner module:callable`` load only when
trusted (engine/trust.py), and certificates record each tool's source digest, so ``run --plan
--certificate`` and ``resume`` refuse code that changed since certification."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.run_commands import resume_run, run_workflow
from engine.trust import Trust, UntrustedCode, read_trust_file, spec_digest
from verifier.errors import PlansafeError
from verifier.spec import load_spec
from verifier.tool_digest import ToolCodeChanged, tool_sources

ROOT = Path(__file__).resolve().parents[2]
HOSPITAL = ROOT / "examples" / "hospital"


@pytest.fixture(autouse=True)
def no_trust_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "trust.toml"  # not written: no trust beyond the defaults
    monkeypatch.setenv("PLANSAFE_TRUST", str(path))
    return path


@pytest.fixture
def ward(tmp_path: Path) -> Path:
    """examples/hospital copied outside Plansafe's folders: its med_tools.py is foreign."""
    d = tmp_path / "ward"
    shutil.copytree(HOSPITAL, d, ignore=shutil.ignore_patterns("__pycache__", ".plansafe*"))
    return d


def _run(spec: Path, journal: Path, **kw: object) -> dict[str, object]:
    args: dict[str, object] = {"problem": "p02", "goal": None, "journal": journal,
                               "faults": "none", "approve_all": False, "concurrency": 4,
                               "max_replans": 5, "plan_file": None, "certificate_file": None,
                               "progress": False}
    args.update(kw)
    return run_workflow(spec, **args).to_json()  # type: ignore[arg-type]


def test_the_built_in_specs_and_packages_are_trusted_by_default() -> None:
    trust = Trust.load()
    for folder in [*sorted((ROOT / "specs").iterdir()), HOSPITAL]:
        if (folder / "spec.yaml").is_file():
            assert trust.untrusted(load_spec(folder)) == [], folder
    devops = load_spec(ROOT / "specs" / "devops")
    assert trust.untrusted(devops, planner="tests.engine.planners:bfs_planner") == []
    assert [c.name for c in trust.untrusted(devops, planner="json:loads")] == ["json"]


def test_a_foreign_tool_module_is_refused_until_trusted(ward: Path, tmp_path: Path) -> None:
    with pytest.raises(UntrustedCode) as e:
        _run(ward, tmp_path / "j.sqlite")
    message = str(e.value)
    assert "tool for 'administer' is code that is not trusted: med_tools" in message
    assert "--trust-spec" in message and "trust.toml" in message
    assert spec_digest(load_spec(ward)) in message
    assert not (tmp_path / "j.sqlite").exists()  # refused before anything was opened or run
    done = _run(ward, tmp_path / "j.sqlite", trust_spec=True, approve_all=True)
    assert done["status"] == "completed"


def test_the_trust_file_trusts_modules_folders_and_spec_digests(
        ward: Path, no_trust_file: Path) -> None:
    spec = load_spec(ward)
    for line in ('modules = ["med_tools"]', f'folders = ["{ward.parent}"]',
                 f'specs = ["{spec_digest(spec)}"]'):
        no_trust_file.write_text(line + "\n")
        assert Trust.load().untrusted(spec) == [], line
    tools = ward / "med_tools.py"
    tools.write_text(tools.read_text() + "\n# edited\n")  # the digest no longer matches
    assert Trust.load().untrusted(load_spec(ward))
    no_trust_file.write_text("modulez = []\n")
    with pytest.raises(PlansafeError, match="unknown key 'modulez'"):
        read_trust_file()


def test_shell_tools_and_planners_are_code_too(tmp_path: Path) -> None:
    spec_dir = tmp_path / "kv"
    (spec_dir / "problems").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "blocksworld" / "domain.pddl", spec_dir / "domain.pddl")
    (spec_dir / "spec.yaml").write_text(
        "name: blocks\ntools:\n  stack:\n    adapter: shell\n    command: [echo, '{0}']\n")
    spec = load_spec(spec_dir)
    assert [c.name for c in Trust.load().untrusted(spec)] == ["adapter: shell"]
    assert Trust.load(trust_spec=True).untrusted(spec) == []
    (spec_dir / "my_planner.py").write_text("def plan(*a, **k):\n    return None\n")
    assert Trust.load().untrusted(spec, planner="my_planner:plan", tools=False)
    assert Trust.load(trust_spec=True).untrusted(spec, planner="my_planner:plan") == []


def test_plan_refuses_an_untrusted_planner(ward: Path) -> None:
    from engine.plan_commands import make_plan

    (ward / "my_planner.py").write_text("raise SystemExit('imported!')\n")
    with pytest.raises(UntrustedCode, match="planner is code that is not trusted: my_planner"):
        make_plan(ward, "p02", goal=None, planner="my_planner:plan", engine="fast-downward",
                  timeout_s=10)


def _certified(ward: Path, tmp_path: Path) -> tuple[Path, Path]:
    from verifier.plan_io import read_plan
    from verifier.spec import load_problem
    from verifier.verify import verify

    spec = load_spec(ward)
    plan_file = ward / "plans" / "p02-good.json"
    v = verify(spec, load_problem(spec, "p02"), read_plan(plan_file))
    assert v.certificate is not None
    assert dict(v.certificate.tool_sources) == dict(tool_sources(spec))
    assert v.certificate.to_json()["tool_sources"]["administer"].startswith("sha256:")
    cert = tmp_path / "cert.json"
    cert.write_text(json.dumps({"certificate": v.certificate.to_json()}))
    return plan_file, cert


def test_run_with_a_certificate_refuses_changed_tool_code(ward: Path, tmp_path: Path) -> None:
    plan_file, cert = _certified(ward, tmp_path)
    ok = _run(ward, tmp_path / "a.sqlite", trust_spec=True, approve_all=True,
              plan_file=plan_file, certificate_file=cert)
    assert ok["status"] == "completed"
    tools = ward / "med_tools.py"
    tools.write_text(tools.read_text() + "\n# a change after certification\n")
    with pytest.raises(ToolCodeChanged, match=r"administer \(med_tools:administer\).*changed "
                       "since the plan was certified"):
        _run(ward, tmp_path / "b.sqlite", trust_spec=True, approve_all=True,
             plan_file=plan_file, certificate_file=cert)


def test_resume_goes_on_under_the_starters_trust_and_refuses_changed_code(
        ward: Path, tmp_path: Path) -> None:
    from engine.run_commands import approve_step

    journal = tmp_path / "j.sqlite"
    first = _run(ward, journal, trust_spec=True)
    assert first["status"] == "waiting-approval"
    run_id, step = str(first["run"]), first["waiting"][0]  # type: ignore[index]
    approve_step(run_id, step, journal=journal, reject=False, by="nina", reason="")
    tools = ward / "med_tools.py"
    original = tools.read_text()
    tools.write_text(original + "\n# edited while the run waited\n")
    with pytest.raises(ToolCodeChanged, match="administer"):
        resume_run(run_id, journal=journal, progress=False)
    tools.write_text(original)
    assert resume_run(run_id, journal=journal, progress=False).status == "completed"


def test_resume_of_a_run_started_without_trust_needs_it(ward: Path, tmp_path: Path) -> None:
    from engine.api import Engine

    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(ward, journal=journal)  # the Python API: its caller runs code
    try:
        r = eng.run("p02", faults="none")
        eng.approve(r.run_id, r.waiting[0], by="nina")
    finally:
        eng.close()
    with pytest.raises(UntrustedCode):
        resume_run(r.run_id, journal=journal, progress=False)
    assert resume_run(r.run_id, journal=journal, progress=False,
                      trust_spec=True).status == "completed"


def test_the_cli_exits_2_for_untrusted_code_and_for_a_changed_tool(ward: Path,
                                                                   tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    runner = CliRunner()
    journal = str(tmp_path / "j.sqlite")
    base = ["run", str(ward), "p02", "--journal", journal, "--faults", "none", "--json"]
    refused = runner.invoke(app, base)
    assert refused.exit_code == 2, refused.output
    assert "not trusted: med_tools" in json.loads(refused.output)["error"]
    plan_file, cert = _certified(ward, tmp_path)
    certified = [*base, "--plan", str(plan_file), "--certificate", str(cert), "--trust-spec",
                 "--approve-all"]
    ok = runner.invoke(app, certified)
    assert ok.exit_code == 0, ok.output
    tools = ward / "med_tools.py"
    tools.write_text(tools.read_text() + "\n# changed\n")
    changed = runner.invoke(app, certified)
    assert changed.exit_code == 2, changed.output
    assert "administer (med_tools:administer)" in json.loads(changed.output)["error"]
    assert "Traceback" not in changed.output


def test_plansafe_trust_shows_the_code_and_add_trusts_the_spec(ward: Path,
                                                                no_trust_file: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["trust", str(ward), "--json"])
    assert shown.exit_code == 1, shown.output
    data = json.loads(shown.output)
    assert data["untrusted"][0]["code"] == "med_tools"
    assert data["tools"][0]["source"].startswith("sha256:")
    added = runner.invoke(app, ["trust", str(ward), "--add"])
    assert added.exit_code == 0, added.output
    assert data["digest"] in no_trust_file.read_text()
    assert Trust.load().untrusted(load_spec(ward)) == []


def test_a_worker_goes_on_under_the_starters_trust_and_refuses_without_it(
        ward: Path, tmp_path: Path) -> None:
    from engine.api import Engine
    from engine.journal import open_journal
    from engine.run_commands import approve_step
    from engine.worker import Worker

    journal = tmp_path / "j.sqlite"
    trusted = _run(ward, journal, trust_spec=True)
    eng = Engine.from_spec(ward, journal=journal)  # the API records no trust
    try:
        untrusted = eng.run("p02", faults="none")
    finally:
        eng.close()
    for run_id, step in ((str(trusted["run"]), trusted["waiting"][0]),  # type: ignore[index]
                         (untrusted.run_id, untrusted.waiting[0])):
        approve_step(run_id, step, journal=journal, reject=False, by="nina", reason="")
    j = open_journal(journal)
    try:
        report = Worker(j, poll_s=0.02).run(idle_exit_s=0.5, max_runs=2)
    finally:
        j.close()
    done = {r.run_id: r for r in report.runs}
    assert done[str(trusted["run"])].status == "completed"
    assert done[untrusted.run_id].status == "error"
    assert "not trusted: med_tools" in done[untrusted.run_id].message
