"""specs/spec.schema.json is the pydantic schema of spec.yaml, kept in sync."""

import json
from pathlib import Path

from verifier.spec import SpecFile, write_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "schema.json"
    write_schema(fresh)
    committed = json.loads((ROOT / "specs" / "spec.schema.json").read_text())
    assert committed == json.loads(fresh.read_text()), \
        "regenerate with: python -c \"from verifier.spec import write_schema; " \
        "write_schema('specs/spec.schema.json')\""


def test_schema_forbids_unknown_keys() -> None:
    schema = SpecFile.model_json_schema()
    assert schema["additionalProperties"] is False
    assert {"policies", "agents", "approval", "tools", "describe"} <= set(schema["properties"])
