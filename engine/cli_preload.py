"""``plansafe preload start|stop|status``: the preload server (engine/preload.py)."""

from __future__ import annotations

import json
import socket
import time
from typing import Annotated, Any

import typer

from engine.cli_common import JsonOpt

preload_app = typer.Typer(
    help="Keep torch, transformers and outlines imported in a background server, so that "
    "plan, run, check and validate start in a fraction of a second "
    "(PLANSAFE_PRELOAD=0: never use it).", no_args_is_help=True)


def _ask(op: str, timeout: float = 5.0) -> dict[str, Any] | None:
    """The server's answer to ``op`` (status, stop), or None when none answers."""
    from engine.preload_wire import Conn, socket_path, unsafe_folder

    path = socket_path()
    if not path.exists() or unsafe_folder(path.parent) is not None:
        return None
    conn = Conn(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    try:
        conn.sock.settimeout(timeout)
        conn.sock.connect(str(path))
        conn.send({"op": op})
        got = conn.recv()
    except (OSError, ValueError):
        return None
    finally:
        conn.close()
    return got if isinstance(got, dict) else None


def _show(info: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(info, indent=2))
    elif not info.get("running"):
        typer.echo(f"no preload server on {info['socket']}")
    else:
        refused = (f", {info['refused']} refused (last: {info['last_refusal']})"
                   if info["refused"] else "")
        typer.echo(f"preload server pid {info['pid']} on {info['socket']}: up "
                   f"{info['uptime_seconds']:.0f} s, {info['served']} command(s) served"
                   f"{refused}; {len(info['preloaded'])} modules imported in "
                   f"{info['import_seconds']:.1f} s; stops after {info['idle_minutes']:g} "
                   "idle minutes")


@preload_app.command()
def start(
    idle_minutes: Annotated[float, typer.Option(
        min=0.01, help="stop after this many minutes without a command")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Start the server in the background (it imports for a few seconds first); nothing
    to do when one is running."""
    from engine.preload_wire import socket_path, spawn_server, unsafe_folder

    info = _ask("status")
    if info is None:
        path = socket_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        why = (f"the socket path {path} is longer than a Unix socket's 107 bytes"
               if len(str(path).encode()) > 107 else unsafe_folder(path.parent))
        if why is not None:
            typer.echo(f"plansafe preload: {why} (PLANSAFE_PRELOAD_SOCKET names another "
                       "socket)", err=True)
            raise typer.Exit(2)
        log = path.with_suffix(".log")
        if not as_json:
            typer.echo("importing torch, transformers and outlines in the preload "
                       "server...", err=True)
        proc = spawn_server(path, idle_minutes)
        deadline = time.monotonic() + 180.0
        while info is None:
            if proc.poll() not in (None, 0):  # (0: another server was starting: wait)
                typer.echo(f"plansafe preload: the server ended with status {proc.returncode}"
                           f" before it was ready (its log: {log})", err=True)
                raise typer.Exit(1)
            if time.monotonic() > deadline:
                proc.terminate()
                typer.echo(f"plansafe preload: the server was not ready in 180 s (its log: "
                           f"{log})", err=True)
                raise typer.Exit(1)
            time.sleep(0.1)
            info = _ask("status") if path.exists() else None
    _show(info, as_json)


@preload_app.command()
def stop(as_json: JsonOpt = False) -> None:
    """Stop the server (commands then start as usual)."""
    from engine.preload_wire import socket_path

    path = socket_path()
    got = _ask("stop")
    for _ in range(50):  # it removes its socket as it ends
        if got is None or not path.exists():
            break
        time.sleep(0.1)
    if as_json:
        typer.echo(json.dumps({"stopped": got is not None, "socket": str(path)}))
    else:
        typer.echo(f"stopped the preload server on {path}" if got is not None
                   else f"no preload server on {path}")


@preload_app.command()
def status(as_json: JsonOpt = False) -> None:
    """Whether a server runs, what it imported, how many commands it served or refused
    (and why). Exit 1 when none runs."""
    from engine.preload_wire import socket_path

    info = _ask("status")
    _show(info if info is not None else {"running": False, "socket": str(socket_path())},
          as_json)
    if info is None:
        raise typer.Exit(1)


__all__ = ["preload_app", "start", "stop", "status"]
