"""The compact text the model sees and writes: problem -> plan, plain goal -> formal goal.

A plan prompt lists the objects, the initial atoms and the goal atoms, each sorted, so
that the same problem always gives the same prompt; the model answers in IPC plan text,
one ``(action args)`` per line. A goal prompt names the spec, the objects and the text;
the answer is a conjunction of ground atoms, or ``(unknown)`` when the text cannot be
mapped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from verifier.model import And, Atom, Const, Formula, GroundAtom, Not, Or, Problem

__all__ = ["step_line", "plan_prompt", "goal_prompt", "problem_prompt", "fitted_prompt",
           "formula_text", "atom_text", "feedback_prompt", "goal_parts", "UNKNOWN_GOAL"]

UNKNOWN_GOAL = "(unknown)"


def atom_text(atom: GroundAtom) -> str:
    return "(" + " ".join(atom) + ")"


def step_line(name: str, args: tuple[str, ...]) -> str:
    """A ground action as one line of IPC plan text: ``(name args)`` and a newline."""
    return "(" + " ".join((name, *args)) + ")\n"


def formula_text(f: Formula) -> str:
    """A formula as PDDL text (conjunctions of literals flattened to atoms separated by spaces)."""
    if isinstance(f, Atom):
        return "(" + " ".join((f.pred, *f.args)) + ")"
    if isinstance(f, And):
        return " ".join(formula_text(a) for a in f.args)
    if isinstance(f, Not):
        return f"(not {formula_text(f.arg)})"
    if isinstance(f, Or):
        return "(or " + " ".join(formula_text(a) for a in f.args) + ")"
    if isinstance(f, Const):
        return "" if f.value else "(or)"
    return str(f)


def plan_prompt(objects: Iterable[str], init: Iterable[str], goal: Iterable[str]) -> str:
    """The plan prompt; objects, initial atoms and goal parts are each sorted."""
    return ("plan\nobjects: " + " ".join(sorted(objects)) + "\ninit: "
            + " ".join(sorted(init)) + "\ngoal: " + " ".join(sorted(goal)) + "\n")


def goal_parts(goal: Formula) -> list[str]:
    """The conjuncts of a goal as text (a conjunction of literals gives one part each)."""
    if isinstance(goal, And):
        return [p for a in goal.args for p in goal_parts(a)]
    text = formula_text(goal)
    return [text] if text else []


def problem_prompt(problem: Problem, *, leave_out: frozenset[str] = frozenset()) -> str:
    """The plan prompt of ``problem``; initial atoms of the predicates in ``leave_out`` are
    not listed (:func:`fitted_prompt`)."""
    return plan_prompt(problem.objects,
                       (atom_text(a) for a in problem.init if a[0] not in leave_out),
                       goal_parts(problem.goal))


def fitted_prompt(problem: Problem, fits: Callable[[str], bool]) -> str:
    """The plan prompt of ``problem``, or when it does not ``fit`` (the model's context),
    the prompt without the initial atoms of static predicates, the largest group first,
    until it fits (or none is left).

    Only for decodings that offer the model nothing but steps that can be taken (the
    state-aware rules): no action changes a static atom, so those rules know every one of
    them, and the model, which no longer reads them, can still write only steps they allow.
    The model reads a prompt of a kind it was not trained on; what that costs is measured
    (benchmarks/results/llm_hint.md, session 24).
    """
    full = problem_prompt(problem)
    if fits(full):
        return full
    static = problem.domain.static_predicates
    sizes = Counter(a[0] for a in problem.init if a[0] in static)
    gone: set[str] = set()
    prompt = full
    for pred, _ in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        gone.add(pred)
        prompt = problem_prompt(problem, leave_out=frozenset(gone))
        if fits(prompt):
            break
    return prompt


def feedback_prompt(base: str, attempt: str, feedback: Sequence[str]) -> str:
    """The plan prompt again, with the rejected attempt and the verifier's explanation.

    The embedded model was trained on plain plan prompts only, so it reads this as the
    plan prompt plus context; a larger model can use the explanation itself.
    """
    return (base.rstrip("\n") + "\nrejected:\n" + attempt.strip() + "\nbecause: "
            + " | ".join(feedback) + "\n")


def goal_prompt(spec_name: str, objects: Iterable[str], text: str) -> str:
    clean = " ".join(text.split())
    return ("goal\ndomain: " + spec_name + "\nobjects: " + " ".join(sorted(objects))
            + "\ntext: " + clean + "\nformal:\n")
