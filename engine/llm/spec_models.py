"""Where a spec's own model lives (``plansafe train SPEC``) and the backend that reads it.

Kept apart from :mod:`engine.llm.specgen` (which makes training data and uses the goal
reader) so that the goal reader and the Planner can find a spec's model without importing
the data generator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["MODEL_FOLDER", "spec_model_dir", "spec_model_of", "backend_for_spec",
           "checkpoint_for_spec", "link_spec_models", "forget_backend"]

MODEL_FOLDER = ".plansafe-model"


def spec_model_dir(spec_path: str | Path) -> Path:
    """Where ``plansafe train SPEC`` puts the spec's own model and where ``plan`` / ``run``
    look for it: ``<spec folder>/.plansafe-model`` (``<folder>/.plansafe-model-<stem>`` for a
    bare PDDL domain file, so two domains in one folder keep their models apart)."""
    p = Path(spec_path)
    if p.is_dir():
        return p / MODEL_FOLDER
    if p.suffix in (".yaml", ".yml"):
        return p.parent / MODEL_FOLDER
    return p.parent / f"{MODEL_FOLDER}-{p.stem}"


def spec_model_of(spec: Any) -> Path | None:
    """The model ``plansafe train`` made for a loaded spec, if there is one."""
    where = spec.spec_path or getattr(spec, "source_domain_path", None) or spec.domain_path
    folder = spec_model_dir(where)
    return folder if (folder / "config.json").is_file() else None


def checkpoint_for_spec(spec: Any) -> Path:
    """The folder :func:`backend_for_spec` loads for ``spec`` (without loading it)."""
    from engine.llm import default_model_dir

    return spec_model_of(spec) or default_model_dir()


def backend_for_spec(spec: Any) -> Any:
    """The spec's own model (:func:`spec_model_of`) when it has one, else the embedded
    model (or ``$PLANSAFE_MODEL``); each loaded once per process."""
    from engine.llm.backend import TransformersBackend, load_default_backend

    folder = spec_model_of(spec)
    if folder is None:
        return load_default_backend()
    key = str(folder.resolve())
    if key not in _SPEC_BACKENDS:
        _SPEC_BACKENDS[key] = TransformersBackend(folder)
    return _SPEC_BACKENDS[key]


_SPEC_BACKENDS: dict[str, Any] = {}


def forget_backend(folder: str | Path) -> None:
    """Load ``folder`` afresh next time (it was trained again in this process)."""
    _SPEC_BACKENDS.pop(str(Path(folder).resolve()), None)


def link_spec_models(spec_paths: list[str], out: Path) -> None:
    """The other specs trained together find the model too (a link from each one's model
    folder to ``out``)."""
    for p in spec_paths[1:]:
        link = spec_model_dir(p)
        if not link.exists() and not link.is_symlink():
            link.symlink_to(out.resolve(), target_is_directory=True)
