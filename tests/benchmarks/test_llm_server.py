"""The Planner against a real llama.cpp server (benchmarks/llm_server.py): llama-cpp-python's
OpenAI-compatible server, started here on 127.0.0.1 with the embedded model as GGUF.

Slow, and skipped without ``llama-cpp-python[server]`` (which compiles llama.cpp, so it is
in no extra): ``pip install 'llama-cpp-python[server]'`` then ``pytest --runslow`` here.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("llama_cpp.server")
pytest.importorskip("gguf")
pytest.importorskip("torch")


@pytest.fixture(scope="module")
def server():
    from pathlib import Path

    from benchmarks.llm_server import llama_server
    from engine.llm import DEFAULT_MODEL_DIR

    with llama_server(Path(DEFAULT_MODEL_DIR)) as url:
        yield url


def test_the_server_runs_the_same_model(server, specs_dir):
    """Greedy text without a grammar: llama.cpp on the GGUF file writes what transformers
    writes on the checkpoint."""
    from pathlib import Path

    from benchmarks.llm_server import same_model
    from engine.llm import DEFAULT_MODEL_DIR
    from verifier.spec import load_problem, load_spec

    spec = load_spec(specs_dir / "blocksworld")
    got = same_model(server, Path(DEFAULT_MODEL_DIR), [(spec, load_problem(spec, "p01"))],
                     tokens=24)
    row = got["rows"][0]
    assert row["equal"], row


def test_plan_over_http_sends_gbnf_and_verifies(server, specs_dir):
    """``plansafe plan --planner llm --model URL``: the plan grammar goes to llama.cpp as
    GBNF; what comes back parses under it and the verifier judges it (exit 0 with a
    certified plan, or 1 with the verdict)."""
    from typer.testing import CliRunner

    from engine.cli import app

    res = CliRunner().invoke(app, ["plan", str(specs_dir / "blocksworld"), "p01",
                                   "--planner", "llm", "--model", server,
                                   "--model-name", "plansafe", "--json"])
    assert res.exit_code in (0, 1), res.stdout
    out = json.loads(res.stdout)
    if res.exit_code == 0:
        assert out["status"] == "solved" and out["provenance"]["source"] in ("llm",
                                                                          "llm-repaired")
    rounds = out["provenance"].get("per_round") or []
    assert rounds and all(r["unparseable"] == 0 for r in rounds), out
