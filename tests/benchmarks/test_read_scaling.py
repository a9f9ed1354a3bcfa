"""benchmarks.read_scaling runs end to end on small sizes (the numbers are in
benchmarks/results/read_scaling.md); every chain it times is checked valid."""

from __future__ import annotations

from benchmarks.read_scaling import markdown, measure


def test_small_sizes_give_a_ratio_per_doubling() -> None:
    res = measure({"plan_text": (200, 400), "domain_read": (20, 40),
                   "chain_auto": (20, 40), "chain_z3": (20, 40)}, repeat=1)
    for name, rows in res["cases"].items():
        assert [r["n"] for r in rows] == [rows[0]["n"], 2 * rows[0]["n"]], name
        assert rows[0]["ratio"] is None and rows[1]["ratio"] > 0
        assert all(r["seconds"] > 0 for r in rows)
    table = markdown(res)
    assert "| chain_z3 | 40 |" in table and table.count("\n") == 2 + 8
