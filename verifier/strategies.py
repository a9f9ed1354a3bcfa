"""The documented import for property tests: ``from verifier import strategies as ps``.

Re-exports :mod:`verifier.testing.strategies` (the generators live in the testing
subpackage, outside the trusted core); see that module for the strategies and helpers.
"""

# every public name of the implementation, and its __all__ (mypy and IDEs follow both)
from verifier.testing.strategies import *  # noqa: F403
from verifier.testing.strategies import __all__ as __all__
