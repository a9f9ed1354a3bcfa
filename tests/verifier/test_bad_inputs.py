"""Every bad input a clean SpecError with file:line:col (issue 27, items 2, 5, 6, 7, 7b, 9)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from verifier.errors import PlansafeError, SpecError
from verifier.plan_io import parse_plan
from verifier.sexpr import MAX_DEPTH, read_sexprs
from verifier.spec import load_problem, load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "devops"
    shutil.copytree(ROOT / "specs" / "devops", folder)
    return folder


def _spec_error(folder: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return info.value


def _append(folder: Path, text: str) -> None:
    p = folder / "spec.yaml"
    p.write_text(p.read_text() + text)


def test_a_duplicate_key_is_refused_where_it_is(spec_dir: Path) -> None:
    lines = (spec_dir / "spec.yaml").read_text().count("\n")
    _append(spec_dir, "policies: []\n")
    e = _spec_error(spec_dir)
    assert "duplicate key 'policies'" in str(e) and e.line == lines + 1 and e.col == 1


@pytest.mark.parametrize("text, what", [
    ("extra: !foo bar\n", "tag '!foo'"),
    ("extra: !!python/object:os.system ls\n", "tag"),
    ("? [a, b]\n: c\n", "mapping key must be a plain string"),
    ("base: &b {x: 1}\nother: *b\n", "aliases"),
    ('summary2: "\\ud800"\n', "lone surrogate"),
])
def test_strict_yaml(spec_dir: Path, text: str, what: str) -> None:
    _append(spec_dir, text)
    e = _spec_error(spec_dir)
    assert what in str(e) and e.line is not None and e.line > 1


def test_encoding_and_control_characters(spec_dir: Path) -> None:
    p = spec_dir / "spec.yaml"
    good = p.read_bytes()
    p.write_bytes(good + b"summary: caf\xe9\n")
    e = _spec_error(spec_dir)
    assert "not UTF-8" in str(e) and e.line == good.count(b"\n") + 1 and e.col == 13
    p.write_bytes(good.replace(b"name: devops", b"name: dev\x00ops"))
    e = _spec_error(spec_dir)
    assert "control character U+0000" in str(e) and (e.line, e.col) == (1, 10)


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deep_yaml(spec_dir: Path, depth: int) -> None:
    _append(spec_dir, "deep: " + "[" * depth + "]" * depth + "\n")
    assert "nested deeper" in str(_spec_error(spec_dir))


def test_deep_block_yaml(spec_dir: Path) -> None:
    _append(spec_dir, "".join(" " * (2 * i) + f"k{i}:\n" for i in range(200)))
    assert "nested deeper" in str(_spec_error(spec_dir))


def test_deep_pddl_and_plans() -> None:
    with pytest.raises(SpecError, match=f"deeper than {MAX_DEPTH}"):
        read_sexprs("(" * 10_000 + ")" * 10_000)
    with pytest.raises(SpecError, match="JSON nested deeper"):
        parse_plan('{"steps": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(SpecError, match="invalid JSON"):
        parse_plan('{"steps": [{"id": ' + "9" * 100_000 + ', "action": "a", "args": []}]}')
    with pytest.raises(SpecError, match="'5' is not a plan"):
        parse_plan("5")


def test_paths_stay_in_the_spec_folder(spec_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = spec_dir / "spec.yaml"
    text = p.read_text()
    p.write_text(text.replace("domain: domain.pddl", "domain: ../../../etc/passwd"))
    e = _spec_error(spec_dir)
    assert "outside the spec folder" in str(e) and e.line == 3
    p.write_text(text.replace("domain: domain.pddl", "domain: /dev/zero"))
    assert "outside the spec folder" in str(_spec_error(spec_dir))
    monkeypatch.setenv("PLANSAFE_ALLOW_OUTSIDE_SPEC", "1")  # the user's explicit choice
    t0 = time.perf_counter()
    assert "not a regular file" in str(_spec_error(spec_dir))
    assert time.perf_counter() - t0 < 5
    monkeypatch.delenv("PLANSAFE_ALLOW_OUTSIDE_SPEC")
    p.write_text(text.replace("problems: problems", "problems: domain.pddl"))
    assert "is not a folder" in str(_spec_error(spec_dir))
    p.write_text(text.replace("problems: problems", "problems: /tmp"))
    assert "outside the spec folder" in str(_spec_error(spec_dir))


def test_a_problem_for_another_domain_or_with_negative_init_is_refused(spec_dir: Path) -> None:
    spec = load_spec(spec_dir)
    src = (spec_dir / "problems" / "p01.pddl").read_text()
    other = spec_dir / "problems" / "other.pddl"
    other.write_text(src.replace("(:domain devops)", "(:domain blocksworld)"))
    with pytest.raises(SpecError, match="for domain 'blocksworld', not 'devops'"):
        load_problem(spec, other)
    neg = spec_dir / "problems" / "neg.pddl"
    neg.write_text(src.replace("(:init", "(:init (not (built api))", 1))
    with pytest.raises(SpecError, match=r"\(not \.\.\.\) in :init") as info:
        load_problem(spec, neg)
    assert info.value.line is not None


def test_grounding_has_a_default_bound_naming_it(spec_dir: Path) -> None:
    from verifier.grounding import Task

    task = Task(load_problem(load_spec(spec_dir), "p01"))
    assert task.check_grounding_size() == task.grounding_size() > 0
    with pytest.raises(PlansafeError, match="over the limit of 3 .*PLANSAFE_MAX_GROUND_ACTIONS"):
        task.check_grounding_size(3)


def test_reading_is_linear() -> None:
    """Positions come from a bisection over line starts: 4x the text, not 16x the time."""
    def seconds(n: int) -> float:
        text = "".join(f"({i}: (deploy web prod))\n" for i in range(n))
        t0 = time.perf_counter()
        nodes = read_sexprs(text)
        assert nodes[-1].line == n
        return time.perf_counter() - t0
    small, big = min(seconds(2000) for _ in range(2)), min(seconds(8000) for _ in range(2))
    assert big < 10 * small + 0.05, (small, big)
