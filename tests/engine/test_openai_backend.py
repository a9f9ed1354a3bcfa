"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1.

The server is written here (http.server): ``POST /v1/completions`` reads the request's GBNF
``grammar`` field (llama.cpp's request shape), turns it back into Lark and decodes with the
embedded model under it. What is tested: the request shape (prompt, n, max_tokens,
temperature, grammar), the grammar's conversion both ways, and that the Planner's verify
/ fallback loop runs over HTTP. JSON-schema mode (servers that take no grammar): the
request's ``response_format`` schema is checked, and the same server honours it (decodes
under the plan grammar the schema describes and answers JSON). No llama.cpp or vLLM server
is run.
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
    from engine.llm.openai_backend import gbnf_to_lark, joined_rules, lark_to_gbnf
    from verifier.spec import load_problem, load_spec

    spec = load_spec(specs_dir / "blocksworld")
    lark = plan_grammar(spec.domain, load_problem(spec, "p01").objects)
    gbnf = lark_to_gbnf(lark)
    assert gbnf.startswith("root ::= step*")
    assert "o-block-0 ::=" in gbnf and '"(pick-up "' in gbnf and "_" not in gbnf.split(
        '"')[0]
    assert gbnf_to_lark(gbnf).strip() == joined_rules(lark).strip()
    goal = goal_grammar(spec.domain, load_problem(spec, "p01").objects)
    assert gbnf_to_lark(lark_to_gbnf(goal)).strip() == joined_rules(goal).strip()
    # llama.cpp ends a rule at a newline outside parentheses: one rule, one line
    for text in (gbnf, lark_to_gbnf(goal)):
        for line in text.splitlines():
            assert "::=" in line, line


def test_joined_rules_put_each_rule_on_one_line():
    """Alternatives on lines of their own join their rule's line (the test server below
    decodes under the joined grammar, read back to Lark by llguidance)."""
    from engine.llm.openai_backend import joined_rules

    text = 'start: step*\nstep: "(a " x\n    | "(b " x\nx: "p)\\n" | "q)\\n"'
    assert joined_rules(text).splitlines() == [
        "start: step*", 'step: "(a " x | "(b " x', 'x: "p)\\n" | "q)\\n"']


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
            schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
            if schema is not None:  # honoured: decode under the plan grammar it describes
                grammar = _schema_to_lark(schema)
            n = int(body.get("n", 1))
            temp = float(body.get("temperature", 0.7))
            if temp == 0.0:
                gens = model.generate(body["prompt"], grammar=grammar, k=n,
                                      max_new_tokens=int(body["max_tokens"]))
            else:
                gens = model.sample(body["prompt"], n, grammar=grammar,
                                    max_new_tokens=int(body["max_tokens"]), temperature=temp)
            out = {"object": "text_completion", "model": body["model"],
                   "choices": [{"index": i, "finish_reason": "stop",
                                "text": g.text if schema is None else _as_json(g.text)}
                               for i, g in enumerate(gens)],
                   "usage": {"completion_tokens": sum(g.tokens for g in gens)}}
            _reply(self, out)

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
    assert first["repeat_penalty"] == 1.0  # llama.cpp's default 1.1 would bend plans
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


def _reply(handler: BaseHTTPRequestHandler, out: dict[str, Any]) -> None:
    data = json.dumps(out).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _schema_to_lark(schema: dict[str, Any]) -> str:
    """The test server's reading of a plan schema: the IPC plan-text grammar of exactly the
    steps it allows (each action with an enum of objects at each position)."""
    alts, rules = [], []
    for n, choice in enumerate(schema["properties"]["steps"]["items"]["anyOf"]):
        props = choice["properties"]
        (action,) = props["action"]["enum"]
        pools = [p["enum"] for p in props["args"]["prefixItems"]]
        refs = []
        for i, pool in enumerate(pools):
            end = ")\\n" if i == len(pools) - 1 else " "
            rules.append(f"a{n}_{i}: " + " | ".join(f'"{o}{end}"' for o in pool))
            refs.append(f"a{n}_{i}")
        first = f'"({action} "' if pools else f'"({action})\\n"'
        alts.append(" ".join([first, *refs]))
    return "start: step*\nstep: " + " | ".join(alts) + "\n" + "\n".join(rules) + "\n"


def _as_json(text: str) -> str:
    steps = [line.strip("()").split() for line in text.splitlines() if line.strip()]
    return json.dumps({"steps": [{"action": s[0], "args": s[1:]} for s in steps]})


def test_json_schema_mode_sends_the_plan_schema(specs_dir):
    """A server that takes no grammar: the request carries a JSON schema of the plan (each
    step one of the domain's actions, each argument an enum of the objects of its type),
    and the JSON answer comes back as plan text."""
    from engine.llm.grammar import plan_grammar
    from engine.llm.openai_backend import OpenAICompatibleBackend
    from verifier.spec import load_problem, load_spec

    seen: list[dict[str, Any]] = []
    answer = {"steps": [{"action": "unstack", "args": ["b", "a"]},
                        {"action": "put-down", "args": ["b"]}]}

    class Fixed(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            _reply(self, {"choices": [{"index": 0, "text": json.dumps(answer)}],
                          "usage": {"completion_tokens": 9}})

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Fixed)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        spec = load_spec(specs_dir / "blocksworld")
        problem = load_problem(spec, "p01")
        backend = OpenAICompatibleBackend(f"http://127.0.0.1:{httpd.server_address[1]}/v1",
                                          model_name="m", grammar_mode="json-schema")
        (gen,) = backend.generate("plan\n", grammar=plan_grammar(spec.domain, problem.objects))
    finally:
        httpd.shutdown()
    body = seen[0]
    assert "grammar" not in body and "guided_grammar" not in body
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "plan"
    schema = fmt["json_schema"]["schema"]
    choices = schema["properties"]["steps"]["items"]["anyOf"]
    actions = {c["properties"]["action"]["enum"][0]: c["properties"]["args"] for c in choices}
    assert set(actions) == set(spec.domain.actions)
    blocks = sorted(o for o, t in problem.objects.items() if t == "block")
    assert actions["stack"]["prefixItems"] == [{"enum": blocks}, {"enum": blocks}]
    assert actions["stack"]["minItems"] == actions["stack"]["maxItems"] == 2
    assert gen.text == "(unstack b a)\n(put-down b)\n"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(answer, schema)  # the answer is one the schema allows
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"steps": [{"action": "fly", "args": []}]}, schema)


def test_json_schema_mode_end_to_end(server, specs_dir):
    """The local server honours the schema (decodes under the plan grammar it describes
    and answers JSON); the Planner's loop verifies the plan it gets back."""
    from engine.llm.openai_backend import OpenAICompatibleBackend
    from engine.planner import PlannerAgent
    from verifier.spec import load_problem, load_spec

    url, seen = server
    before = len(seen)
    spec = load_spec(specs_dir / "blocksworld")
    backend = OpenAICompatibleBackend(url, model_name="embedded", grammar_mode="json-schema")
    agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False,
                         llm_seconds=300)
    plan, verdict = agent.plan(load_problem(spec, "p01"))
    assert "response_format" in seen[before] and "grammar" not in seen[before]
    assert plan is not None and verdict is not None and verdict.valid
    assert agent.last.source == "llm" and agent.last.unparseable == 0


def test_json_answers_back_to_text():
    from engine.llm.openai_backend import json_answer_to_text

    assert json_answer_to_text('{"atoms": [{"predicate": "on", "args": ["a", "b"]}]}') == \
        "(on a b)"
    assert json_answer_to_text('{"atoms": []}') == "(unknown)"
    assert json_answer_to_text("(pick-up a)\n") == "(pick-up a)\n"  # not JSON: as it came
    assert json_answer_to_text('{"steps": [{"args": []}]}') == '{"steps": [{"args": []}]}'


def test_plan_command_names_the_grammar_modes(specs_dir):
    from typer.testing import CliRunner

    from engine.cli import app

    res = CliRunner().invoke(app, ["plan", str(specs_dir / "blocksworld"), "p01", "--planner",
                                   "llm", "--model", "http://127.0.0.1:9/v1", "--model-grammar",
                                   "xml", "--json"])
    assert res.exit_code == 2
    assert "json-schema" in res.stdout + res.stderr and "Traceback" not in res.stdout
