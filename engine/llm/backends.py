"""The model-backend registry: where the Planner's language model runs.

A backend implements :class:`engine.llm.backend.ModelBackend` (``generate`` under a plan
grammar, optionally with a state-aware constraint). A registry entry is a factory
``factory(model_dir, *, device) -> ModelBackend``:

===============  ===============================================================
``transformers`` a local Hugging Face checkpoint folder (``model_dir``), constrained
                 through outlines / llguidance (:mod:`engine.llm.outlines_adapter`)
``embedded``     the model shipped in ``engine/models/default`` (or
                 ``$PLANSAFE_MODEL``), loaded once per process; ``model_dir`` ignored
===============  ===============================================================

Add one: a ``ModelBackend`` subclass (or a factory) and
``MODEL_BACKENDS.register("name", "module:factory")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.registry import Registry

if TYPE_CHECKING:
    from engine.llm.backend import ModelBackend

__all__ = ["BackendFactory", "MODEL_BACKENDS", "make_backend", "transformers_backend",
           "embedded_backend"]


class BackendFactory(Protocol):
    def __call__(self, model_dir: Path | None, *, device: str = "auto") -> ModelBackend: ...


def transformers_backend(model_dir: Path | None, *, device: str = "auto") -> ModelBackend:
    from engine.llm.backend import TransformersBackend
    from verifier.errors import PlansafeError

    if model_dir is None:
        raise PlansafeError("the transformers backend needs a checkpoint folder (--model DIR)")
    return TransformersBackend(model_dir, device=device)


def embedded_backend(model_dir: Path | None = None, *, device: str = "auto") -> ModelBackend:
    from engine.llm.backend import load_default_backend

    return load_default_backend(device=device)


MODEL_BACKENDS: Registry[BackendFactory] = Registry("model backend", {
    "transformers": transformers_backend,
    "embedded": embedded_backend,
    # model_dir is the server's base URL (http://host:port/v1); engine/llm/openai_backend.py
    "openai": "engine.llm.openai_backend:openai_backend",
})


def make_backend(name: str, model_dir: Path | None = None, *, device: str = "auto"
                 ) -> ModelBackend:
    """The backend registered as ``name`` (an unknown name lists the known ones)."""
    return MODEL_BACKENDS.get(name)(model_dir, device=device)
