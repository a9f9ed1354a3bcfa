"""What the ``plansafe`` launcher and the preload server share: where the socket is, whether
its folder is safe, the environment that must match, and the messages between them.

A message is a 4-byte big-endian length and that many bytes of JSON; the launcher's first
message carries its standard input, output and error as ``SCM_RIGHTS`` file descriptors.
Only the user who owns the socket's folder (mode 0700) may use it; the server also checks
the peer's uid (``SO_PEERCRED``). Imports stay light: the launcher runs this before any of
Plansafe's own modules.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["Conn", "IMPORT_ENV_PREFIXES", "import_env", "socket_path", "spawn_server",
           "unsafe_folder"]

#: environment variables that libraries read when they are imported (thread pools, device
#: lists, caches, the interpreter's own settings, the locale): a command runs in the server
#: only when the launcher's values equal the server's, else the launcher runs it itself
IMPORT_ENV_PREFIXES = ("OMP_", "KMP_", "MKL_", "OPENBLAS_", "GOTO", "BLIS_", "NUMEXPR_",
                       "TORCH", "PYTORCH_", "CUDA_", "NVIDIA_", "HF_", "HUGGINGFACE_",
                       "TRANSFORMERS_", "TOKENIZERS_", "OUTLINES_", "PYTHON", "LD_",
                       "LANG", "LC_", "VIRTUAL_ENV", "PLANSAFE_TINYGPT")

MAX_MESSAGE = 1 << 22  # 4 MiB: an environment and an argument list, far more than either


def import_env(env: dict[str, str]) -> dict[str, str]:
    """The variables of ``env`` that must match between the launcher and the server."""
    return {k: v for k, v in sorted(env.items()) if k.startswith(IMPORT_ENV_PREFIXES)}


def socket_path() -> Path:
    """``$PLANSAFE_PRELOAD_SOCKET``, else one socket per user and Python environment:
    ``$XDG_RUNTIME_DIR/plansafe-UID/preload-HASH.sock`` (the temporary folder without
    ``XDG_RUNTIME_DIR``), HASH naming ``sys.prefix``."""
    env = os.environ.get("PLANSAFE_PRELOAD_SOCKET")
    if env:
        return Path(env)
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    tag = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return Path(base) / f"plansafe-{os.getuid()}" / f"preload-{tag}.sock"


def unsafe_folder(folder: Path) -> str | None:
    """Why ``folder`` may not hold the socket (another owner, or group or others may
    write or enter it), or None when it is this user's alone."""
    try:
        st = folder.stat()
    except OSError as e:
        return f"{folder}: {e.strerror}"
    if st.st_uid != os.getuid():
        return f"{folder} belongs to uid {st.st_uid}, not {os.getuid()}"
    if st.st_mode & 0o077:
        return f"{folder} has mode {st.st_mode & 0o777:o}; it must be 700"
    return None


def spawn_server(path: Path, idle_minutes: float) -> Any:
    """Start ``python -m engine.preload`` for ``path`` in a session of its own, its output
    in ``path``'s ``.log`` file, and return the ``subprocess.Popen`` (not waited for)."""
    import subprocess

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_suffix(".log"), "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "engine.preload", str(path), str(idle_minutes)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
            env={**os.environ, "PLANSAFE_PRELOAD": "0"})


class Conn:
    """A connected Unix socket that sends and receives whole messages (module doc)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""
        self.fds: list[int] = []  # descriptors that came with the messages so far

    def send(self, obj: Any, fds: list[int] | tuple[int, ...] = ()) -> None:
        body = json.dumps(obj).encode()
        data = struct.pack(">I", len(body)) + body
        if fds:
            sent = socket.send_fds(self.sock, [data], list(fds))
            data = data[sent:]
        if data:
            self.sock.sendall(data)

    def recv(self) -> Any:
        """The next message; None when the peer closed the connection first."""
        while True:
            if len(self._buf) >= 4:
                (n,) = struct.unpack(">I", self._buf[:4])
                if n > MAX_MESSAGE:
                    raise ValueError(f"a preload message of {n} bytes (at most {MAX_MESSAGE})")
                if len(self._buf) >= 4 + n:
                    body, self._buf = self._buf[4:4 + n], self._buf[4 + n:]
                    return json.loads(body)
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 16, 3)
            self.fds.extend(fds)
            if not data:
                return None
            self._buf += data

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []
        self.sock.close()
