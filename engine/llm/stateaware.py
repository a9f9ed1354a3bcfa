"""An optional state-aware constraint: each plan step must be applicable where it is taken.

It extends the backend's grammar processor (outlines' llguidance logits processor). Every
row of the batch simulates its own plan: at the start of a step the row's matcher is
rebuilt from a grammar whose only alternatives are the ground actions applicable in the
row's current state (IPC text format), or the end of the plan. Executability then holds
by construction; the goal, the policies and the access rules are still left to the
verifier. Enumerating applicable actions grounds every action, so this is meant for
small problems.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["state_aware_processor"]


def state_aware_processor(task: Any, llg_tokenizer: Any, tensor_library_name: str = "torch"
                          ) -> Any:
    """A logits processor over ``task`` (a :class:`verifier.grounding.Task`)."""
    import llguidance as llg

    from engine.llm.backend import grammar_processor_class
    from engine.llm.prompts import step_line

    grammars: dict[int, Any] = {}
    matchers: dict[int, Any] = {}  # one compiled matcher per state, handed out as copies
    actions: dict[int, dict[str, Any]] = {}

    def grammar_for(state: int) -> Any:
        g = grammars.get(state)
        if g is None:
            app = {step_line(ga.name, ga.args): ga
                   for ga in task.applicable_actions(state)}
            actions[state] = app
            if app:
                lark = "start: step?\nstep: " + " | ".join(json.dumps(t) for t in sorted(app))
            else:
                lark = 'start: ""'
            g = grammars[state] = llg.grammar_from("lark", lark)
        return g

    def matcher_for(state: int) -> Any:
        m = matchers.get(state)
        if m is None:
            m = matchers[state] = llg.LLMatcher(llg_tokenizer, grammar_for(state))
        return m.deep_copy()

    class StateAwareProcessor(grammar_processor_class()):  # type: ignore[misc]
        """Masks are reused by (state, tokens since the last newline): each state's grammar
        is one line, so what it allows depends on nothing else. One processor serves every
        generate call for its task (the backend keeps it), so states reached by the greedy
        row, the sampled rows and later feedback rounds are compiled once."""

        def __init__(self) -> None:
            super().__init__(grammar_for(task.initial_state), llg_tokenizer, tensor_library_name)
            self.cache_masks_by_line()

        def _setup(self, batch_size: int) -> None:
            super()._setup(batch_size)  # copies of the initial state's compiled matcher
            self.states = [task.initial_state] * batch_size
            self.pending: list[list[int]] = [[] for _ in range(batch_size)]
            self._tails = [(task.initial_state,)] * batch_size

        def process_logits(self, input_ids: Any, logits: Any) -> Any:
            if self.is_first_token:
                self._setup(self.tensor_adapter.shape(input_ids)[0])
                self.is_first_token = False
            else:
                eos = llg_tokenizer.eos_token
                for i, tok in enumerate(input_ids[:, -1].tolist()):
                    m = self.ll_matchers[i]
                    if m.is_stopped() or m.is_error():
                        self._tails[i] = None
                        continue
                    m.consume_token(tok)
                    if tok == eos or m.is_error():
                        self._tails[i] = None
                        continue
                    self.pending[i].append(tok)
                    # a state's grammar is a single line, so a newline can only end a token
                    if self._newline(tok):
                        text = llg_tokenizer.decode_str(self.pending[i])
                        ga = actions[self.states[i]].get(text)
                        if ga is not None:
                            self.states[i] = ga.apply(self.states[i])
                            self.ll_matchers[i] = matcher_for(self.states[i])
                        self.pending[i] = []
                    self._tails[i] = (self.states[i], *self.pending[i])
            return self._bias_logits(input_ids, logits)

    return StateAwareProcessor()
