"""The release's tests: the committed VERSION (HEAD, not the working tree) is the version.

Exit code 0 and ``{"holds": [["tests-passed", V]]}`` on stdout when they pass; 1 otherwise.
"""

import json
import subprocess
import sys

repo, version = sys.argv[1], sys.argv[2]
shown = subprocess.run(["git", "-C", repo, "show", "HEAD:VERSION"], capture_output=True,
                       text=True, check=False)
if shown.returncode != 0 or shown.stdout.strip() != version:
    print(f"tests failed: HEAD:VERSION is {shown.stdout.strip()!r}, expected {version!r} "
          f"{shown.stderr.strip()}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"holds": [["tests-passed", version]]}))
