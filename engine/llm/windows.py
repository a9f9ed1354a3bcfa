"""Proposals longer than the model's context: the answer's room, and a sliding window.

A plan prompt lists the problem's objects, its initial atoms and its goal; the answer
follows it in the same context (768 positions for the embedded model). For problems
larger than the training sizes the prompt and the token budget the planner asks for no
longer fit together. :func:`room` gives the answer what the context has left (when that
is at least :data:`MIN_ANSWER` tokens), and :func:`continue_proposal` goes on with a
proposal cut there: the prompt of the state its whole steps reach (state-relative: the
steps written so far leave the context, the state they reach is the new prompt's
initial state, the goal stays) and the decoding rules started from that node, policy
memory included, up to ``windows`` times or the planner's token budget. The proposal is
the steps of all windows together, judged whole by the verifier as any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

__all__ = ["MIN_ANSWER", "room", "fits", "node_after", "ground_steps", "continue_proposal"]

#: an answer with less room than this is not tried: the prompt overflows the context
MIN_ANSWER = 48


def _free(backend: Any, prompt: str) -> int | None:
    """What the backend's context leaves after ``prompt``; None when it cannot count."""
    ctx = getattr(backend, "context_tokens", None)
    count = getattr(backend, "prompt_tokens", None)
    return None if not ctx or count is None else int(ctx) - int(count(prompt))


def room(backend: Any, prompt: str, want: int) -> int:
    """Tokens the answer may take: ``want``, or what the backend's context leaves after
    ``prompt`` when that is less (but at least :data:`MIN_ANSWER`; below it ``want``, and
    the backend reports the overflow)."""
    free = _free(backend, prompt)
    return want if free is None or free >= want or free < MIN_ANSWER else free


def fits(backend: Any, prompt: str) -> bool:
    """Whether ``prompt`` leaves the answer at least :data:`MIN_ANSWER` tokens of the
    backend's context (True when the backend cannot count)."""
    free = _free(backend, prompt)
    return free is None or free >= MIN_ANSWER


def node_after(text: str, checker: Any, start: Any = None) -> Any:
    """The node (state, policy memory) the whole steps of plan ``text`` reach from
    ``start`` (None: the initial node); None when a step does not parse, is not a ground
    action of the problem or cannot be taken there."""
    from engine.llm.stateaware import Safe

    actions, whole = ground_steps(text, checker)
    if not whole:
        return None
    nodes = Safe(checker, start).after(actions)
    return nodes[-1] if len(nodes) == len(actions) + 1 else None


def ground_steps(text: str, checker: Any) -> tuple[list[Any], bool]:
    """The ground actions of plan ``text``'s lines up to the first that does not parse or
    is no ground action of the problem, and whether every line was one."""
    actions = []
    for line in text.splitlines():
        words = line.strip().strip("()").split()
        if not words:
            continue
        try:
            actions.append(checker.task.action(words[0], tuple(words[1:])))
        except (KeyError, ValueError, IndexError):
            return actions, False
    return actions, True


def continue_proposal(first: Any, cap: int, want: int, *, windows: int, checker: Any,
                      problem: Any, start: Any,
                      write: Callable[[str, Any], tuple[Any, int]],
                      fit: Callable[[str], bool] | None = None) -> Any:
    """``first`` (a generation cut at ``cap`` < ``want`` tokens by the context) continued
    from the node its whole steps reach (from ``start``): ``write(prompt, node)`` writes
    the next window and says its cap. Stops when a window ends before its cap (the model
    ended the plan, or a fail-fast stop did), after ``windows`` windows, when ``want``
    tokens are spent, or when the steps reach no node. ``fit``: whether a prompt fits the
    context (then a window's prompt too large leaves out static atoms:
    :func:`engine.llm.prompts.fitted_prompt`)."""
    from engine.llm.prompts import fitted_prompt, problem_prompt
    from verifier.problem_ops import with_initial_state

    text, tokens, last = first.text, first.tokens, first.tokens
    for _ in range(windows):
        if cap >= want or last < cap or tokens >= want:
            break
        whole = text[:text.rfind("\n") + 1]
        node = node_after(whole, checker, start)
        if node is None:
            break
        here = with_initial_state(problem, checker.task.atoms_of(node[0]))
        prompt = problem_prompt(here) if fit is None else fitted_prompt(here, fit)
        gen, cap = write(prompt, node)
        text, last = whole + gen.text, gen.tokens
        tokens += gen.tokens
    return replace(first, text=text, tokens=tokens)
