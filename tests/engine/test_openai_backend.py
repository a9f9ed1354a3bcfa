"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1.

The server is written here (http.server): ``POST /v1/completions`` reads the request's GBNF
``grammar`` field (llama.cpp's request shape), turns it back into Lark and decodes with the
embedded model under it. What is tested: the request shape (prompt, n, max_tokens,
temperature, grammar), the grammar's conversion both ways, and that the Planner's verify
/ fallback loop runs over HTTP. No llama.cpp or vLLM server is run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("httpx")
pytest.importorskip("torch")


def test_grammar_round_trip(specs_dir):
    from engine.llm.grammar import goal_grammar, plan_grammar
    from engine.llm.openai_backend import gbnf_to_lark, lark_to_gbnf
    from verifier.spec import load_problem, load_spec

    spec = load_spec(specs_dir / "blocksworld")
    lark = plan_grammar(spec.domain, load_problem(spec, "p01").objects)
    gbnf = lark_to_gbnf(lark)
    assert gbnf.startswith("root ::= step*")
    assert "o-block-0 ::=" in gbnf and '"(pick-up "' in gbnf and "_" not in gbnf.split(
        '"')[0]
    assert gbnf_to_lark(gbnf).strip() == lark.strip()
    goal = goal_grammar(spec.domain, load_problem(spec, "p01").objects)
    assert gbnf_to_lark(lark_to_gbnf(goal)).strip() == goal.strip()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    from engine.llm.backend import load_default_backend
    from engine.llm.openai_backend import gbnf_to_lark

    model = load_default_backend(device="cpu")
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            if self.path != "/v1/completions":
                self.send_error(404)
                return
            grammar = gbnf_to_lark(body["grammar"]) if "grammar" in body else None
            n = int(body.get("n", 1))
            temp = float(body.get("temperature", 0.7))
            if temp == 0.0:
                gens = model.generate(body["prompt"], grammar=grammar, k=n,
                                      max_new_tokens=int(body["max_tokens"]))
            else:
                gens = model.sample(body["prompt"], n, grammar=grammar,
                                    max_new_tokens=int(body["max_tokens"]), temperature=temp)
            out = {"object": "text_completion", "model": body["model"],
                   "choices": [{"index": i, "text": g.text, "finish_reason": "stop"}
                               for i, g in enumerate(gens)],
                   "usage": {"completion_tokens": sum(g.tokens for g in gens)}}
            data = json.dumps(out).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    httpd.shutdown()


def test_planner_plans_through_the_server(server, specs_dir):
    from engine.llm.openai_backend import OpenAICompatibleBackend
    from engine.planner import PlannerAgent
    from verifier.spec import load_problem, load_spec

    url, seen = server
    spec = load_spec(specs_dir / "blocksworld")
    problem = load_problem(spec, "p01")
    backend = OpenAICompatibleBackend(url, model_name="embedded")
    agent = PlannerAgent(spec, backend=backend, k=2, rounds=2, llm_seconds=300)
    plan, verdict = agent.plan(problem)
    assert plan is not None and verdict is not None and verdict.valid
    first = seen[0]
    assert first["model"] == "embedded" and first["temperature"] == 0.0 and first["n"] == 1
    assert first["grammar"].startswith("root ::= step*") and first["prompt"].startswith("plan\n")
    # the server's plan or, failing that, the symbolic fallback: both verified
    assert agent.last.source in ("llm", "llm-repaired", "symbolic")


def test_a_dead_server_is_a_plansafe_error():
    from engine.llm.openai_backend import OpenAICompatibleBackend
    from verifier.errors import PlansafeError

    backend = OpenAICompatibleBackend("http://127.0.0.1:9/v1", model_name="x", timeout_s=2)
    with pytest.raises(PlansafeError, match="did not answer"):
        backend.generate("plan\n", grammar=None)


def test_plan_command_takes_a_server_url(server, specs_dir):
    from typer.testing import CliRunner

    from engine.cli import app

    url, seen = server
    before = len(seen)
    res = CliRunner().invoke(app, ["plan", str(specs_dir / "blocksworld"), "p01", "--planner",
                                   "auto", "--model", url, "--model-name", "served", "--k", "1",
                                   "--rounds", "1", "--json"])
    assert res.exit_code == 0, res.stdout
    assert json.loads(res.stdout)["status"] == "solved"
    assert [b["model"] for b in seen[before:]][:1] == ["served"]
