"""Ending a ``plansafe`` process without the interpreter's teardown once torch is loaded.

After torch and transformers are imported, Python's own shutdown (clearing every module,
collecting their objects) takes about a second on the 2-core machines here: 0.86 s after
``import torch, transformers.models.gpt2.modeling_gpt2``, 0.34 s after torch alone
(session 28), every time the command used the model, whatever it answered. The answer is
printed by then. :func:`leave` does what shutdown must do (the ``atexit`` handlers:
logging, telemetry exporters, temporary folders; stdout and stderr flushed) and ends the
process with ``os._exit``. It does nothing when torch was never imported, when a thread
the interpreter would wait for is still running, or with ``PLANSAFE_FULL_EXIT=1``.
"""

from __future__ import annotations

__all__ = ["leave"]


def leave(code: object) -> None:
    """End the process now with ``SystemExit``'s ``code`` (None: 0, a number, or a message
    printed to stderr: 1) when the module doc's conditions hold; else return."""
    import atexit
    import contextlib
    import os
    import sys
    import threading

    if "torch" not in sys.modules or os.environ.get("PLANSAFE_FULL_EXIT") == "1":
        return
    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return  # the interpreter would join it: let it
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()  # (closed or replaced: nothing of ours left in it)
    os._exit(status)
