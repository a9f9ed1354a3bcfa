"""Named, lazily imported components, in the style of unified-planning's engine factory.

A :class:`Registry` maps a name to a target: an object, or a ``"module:attribute"`` string
imported on first use (so that ``plansafe validate`` never imports torch to learn that a
``llm`` planner exists). Adding a backend is one class and one ``register`` line::

    PLANNERS.register("my-planner", "my_pack.planning:MyPlanner")

An unknown name is a :class:`~verifier.errors.PlansafeError` that lists the known names and
suggests the closest one.

The registries (see docs/ARCHITECTURE.md):

==================  ======================================  =================================
registry            module                                  a target is
==================  ======================================  =================================
planners            ``engine.planners.PLANNERS``            a :class:`engine.planners.Planner`
                                                            class, built ``cls(spec, settings)``
decodings           ``engine.llm.decodings.DECODINGS``      a :class:`Decoding` class
model backends      ``engine.llm.backends.MODEL_BACKENDS``  ``factory(model_dir, device=)``
domain packs        ``engine.packs.DOMAIN_PACKS``           a :class:`domains.base.DomainPack`
tool adapters       ``engine.tools.TOOL_ADAPTERS``          a :class:`engine.tools.ToolAdapter`
journal backends    ``engine.journal.JOURNALS``             a :class:`engine.journal.Journal`
                                                            class with ``open(target, ...)``
==================  ======================================  =================================
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar, cast

from verifier.errors import PlansafeError

__all__ = ["Registry", "load_ref"]

T = TypeVar("T")


def load_ref(ref: str, *, what: str = "component") -> object:
    """The object a ``"module:attribute"`` string names (``attribute`` may be dotted)."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise PlansafeError(f"{what} '{ref}' must be 'module:attribute'")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as e:
        raise PlansafeError(f"cannot import module '{module_name}' for {what} '{ref}': {e}"
                            ) from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise PlansafeError(f"{what} '{ref}': module '{module_name}' has no '{attr}'")
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Names to components of one kind (``kind`` is used in error messages)."""

    def __init__(self, kind: str, entries: Mapping[str, str | T] | None = None) -> None:
        self.kind = kind
        self._targets: dict[str, str | T] = dict(entries or {})
        self._loaded: dict[str, T] = {}

    def register(self, name: str, target: str | T, *, replace: bool = False) -> None:
        """Add ``name``; ``target`` is the component or its ``"module:attribute"`` string."""
        if not name:
            raise PlansafeError(f"a {self.kind} needs a name")
        if name in self._targets and not replace:
            raise PlansafeError(f"{self.kind} '{name}' is already registered (pass "
                                "replace=True to replace it)")
        self._targets[name] = target
        self._loaded.pop(name, None)

    def unregister(self, name: str) -> None:
        """Remove ``name`` (an unknown name is an error listing the known ones)."""
        if name not in self._targets:
            raise self.unknown(name)
        del self._targets[name]
        self._loaded.pop(name, None)

    def get(self, name: str) -> T:
        """The component called ``name`` (imported now if it was given as a string)."""
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._targets:
            raise self.unknown(name)
        target = self._targets[name]
        obj = cast(T, load_ref(target, what=f"{self.kind} '{name}'")
                   if isinstance(target, str) else target)
        self._loaded[name] = obj
        return obj

    def unknown(self, name: str) -> PlansafeError:
        """The error for a name this registry does not have."""
        close = difflib.get_close_matches(name, list(self._targets), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return PlansafeError(f"unknown {self.kind} '{name}' ({hint}known: "
                             f"{', '.join(self.names()) or 'none'})")

    def names(self) -> tuple[str, ...]:
        return tuple(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._targets)})"
