"""The onboarding pack: one loadable tool per action, and the hooks."""

from __future__ import annotations

from engine.tools import ToolSet, load_callable
from verifier.spec import load_spec


def test_every_action_has_a_loadable_tool_and_hooks(specs_dir) -> None:  # noqa: ANN001
    spec = load_spec(specs_dir / "onboarding")
    assert set(spec.tools) == set(spec.domain.actions)
    for ref in spec.tools.values():
        fn = load_callable(ref)
        assert callable(fn) and getattr(fn, "timeout_s", None)
    assert ToolSet(spec.tools).can_observe
