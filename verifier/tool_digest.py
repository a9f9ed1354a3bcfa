"""Digests of the code a spec's tools run, for certificates (issue 27: code trust).

For each ``module:callable`` binding the module's source file is found the way
:mod:`verifier.toolcheck` finds it (the spec folder first, then the module path; nothing is
imported or run) and recorded as ``sha256:<hex>`` of the file; a module installed in
site-packages is recorded as ``dist:<name>==<version>`` of the package that installed it.
Adapter bindings (shell, http, mcp, event, workflow) are defined in ``spec.yaml`` itself,
which the certificate's spec digest already covers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from verifier.certificate import CertificateError

__all__ = ["tool_sources", "changed_tools", "module_digest", "python_bindings",
           "ToolCodeChanged"]


class ToolCodeChanged(CertificateError):
    """A tool's code differs from the code the plan was certified with (exit 2)."""


def python_bindings(spec: Any) -> dict[str, str]:
    """``action -> "module:callable"`` for the spec's Python tools (not adapter bindings)."""
    adapters = getattr(spec, "adapters", {}) or {}
    return {a: ref for a, ref in sorted(spec.tools.items()) if a not in adapters}


def _installed(path: Path, module: str) -> str | None:
    """``dist:NAME==VERSION`` when ``path`` lies in site-packages (an installed package)."""
    if not any(part in ("site-packages", "dist-packages") for part in path.parts):
        return None
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    for dist in packages_distributions().get(module.partition(".")[0], []):
        try:
            return f"dist:{dist}=={version(dist)}"
        except PackageNotFoundError:
            continue
    return None


def module_digest(module: str, search: tuple[str, ...],
                  cache: dict[Path, str] | None = None) -> str:
    """The digest of ``module``'s source (``missing`` when it is not found, ``compiled`` for a
    module with no source file)."""
    from verifier.toolcheck import find_module_source

    source, _ = find_module_source(module, search)
    if source is None:
        return "missing"
    if source == Path():
        return "compiled"
    installed = _installed(source, module)
    if installed is not None:
        return installed
    if cache is not None and source in cache:
        return cache[source]
    try:
        digest = "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        digest = "missing"
    if cache is not None:
        cache[source] = digest
    return digest


def tool_sources(spec: Any) -> tuple[tuple[str, str], ...]:
    """``(action, digest)`` for every Python tool the spec binds, sorted by action."""
    search = (str(Path(spec.root).resolve()),)
    cache: dict[Path, str] = {}
    return tuple((action, module_digest(ref.partition(":")[0], search, cache))
                 for action, ref in python_bindings(spec).items())


def changed_tools(recorded: tuple[tuple[str, str], ...], spec: Any) -> list[str]:
    """The tools whose code differs from what a certificate ``recorded`` (each as
    ``action (module:callable)``); empty when nothing was recorded (an older certificate)."""
    if not recorded:
        return []
    now = dict(tool_sources(spec))
    before = dict(recorded)
    refs = python_bindings(spec)
    return [f"{a} ({refs.get(a, 'unbound')})" for a in sorted(set(now) | set(before))
            if now.get(a) != before.get(a)]
