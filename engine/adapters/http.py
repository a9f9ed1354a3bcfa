"""``adapter: http``: one HTTP request (httpx): method, URL template, JSON body template.

A 2xx answer is success (a JSON object with ``holds`` / ``not_holds`` becomes the
observation). Connection errors, 429 and 5xx are retried (``retries``, with backoff) only when
the spec marks the tool ``idempotent``; for other tools they are failures that are not
retried, and a timeout is an unclear outcome the Monitor resolves by observing. Other 4xx
answers are failures whose body (secrets redacted) the ``on_error`` rules read.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from domains.base import Observation, ToolContext
from engine.adapters.common import (
    BoundTool,
    Values,
    error_from,
    observation_from,
    render,
)
from verifier.tool_binding import ToolBinding

__all__ = ["HttpTool"]

DEFAULT_TIMEOUT_S = 30.0


class HttpTool(BoundTool):
    adapter = "http"

    def call(self, ctx: ToolContext, b: ToolBinding, values: Values) -> Observation | None:
        import httpx

        from engine.tools import ToolTimeout

        # action arguments are percent-encoded in the URL (no path or query injection)
        url = render(b.url or "", Values({**values.names, **{
            p: quote(a, safe="") for p, a in zip(b.params, ctx.args, strict=False)}},
            values.secret_values))
        headers = {k: render(v, values) for k, v in b.headers}
        headers.setdefault("Idempotency-Key", ctx.idempotency_key)
        body: Any = render(b.args, values) if b.args is not None else None
        timeout = b.timeout_s or ctx.timeout_s or DEFAULT_TIMEOUT_S
        tries = 1 + (b.retries if b.idempotent else 0)
        last = ""
        with httpx.Client(timeout=timeout) as client:
            for i in range(tries):
                if i:
                    time.sleep(min(0.2 * 2 ** (i - 1), 2.0))
                if ctx.cancelled:
                    break
                try:
                    r = client.request(b.method, url, json=body, headers=headers)
                except httpx.TimeoutException:
                    last = f"{b.method} {url} timed out after {timeout:g} s"
                    if not b.idempotent:
                        raise ToolTimeout(values.redact(last), finished=True) from None
                    continue
                except httpx.HTTPError as e:
                    last = f"{b.method} {url}: {type(e).__name__}: {e}"
                    if not b.idempotent:
                        raise error_from(b, values, last) from None
                    continue
                if r.status_code == 429 or r.status_code >= 500:
                    last = f"{b.method} {url} -> {r.status_code}: {r.text}"
                    if not b.idempotent:
                        raise error_from(b, values, last)
                    continue
                if r.status_code >= 400:
                    raise error_from(b, values, f"{b.method} {url} -> {r.status_code}: {r.text}")
                try:
                    return observation_from(r.json()) if r.content else None
                except ValueError:
                    return None
        raise error_from(b, values, f"{last} (after {tries} tries)", transient=True)
