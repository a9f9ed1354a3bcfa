"""The preload server: torch, transformers and outlines imported once, each command forked.

A ``plansafe plan --planner llm`` process spends about 3.4 s of a failing 6.9 s run
importing torch, transformers' GPT-2 and outlines before any of Plansafe's code runs
(benchmarks/results/llm_hint.md). ``plansafe preload start`` starts a server that imports
those libraries (and the other heavy third-party ones the commands use) once and then
waits on a Unix socket (:mod:`engine.preload_wire`). For each command the launcher
(:mod:`engine.launch`) hands over, the server forks a *handler*, which forks the *runner*:
the runner takes the launcher's standard streams, working folder, environment and
arguments and runs ``engine.cli.main`` as a fresh process would (Plansafe's own modules are
imported in the runner, so edits to them count at once); the handler waits for it, ends it
with SIGHUP if the launcher goes away, and sends back its exit status. No state passes from
one command to the next: every runner starts from the server's state after its imports.

The server refuses a command (the launcher then runs it itself) when the launcher's Python
is another one, its ``sys.path`` differs, a variable that libraries read at import
(:data:`engine.preload_wire.IMPORT_ENV_PREFIXES`) differs, or a preloaded library's files
changed on disk since the server started (then it also stops: start it again). It stops by
itself after ``--idle-minutes`` without a command, on ``plansafe preload stop`` and on
SIGTERM. Linux only (``os.pidfd_open``, ``SCM_RIGHTS``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from engine.launch import interpreter
from engine.preload_wire import Conn, import_env, unsafe_folder

__all__ = ["PRELOADED", "serve"]

#: imported by the server: what ``plan --planner llm`` spends its start-up on, and the
#: other heavy third-party modules the forwarded commands import (missing ones are skipped)
PRELOADED = ("numpy", "torch", "transformers", "transformers.models.gpt2.modeling_gpt2",
             "transformers.generation", "outlines", "llguidance", "llguidance.hf",
             "tokenizers", "z3", "unified_planning.shortcuts", "pydantic", "yaml", "typer",
             "rich")


def _files(modules: list[str]) -> dict[str, float]:
    out = {}
    for name in modules:
        f = getattr(sys.modules.get(name), "__file__", None)
        if f:
            with contextlib.suppress(OSError):
                out[f] = os.stat(f).st_mtime
    return out


def _changed(files: dict[str, float]) -> str | None:
    for f, mtime in files.items():
        try:
            now = os.stat(f).st_mtime
        except OSError:
            return f"{f} is gone"
        if now != mtime:
            return f"{f} changed on disk"
    return None


class _Server:
    def __init__(self, path: Path, idle_minutes: float, entry: str,
                 modules: tuple[str, ...]) -> None:
        self.path = path
        self.idle = idle_minutes * 60.0
        self.entry = entry
        self.started = time.time()
        before = dict(os.environ)
        self.env = import_env(before)  # as the launcher's must be (before the imports)
        t0 = time.perf_counter()
        self.modules = []
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
            self.modules.append(name)
        self.import_seconds = time.perf_counter() - t0
        import gc

        gc.collect()
        gc.freeze()  # the imports' objects: never scanned (nor copied on write) in the forks
        self.files = _files(self.modules)
        #: what the imports set in the environment (torch: TORCHINDUCTOR_CACHE_DIR), as
        #: they would in a fresh process when the launcher's environment lacks it
        self.added = {k: v for k, v in os.environ.items() if k not in before}
        self.served = 0
        self.refused = 0
        self.last_refusal: str | None = None
        self.sock: socket.socket | None = None

    def status(self) -> dict[str, Any]:
        return {"running": True, "pid": os.getpid(), "socket": str(self.path),
                "started": self.started, "uptime_seconds": round(time.time() - self.started, 1),
                "idle_minutes": self.idle / 60.0, "preloaded": self.modules,
                "import_seconds": round(self.import_seconds, 2), "served": self.served,
                "refused": self.refused, "last_refusal": self.last_refusal,
                "python": sys.executable}

    def refusal(self, req: dict[str, Any]) -> str | None:
        ours = interpreter()
        if req.get("executable") != ours["executable"]:
            return (f"another Python ({req.get('executable')}, the server runs "
                    f"{ours['executable']})")
        path = req.get("path")
        if (not isinstance(path, list) or not path or not isinstance(path[0], str)
                or path[1:] != sys.path[1:]):
            return "another sys.path"
        for key in ("flags", "warnoptions", "xoptions"):
            if req.get(key) != ours[key]:
                return f"other interpreter options (sys.{key})"
        if not isinstance(req.get("umask"), int):
            return "a malformed request"
        env = req.get("env")
        if not isinstance(env, dict):
            return "no environment"
        theirs = import_env(env)
        if theirs != self.env:
            keys = sorted(set(theirs) ^ set(self.env)
                          | {k for k in theirs if theirs[k] != self.env.get(k)})
            return "environment variables read at import differ: " + ", ".join(keys)
        argv, cwd = req.get("argv"), req.get("cwd")
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)
                and isinstance(cwd, str)):
            return "a malformed request"
        return None

    def run(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(self.path))
        os.chmod(self.path, 0o600)
        sock.listen(16)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(json.dumps({"ready": True, **self.status()}), flush=True)
        last = time.monotonic()
        try:
            while True:
                left = self.idle - (time.monotonic() - last)
                if left <= 0:
                    print("idle: stopping", flush=True)
                    return
                sock.settimeout(min(left, 60.0))
                try:
                    client, _ = sock.accept()
                except TimeoutError:
                    continue
                last = time.monotonic()
                if self.one(client) == "stop":
                    return
        finally:
            sock.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def one(self, client: socket.socket) -> str | None:
        conn = Conn(client)
        try:
            creds = client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            uid = int.from_bytes(creds[4:8], sys.byteorder)
            if uid != os.getuid():
                return None
            client.settimeout(5.0)
            req = conn.recv()
            if not isinstance(req, dict):
                return None
            op = req.get("op")
            if op == "status":
                conn.send(self.status())
                return None
            if op == "stop":
                conn.send({"stopping": True})
                return "stop"
            if op != "run":
                conn.send({"refused": f"unknown op {op!r}"})
                return None
            stale = _changed(self.files)
            why = (f"a preloaded library changed ({stale}): the server stops" if stale
                   else "no standard streams" if len(conn.fds) != 3 else self.refusal(req))
            if why is not None:
                self.refused += 1
                self.last_refusal = why
                conn.send({"refused": why})
                return "stop" if stale else None
            self.served += 1
            if os.fork() == 0:  # the handler
                self._handle(conn, req)
            return None
        except (OSError, ValueError):
            return None
        finally:
            conn.close()

    def _handle(self, conn: Conn, req: dict[str, Any]) -> None:
        """In the handler (a fork of the server): start the runner, wait, report."""
        code = 1
        try:
            if self.sock is not None:
                self.sock.close()
            for lock in _LOCKS:  # a command that outlives the server must not hold it
                lock.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            runner = os.fork()
            if runner == 0:
                self._run(conn, req)
            try:
                code = self._wait(conn, runner)
            except BaseException:  # the launcher is gone (or this broke): hang up
                with contextlib.suppress(OSError):
                    os.kill(runner, signal.SIGHUP)
                raise
        finally:
            os._exit(code)

    @staticmethod
    def _wait(conn: Conn, runner: int) -> int:
        """Tell the launcher the runner's pid, wait for the runner, send its status."""
        for fd in conn.fds:
            os.close(fd)
        conn.fds = []
        conn.sock.settimeout(None)
        conn.send({"pid": runner})
        pidfd = os.pidfd_open(runner)
        hung_up = False
        while True:
            ready, _, _ = select.select([pidfd] + ([] if hung_up else [conn.sock]), [], [])
            if pidfd in ready:
                break
            if conn.sock.recv(1) == b"":  # the launcher went away: like a hangup
                hung_up = True
                with contextlib.suppress(OSError):
                    os.kill(runner, signal.SIGHUP)
        _, status = os.waitpid(runner, 0)
        if not hung_up:
            conn.send({"exit": os.waitstatus_to_exitcode(status)})
        return 0

    def _run(self, conn: Conn, req: dict[str, Any]) -> None:
        """In the runner: become the launcher's process, then run the command line."""
        status: object = 1
        try:
            for target, fd in zip((0, 1, 2), conn.fds, strict=True):
                os.dup2(fd, target)
                os.close(fd)
            conn.fds = []
            conn.sock.close()
            for sig, how in ((signal.SIGINT, signal.default_int_handler),
                             (signal.SIGTERM, signal.SIG_DFL),
                             (signal.SIGHUP, signal.SIG_DFL),
                             (signal.SIGCHLD, signal.SIG_DFL)):
                signal.signal(sig, how)
            _fresh_streams()
            os.chdir(req["cwd"])
            os.umask(req["umask"])
            os.environ.clear()
            os.environ.update(req["env"])
            for k, v in self.added.items():
                os.environ.setdefault(k, v)
            sys.argv = list(req["argv"])
            sys.path[0] = req["path"][0]
            if "numpy" in sys.modules:  # the server's state: each runner its own seed
                sys.modules["numpy"].random.seed()
            module, _, name = self.entry.partition(":")
            try:
                getattr(importlib.import_module(module), name)()
                status = 0
            except SystemExit as e:
                status = e.code
            except KeyboardInterrupt:  # end as an interrupted Python process ends
                for stream in (sys.stdout, sys.stderr):
                    with contextlib.suppress(OSError, ValueError):
                        stream.flush()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
        except BaseException:  # noqa: BLE001 (the runner must end in os._exit: report it)
            import traceback

            traceback.print_exc()
            status = 1
        finally:
            if status is None:
                status = 0
            elif not isinstance(status, int):
                print(status, file=sys.stderr)
                status = 1
            _shutdown()
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(status)


def _shutdown() -> None:
    """What the interpreter does at exit before its teardown: wait for the threads that are
    not daemons, then the ``atexit`` handlers (as engine/quick_exit.py does after them)."""
    import atexit
    import threading

    with contextlib.suppress(Exception):
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()


def _fresh_streams() -> None:
    """``sys.stdin``/``stdout``/``stderr`` again over descriptors 0-2, buffered as a new
    process would buffer them (line by line on a terminal)."""
    import io

    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        old = getattr(sys, name)
        enc = getattr(old, "encoding", None) or "utf-8"
        errors = getattr(old, "errors", None) or "strict"
        raw = io.FileIO(fd, mode, closefd=False)
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(buffered, encoding=enc, errors=errors,
                                  line_buffering=mode == "w" and os.isatty(fd),
                                  write_through=name == "stderr")
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def serve(path: Path, *, idle_minutes: float = 60.0, entry: str = "engine.cli:main",
          modules: tuple[str, ...] = PRELOADED) -> None:
    """Import ``modules``, then serve commands on ``path`` until stopped (module doc).
    One server per socket: a second one (two ``start`` at once) ends before importing."""
    import fcntl

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    why = unsafe_folder(path.parent)
    if why is not None:
        print(json.dumps({"ready": False, "why": why}), flush=True)
        sys.exit(2)
    lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 (held while it serves)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(json.dumps({"ready": False, "why": "another preload server holds "
                          f"{lock.name}"}), flush=True)
        return
    _LOCKS.append(lock)
    _Server(path, idle_minutes, entry, modules).run()


_LOCKS: list[Any] = []  # the server's lock file (closed in its forks: engine/preload.py)


def main() -> None:  # python -m engine.preload SOCKET IDLE_MINUTES [ENTRY [MODULE ...]]
    args = sys.argv[1:]
    try:
        idle = float(args[1]) if len(args) > 1 else -1.0
    except ValueError:
        idle = -1.0
    if len(args) < 2 or not idle > 0:
        print("usage: python -m engine.preload SOCKET IDLE_MINUTES [ENTRY [MODULE ...]] "
              "(plansafe preload start runs it)", file=sys.stderr)
        sys.exit(2)
    serve(Path(args[0]), idle_minutes=idle,
          entry=args[2] if len(args) > 2 else "engine.cli:main",
          modules=tuple(args[3:]) or PRELOADED)


if __name__ == "__main__":
    main()
