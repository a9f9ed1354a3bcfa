"""engine/llm/train.py: a spec trained with ``--eval 0`` has no held-out problems, and its
model card says its validity was not measured (not "0 of 0 valid")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.llm.train import TrainConfig, _add_spec_info, model_card

ROOT = Path(__file__).resolve().parents[2]


def test_no_held_out_problems_is_not_measured(tmp_path: Path) -> None:
    spec = str(ROOT / "specs" / "onboarding")
    cfg = TrainConfig(out=tmp_path, specs=(spec,))
    info: dict[str, Any] = {"size": "small", "parameters": 1, "steps": 1, "steps_planned": 1,
                            "train_seconds": 1.0, "device": "cpu", "final_loss": 1.0,
                            "records": {}, "examples": {"plan": 1}}
    # no model in tmp_path: measuring anything here would fail to load one
    _add_spec_info(info, cfg, {"onboarding": 3}, {spec: []}, tmp_path, log=lambda m: None)
    assert info["specs"][spec] == {"problems": 3}
    assert f"- `{spec}`: not measured (no held-out problems)" in model_card(info)
