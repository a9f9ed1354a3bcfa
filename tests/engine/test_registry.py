"""The registries: lazy ``module:attribute`` targets, and an unknown name is a clear error
that lists the known names (with a did-you-mean)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine.registry import Registry
from verifier.errors import PlansafeError


def _registries() -> list[tuple[str, Registry[object], str]]:
    from engine.journal import JOURNALS
    from engine.llm.backends import MODEL_BACKENDS
    from engine.llm.decodings import DECODINGS
    from engine.packs import DOMAIN_PACKS
    from engine.planners import PLANNERS
    from engine.tools import TOOL_ADAPTERS

    return [("planner", PLANNERS, "fast-downward"),  # type: ignore[list-item]
            ("decoding", DECODINGS, "state-aware"),
            ("model backend", MODEL_BACKENDS, "transformers"),
            ("domain pack", DOMAIN_PACKS, "devops"),
            ("tool adapter", TOOL_ADAPTERS, "python"),
            ("journal backend", JOURNALS, "sqlite")]


@pytest.mark.parametrize("kind", [r[0] for r in _registries()])
def test_unknown_name_lists_the_known_ones(kind: str) -> None:
    _, registry, known = next(r for r in _registries() if r[0] == kind)
    assert known in registry.names()
    with pytest.raises(PlansafeError) as e:
        registry.get(known[:-1] + "x")  # one letter off
    message = str(e.value)
    assert message.startswith(f"unknown {kind} '{known[:-1]}x'")
    assert f"did you mean '{known}'?" in message
    for name in registry.names():
        assert name in message


def test_known_names_resolve() -> None:
    from engine.llm.decodings import DECODINGS, Decoding
    from engine.packs import DOMAIN_PACKS
    from engine.planners import PLANNERS

    for name in PLANNERS.names():
        assert callable(PLANNERS.get(name))
    for name in DECODINGS.names():
        assert issubclass(DECODINGS.get(name), Decoding)
    for name in DOMAIN_PACKS.names():
        assert DOMAIN_PACKS.get(name).name == name


def test_string_targets_are_imported_lazily_and_once() -> None:
    reg: Registry[object] = Registry("thing", {"d": "tests.engine._lazy_target:VALUE"})
    sys.modules.pop("tests.engine._lazy_target", None)
    reg.register("e", 42)
    assert "tests.engine._lazy_target" not in sys.modules
    with pytest.raises(PlansafeError, match="cannot import module"):
        reg.get("d")
    assert reg.get("e") == 42
    with pytest.raises(PlansafeError, match="already registered"):
        reg.register("e", 43)
    reg.register("e", 43, replace=True)
    assert reg.get("e") == 43 and reg.names() == ("d", "e") and "d" in reg


def test_planner_registry_builds_with_settings() -> None:
    from engine.planners import FastDownwardPlanner, PlannerSettings, make_planner
    from verifier.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[2] / "specs" / "devops")
    planner = make_planner(spec, "fast-downward", PlannerSettings(engine="pyperplan"))
    assert isinstance(planner, FastDownwardPlanner)
    assert planner.engine_name == "fast-downward"  # the registered name fixes the engine
    symbolic = make_planner(spec, "symbolic", engine="pyperplan")
    assert getattr(symbolic, "engine_name", None) == "pyperplan"
    with pytest.raises(PlansafeError, match="unknown decoding 'beam'"):
        make_planner(spec, "llm", decoding="beam")


def test_journal_backend_by_url(tmp_path: Path) -> None:
    from engine.journal import MemoryJournal, open_journal
    from engine.journal_sqlite import SQLiteJournal

    assert isinstance(open_journal(None), MemoryJournal)
    assert isinstance(open_journal("memory:"), MemoryJournal)
    j = open_journal(f"sqlite://{tmp_path / 'j.sqlite'}")
    assert isinstance(j, SQLiteJournal) and (tmp_path / "j.sqlite").exists()
    j.close()
    with pytest.raises(PlansafeError, match=r"unknown journal backend 'mongodb' \(known: "):
        open_journal("mongodb://localhost/x")


def test_tool_adapter_by_scheme() -> None:
    from engine.tools import TOOL_ADAPTERS, tool_from_binding

    fn = tool_from_binding("domains.devops.tools:build")
    assert callable(fn)
    seen: list[str] = []

    def fake(binding: str):  # noqa: ANN202
        seen.append(binding)
        return lambda ctx, *args: None

    TOOL_ADAPTERS.register("fake", fake)
    try:
        assert callable(tool_from_binding("fake:anything/at all"))
        assert seen == ["fake:anything/at all"]  # the adapter gets the whole binding
    finally:
        TOOL_ADAPTERS.unregister("fake")
    assert "fake" not in TOOL_ADAPTERS


def test_domain_pack_of_a_spec_without_one_is_empty() -> None:
    from engine.packs import pack_for

    pack = pack_for("no-such-spec")
    assert pack.name == "no-such-spec" and pack.phrasing is None and not pack.aliases
    assert pack_for("documents").absent_names == tuple(f"inv{i}" for i in range(1, 12))
