"""``adapter: shell``: an argv template run without a shell.

Each element of ``command`` is one argument; placeholders are substituted inside an element
and never split or interpreted, so an action argument cannot inject a command or a second
argument. Exit code 0 is success (a JSON object with ``holds`` / ``not_holds`` on stdout
becomes the observation); exit code 75 (EX_TEMPFAIL) is a transient failure; any other is a
failure whose stderr (secrets redacted) the ``on_error`` rules read.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

from domains.base import Observation, PermanentToolError, ToolContext, TransientToolError
from engine.adapters.common import BoundTool, Values, error_from, observation_from, render
from verifier.tool_binding import ToolBinding

__all__ = ["ShellTool"]

EX_TEMPFAIL = 75


class ShellTool(BoundTool):
    adapter = "shell"

    def call(self, ctx: ToolContext, b: ToolBinding, values: Values) -> Observation | None:
        argv = [str(a) for a in render(list(b.command), values)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=b.spec_dir, env=dict(os.environ),
                                    start_new_session=True)
        except OSError as e:
            raise PermanentToolError(values.redact(f"cannot run {argv[0]!r}: {e}")) from None
        limit = b.timeout_s or ctx.timeout_s
        t0 = time.monotonic()
        while True:
            try:
                out, err = proc.communicate(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                late = limit is not None and time.monotonic() - t0 > limit
                if ctx.cancelled or late:
                    proc.kill()
                    proc.communicate()
                    raise TransientToolError(
                        f"{argv[0]} killed after {time.monotonic() - t0:.1f} s") from None
        text = _text(out)
        if proc.returncode != 0:
            msg = f"{argv[0]} exited with {proc.returncode}: {_text(err) or text}"
            raise error_from(b, values, msg, transient=proc.returncode == EX_TEMPFAIL)
        return observation_from(text)


def _text(data: Any) -> str:
    return data.decode("utf-8", "replace").strip() if data else ""
