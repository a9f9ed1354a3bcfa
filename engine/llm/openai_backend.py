"""A model backend for OpenAI-compatible completion servers, through httpx.

``--model http://127.0.0.1:8000/v1 --model-name NAME`` plans with a model behind a server
(llama.cpp's ``llama-server``, vLLM, llama-cpp-python, ...). Every answer goes through the
same verify / feedback / fallback loop as the embedded model's; the server only proposes.

The plan and goal grammars (Lark, :mod:`engine.llm.grammar`) are sent in the form the
server takes (``grammar_mode``):

- ``gbnf`` (default): the grammar as GBNF in the request's ``grammar`` field (llama.cpp's
  server reads it on ``/v1/completions``);
- ``vllm``: the same GBNF text in ``guided_grammar`` (vLLM's structured outputs);
- ``none``: no grammar (the verifier still judges every proposal).

Only the ``gbnf`` request shape is tested here, against a local HTTP server written in the
tests (tests/engine/test_openai_backend.py) that serves the embedded model; no llama.cpp
or vLLM server was run.
"""

from __future__ import annotations

import re
import time
from typing import Any, Literal

from engine.llm.backend import Generation, ModelBackend
from verifier.errors import PlansafeError

__all__ = ["OpenAICompatibleBackend", "lark_to_gbnf", "gbnf_to_lark", "openai_backend"]

GrammarMode = Literal["gbnf", "vllm", "none"]


def lark_to_gbnf(lark: str) -> str:
    """The plan / goal grammars (rules of quoted strings, names, ``|``, ``*``, groups) as
    GBNF: ``start`` is ``root``, ``name: ...`` is ``name ::= ...``, ``_`` in names is
    ``-``. Other Lark features are not converted."""
    out = []
    for line in lark.splitlines():
        m = re.match(r"^([a-z_][a-z0-9_]*)\s*:(.*)$", line)
        if m:
            name = "root" if m.group(1) == "start" else m.group(1).replace("_", "-")
            line = f"{name} ::={m.group(2)}"
        out.append(_names(line))
    return "\n".join(out)


def gbnf_to_lark(gbnf: str) -> str:
    """The inverse of :func:`lark_to_gbnf` (the test server decodes under it)."""
    out = []
    for line in gbnf.splitlines():
        m = re.match(r"^([a-z][a-z0-9-]*)\s*::=(.*)$", line)
        if m:
            name = "start" if m.group(1) == "root" else m.group(1).replace("-", "_")
            line = f"{name}:{_names(m.group(2), back=True)}"
        else:
            line = _names(line, back=True)
        out.append(line)
    return "\n".join(out)


def _names(text: str, *, back: bool = False) -> str:
    """Rule names outside string literals with ``_`` <-> ``-``."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
    for i in range(0, len(parts), 2):
        parts[i] = (re.sub(r"\b([a-z]+(?:-[a-z0-9]+)+)\b", lambda m: m.group(1).replace("-", "_"),
                           parts[i]) if back else parts[i].replace("_", "-"))
    return "".join(parts)


class OpenAICompatibleBackend(ModelBackend):
    """Completions from ``{base_url}/completions`` (the first greedy, the others sampled)."""

    def __init__(self, base_url: str, *, model_name: str, api_key: str | None = None,
                 grammar_mode: GrammarMode = "gbnf", timeout_s: float = 120.0) -> None:
        try:
            import httpx
        except ImportError:  # pragma: no cover - httpx comes with the tools extra
            raise PlansafeError("the OpenAI-compatible backend needs httpx (pip install "
                                "'plansafe[tools]')") from None
        if grammar_mode not in ("gbnf", "vllm", "none"):
            raise PlansafeError(f"unknown grammar mode '{grammar_mode}' (gbnf, vllm, none)")
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
        if grammar is not None and self.grammar_mode != "none":
            key = "grammar" if self.grammar_mode == "gbnf" else "guided_grammar"
            body[key] = lark_to_gbnf(grammar)
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
        return [Generation(str(c.get("text", "")), per or len(str(c.get("text", ""))) // 4,
                           seconds / max(1, len(choices))) for c in choices]

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
