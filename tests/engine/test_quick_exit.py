"""``plansafe`` ends without the interpreter's teardown once torch is loaded, and loses
nothing on the way: the exit status, what was printed, the ``atexit`` handlers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(body: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    code = textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})


PRELUDE = """
    import atexit, sys
    {imports}
    from engine.quick_exit import leave
    atexit.register(lambda: print("atexit ran", flush=True))
    sys.stdout.write("answer printed\\n")  # left in the buffer: leave flushes it
"""


@pytest.mark.parametrize("code,status,stderr", [(None, 0, ""), (3, 3, ""),
                                                ("bad input", 1, "bad input")])
def test_leave_keeps_status_output_and_atexit(code, status, stderr) -> None:  # noqa: ANN001
    pytest.importorskip("torch")
    done = _run(PRELUDE.format(imports="import torch") + f"""
    leave({code!r})
    print("not reached")
    """)
    assert done.returncode == status
    assert done.stdout.splitlines() == ["answer printed", "atexit ran"]
    assert stderr in done.stderr


def test_without_torch_it_returns() -> None:
    done = _run(PRELUDE.format(imports="") + """
    leave(0)
    print("went on")
    """)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["answer printed", "went on", "atexit ran"]


def test_a_running_thread_or_the_switch_keeps_the_full_exit() -> None:
    pytest.importorskip("torch")
    done = _run(PRELUDE.format(imports="import torch, threading, time") + """
    t = threading.Thread(target=time.sleep, args=(0.3,)); t.start()
    leave(0)
    print("went on")
    """)
    assert done.stdout.splitlines() == ["answer printed", "went on", "atexit ran"]
    switched = _run(PRELUDE.format(imports="import torch") + """
    leave(0)
    print("went on")
    """, env={"PLANSAFE_FULL_EXIT": "1"})
    assert switched.stdout.splitlines() == ["answer printed", "went on", "atexit ran"]
