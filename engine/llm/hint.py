"""The state-aware decoding's hint: lean towards the step after which FF's relaxed plan is
shortest (Hoffmann & Nebel 2001).

At each node of a state-aware decoding (:mod:`engine.llm.stateaware`), the steps the rules
allow are scored by the length of FF's relaxed plan (deletes ignored) from the state each
leads to, to the goal's atoms and to those a ``sometime`` / ``sometime-after`` rule still
owes (:meth:`engine.llm.relaxed.Relaxation.closest`): goal atoms the agenda puts last
(:mod:`engine.llm.agenda`: a robot's battery or place, an atom every way to the others
undoes) count only after the others, the relaxed plans heed ``sometime-before`` rules still
waiting for their requirement, and among steps still alike the one after which more goal
atoms hold is closer. The tokens by which a row begins or
goes on one of the best steps get ``prefer`` nats more: a hint, not a choice. The model's
own scores still rank the steps, so a model that is sure of a step keeps it, and one that is
unsure (names it never read, sizes it never saw) leans towards steps that bring the goal
closer. Where every allowed step scores alike there is no hint. Where the plan may end (the
goal holds and no rule is owed), it ends: a plan that goes on past that point only risks
undoing it. The hint orders what the rules already allow; nothing here is a proof, and every
plan is verified as before. ``prefer = 0`` is the model alone.

Under beam search the bonus adds up along a beam, so beams that keep taking the best steps
outrank beams that wander; that is the intent.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from verifier.order import bits

__all__ = ["relaxed_plan", "hinted_tokens", "add_hint"]


def relaxed_plan(state: int, goal: int, steps: Sequence[tuple[int, int]]
                 ) -> tuple[int, int] | None:
    """FF's relaxed plan from ``state`` to the ``goal`` atoms, given the steps as
    (preconditions, adds) bitmasks: the atoms it needs at layer 1 (those a first step can
    add) and its length (the steps it takes: FF's heuristic); None when the goal is out of
    reach even ignoring deletes. The delete relaxation is run forward layer by layer, each
    atom keeping the first step that added it, and the plan read backwards from the goal,
    each chosen step's preconditions needed at their own layers."""
    if not goal & ~state:
        return 0, 0
    layer: dict[int, int] = {}  # atom -> the layer it first holds in (absent: in state)
    achiever: dict[int, int] = {}  # atom -> the index of its first achiever
    reached, todo, k = state, list(enumerate(steps)), 0
    while goal & ~reached:
        k += 1
        rest, before = [], reached
        for j, (pre, adds) in todo:
            if pre & ~before:
                rest.append((j, (pre, adds)))
                continue
            for b in bits(adds & ~reached):
                layer[b], achiever[b] = k, j
            reached |= adds
        if reached == before:
            return None
        todo = rest
    need = [0] * (k + 1)  # per layer, the atoms the relaxed plan needs there
    for b in bits(goal & ~state):
        need[layer[b]] |= 1 << b
    chosen: set[int] = set()
    for j in range(k, 0, -1):
        for b in bits(need[j]):
            a = achiever[b]
            if a not in chosen:
                chosen.add(a)
                for p in bits(steps[a][0] & ~state):
                    need[layer[p]] |= 1 << p
    return need[1], len(chosen)


def hinted_tokens(masks: Any, lines: Sequence[bytes], preferred: Sequence[bytes],
                  prefix: bytes, can_end: bool) -> list[int]:
    """The tokens allowed after ``prefix`` on a line of ``lines`` (``masks``: an
    :class:`engine.llm.linemask.LineMasks`) that begin, or go on, one of the
    ``preferred`` lines (sorted bytes) after the same prefix."""
    out = []
    for tok in masks.allowed(lines, prefix, can_end):
        data = prefix + masks.bytes[tok]
        i = bisect.bisect_left(preferred, data)
        if i < len(preferred) and preferred[i].startswith(data):
            out.append(tok)
    return out


def add_hint(proc: Any, logits: Any) -> None:
    """Add ``proc.prefer`` nats to the tokens by which each row of a state-aware processor
    (:class:`engine.llm.stateaware.StateAwareMasks`) begins or goes on one of the closest
    steps (:meth:`engine.llm.stateaware.Safe.closest`; kept per node and text written on
    the line); a row at a node where the plan may end may only end it."""
    import torch

    hints = proc.__dict__.setdefault("_hints", {})  # (node, tail) -> tokens
    for i, tail in enumerate(proc._tails):
        if tail is None or tail == (-1,):  # adrift, or ended (EOS only)
            continue
        gid, node = proc.gids[i], proc.nodes[i]
        lines, can_end = proc._grammars.line_sets[gid]
        pref = () if can_end else proc._grammars.preferred(node, gid, proc.allowed[i])
        if not pref and not (can_end and len(tail) == 1):
            continue
        toks = hints.get((node, tail))
        if toks is None:  # where the plan may end, ending is the hint
            text = proc._masks.text(proc.pending[i])
            toks = torch.tensor([proc._masks.eos] if can_end else
                                hinted_tokens(proc._masks, lines, pref, text, False),
                                dtype=torch.long)
            if len(hints) > 200_000:
                hints.clear()
            hints[(node, tail)] = toks
        if can_end:  # the goal holds and nothing is owed: the plan ends here
            eos = logits[i, proc._masks.eos].clone()
            logits[i] = float("-inf")
            logits[i, proc._masks.eos] = eos + proc.prefer
        elif len(toks):
            logits[i, toks.to(logits.device)] += proc.prefer
