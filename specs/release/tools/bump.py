"""Write the version into VERSION (the release spec's ``bump`` tool, run by the shell adapter)."""

import json
import sys
from pathlib import Path

repo, version = Path(sys.argv[1]), sys.argv[2]
(repo / "VERSION").write_text(version + "\n", encoding="utf-8")
print(json.dumps({"version": version}))
