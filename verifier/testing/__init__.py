"""Hypothesis generators for property tests of workflows; not part of the trusted core.

:mod:`verifier.strategies` is the documented import (it re-exports
:mod:`verifier.testing.strategies`); :mod:`verifier.testing.plangen` is the machinery behind it.
"""
