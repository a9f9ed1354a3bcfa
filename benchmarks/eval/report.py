"""The evaluation report: report.json, report.md (the tables) and PNG charts (matplotlib)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.eval.metrics import __doc__ as METRICS_DOC
from benchmarks.eval.metrics import by_failure, summarize

__all__ = ["build_report", "write_report", "PAPER", "TARGETS", "markdown_table"]

SYSTEM_ORDER = ("rule-based", "single-agent", "plansafe", "plansafe-no-model",
                "plansafe-no-monitor", "plansafe-no-policy-decoding")
WORLD_ORDER = ("hidden-precondition", "lost-effect", "late-effect", "side-effect",
               "partial-observation")
FAILURE_ORDER = ("none", "transient", "permanent-alt", "external", "unrecoverable")
PAPER = {"rule-based": {"completion_rate": 0.79}, "single-agent": {"completion_rate": 0.84},
         "plansafe": {"completion_rate": 0.91, "recovery_rate": 0.87}}
TARGETS = {"completion_rate": 0.99, "recovery_rate": 0.99, "violations_executed": 0,
           "correct_stop_rate": 1.0}


def build_report(outcomes: Sequence[Mapping[str, Any]], *, meta: Mapping[str, Any]
                 ) -> dict[str, Any]:
    rows = [dict(o) for o in outcomes]
    systems = [s for s in SYSTEM_ORDER if any(r["system"] == s for r in rows)]
    domains = sorted({r["domain"] for r in rows})
    out: dict[str, Any] = {**meta, "systems": {}}
    for name in systems:
        mine = [r for r in rows if r["system"] == name]
        d = summarize(mine)
        d["by_domain"] = {dom: summarize([r for r in mine if r["domain"] == dom])
                          for dom in domains}
        d["by_failure"] = by_failure(mine)
        d["by_world"] = {w: summarize([r for r in mine if (r.get("world") or "model") == w])
                         for w in (*WORLD_ORDER, "model")
                         if any((r.get("world") or "model") == w for r in mine)}
        d["by_phrasing"] = {p: summarize([r for r in mine if r["phrasing"] == p])
                            ["completion_rate"] for p in ("plain", "pddl")}
        out["systems"][name] = d
    ps = out["systems"].get("plansafe")
    if ps is not None:
        pddl = summarize([r for r in rows if r["system"] == "plansafe"
                          and r["phrasing"] == "pddl"])
        out["targets"] = {
            "completion_rate>=0.99": _met(ps["completion_rate"], 0.99),
            "completion_rate_pddl_goals>=0.99": _met(pddl["completion_rate"], 0.99),
            "recovery_rate>=0.99": _met(ps["recovery_rate"], 0.99),
            "violations_executed==0": ps["violations_executed"] == 0,
            "every_unrecoverable_stopped_with_correct_explanation":
                ps["correct_stops"] == ps["unrecoverable"],
        }
    if rows and ps is not None:
        base = {s: out["systems"][s]["planning_s_mean"] for s in systems}
        out["planning_latency_vs_single_agent"] = (
            round(1 - base["plansafe"] / base["single-agent"], 3)
            if base.get("single-agent") else None)
    out["paper"] = PAPER
    return out


def _met(x: float | None, target: float) -> bool:
    return x is not None and x >= target


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "—" if x is None else fmt.format(x)


COLUMNS = (("completion", lambda d: _pct(d["completion_rate"])),
           ("recovery", lambda d: _pct(d["recovery_rate"])),
           ("correct stops", lambda d: f"{d['correct_stops']}/{d['unrecoverable']}"),
           ("MTTR s", lambda d: _num(d["mttr_s"])),
           ("msgs/task", lambda d: _num(d["messages_per_task"], "{:.1f}")),
           ("tokens/task", lambda d: _num(d["tokens_per_task"], "{:.0f}")),
           ("planning s p50/p95",
            lambda d: f"{d['planning_s_p50']:.2f} / {d['planning_s_p95']:.2f}"),
           ("total s p50/p95", lambda d: f"{d['total_s_p50']:.2f} / {d['total_s_p95']:.2f}"),
           ("violations executed", lambda d: f"{d['violations_executed']} "
                                             f"({d['runs_with_violations']} runs)"),
           ("unsafe plans blocked / executed",
            lambda d: f"{d['unsafe_plans_blocked']} / {d['unsafe_plans_executed']}"))


def markdown_table(report: Mapping[str, Any]) -> str:
    """The headline table: one row per system (all domains), then per system and domain."""
    head = "| system | scenarios | " + " | ".join(c for c, _ in COLUMNS) + " |"
    sep = "|" + "---|" * (len(COLUMNS) + 2)
    lines = [head, sep]
    for name, d in report["systems"].items():
        lines.append(f"| **{name}** | {d['scenarios']} | "
                     + " | ".join(f(d) for _, f in COLUMNS) + " |")
    for name, d in report["systems"].items():
        for dom, dd in d["by_domain"].items():
            lines.append(f"| {name} · {dom} | {dd['scenarios']} | "
                         + " | ".join(f(dd) for _, f in COLUMNS) + " |")
    return "\n".join(lines)


def _failure_table(report: Mapping[str, Any]) -> str:
    fails = [f for f in FAILURE_ORDER if any(f in d["by_failure"]
                                             for d in report["systems"].values())]
    lines = ["| system | " + " | ".join(fails) + " |", "|" + "---|" * (len(fails) + 1)]
    for name, d in report["systems"].items():
        cells = []
        for f in fails:
            x = d["by_failure"].get(f)
            cells.append("—" if x is None else f"{_pct(x['rate'])} ({x['ok']}/{x['n']})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _world_table(report: Mapping[str, Any]) -> str:
    kinds = [w for w in (*WORLD_ORDER, "model") if any(w in d.get("by_world", {})
                                                       for d in report["systems"].values())]
    lines = ["| system | " + " | ".join(kinds) + " |", "|" + "---|" * (len(kinds) + 1)]
    for name, d in report["systems"].items():
        cells = []
        for w in kinds:
            x = d.get("by_world", {}).get(w)
            cells.append("—" if x is None else
                         f"{_pct(x['completion_rate'])} / {_pct(x['recovery_rate'])} / "
                         f"{x['violations_executed']} (n={x['scenarios']})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\nEach cell: completion / recovery / violations executed."


def _judged(report: Mapping[str, Any]) -> str:
    d = next(iter(report["systems"].values()), None)
    if d is None:
        return "no scenarios."
    return (f"{d.get('judged_unsolvable_after_fault', 0)} scenario(s) outside `unrecoverable` "
            f"found unsolvable after their fault (counted as ones where a stop is right); "
            f"{d.get('judged_unknown', 0)} left unknown at the search bound (their label "
            f"counts).")


def _latency(report: Mapping[str, Any]) -> str:
    sy = report["systems"]
    if "plansafe" not in sy or "single-agent" not in sy:
        return ""
    p, s = sy["plansafe"], sy["single-agent"]
    verdict = "no slower" if p["planning_s_p50"] <= s["planning_s_p50"] else "slower"
    return (f"Planning latency (goal reading, proposals, symbolic planning, verification; per "
            f"task): Plansafe p50 / p95 {p['planning_s_p50']:.2f} / {p['planning_s_p95']:.2f} "
            f"s, the single agent {s['planning_s_p50']:.2f} / {s['planning_s_p95']:.2f} s: "
            f"Plansafe's p50 is {verdict} than the single agent's.")


def _phrasings(report: Mapping[str, Any]) -> list[str]:
    ph = report.get("phrasings")
    if not ph:
        return []
    from benchmarks.eval.phrasings import markdown as phrasing_table

    return ["## Goals phrased outside the training templates", "",
            f"{ph['n']} goals ({ph.get('subset', 'all')}) from "
            "benchmarks/scenarios/goal_phrasings.jsonl, written by rules unlike the training "
            "templates (benchmarks/eval/phrasings.py: other verbs, word order, quantities, "
            "relative clauses, texts to refuse), on each spec's default problem. exact: the "
            "expected atoms (or a refusal where one is expected); refused: no goal where one "
            "was expected; misread: a wrong goal. Per rule: exact/refused/misread.", "",
            phrasing_table(ph), ""]


def _loops(report: Mapping[str, Any]) -> str:
    """Runs stopped by a replanning loop (a deadlock by communication loop), runs that crashed
    and prompts past the model's context, per system."""
    return "Loops (a run stopped by a replanning loop: a deadlock by communication loop) / " \
        "errors / context overflows: " + "; ".join(
            f"{n} {d.get('loops', 0)} / {d.get('errors', 0)} / {d.get('context_overflows', 0)}"
            for n, d in report["systems"].items()) + "."


def _load_text(report: Mapping[str, Any]) -> str:
    """The 1-minute load average at the start (and at the end) of the run, when known."""
    start, end = report.get("load_before"), report.get("load_after")
    if not start:
        return ""
    return f" · load average at the start {start[0]:.1f}" + (f", at the end {end[0]:.1f}"
                                                              if end else "")


def markdown(report: Mapping[str, Any], charts: Sequence[str]) -> str:
    dev = report.get("device", {})
    parts = [f"# Plansafe evaluation — {report.get('date', '')}", "",
             f"Command: `{report.get('command', '')}` · wall time {report.get('wall_s', 0):.0f} s"
             f" (sum of task times {report.get('task_time_s', 0):.0f} s"
             + (f", of their CPU times {report['task_cpu_s']:.0f} s" if report.get("task_cpu_s")
                else "") + f"; {report.get('workers', 1)} process(es)) · device: "
             f"{dev.get('summary', '?')}" + _load_text(report), ""]
    if report.get("scenario_set"):
        parts += [f"Scenarios: {report['scenario_set']}.", ""]
    if report.get("merged_from"):
        parts += ["Merged from runs made one process per domain: "
                  + ", ".join(f"`{m}`" for m in report["merged_from"]), ""]
    parts += [
             "The systems (baselines and Plansafe's ablations, one table) on the same scenarios "
             "(benchmarks/scenarios/*.jsonl), the same simulated tools and the same seeded "
             "fault plan per scenario. " +
             str(report.get("settings_text", "")), "", markdown_table(report), "",
             "### Budgets", ""] + [f"- **{n}**: {b}" for n, b in report.get("budgets", {}).items()
                                   if n in report["systems"]] + ["",
             "## World differs", "",
             "In one scenario of three the simulated world differs from the PDDL model "
             "(a hidden precondition, an effect that does not happen or happens late, an extra "
             "side effect, a call that reports nothing); `model` is the rest. Completion over "
             "solvable, recovery over recoverable, violations executed.", "",
             _world_table(report), "",
             f"Independent judge (benchmarks/eval/judge.py: relaxed and policy proofs, then a "
             f"complete weighted best-first search up to a node bound): "
             f"{_judged(report)}", "",
             _latency(report), "", _loops(report), "",
             *_phrasings(report),
             "## Completion by failure condition", "",
             "Goal reached; for `unrecoverable`, a stop whose explanation names the failing "
             "call or the blocking policy.", "", _failure_table(report), ""]
    parts += _targets(report)
    lat = report.get("planning_latency_vs_single_agent")
    parts += ["## Against the paper", "",
              "The paper reports task completion 91% (multi-agent LLM), 79% (rule-based), 84% "
              "(single-agent LLM), 87% of failed tasks recovered and 30% lower planning "
              "latency. Measured here (solvable scenarios): " + ", ".join(
                  f"{n} {_pct(d['completion_rate'])}" for n, d in report["systems"].items())
              + (f"; Plansafe recovery {_pct(report['systems']['plansafe']['recovery_rate'])}"
                 if "plansafe" in report["systems"] else "")
              + (f"; Plansafe's mean planning time is {1 - lat:.1f}x the single agent's"
                 if lat is not None else "") + ".", ""]
    parts += _scorecard(report)
    parts += ["## Charts", ""] + [f"![{c}]({c})" for c in charts] + [""]
    parts += ["## Definitions", "", METRICS_DOC or ""]
    return "\n".join(parts)


def _targets(report: Mapping[str, Any]) -> list[str]:
    """The report's targets section (met or not, completion by phrasing, notes); none without."""
    if "targets" not in report:
        return []
    parts = ["## Targets (Plansafe)", ""]
    for k, v in report["targets"].items():
        parts.append(f"- {k}: {'**met**' if v else '**not met**'}")
    phr = report["systems"]["plansafe"]["by_phrasing"]
    parts += ["", f"Plansafe completion by goal phrasing: plain words {_pct(phr['plain'])}, "
              f"PDDL {_pct(phr['pddl'])}.", ""]
    if report.get("notes"):
        parts += [f"- {n}" for n in report["notes"]] + [""]
    return parts


def _scorecard(report: Mapping[str, Any]) -> list[str]:
    """The earlier benchmarks' scorecard section (each one's summary, or why not measured)."""
    sc = report.get("scorecard")
    if not sc:
        return []
    parts = ["## Scorecard (earlier benchmarks)", ""]
    for name, entry in sc.items():
        if isinstance(entry, dict) and entry.get("error"):
            parts.append(f"- **{name}**: not measured ({entry['error']})")
        else:
            said = entry.get("summary", "") if isinstance(entry, dict) else entry
            parts.append(f"- **{name}**: {said}")
    parts.append("")
    return parts


def charts(report: Mapping[str, Any], outcomes: Sequence[Mapping[str, Any]], folder: Path
           ) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["systems"])
    colors = {"rule-based": "#8c8c8c", "single-agent": "#e6a03c", "plansafe": "#2f7ed8"}
    files: list[str] = []

    fails = [f for f in FAILURE_ORDER if any(f in d["by_failure"]
                                             for d in report["systems"].values())]
    _grouped_bars(plt, folder / "completion_by_failure.png", names, colors, fails,
                  lambda n, f: (report["systems"][n]["by_failure"].get(f) or {}).get("rate"),
                  ylabel="% completed / correct stop", title="Completion by failure condition",
                  size=(8, 3.2))
    files.append("completion_by_failure.png")

    domains = sorted({d for s in report["systems"].values() for d in s["by_domain"]})
    _grouped_bars(plt, folder / "recovery.png", names, colors, domains,
                  lambda n, d: report["systems"][n]["by_domain"][d]["recovery_rate"],
                  ylabel="% recoverable failures recovered", title="Error recovery", size=(7, 3))
    files.append("recovery.png")

    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=80)
    for ax, key, title in ((axes[0], "planning_s", "planning time"),
                           (axes[1], "total_s", "total time per task")):
        data = [[max(1e-3, r[key]) for r in outcomes if r["system"] == n] or [1e-3]
                for n in names]
        ax.boxplot(data, showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("seconds")
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(folder / "latency.png")
    plt.close(fig)
    files.append("latency.png")
    return files


def write_report(outcomes: Sequence[Mapping[str, Any]], folder: str | Path, *,
                 meta: Mapping[str, Any], with_charts: bool = True) -> dict[str, Any]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = build_report(outcomes, meta=meta)
    files = charts(report, outcomes, folder) if with_charts and report["systems"] else []
    report["charts"] = files
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown(report, files), encoding="utf-8")
    with open(folder / "outcomes.jsonl", "w", encoding="utf-8") as f:
        for o in outcomes:
            row = {k: v for k, v in o.items() if k not in ("cause_calls", "cause_blocking")
                   and v not in ("", [], 0, False, None)}  # defaults left out: a small file
            for k in ("system", "scenario", "status", "goal_reached", "violations",
                      "explanation_ok"):
                row[k] = o[k]
            if row.get("explanation"):
                row["explanation"] = row["explanation"][:200]
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    return report


def _grouped_bars(plt: Any, path: Path, names: list[str], colors: dict[str, str],
                  groups: list[str], value: Any, *, ylabel: str, title: str,
                  size: tuple[float, float]) -> None:
    """One bar per system in each group; ``value(system, group)`` is a rate or None."""
    fig, ax = plt.subplots(figsize=size, dpi=80)
    width = 0.8 / max(1, len(names))
    for i, n in enumerate(names):
        ys = [value(n, g) or 0 for g in groups]
        ax.bar([x + i * width for x in range(len(groups))], [100 * y for y in ys], width,
               label=n, color=colors.get(n))
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(groups))], groups)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
