"""Fuzzing the inputs (issue 27): malformed spec.yaml, PDDL and plans, by the mutation classes
the attack passes found. Every designed-bad input is a PlansafeError (exit 2 at the CLI) with a
message; a random mutation either reads or is such an error; nothing raises anything else
(RecursionError, MemoryError, UnicodeError, ValueError ...) and nothing runs past its bound.

A few hundred cases by default (seeded, well under a minute); thousands under ``--runslow``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from verifier.errors import PlansafeError, SpecError
from verifier.plan_io import parse_plan
from verifier.spec import load_problem, load_spec

ROOT = Path(__file__).resolve().parents[1]
DEVOPS = ROOT / "specs" / "devops"
BOUND_S = 10.0  # no single input may take longer than this

SPEC_TEXT = (DEVOPS / "spec.yaml").read_bytes()
DOMAIN_TEXT = (DEVOPS / "domain.pddl").read_bytes()
PROBLEM_TEXT = (DEVOPS / "problems" / "p01.pddl").read_bytes()

# designed-bad mutations: (name, function of the original bytes -> bad bytes)
SPEC_BAD = [
    ("duplicate-key", lambda b: b + b"\npolicies: []\n"),
    ("unknown-tag", lambda b: b + b"\nextra: !foo bar\n"),
    ("python-tag", lambda b: b + b"\nextra: !!python/object/apply:os.system [ls]\n"),
    ("complex-key", lambda b: b + b"\n? [a, b]\n: c\n"),
    ("alias", lambda b: b + b"\nx: &a [1]\ny: *a\n"),
    ("non-utf8", lambda b: b.replace(b"devops", b"dev\xffops", 1)),
    ("nul", lambda b: b.replace(b"devops", b"dev\x00ops", 1)),
    ("control", lambda b: b.replace(b"devops", b"dev\x1bops", 1)),
    ("surrogate", lambda b: b.replace(b"name: devops", b'name: "\\ud800"', 1)),
    ("deep-flow", lambda b: b + b"\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    ("deep-map", lambda b: b + b"\nx: " + b"{a: " * 3000 + b"1" + b"}" * 3000 + b"\n"),
    ("domain-escape", lambda b: b.replace(b"domain: domain.pddl", b"domain: ../../etc/passwd")),
    ("domain-device", lambda b: b.replace(b"domain: domain.pddl", b"domain: /dev/zero")),
    ("problems-file", lambda b: b.replace(b"problems: problems", b"problems: domain.pddl")),
    ("not-a-mapping", lambda b: b"- just\n- a list\n"),
    ("bad-yaml", lambda b: b + b"\n  : : [\n"),
]
PDDL_BAD = [
    ("deep", lambda b: b"(define (domain d) " + b"(" * 5000 + b")" * 5000 + b")"),
    ("unclosed", lambda b: b[: len(b) // 2]),
    ("non-utf8", lambda b: b.replace(b"define", b"def\xc3\x28ine", 1)),
    ("nul", lambda b: b.replace(b"define", b"def\x00ine", 1)),
    ("extra-close", lambda b: b + b")"),
]
PROBLEM_BAD = [
    ("other-domain", lambda b: b.replace(b"(:domain devops)", b"(:domain blocksworld)")),
    ("negative-init", lambda b: b.replace(b"(:init", b"(:init (not (built api))", 1)),
    ("deep-goal", lambda b: b.replace(b"(:goal", b"(:goal " + b"(and " * 3000
                                      + b")" * 3000, 1)),
]
PLAN_BAD = [
    "5", "null", '"x"', "[" * 10_000, '{"steps": ' + "[" * 10_000 + "]" * 10_000 + "}",
    '{"steps": [{"id": ' + "9" * 100_000 + ', "action": "build", "args": ["api"]}]}',
    '{"steps": [{"action": 5, "args": []}]}', "(build", ")", "(" * 10_000 + ")" * 10_000,
    '{"steps": [{"action": "build", "args": ["api"], "after": ["nope"]}]}',
]

N = 60  # examples per randomised test by default (a few hundred cases in all)
SLOW_N = 1500


def _timed(fn: Any, *args: Any) -> BaseException | None:
    t0 = time.perf_counter()
    try:
        fn(*args)
        err = None
    except PlansafeError as e:
        assert str(e).strip(), "an error without a message"
        err = e
    assert time.perf_counter() - t0 < BOUND_S, f"over {BOUND_S} s"
    return err


def _spec_folder(tmp: Path, spec: bytes | None = None, domain: bytes | None = None,
                 problem: bytes | None = None) -> Path:
    folder = tmp / "spec"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(DEVOPS, folder)
    if spec is not None:
        (folder / "spec.yaml").write_bytes(spec)
    if domain is not None:
        (folder / "domain.pddl").write_bytes(domain)
    if problem is not None:
        (folder / "problems" / "p01.pddl").write_bytes(problem)
    return folder


@pytest.mark.parametrize("name, mutate", SPEC_BAD, ids=[n for n, _ in SPEC_BAD])
def test_bad_specs_are_refused(tmp_path: Path, name: str, mutate: Any) -> None:
    err = _timed(load_spec, _spec_folder(tmp_path, spec=mutate(SPEC_TEXT)))
    assert isinstance(err, SpecError), name
    assert "spec.yaml" in str(err) or "domain" in str(err)


@pytest.mark.parametrize("name, mutate", PDDL_BAD, ids=[n for n, _ in PDDL_BAD])
def test_bad_domains_are_refused(tmp_path: Path, name: str, mutate: Any) -> None:
    assert isinstance(_timed(load_spec, _spec_folder(tmp_path, domain=mutate(DOMAIN_TEXT))),
                      SpecError), name


@pytest.mark.parametrize("name, mutate", PROBLEM_BAD, ids=[n for n, _ in PROBLEM_BAD])
def test_bad_problems_are_refused(tmp_path: Path, name: str, mutate: Any) -> None:
    spec = load_spec(_spec_folder(tmp_path, problem=mutate(PROBLEM_TEXT)))
    assert isinstance(_timed(load_problem, spec, "p01"), SpecError), name


@pytest.mark.parametrize("text", PLAN_BAD, ids=range(len(PLAN_BAD)))
def test_bad_plans_are_refused(text: str) -> None:
    assert isinstance(_timed(parse_plan, text), SpecError)


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """Random byte-level mutations: flips, inserts (control bytes, brackets, quotes,
    non-UTF-8), deletions, truncations and duplicated slices."""
    specials = st.sampled_from([b"\x00", b"\xff", b"\xc3", b"(", b")", b"[", b"]", b"{",
                                b"}", b":", b'"', b"'", b"!", b"&a", b"*a", b"\n", b"\t",
                                b"- ", b"? ", b"%YAML 1.1\n", b"\x1b", b"\\ud800"])
    op = st.tuples(st.sampled_from(["insert", "delete", "truncate", "repeat", "flip"]),
                   st.integers(0, max(0, len(data) - 1)), st.integers(1, 40), specials)

    @st.composite
    def build(draw: Any) -> bytes:
        b = bytearray(data)
        for kind, at, size, piece in draw(st.lists(op, min_size=1, max_size=4)):
            at = min(at, len(b))
            if kind == "insert":
                b[at:at] = piece
            elif kind == "delete":
                del b[at:at + size]
            elif kind == "truncate":
                del b[at:]
            elif kind == "repeat":
                b[at:at] = b[at:at + size] * 3
            elif at < len(b):
                b[at] ^= 1 << (size % 8)
        return bytes(b)
    return build()


def _fuzz_settings(n: int) -> Any:
    return settings(max_examples=n, deadline=None, database=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


def _random_spec(tmp_path: Path, n: int) -> None:
    @seed(27)
    @_fuzz_settings(n)
    @given(_mutations(SPEC_TEXT))
    def run(data: bytes) -> None:
        _timed(load_spec, _spec_folder(tmp_path, spec=data))
    run()


def _random_pddl(tmp_path: Path, n: int) -> None:
    folder = _spec_folder(tmp_path)

    @seed(2727)
    @_fuzz_settings(n)
    @given(_mutations(DOMAIN_TEXT), st.booleans())
    def run(data: bytes, as_problem: bool) -> None:
        if as_problem:
            (folder / "problems" / "x.pddl").write_bytes(
                data if data.startswith(b"(define (problem") else PROBLEM_TEXT[:40] + data)
            spec = load_spec(DEVOPS)
            _timed(load_problem, spec, folder / "problems" / "x.pddl")
        else:
            (folder / "domain.pddl").write_bytes(data)
            _timed(load_spec, folder)
    run()


def _random_plans(n: int) -> None:
    good = (b'{"steps": [{"id": "s1", "action": "build", "args": ["api"]}, '
            b'{"id": "s2", "action": "test", "args": ["api"], "after": ["s1"]}]}')

    @seed(272727)
    @_fuzz_settings(n)
    @given(_mutations(good))
    def run(data: bytes) -> None:
        _timed(parse_plan, data.decode("utf-8", errors="replace"))
    run()


def test_random_spec_mutations(tmp_path: Path) -> None:
    _random_spec(tmp_path, N)


def test_random_pddl_mutations(tmp_path: Path) -> None:
    _random_pddl(tmp_path, N)


def test_random_plan_mutations() -> None:
    _random_plans(3 * N)


@pytest.mark.slow
def test_many_random_mutations(tmp_path: Path) -> None:
    _random_spec(tmp_path, SLOW_N)
    _random_pddl(tmp_path, SLOW_N)
    _random_plans(SLOW_N)


def test_the_cli_says_exit_2_without_a_traceback(tmp_path: Path) -> None:
    """A sample through the real CLI, in process: exit 2, a message, no traceback."""
    from typer.testing import CliRunner

    from engine.cli import app

    runner = CliRunner()
    for name, mutate in SPEC_BAD[:10]:
        folder = _spec_folder(tmp_path, spec=mutate(SPEC_TEXT))
        t0 = time.perf_counter()
        res = runner.invoke(app, ["check", str(folder)])
        assert time.perf_counter() - t0 < BOUND_S
        out = res.output + (res.stderr if res.stderr_bytes is not None else "")
        assert res.exit_code == 2, (name, out, res.exception)
        assert "Traceback" not in out and "spec.yaml:" in out, (name, out)
    plan = tmp_path / "plan.txt"
    plan.write_text("5")
    res = runner.invoke(app, ["validate", str(DEVOPS), "p01", str(plan)])
    assert res.exit_code == 2 and "not a plan" in res.output + (res.stderr or ""), res.output
