"""Language-model planning: prompts, grammars, model backends and the embedded default model.

Heavy libraries (torch, transformers, outlines, llguidance) are imported only inside the
functions that need them.
"""

from pathlib import Path

__all__ = ["DEFAULT_MODEL_DIR", "default_model_dir"]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"


def default_model_dir() -> Path:
    """The checkpoint the embedded backend loads: ``$PLANSAFE_MODEL``, else the shipped one."""
    import os

    env = os.environ.get("PLANSAFE_MODEL")
    return Path(env) if env else DEFAULT_MODEL_DIR
