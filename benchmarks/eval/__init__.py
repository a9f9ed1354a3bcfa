"""The evaluation: rule-based, single-agent LLM and Plansafe on seeded scenarios with injected
failures (``plansafe bench``); see :mod:`benchmarks.eval.run`."""
