"""The ``plansafe`` entry point: a command goes to a running preload server when there is
one (``plansafe preload start``, engine/preload.py), else it runs here as always.

The server has imported torch, transformers and outlines once; for ``plan``, ``run``,
``check`` and ``validate`` the launcher hands it the arguments, the working folder, the
environment and its own standard input, output and error, and the server forks a process
that runs exactly this command line (Plansafe's own modules imported fresh). The launcher
passes on SIGINT, SIGTERM and SIGHUP and ends with the command's exit status. Whenever the
server cannot take the command (none running, another Python, an environment variable
that libraries read at import differs, the socket's folder not this user's alone) the
command runs in this process, as it would without a server; ``PLANSAFE_PRELOAD=0`` never
uses one, and ``PLANSAFE_PRELOAD=auto`` starts one after such a command when none runs.
``python -m engine.launch`` is the same as ``plansafe``; ``python -m engine.cli`` never uses
the server. This module imports nothing heavy: it runs before everything else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from typing import NoReturn

__all__ = ["FORWARDED", "finish", "forward", "interpreter", "main"]

#: the commands a preload server runs (short, non-interactive, and they plan)
FORWARDED = frozenset({"plan", "run", "check", "validate"})


def _command(argv: list[str]) -> str | None:
    for arg in argv[1:]:
        if not arg.startswith("-"):
            return arg
    return None


def interpreter() -> dict[str, object]:
    """What a command's process must share with the server's: the Python (the file it is:
    a virtual environment's ``python`` and ``python3`` are one; ``sys.path`` tells the
    environments apart), its path, its command-line flags and warning and -X options."""
    return {"executable": os.path.realpath(sys.executable), "path": list(sys.path),
            "flags": list(sys.flags),
            "warnoptions": list(sys.warnoptions),
            "xoptions": {str(k): str(v) for k, v in sys._xoptions.items()}}


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def forward(argv: list[str]) -> int | None:
    """Run ``argv`` in the preload server and return its exit status (a signal that ended
    it: -signal), or None when the server does not take it (the caller runs it)."""
    if os.environ.get("PLANSAFE_PRELOAD", "1") == "0" or _command(argv) not in FORWARDED:
        return None
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"):
        return None
    from engine.preload_wire import Conn, socket_path, unsafe_folder

    path = socket_path()
    if not path.exists() or unsafe_folder(path.parent) is not None:
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:  # a closed standard stream: nothing to hand over
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn = Conn(sock)
    runner: list[int] = []  # the command's pid, once the server has said it
    pending: list[int] = []  # signals that came before it

    def pass_on(signum: int, _frame: object) -> None:
        if not runner:
            pending.append(signum)
            return
        with contextlib.suppress(OSError):
            os.kill(runner[0], signum)

    before = {sig: signal.signal(sig, pass_on)
              for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        sock.settimeout(5.0)
        sock.connect(str(path))
        conn.send({"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                   "umask": _umask(), **interpreter()}, fds=(0, 1, 2))
    except OSError:  # the server has not got the command: run it here
        first = None
    else:
        try:  # the server has it: it answers with the command's pid or why not
            sock.settimeout(30.0)
            first = conn.recv()  # (None: it closed without starting anything)
        except (OSError, ValueError) as e:  # it may have started it: never run it twice
            conn.close()
            print(f"plansafe: the preload server on {path} did not answer ({e}); the "
                  "command may not have run (`plansafe preload stop`, or "
                  "PLANSAFE_PRELOAD=0 to run without it)", file=sys.stderr)
            return 1
    if not isinstance(first, dict) or "pid" not in first:
        conn.close()  # refused ({"refused": why}) or no answer: run it here
        for sig, how in before.items():
            signal.signal(sig, how)
        for num in pending:  # as if they had come to this process all along
            signal.raise_signal(num)
        return None
    runner.append(int(first["pid"]))
    for num in pending:
        pass_on(num, None)
    sock.settimeout(None)
    try:
        last = conn.recv()
    except (OSError, ValueError):
        last = None
    finally:
        conn.close()
    if not isinstance(last, dict) or "exit" not in last:
        print("plansafe: the preload server stopped before the command ended; its output "
              "above may be incomplete (PLANSAFE_PRELOAD=0 runs commands without it)",
              file=sys.stderr)
        return 1
    return int(last["exit"])


def main() -> None:
    """``plansafe``: through the preload server when it takes the command, else here."""
    status = forward(sys.argv)
    if status is None:
        from engine.cli import main as cli_main

        if os.environ.get("PLANSAFE_PRELOAD") == "auto" and _command(sys.argv) in FORWARDED:
            import atexit

            atexit.register(_start_server)  # after this command: it has the CPU first
        cli_main()
        return
    finish(status)


def _start_server() -> None:
    """``PLANSAFE_PRELOAD=auto``: start a preload server for the next commands (nothing
    when one runs: a second one ends before it imports; not where it cannot run)."""
    if not (hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")
            and hasattr(os, "pidfd_open")):
        return
    from engine.preload_wire import socket_path, spawn_server, unsafe_folder

    path = socket_path()
    if path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
            return  # one runs (it did not take this command: `plansafe preload status`)
        except OSError:
            pass  # a stale socket: start one
        finally:
            probe.close()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if unsafe_folder(path.parent) is None:
            spawn_server(path, 60.0)
            if sys.stderr.isatty():  # a background process: say so, as Gradle does
                print("plansafe: starting a preload server for the next commands "
                      "(PLANSAFE_PRELOAD=auto; `plansafe preload status`)", file=sys.stderr)
    except (OSError, ValueError):
        pass  # (no server then: the next command runs alone again)


def finish(status: int) -> NoReturn:
    """End as the command ended: its exit status, or the signal that killed it."""
    if status < 0:  # the command was killed by a signal: end the same way
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status)


if __name__ == "__main__":
    main()
