# ruff: noqa: E501 - one-line python programs inside spec.yaml text
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from domains.base import Observation, PermanentToolError, PreconditionFailed, ToolContext
from engine.adapters import make_tool
from engine.api import Engine
from engine.tools import ToolTimeout, call_tool
from verifier.errors import SpecError
from verifier.spec import load_spec

PY = sys.executable


def ctx(action: str, *args: str, timeout_s: float | None = None) -> ToolContext:
    return ToolContext("r1", "s1", None, "key-1", action, args, 1, timeout_s)


ECHO = f"""  put:
    adapter: shell
    command: ["{PY}", -c, "import json,sys; print(json.dumps({{'holds': [['stored', sys.argv[1]]], 'argv': sys.argv[1:]}}))", "{{i}}"]
"""


def test_argument_is_one_argv_element_no_injection(make_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec(make_spec(ECHO))
    tool = make_tool(spec.adapters["put"])
    evil = f"a; touch {tmp_path}/pwned $(touch {tmp_path}/pwned2) `id` > {tmp_path}/x"
    obs = tool(ctx("put", evil), evil)
    assert obs == Observation.of([("stored", evil)])
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert not (tmp_path / "x").exists()


def test_exit_code_is_failure_and_on_error_rule_is_observation(make_spec) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec(make_spec(f"""  put:
    adapter: shell
    command: ["{PY}", -c, "import sys; sys.stderr.write(sys.argv[1] + ' already exists'); sys.exit(sys.argv[1] == 'a')", "{{i}}"]
    on_error:
      - match: "^.*exited with 1: a already exists"
        holds: ["(stored {{i}})"]
  look:
    adapter: shell
    command: ["{PY}", -c, "import sys; print('no json'); sys.exit(3)"]
"""))
    put = make_tool(spec.adapters["put"])
    with pytest.raises(PreconditionFailed) as e:
        put(ctx("put", "a"), "a")
    assert e.value.observation == Observation.of([("stored", "a")])
    assert put(ctx("put", "b"), "b") is None  # exit 0, no JSON: predicted effects
    with pytest.raises(PermanentToolError, match="exited with 3: no json"):
        make_tool(spec.adapters["look"])(ctx("look", "a"), "a")


def test_timeout_kills_the_process(make_spec) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import time

    spec = load_spec(make_spec(f"""  put:
    adapter: shell
    timeout_s: 0.3
    command: ["{PY}", -c, "import time; time.sleep(30)"]
"""))
    tool = make_tool(spec.adapters["put"])
    assert tool.timeout_s == 0.3  # type: ignore[attr-defined]
    t0 = time.monotonic()
    with pytest.raises(ToolTimeout) as e:
        asyncio.run(call_tool(tool, ctx("put", "a"), timeout_s=0.3))
    assert e.value.finished  # the process was killed: its effect is known (none)
    assert time.monotonic() - t0 < 5


def test_unknown_placeholder_has_position(make_spec) -> None:  # type: ignore[no-untyped-def]
    root = make_spec("""  put:
    adapter: shell
    command: [echo, "{item}"]
""")
    with pytest.raises(SpecError) as e:
        load_spec(root)
    assert (e.value.line, e.value.col) == (5, 14)
    assert "unknown placeholder '{item}'" in str(e.value)


def test_bad_adapter_name_is_a_spec_error(make_spec) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as e:
        load_spec(make_spec("  put:\n    adapter: ftp\n    command: [x]\n"))
    assert e.value.line == 4 and "adapter" in str(e.value)


def test_engine_runs_shell_tools_and_keeps_secrets_out(make_spec, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch, caplog) -> None:
    monkeypatch.setenv("KV_TOKEN", "s3cr3t-t0ken-value")
    root = make_spec(f"""  put:
    adapter: shell
    secrets: [KV_TOKEN]
    command: ["{PY}", -c, "import sys; print('using', sys.argv[2], file=sys.stderr); sys.exit(sys.argv[1] == 'a')", "{{i}}", "{{KV_TOKEN}}"]
  look:
    adapter: shell
    command: ["{PY}", -c, "print('{{}}')"]
""")
    journal = tmp_path / "j.sqlite"
    eng = Engine.from_spec(root, journal=journal)
    res = eng.run("p1")
    assert res.status != "completed"  # (put a) fails every time
    text = json.dumps(res.to_json()) + json.dumps(list(res.explanations))
    assert "using ***" in json.dumps([e.payload for e in eng.journal.events(res.run_id)])
    eng.close()
    assert b"s3cr3t-t0ken-value" not in journal.read_bytes()
    for extra in tmp_path.glob("j.sqlite*"):
        assert b"s3cr3t-t0ken-value" not in extra.read_bytes()
    assert "s3cr3t-t0ken-value" not in text
    assert "s3cr3t-t0ken-value" not in caplog.text


def test_engine_completes_with_shell_tools(make_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_spec(ECHO + f"""  look:
    adapter: shell
    command: ["{PY}", -c, "import sys; print('looked at', sys.argv[1])", "{{i}}"]
""")
    eng = Engine.from_spec(root, journal=tmp_path / "j.sqlite")
    res = eng.run("p1")
    assert res.status == "completed", res.message
    assert [s["action"] for s in res.steps] == ["put", "look"]
    assert ("seen", "a") in res.final_state
    eng.close()
