"""The shared conftest stays cheap: torch is imported only when a gpu-marked test is collected."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys
import pytest
from tests import conftest

class Config:
    def getoption(self, name):
        return False

class Item:
    def __init__(self, *marks):
        self.keywords = dict.fromkeys(marks)
        self.markers = []
    def add_marker(self, m):
        self.markers.append(m)

items = [Item(), Item("slow")]
conftest.pytest_collection_modifyitems(Config(), items)
print("torch" in sys.modules, len(items[1].markers))
"""


def test_collection_without_gpu_tests_does_not_import_torch() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split("\n")
    assert out[0] == "False 1"  # no torch; the slow test got its skip marker
