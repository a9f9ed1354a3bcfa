"""The Planner against a real OpenAI-compatible server: llama-cpp-python's, serving the
embedded model converted to GGUF (engine/llm/gguf_export.py).

What runs: ``python -m llama_cpp.server`` on 127.0.0.1 with the GGUF file and the
checkpoint's own ``tokenizer.json`` (``--hf_pretrained_model_name_or_path``: llama.cpp has
no pre-tokenizer equal to this project's), started and stopped here. Then:

1. **the same model**: the GGUF file's logits over each plan prompt (llama.cpp in this
   process, ``llama_cpp.Llama``) against transformers' on the checkpoint, and greedy
   completions of the prompts (no grammar) from the server and from transformers, compared
   text for text;
2. **the Planner over HTTP**: the built-in specs' example problems planned by the model
   alone (``PlannerAgent(fallback=False)``) through
   :class:`engine.llm.openai_backend.OpenAICompatibleBackend` with the plan grammar sent as
   GBNF in the request's ``grammar`` field (llama.cpp's own field), against the same
   checkpoint in transformers under the same grammar (``--decoding grammar``: a server
   knows nothing of the state-aware rules), k=1 and one round each, so the first
   proposals compare; and the verifier's verdict on every proposal.

Needs ``pip install 'llama-cpp-python[server]'`` (it compiles llama.cpp: minutes) and
``gguf``. Prints JSON; ``--json FILE`` writes it too.

    python -m benchmarks.llm_server --json benchmarks/results/llm_server-llamacpp.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPECS = ("blocksworld", "devops", "documents", "robotics")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def llama_server(model_dir: Path, *, alias: str = "plansafe", ready_s: float = 120.0
                 ) -> Iterator[str]:
    """llama-cpp-python's server on 127.0.0.1 serving ``model_dir`` as GGUF; yields its
    ``/v1`` URL and stops it after."""
    import httpx

    from engine.llm.gguf_export import export_gguf

    config = json.loads((model_dir / "config.json").read_text())
    with tempfile.TemporaryDirectory(prefix="plansafe-gguf-") as tmp:
        gguf_path = export_gguf(model_dir, Path(tmp) / "model.gguf")
        port = _free_port()
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path),
             "--hf_pretrained_model_name_or_path", str(model_dir), "--model_alias", alias,
             "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", str(config["n_positions"]), "--n_threads", "2"],
            stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + ready_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("llama_cpp.server exited: "
                                       + (Path(tmp) / "server.log").read_text()[-2000:])
                try:
                    if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server not ready in {ready_s:.0f} s")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def _problems() -> list[tuple[Any, Any]]:
    from verifier.spec import load_problem, load_spec

    out = []
    for name in SPECS:
        spec = load_spec(ROOT / "specs" / name)
        for path in sorted((ROOT / "specs" / name / "problems").glob("*.pddl")):
            out.append((spec, load_problem(spec, path.stem)))
    return out


def same_model(url: str, model_dir: Path, problems: list[tuple[Any, Any]], *,
               tokens: int = 40) -> dict[str, Any]:
    """Greedy completions without a grammar, server against transformers."""
    import httpx

    from engine.llm.backend import TransformersBackend
    from engine.llm.prompts import problem_prompt

    local = TransformersBackend(model_dir, device="cpu")
    rows = []
    for _spec, problem in problems:
        prompt = problem_prompt(problem)
        mine = local.generate(prompt, grammar=None, k=1, max_new_tokens=tokens,
                              temperature=0.0)[0].text
        resp = httpx.post(f"{url}/completions", json={
            "model": "plansafe", "prompt": prompt, "max_tokens": tokens, "temperature": 0.0,
            "repeat_penalty": 1.0},
            timeout=120).json()
        theirs = resp["choices"][0]["text"]
        rows.append({"problem": problem.name, "equal": theirs == mine,
                     "common_prefix": len(_common(theirs, mine)),
                     "server": theirs[:120], "transformers": mine[:120]})
    return {"equal": sum(r["equal"] for r in rows), "n": len(rows), "rows": rows}


def same_logits(model_dir: Path, problems: list[tuple[Any, Any]]) -> dict[str, Any]:
    """llama.cpp on the GGUF file against transformers on the checkpoint: the largest
    logit difference over every position of every plan prompt, and the share of positions
    whose most likely next token agrees."""
    import numpy as np
    import torch
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.llm.gguf_export import export_gguf
    from engine.llm.prompts import problem_prompt

    tok = AutoTokenizer.from_pretrained(model_dir)
    hf = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    worst, agree, positions = 0.0, 0, 0
    with tempfile.TemporaryDirectory(prefix="plansafe-gguf-") as tmp:
        path = export_gguf(model_dir, Path(tmp) / "model.gguf")
        config = json.loads((model_dir / "config.json").read_text())
        llm = Llama(str(path), n_ctx=int(config["n_positions"]), logits_all=True,
                    verbose=False, n_threads=2)
        for _spec, problem in problems:
            ids = tok(problem_prompt(problem), add_special_tokens=False)["input_ids"]
            with torch.no_grad():
                want = hf(torch.tensor([ids])).logits[0].numpy()
            llm.reset()
            llm.eval(ids)
            got = np.array(llm.scores[:len(ids)])
            worst = max(worst, float(np.abs(got - want).max()))
            agree += int((got.argmax(-1) == want.argmax(-1)).sum())
            positions += len(ids)
    return {"max_abs_logit_diff": round(worst, 5), "argmax_agree": agree,
            "positions": positions}


def _common(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def planner_over_http(url: str, model_dir: Path, problems: list[tuple[Any, Any]]
                      ) -> dict[str, Any]:
    """First proposals through the server (GBNF grammar) and through transformers under the
    same grammar, each judged by the verifier."""
    from engine.llm.backend import TransformersBackend
    from engine.llm.openai_backend import OpenAICompatibleBackend
    from engine.planner import PlannerAgent

    remote = OpenAICompatibleBackend(url, model_name="plansafe", grammar_mode="gbnf")
    local = TransformersBackend(model_dir, device="cpu")
    rows = []
    for spec, problem in problems:
        row: dict[str, Any] = {"problem": f"{spec.name}/{problem.name}"}
        for label, backend in (("server", remote), ("transformers", local)):
            agent = PlannerAgent(spec, backend=backend, k=1, rounds=1, fallback=False,
                                 decoding="grammar", beams=1)
            t0 = time.perf_counter()
            plan, verdict = agent.plan(problem)
            rep = agent.last
            row[label] = {"valid": bool(rep.first_proposal_valid),
                          "unparseable": rep.unparseable, "tokens": rep.tokens,
                          "seconds": round(time.perf_counter() - t0, 2),
                          "verdict": ("valid" if plan is not None else
                                      verdict.violations[0].message
                                      if verdict is not None and verdict.violations else
                                      rep.message)[:120]}
        rows.append(row)
    requests = remote.requests
    return {"server_valid": sum(r["server"]["valid"] for r in rows),
            "transformers_valid": sum(r["transformers"]["valid"] for r in rows),
            "n": len(rows), "requests": len(requests),
            "requests_with_grammar": sum("grammar" in b for b in requests),
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None,
                    help="GPT-2 checkpoint folder (default: the embedded model)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    import llama_cpp  # noqa: F401 - fail here, not in the server process

    from engine.llm import DEFAULT_MODEL_DIR

    model_dir = Path(args.model or DEFAULT_MODEL_DIR)
    problems = _problems()
    out: dict[str, Any] = {"model": str(model_dir), "llama_cpp_python":
                           __import__("llama_cpp").__version__}
    t0 = time.perf_counter()
    out["logits"] = same_logits(model_dir, problems)
    with llama_server(model_dir) as url:
        out["same_model"] = same_model(url, model_dir, problems)
        out["planner"] = planner_over_http(url, model_dir, problems)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(out, indent=1)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
