"""The preload server (engine/preload.py) and the launcher (engine/launch.py): a command
run through the server answers as the same command run alone (output, exit status, bad
input, working folder, environment, standard input, signals), and whenever the server
cannot take it the command runs in the launcher's own process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"),
                                reason="the preload server needs Linux (os.pidfd_open)")

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "specs" / "blocksworld" / "problems" / "p01.pddl"
TARGET = "tests.engine.preload_target:main"


def _env(sock: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PLANSAFE_PRELOAD"}
    # the target module (tests/) importable from any folder, in the server and launcher
    return {**env, "PLANSAFE_PRELOAD_SOCKET": str(sock), "PYTHONPATH": str(ROOT), **extra}


def _status(sock: Path) -> dict[str, object] | None:
    done = subprocess.run([sys.executable, "-m", "engine.cli", "preload", "status", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=_env(sock),
                          timeout=60)
    info = json.loads(done.stdout)
    assert (done.returncode == 0) == bool(info["running"])
    return info if info["running"] else None


def _serve(sock: Path, *args: str) -> subprocess.Popen[bytes]:
    """``python -m engine.preload SOCK 5 [ENTRY MODULE ...]``, once it answers."""
    sock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "engine.preload", str(sock), "5", *args],
                            cwd=ROOT, env=_env(sock), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (sock.exists() and _status(sock)):
        assert proc.poll() is None, "the preload server ended before it was ready"
        assert time.monotonic() < deadline, "the preload server was not ready in 120 s"
        time.sleep(0.2)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A server that imports only ``json`` and runs preload_target.py's command line."""
    sock = tmp_path_factory.mktemp("light") / "run" / "s.sock"
    proc = _serve(sock, TARGET, "json")
    yield sock
    _stop(proc)


def _launch(sock: Path, *args: str, cwd: Path = ROOT, **kw: object
            ) -> subprocess.CompletedProcess[str]:
    env = _env(sock, **kw.pop("env", {}))  # type: ignore[arg-type]
    return subprocess.run([sys.executable, "-c", "from engine.launch import main; main()",
                           *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, **kw)  # type: ignore[call-overload]


def test_the_command_runs_in_the_server_with_the_launchers_world(light: Path,
                                                                 tmp_path: Path) -> None:
    before = _status(light)
    assert before is not None
    done = _launch(light, "run", "echo", cwd=tmp_path, env={"PRELOAD_PROBE": "probe-1"},
                   input="from stdin\n", umask=0o027)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(tmp_path), "probe-1", "from stdin", "run echo",
                                        "0o27"]
    after = _status(light)
    assert after is not None and after["served"] == before["served"] + 1


def test_exit_status_and_stderr_come_back(light: Path) -> None:
    done = _launch(light, "run", "exit", "3")
    assert (done.returncode, done.stderr.strip()) == (3, "leaving")


def test_the_command_ends_as_python_ends(light: Path) -> None:
    done = _launch(light, "run", "thread")
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["main done", "thread done", "atexit ran"]


def _waiting(sock: Path) -> tuple[subprocess.Popen[str], int]:
    """A launcher whose command waits, and the command's pid."""
    proc = subprocess.Popen([sys.executable, "-c", "from engine.launch import main; main()",
                             "run", "wait"], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env=_env(sock))
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def test_a_signal_reaches_the_command_and_the_launcher_ends_alike(light: Path) -> None:
    proc, runner = _waiting(light)
    assert runner != proc.pid  # it runs in the server's fork, not in the launcher
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == -signal.SIGINT
    _gone(runner)


def test_a_launcher_that_dies_hangs_up_its_command(light: Path) -> None:
    proc, runner = _waiting(light)
    proc.kill()
    proc.wait(timeout=30)
    _gone(runner)


def _gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"the command (pid {pid}) still runs"
        time.sleep(0.1)


def test_another_import_environment_runs_in_the_launcher(light: Path) -> None:
    before = _status(light)
    assert before is not None
    done = _launch(light, "run", "echo", env={"OMP_NUM_THREADS": "3"}, input="")
    # refused: engine.cli runs it here, and its own ``run`` has no command ``echo``
    assert done.returncode == 2 and "Traceback" not in done.stderr
    after = _status(light)
    assert after is not None
    assert (after["served"], after["refused"]) == (before["served"], before["refused"] + 1)
    assert "OMP_NUM_THREADS" in str(after["last_refusal"])


def test_other_interpreter_options_run_in_the_launcher(light: Path) -> None:
    before = _status(light)
    assert before is not None
    done = subprocess.run([sys.executable, "-W", "ignore", "-c",
                           "from engine.launch import main; main()", "run", "echo"],
                          capture_output=True, text=True, cwd=ROOT, env=_env(light),
                          timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr  # engine.cli's own run
    after = _status(light)
    assert after is not None and after["refused"] == before["refused"] + 1
    assert "warnoptions" in str(after["last_refusal"])


def test_commands_that_are_not_forwarded_and_the_switch(light: Path) -> None:
    before = _status(light)
    assert before is not None
    _launch(light, "runs", "--help")
    _launch(light, "run", "echo", env={"PLANSAFE_PRELOAD": "0"}, input="")
    after = _status(light)
    assert after is not None and after["served"] == before["served"]


def test_no_server_a_stale_socket_or_an_open_folder_runs_here(tmp_path: Path) -> None:
    from engine.launch import forward

    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    sock = folder / "s.sock"
    env = {"PLANSAFE_PRELOAD_SOCKET": str(sock)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert forward(["plansafe", "plan", "x"]) is None  # no socket
        sock.write_text("not a socket")
        assert forward(["plansafe", "plan", "x"]) is None  # stale
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_unsafe_folder() -> None:
    from engine.preload_wire import unsafe_folder

    assert unsafe_folder(Path("/nonexistent-plansafe")) is not None
    assert "mode" in str(unsafe_folder(Path("/tmp")))  # 1777: others may write


def test_an_open_folder_is_not_used(tmp_path: Path) -> None:
    sock = tmp_path / "run" / "s.sock"
    proc = _serve(sock, TARGET, "json")
    try:
        sock.parent.chmod(0o755)
        done = _launch(sock, "run", "echo", input="")
        assert done.returncode == 2  # engine.cli ran it here (no command ``echo``)
        sock.parent.chmod(0o700)
        info = _status(sock)
        assert info is not None and info["served"] == 0
    finally:
        _stop(proc)


def test_the_server_stops_when_idle(tmp_path: Path) -> None:
    sock = tmp_path / "run" / "s.sock"
    sock.parent.mkdir(mode=0o700)
    proc = subprocess.Popen([sys.executable, "-m", "engine.preload", str(sock), "0.01", TARGET,
                             "json"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())["ready"] is True
    assert proc.wait(timeout=30) == 0
    assert not sock.exists()


def test_plan_through_the_real_server_answers_as_alone(tmp_path: Path) -> None:
    """``plansafe preload start`` (torch, transformers, outlines), then ``plan``: the same
    JSON as without the server, bad input the same ``file:line:col`` error and exit 2;
    ``stop`` ends it."""
    sock = tmp_path / "run" / "s.sock"
    cli = [sys.executable, "-m", "engine.launch"]  # what the plansafe script runs
    started = subprocess.run([*cli, "preload", "start", "--json", "--idle-minutes", "5"],
                             capture_output=True, text=True, cwd=ROOT, env=_env(sock),
                             timeout=300)
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    assert info["running"] and "torch" in info["preloaded"]
    try:
        args = ["plan", "specs/blocksworld", str(PROBLEM), "--planner", "llm", "--json"]
        served = subprocess.run([*cli, *args], capture_output=True, text=True, cwd=ROOT,
                                env=_env(sock), timeout=300)
        alone = subprocess.run([*cli, *args], capture_output=True, text=True, cwd=ROOT,
                               env=_env(sock, PLANSAFE_PRELOAD="0"), timeout=300)
        assert served.returncode == alone.returncode == 0, served.stderr + alone.stderr
        drop = {"seconds", "model_load_seconds", "issued_at"}

        def same(text: str) -> object:
            def strip(x: object) -> object:
                if isinstance(x, dict):
                    return {k: strip(v) for k, v in x.items() if k not in drop}
                return [strip(v) for v in x] if isinstance(x, list) else x
            return strip(json.loads(text))

        assert same(served.stdout) == same(alone.stdout)
        bad = subprocess.run([*cli, "plan", "blocksworld", "nope.pddl"], capture_output=True,
                             text=True, cwd=ROOT / "specs", env=_env(sock), timeout=300)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        assert bad.stderr.startswith("nope.pddl:1:1: ")
        status = _status(sock)
        assert status is not None and status["served"] == 2 and status["refused"] == 0
    finally:
        stopped = subprocess.run([*cli, "preload", "stop"], capture_output=True, text=True,
                                 cwd=ROOT, env=_env(sock), timeout=60)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not sock.exists()


def test_messages_whole_with_descriptors_and_bounded() -> None:
    import socket
    import struct

    from engine.preload_wire import MAX_MESSAGE, Conn

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    left, right = Conn(a), Conn(b)
    r, w = os.pipe()
    try:
        left.send({"op": "run", "argv": ["x" * 100_000]}, fds=(r,))
        left.send({"pid": 7})  # two messages in one stream: read apart
        first = right.recv()
        assert first["argv"] == ["x" * 100_000] and len(right.fds) == 1
        assert right.recv() == {"pid": 7}
        os.write(w, b"through")
        assert os.read(right.fds[0], 7) == b"through"  # the descriptor itself came over
        a.sendall(struct.pack(">I", MAX_MESSAGE + 1))
        with pytest.raises(ValueError, match="bytes"):
            right.recv()
        c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        c.close()
        assert Conn(d).recv() is None  # the peer closed before a message
        d.close()
    finally:
        left.close()
        os.close(r)
        os.close(w)
        right.close()


def test_one_server_per_socket(light: Path) -> None:
    second = subprocess.run([sys.executable, "-m", "engine.preload", str(light), "5", TARGET,
                             "json"], cwd=ROOT, env=_env(light), capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 0
    assert json.loads(second.stdout)["ready"] is False and "holds" in second.stdout
    assert _status(light) is not None  # the first one still serves


def test_a_library_changed_on_disk_stops_the_server(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "preload_probe_lib.py").write_text("X = 1\n", encoding="utf-8")
    sock = tmp_path / "run" / "s.sock"
    path = f"{ROOT}{os.pathsep}{lib}"
    sock.parent.mkdir(mode=0o700)
    proc = subprocess.Popen([sys.executable, "-m", "engine.preload", str(sock), "5", TARGET,
                             "preload_probe_lib"], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env=_env(sock, PYTHONPATH=path))
    assert proc.stdout is not None
    assert "preload_probe_lib" in json.loads(proc.stdout.readline())["preloaded"]
    try:
        assert _launch(sock, "run", "exit", "0", env={"PYTHONPATH": path}).returncode == 0
        later = time.time() + 10
        os.utime(lib / "preload_probe_lib.py", (later, later))
        done = _launch(sock, "run", "echo", env={"PYTHONPATH": path}, input="")
        assert done.returncode == 2  # refused: engine.cli ran it here (no command ``echo``)
        assert proc.wait(timeout=30) == 0  # and the server stopped
        assert not sock.exists()
    finally:
        if proc.poll() is None:
            _stop(proc)


def test_auto_starts_a_server_after_the_command(tmp_path: Path) -> None:
    """``PLANSAFE_PRELOAD=auto``: the first command runs alone and then starts the server
    (the real one, torch and all); the next command is served by it."""
    sock = tmp_path / "run" / "s.sock"
    args = [sys.executable, "-m", "engine.launch", "validate", "specs/blocksworld",
            str(PROBLEM), "-"]
    plan = "(pick-up b)\n(stack b a)\n"  # invalid: a is on b (exit 1, the reason)
    first = subprocess.run(args, input=plan, capture_output=True, text=True, cwd=ROOT,
                           env=_env(sock, PLANSAFE_PRELOAD="auto"), timeout=300)
    try:
        deadline = time.monotonic() + 180
        while not (sock.exists() and _status(sock)):
            assert time.monotonic() < deadline, "no server after the first command"
            time.sleep(0.3)
        second = subprocess.run(args, input=plan, capture_output=True, text=True, cwd=ROOT,
                                env=_env(sock, PLANSAFE_PRELOAD="auto"), timeout=300)
        assert first.returncode == 1 and "needs nothing is on b" in first.stdout
        assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
        info = _status(sock)
        assert info is not None and info["served"] == 1 and "torch" in info["preloaded"]
    finally:
        subprocess.run([sys.executable, "-m", "engine.cli", "preload", "stop"], cwd=ROOT,
                       env=_env(sock), capture_output=True, timeout=60)


def test_malformed_requests_are_refused_and_the_server_stays(light: Path) -> None:
    import socket
    import struct

    from engine.launch import interpreter
    from engine.preload_wire import Conn

    before = _status(light)
    assert before is not None
    good = {"op": "run", "argv": ["plansafe", "run", "echo"], "cwd": str(ROOT),
            "env": dict(os.environ), "umask": 0o022, **interpreter()}
    bad: list[tuple[object, tuple[int, ...]]] = [
        ({**good, "argv": "plansafe run echo"}, (0, 1, 2)),  # not a list
        ({**good, "argv": ["plansafe", 3]}, (0, 1, 2)),
        ({**good, "cwd": None}, (0, 1, 2)),
        ({**good, "umask": "022"}, (0, 1, 2)),
        ({**good, "env": ["A=1"]}, (0, 1, 2)),
        ({**good, "path": [None, *good["path"][1:]]}, (0, 1, 2)),  # type: ignore[index]
        (good, (0, 1)),  # two descriptors, not three
        ({"op": "nothing"}, ()),
        ([1, 2, 3], ()),
    ]
    for req, fds in bad:
        conn = Conn(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        conn.sock.settimeout(10)
        conn.sock.connect(str(light))
        conn.send(req, fds=fds)
        got = conn.recv()
        conn.close()
        assert got is None or "refused" in got, (req, got)
    for raw in (b"\x00\x00\x00\x05{oops", struct.pack(">I", 1 << 30), b"\xff"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(str(light))
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        assert s.recv(100) == b""  # dropped without an answer
        s.close()
    after = _status(light)
    assert after is not None and after["served"] == before["served"]
    assert after["pid"] == before["pid"]


def test_bad_server_input_is_exit_2_with_a_message(tmp_path: Path) -> None:
    bad = subprocess.run([sys.executable, "-m", "engine.preload", str(tmp_path / "s"), "soon"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("usage:")
    long = tmp_path / ("d" * 120) / "s.sock"
    done = subprocess.run([sys.executable, "-m", "engine.cli", "preload", "start"],
                          capture_output=True, text=True, cwd=ROOT, env=_env(long), timeout=60)
    assert done.returncode == 2 and "longer than" in done.stderr
    assert "Traceback" not in bad.stderr + done.stderr
