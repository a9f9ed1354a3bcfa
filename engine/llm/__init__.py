"""Language-model planning: prompts, grammars, model backends and the embedded default model.

Heavy libraries (torch, transformers, outlines, llguidance) are imported only inside the
functions that need them.
"""

from pathlib import Path

__all__ = ["DEFAULT_MODEL_DIR"]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"
