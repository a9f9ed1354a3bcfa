"""A throwaway local PostgreSQL server (``initdb`` + ``pg_ctl``) for tests and benchmarks.

    with LocalPostgres.start() as pg:        # a temp folder, 127.0.0.1 on a free port
        url = pg.create_database("plansafe")  # postgresql://plansafe@127.0.0.1:PORT/plansafe

The binaries are found on ``$PATH``, in ``$PLANSAFE_PG_BIN`` or under
``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package). ``initdb`` refuses
to run as root: when root runs this, the server is set up and started as the ``postgres``
user (or ``nobody``) through ``runuser``, in a folder that user owns. Authentication is
``trust`` on 127.0.0.1 and a unix socket in the folder; nothing listens elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import PlansafeError

__all__ = ["LocalPostgres", "find_pg_bin", "PostgresUnavailable"]

SUPERUSER = "plansafe"


class PostgresUnavailable(PlansafeError):
    """The PostgreSQL server binaries are not installed."""


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is absent."""
    env = os.environ.get("PLANSAFE_PG_BIN")
    candidates = [Path(env)] if env else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                    reverse=True)
    candidates.extend(debian)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    """The unprivileged user to run the server as when we are root (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither a 'postgres' nor a 'nobody' user "
                              "exists to run initdb as (initdb refuses root)")


@dataclass
class LocalPostgres:
    folder: Path
    port: int
    bin: Path
    user: str | None  # the OS user the server runs as (None: this process's)

    @classmethod
    def start(cls, *, fast: bool = True, max_connections: int = 100) -> LocalPostgres:
        """initdb in a new temp folder and start the server; ``fast``: no fsync (tests)."""
        pg_bin = find_pg_bin()
        if pg_bin is None:
            raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found "
                                      "on PATH, $PLANSAFE_PG_BIN or /usr/lib/postgresql/*/bin "
                                      "(Debian: apt-get install postgresql)")
        user = _run_as()
        folder = Path(tempfile.mkdtemp(prefix="plansafe-pg-"))
        if user is not None:
            import pwd

            pw = pwd.getpwnam(user)
            os.chown(folder, pw.pw_uid, pw.pw_gid)
        os.chmod(folder, 0o700)
        port = _free_port()
        pg = cls(folder, port, pg_bin, user)
        try:
            pg._cmd("initdb", "-D", str(folder / "data"), "-U", SUPERUSER, "--auth=trust",
                    "-E", "UTF8", "--no-locale", "--no-sync")
            opts = [f"-p {port}", "-c listen_addresses=127.0.0.1",
                    f"-c unix_socket_directories={folder}", "-c synchronous_commit=off",
                    f"-c max_connections={max_connections}", "-c shared_buffers=32MB"]
            if fast:
                opts += ["-c fsync=off", "-c full_page_writes=off"]
            pg._cmd("pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                    "-w", "-t", "60", "-o", " ".join(opts), "start")
        except BaseException:
            pg.stop()
            raise
        return pg

    def _cmd(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        out = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder,
                             timeout=120, check=False)
        if out.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise PostgresUnavailable(f"{tool} failed ({out.returncode}): "
                                      f"{(out.stderr or out.stdout).strip()[-2000:]}\n{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database: its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable):
                self._cmd("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
