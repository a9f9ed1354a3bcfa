"""A model backend for OpenAI-compatible completion servers, through httpx.

``--model http://127.0.0.1:8000/v1 --model-name NAME`` plans with a model behind a server
(llama.cpp's ``llama-server``, vLLM, llama-cpp-python, ...). Every answer goes through the
same verify / feedback / fallback loop as the embedded model's; the server only proposes.

The plan and goal grammars (Lark, :mod:`engine.llm.grammar`) are sent in the form the
server takes (``grammar_mode``):

- ``gbnf`` (default): the grammar as GBNF in the request's ``grammar`` field (llama.cpp's
  server reads it on ``/v1/completions``);
- ``vllm``: the same GBNF text in ``guided_grammar`` (vLLM's structured outputs);
- ``json-schema``: for servers that take no grammar, a JSON schema of the answer in
  ``response_format`` (``{"type": "json_schema", "json_schema": {"name", "schema",
  "strict"}}``): a plan is ``{"steps": [{"action": A, "args": [...]}]}`` where each step
  is one of the domain's actions with its arity and, at each position, an ``enum`` of the
  problem's objects of that parameter's type (``prefixItems``); a goal is ``{"atoms":
  [{"predicate": P, "args": [...]}]}`` (no atoms: the text cannot be read). The JSON
  answer is turned back into plan (or goal) text, which the verifier judges as always;
  an answer that is not such JSON is passed on as it came and fails to parse
  (:func:`lark_to_json_schema`, :func:`json_answer_to_text`);
- ``none``: no grammar (the verifier still judges every proposal).

Tested against local HTTP servers written in the tests (tests/engine/test_openai_backend.py)
that serve the embedded model: ``gbnf`` (the grammar read back to Lark) and
``json-schema`` (the request body checked; the schema read back into a plan grammar, the
answer sent as JSON). No llama.cpp or vLLM server was run.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Literal

from engine.llm.backend import Generation, ModelBackend
from verifier.errors import PlansafeError

__all__ = ["OpenAICompatibleBackend", "lark_to_gbnf", "gbnf_to_lark", "joined_rules",
           "openai_backend",
           "lark_to_json_schema", "json_answer_to_text", "GRAMMAR_MODES"]

GrammarMode = Literal["gbnf", "vllm", "json-schema", "none"]
GRAMMAR_MODES: tuple[GrammarMode, ...] = ("gbnf", "vllm", "json-schema", "none")


def lark_to_gbnf(lark: str) -> str:
    """The plan / goal grammars (rules of quoted strings, names, ``|``, ``*``, groups) as
    GBNF: ``start`` is ``root``, ``name: ...`` is ``name ::= ...``, ``_`` in names is
    ``-``, and each rule on one line (llama.cpp's parser ends a rule at a newline outside
    parentheses: a Lark rule's alternatives on lines of their own made it refuse the
    grammar, and llama-cpp-python's server dropped the connection). Other Lark features
    are not converted."""
    return _convert_rules(joined_rules(lark), r"^([a-z_][a-z0-9_]*)\s*:(.*)$",
                          ("start", "root"), " ::=")


def joined_rules(text: str) -> str:
    """``text`` with each line that continues a rule (starts with whitespace and ``|``)
    joined to the line before it."""
    out: list[str] = []
    for line in text.splitlines():
        if out and re.match(r"^\s+\|", line):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def gbnf_to_lark(gbnf: str) -> str:
    """The inverse of :func:`lark_to_gbnf` (the test server decodes under it)."""
    return _convert_rules(gbnf, r"^([a-z][a-z0-9-]*)\s*::=(.*)$", ("root", "start"), ":")


def _convert_rules(text: str, head: str, start: tuple[str, str], arrow: str) -> str:
    """Each rule head matching ``head`` (groups: name, body) written as ``name`` ``arrow``
    ``body``, with ``start[0]`` renamed ``start[1]``; rule names everywhere (outside string
    literals) get ``_`` -> ``-`` (to GBNF) or ``-`` -> ``_`` (to Lark, ``arrow`` ``:``)."""
    back = arrow == ":"
    out = []
    for line in text.splitlines():
        m = re.match(head, line)
        if m:
            name = m.group(1)
            name = start[1] if name == start[0] else \
                name.replace("-", "_") if back else name.replace("_", "-")
            line = f"{name}{arrow}{m.group(2)}"
        out.append(_names(line, back=back))
    return "\n".join(out)


def _names(text: str, *, back: bool = False) -> str:
    """Rule names outside string literals with ``_`` <-> ``-``."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
    for i in range(0, len(parts), 2):
        parts[i] = (re.sub(r"\b([a-z]+(?:-[a-z0-9]+)+)\b", lambda m: m.group(1).replace("-", "_"),
                           parts[i]) if back else parts[i].replace("_", "-"))
    return "".join(parts)


def _alternatives(lark: str) -> dict[str, list[list[str]]]:
    """The rules of a plan / goal grammar (:mod:`engine.llm.grammar`): name -> its
    alternatives, each a list of tokens (string literals decoded, rule names as they are)."""
    rules: dict[str, list[list[str]]] = {}
    name = ""
    for line in lark.splitlines():
        m = re.match(r"^([a-z_][a-z0-9_]*)\s*:(.*)$", line)
        if m:
            name, rest = m.group(1), m.group(2)
            rules[name] = []
        elif line.strip().startswith("|") and name:
            rest = line
        else:
            continue
        for alt in re.split(r'\|(?=(?:[^"\\]|\\.|"(?:[^"\\]|\\.)*")*$)', rest):
            toks = re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*', alt)
            if toks:
                rules[name].append([json.loads(t) if t.startswith('"') else t for t in toks])
    return rules


def lark_to_json_schema(lark: str) -> dict[str, Any] | None:
    """A JSON schema of the answers the plan grammar (IPC text) or goal grammar allows,
    for servers that take a schema and no grammar; None for another grammar. Each step
    (atom) is one of the grammar's actions (predicates) with exactly its arguments, each
    an ``enum`` of the objects the grammar admits there."""
    rules = _alternatives(lark)
    key, item, name_key = (("steps", "step", "action") if "step" in rules and lark.startswith(
        "start: step*") else ("atoms", "atom", "predicate") if "atom" in rules else
        ("", "", ""))
    if not key:
        return None
    choices = []
    for alt in rules[item]:
        if not alt or alt[0].startswith(("{", "[")):
            return None  # the JSON plan format: not converted
        args = [{"enum": [o.rstrip(" )\n") for (o,) in rules.get(ref, [])]}
                for ref in alt[1:]]
        choices.append({"type": "object", "additionalProperties": False,
                        "required": [name_key, "args"],
                        "properties": {name_key: {"enum": [alt[0].strip("( )\n")]},
                                       "args": {"type": "array", "prefixItems": args,
                                                "minItems": len(args),
                                                "maxItems": len(args)}}})
    return {"type": "object", "additionalProperties": False, "required": [key],
            "properties": {key: {"type": "array", "items": {"anyOf": choices}}}}


def json_answer_to_text(answer: str) -> str:
    """A JSON answer of :func:`lark_to_json_schema`'s shape as plan text (one ``(action
    args)`` a line) or goal text (atoms separated by spaces; none: ``(unknown)``); any
    other answer as it came (it then fails to parse, as an ill-formed proposal does)."""
    try:
        data = json.loads(answer)
    except ValueError:
        return answer
    if not isinstance(data, dict):
        return answer
    key, name_key = ("steps", "action") if "steps" in data else ("atoms", "predicate")
    items = data.get(key)
    if not isinstance(items, list) or not all(
            isinstance(x, dict) and isinstance(x.get(name_key), str)
            and isinstance(x.get("args", []), list) for x in items):
        return answer
    parts = ["(" + " ".join([x[name_key], *map(str, x.get("args", []))]) + ")" for x in items]
    if key == "steps":
        return "".join(p + "\n" for p in parts)
    return " ".join(parts) or "(unknown)"


class OpenAICompatibleBackend(ModelBackend):
    """Completions from ``{base_url}/completions`` (the first greedy, the others sampled)."""

    def __init__(self, base_url: str, *, model_name: str, api_key: str | None = None,
                 grammar_mode: GrammarMode = "gbnf", timeout_s: float = 120.0) -> None:
        try:
            import httpx
        except ImportError:  # pragma: no cover - httpx comes with the tools extra
            raise PlansafeError("the OpenAI-compatible backend needs httpx (pip install "
                                "'plansafe[tools]')") from None
        if grammar_mode not in GRAMMAR_MODES:
            raise PlansafeError(f"unknown grammar mode '{grammar_mode}' (known: "
                                f"{', '.join(GRAMMAR_MODES)})")
        self.base_url = base_url.rstrip("/")
        self.model_name = model_name
        self.grammar_mode = grammar_mode
        self.name = model_name
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)
        #: seconds the next call may take (the planner's time budget)
        self.max_time: float | None = None
        self.requests: list[dict[str, Any]] = []  # the bodies sent (tests, debugging)

    def _complete(self, prompt: str, *, grammar: str | None, n: int, max_new_tokens: int,
                  temperature: float) -> list[Generation]:
        import httpx

        body: dict[str, Any] = {"model": self.model_name, "prompt": prompt, "n": n,
                                "max_tokens": max_new_tokens, "temperature": temperature}
        schema = None
        if grammar is not None and self.grammar_mode == "json-schema":
            schema = lark_to_json_schema(grammar)
            if schema is not None:
                kind = "plan" if "steps" in schema["properties"] else "goal"
                body["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": kind, "schema": schema, "strict": True}}
        elif grammar is not None and self.grammar_mode != "none":
            key = "grammar" if self.grammar_mode == "gbnf" else "guided_grammar"
            body[key] = lark_to_gbnf(grammar)
        if self.grammar_mode == "gbnf":  # llama.cpp penalises repeats (1.1) by default:
            body["repeat_penalty"] = 1.0  # plans repeat their action names on every line
        self.requests.append(body)
        t0 = time.perf_counter()
        try:
            if self.max_time is not None:  # the planner's time budget
                resp = self._client.post(f"{self.base_url}/completions", json=body,
                                         timeout=self.max_time)
            else:
                resp = self._client.post(f"{self.base_url}/completions", json=body)
        except httpx.TimeoutException:
            return [Generation("", max_new_tokens, time.perf_counter() - t0)]
        except httpx.HTTPError as e:
            raise PlansafeError(f"{self.base_url}: the model server did not answer ({e})"
                                ) from None
        if resp.status_code != 200:
            raise PlansafeError(f"{self.base_url}/completions: HTTP {resp.status_code}: "
                                f"{resp.text[:200]}")
        data = resp.json()
        seconds = time.perf_counter() - t0
        choices = data.get("choices") or []
        usage = data.get("usage") or {}
        per = int(usage.get("completion_tokens", 0)) // max(1, len(choices))
        texts = [str(c.get("text", "")) for c in choices]
        if schema is not None:
            texts = [json_answer_to_text(t) for t in texts]
        return [Generation(t, per or len(t) // 4, seconds / max(1, len(choices)))
                for t in texts]

    def generate(self, prompt: str, *, grammar: str | None, k: int = 1,
                 max_new_tokens: int = 256, temperature: float = 0.7,
                 state: Any = None, beams: int = 1) -> list[Generation]:
        """``state`` and ``beams`` are not sent (a server knows neither); the verifier
        judges every proposal."""
        out = self._complete(prompt, grammar=grammar, n=1, max_new_tokens=max_new_tokens,
                             temperature=0.0)
        if k > 1:
            out += self._complete(prompt, grammar=grammar, n=k - 1,
                                  max_new_tokens=max_new_tokens, temperature=temperature)
        return out

    def sample(self, prompt: str, n: int, *, grammar: str | None, max_new_tokens: int = 256,
               temperature: float = 0.7, state: Any = None) -> list[Generation]:
        return self._complete(prompt, grammar=grammar, n=n, max_new_tokens=max_new_tokens,
                              temperature=temperature)


def openai_backend(model_dir: Any, *, device: str = "auto", model_name: str = "default",
                   grammar_mode: GrammarMode = "gbnf") -> OpenAICompatibleBackend:
    """Registry factory: ``model_dir`` is the server's base URL (``http://host:port/v1``)."""
    return OpenAICompatibleBackend(str(model_dir), model_name=model_name,
                                   grammar_mode=grammar_mode)
