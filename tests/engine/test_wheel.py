"""The wheel installs and runs: ``pip wheel`` of a copy of the source tree, installed with
--no-deps into a fresh virtual environment that reuses this environment's packages (a .pth
file, so no download), then ``plansafe check specs/devops`` from outside the repository."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", ".venv", "build", "dist", ".plansafe", ".pytest_cache", ".hypothesis",
        "__pycache__", "results", "node_modules"}


def _copy_source(dst: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP or n.endswith((".egg-info", ".sqlite"))}

    shutil.copytree(ROOT, dst, ignore=ignore)


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_checks_a_spec(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _copy_source(src)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(dist)], check=True, timeout=300)
    (wheel,) = dist.glob("plansafe-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"engine/py.typed", "verifier/py.typed", "domains/py.typed"} <= set(names)
    assert any(n.endswith("licenses/LICENSE") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True, check=True
                          ).stdout.strip()
    # reuse this environment's installed dependencies (not its editable plansafe: a .pth
    # line adds a folder, the .pth files inside that folder are not read)
    Path(site, "reuse-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, timeout=300)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run([str(py), "-c", "import engine, verifier; print(engine.__file__)"],
                           capture_output=True, text=True, check=True, cwd=outside)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # the wheel, not the repo
    proc = subprocess.run([str(venv / "bin" / "plansafe"), "check", str(ROOT / "specs" / "devops"),
                           "--problem", "p01", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=outside)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["status"] == "ok" and report["spec"] == "devops", report
