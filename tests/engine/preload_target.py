"""A command line for the preload server's tests (tests/engine/test_preload.py): what the
runner runs instead of ``engine.cli:main``. ``x run echo``: print the working folder,
``$PRELOAD_PROBE``, standard input, the arguments and the umask; ``x run exit N``: exit
N; ``x run thread``: leave a thread running and an ``atexit`` handler; ``x run wait``:
print the pid, then sleep (to be signalled)."""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    what = sys.argv[2:]
    if what[:1] == ["echo"]:
        print(os.getcwd())
        print(os.environ.get("PRELOAD_PROBE"))
        print(sys.stdin.read().strip())
        print(" ".join(sys.argv[1:]))
        mask = os.umask(0)
        print(oct(mask))
    elif what[:1] == ["exit"]:
        print("leaving", file=sys.stderr)
        sys.exit(int(what[1]))
    elif what[:1] == ["thread"]:  # a thread the exit must wait for, an atexit handler
        import atexit
        import threading

        atexit.register(lambda: print("atexit ran", flush=True))
        threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
        print("main done")
    elif what[:1] == ["wait"]:
        print(os.getpid(), flush=True)
        time.sleep(60)
    else:
        sys.exit(f"unknown: {what}")
