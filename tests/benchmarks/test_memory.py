"""The memory scenario (benchmarks/memory.py): one of two routes fails 80% of the time; after
10 runs, at least 90% of 20 new plans take the other route."""

from __future__ import annotations

from benchmarks.memory import SPEC, scenario


def test_after_ten_runs_new_plans_avoid_the_failing_route() -> None:
    curve = scenario(seed=0, runs=10, plans=20, at=(10,), baseline_plans=2)
    (last,) = curve.points
    assert (last.runs, last.plans) == (10, 20)
    assert last.failing <= 2, curve  # >= 90% take the truck
    assert (last.baseline_plans, last.baseline_failing) == (2, 2)  # memory off: still flies
    assert len(curve.run_routes) == 10 and all(r.endswith("truck") or r == "fly ok"
                                               for r in curve.run_routes)
    assert curve.run_routes[0].startswith("fly")  # the first run tried the flight


def test_the_seed_decides_which_flights_fail() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("routes_tools_t", SPEC / "routes_tools.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    draws = [mod.flight_fails(f"p{i}", seed=0) for i in range(1, 201)]
    assert draws == [mod.flight_fails(f"p{i}", seed=0) for i in range(1, 201)]
    assert 0.7 < sum(draws) / len(draws) < 0.9
    assert draws != [mod.flight_fails(f"p{i}", seed=1) for i in range(1, 201)]
