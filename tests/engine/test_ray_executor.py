"""The Ray executor on a local two-node cluster: steps of one run execute on both nodes, and
planning (a plugged-in planner, Fast Downward) runs as Ray tasks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'plansafe[scale]')")


def test_steps_of_one_run_execute_on_both_nodes(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from ray.cluster_utils import Cluster

    from benchmarks.runtime import SPEC, _problem, _spec_dir
    from benchmarks.scale import chain_planner
    from engine import ray_executor
    from engine.api import Engine
    from engine.runner import RunOptions

    monkeypatch.setenv("PLANSAFE_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    spec_dir = _spec_dir(tmp_path)
    (spec_dir / "spec.yaml").write_text(SPEC.replace("benchmarks.runtime:noop_do",
                                                     "benchmarks.scale:sleepy_do"))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        seen = len(ray_executor.PLANNINGS)
        eng = Engine.from_spec(spec_dir, journal=tmp_path / "j.sqlite", executor="ray",
                               planner=chain_planner,
                               options=RunOptions(approvals="auto", concurrency=4))
        r = eng.run(_problem(spec_dir, 8, "p8"))
        assert r.status == "completed", r.message
        ran = [e.payload["step"] for e in eng.journal.events(r.run_id, kinds=("step-result",))
               if e.payload["status"] == "ok"]
        assert sorted(ran) == sorted(s["id"] for s in r.steps) and len(ran) == 8
        nodes = {node for run, _step, node in ray_executor.PLACEMENTS if run == r.run_id}
        assert len(nodes) == 2, ray_executor.PLACEMENTS
        assert eng.journal.verify_chain().ok
        planned = [p for p, _node in ray_executor.PLANNINGS[seen:]]
        assert planned == ["p8"]  # planned as a Ray task
        assert eng.journal.events(r.run_id, kinds=("plan-certified",))  # journaled here
        eng.close()
        # a registered planner (Fast Downward) is built on the Ray worker from the spec
        fd = Engine.from_spec(spec_dir, journal=tmp_path / "fd.sqlite", executor="ray",
                              planner="symbolic",
                              options=RunOptions(approvals="auto", concurrency=4))
        r2 = fd.run(_problem(spec_dir, 3, "p3"))
        assert r2.status == "completed", r2.message
        assert [p for p, _node in ray_executor.PLANNINGS][-1] == "p3"
        fd.close()
    finally:
        ray.shutdown()
        cluster.shutdown()
        os.environ.pop("RAY_ADDRESS", None)
