"""Which code a run may load (issue 27): a spec's tools and a ``--planner module:callable``.

A spec's ``tools:`` are code: ``module:callable`` bindings are imported and called, shell and
MCP bindings start programs, HTTP bindings send requests (with the secrets they name). So
``plansafe run``/``resume``/``worker``/``mcp`` load only trusted code (docs/TRUST.md):

Trusted by default
  * modules of Plansafe's own packages (``domains``, ``engine``, ``verifier``,
    ``benchmarks``, ``tests``) whose source lies in Plansafe's own folder;
  * specs inside Plansafe's own ``specs/`` and ``examples/`` folders (a checkout).

Trusted when you say so
  * ``--trust-spec``: the spec you run: every tool its ``tools:`` declares, and modules
    found in its folder (its own ``tools.py``, a planner beside it);
  * the trust file (``$PLANSAFE_TRUST``, else ``$XDG_CONFIG_HOME/plansafe/trust.toml``, else
    ``~/.config/plansafe/trust.toml``)::

        modules = ["my_company.ward"]     # module prefixes (the module and its submodules)
        folders = ["/srv/plansafe-specs"] # specs and modules inside these folders
        specs = ["sha256:..."]            # a spec's digest: plansafe trust SPEC [--add]

A spec digest covers the spec's files and the source of every tool it binds, so an edit to
either ends the trust. A run records what its starter trusted (``run-started``: ``trust``);
``resume`` and the workers go on under it, and the certificate's tool digests
(:mod:`verifier.tool_digest`) refuse code that changed since the plan was certified.
The Python API (``Engine(...)`` without ``trust=``) checks nothing: its caller runs code.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.errors import PlansafeError
from verifier.spec import Spec

__all__ = ["Trust", "TrustFile", "UntrustedCode", "trust_file_path", "read_trust_file",
           "spec_digest", "for_run", "PROJECT", "BUILTIN_PACKAGES"]

PROJECT = Path(__file__).resolve().parents[1]
BUILTIN_PACKAGES = ("domains", "engine", "verifier", "benchmarks", "tests")
_MAX_DEPTH = 8  # workflow children checked below a spec


class UntrustedCode(PlansafeError):
    """A run would load code nobody trusted (exit 2, with how to trust it)."""


@dataclass(frozen=True, slots=True)
class TrustFile:
    path: Path | None = None
    modules: tuple[str, ...] = ()
    folders: tuple[Path, ...] = ()
    specs: tuple[str, ...] = ()


def trust_file_path() -> Path:
    env = os.environ.get("PLANSAFE_TRUST")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "plansafe" / "trust.toml"


def read_trust_file(path: Path | None = None) -> TrustFile:
    """The trust file at ``path`` (default :func:`trust_file_path`); none there: empty."""
    import tomllib

    path = path or trust_file_path()
    if not path.is_file():
        return TrustFile(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PlansafeError(f"{path}: cannot read the trust file ({e})") from None
    unknown = set(data) - {"modules", "folders", "specs"}
    if unknown:
        raise PlansafeError(f"{path}: unknown key '{sorted(unknown)[0]}' (the trust file has "
                            "modules, folders and specs)")
    lists: dict[str, list[str]] = {}
    for key in ("modules", "folders", "specs"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlansafeError(f"{path}: {key} is a list of strings")
        lists[key] = value
    return TrustFile(path, tuple(lists["modules"]),
                     tuple(Path(f).expanduser().resolve() for f in lists["folders"]),
                     tuple(lists["specs"]))


def spec_digest(spec: Spec) -> str:
    """``sha256:...`` of a spec's files and of the code its tools bind (for ``specs =``)."""
    from verifier.certificate import files_digest
    from verifier.tool_digest import tool_sources

    h = hashlib.sha256(files_digest(spec.files()).encode())
    h.update(json.dumps([spec.tools, tool_sources(spec)], sort_keys=True).encode())
    return "sha256:" + h.hexdigest()


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def _builtin_folders() -> tuple[Path, ...]:
    if not (PROJECT / "pyproject.toml").is_file():  # an installed wheel ships no specs
        return ()
    return tuple(PROJECT / d for d in ("specs", "examples") if (PROJECT / d).is_dir())


@dataclass(frozen=True, slots=True)
class _Code:
    what: str  # "tool for 'deploy'", "planner"
    name: str  # the module, or the adapter
    where: str  # the source file, or the spec


@dataclass(frozen=True, slots=True)
class Trust:
    """What a run may load: the defaults, the trust file, and ``--trust-spec``."""

    file: TrustFile = field(default_factory=TrustFile)
    trust_spec: bool = False

    @classmethod
    def load(cls, *, trust_spec: bool = False, path: Path | None = None) -> Trust:
        return cls(read_trust_file(path), trust_spec)

    def record(self) -> dict[str, Any]:
        """What ``run-started`` keeps of it (resume goes on under the starter's trust)."""
        return {"spec": self.trust_spec,
                "file": str(self.file.path) if self.file.path else None}

    # --- deciding --------------------------------------------------------------------------------

    def _folders(self) -> tuple[Path, ...]:
        return _builtin_folders() + self.file.folders

    def spec_trusted(self, spec: Spec, *, named: bool = True) -> bool:
        """All the spec's declared tools are trusted (``named``: it is the spec the user
        named, which ``--trust-spec`` covers; a workflow child is not)."""
        root = Path(spec.root).resolve()
        return (named and self.trust_spec) or _inside(root, self._folders()) or (
            bool(self.file.specs) and spec_digest(spec) in self.file.specs)

    def module_trusted(self, module: str, source: Path | None, *, spec_root: Path | None
                       ) -> bool:
        def prefixed(prefixes: tuple[str, ...]) -> bool:
            return any(module == p or module.startswith(p + ".") for p in prefixes)

        if prefixed(self.file.modules):
            return True
        if source is None or source == Path():
            return False
        source = source.resolve()
        top = module.partition(".")[0]
        if top in BUILTIN_PACKAGES and _inside(source, (PROJECT / top,)):
            return True
        folders = self._folders() + ((spec_root,) if spec_root is not None else ())
        return _inside(source, folders)

    def untrusted(self, spec: Spec, *, planner: str | None = None, tools: bool = True
                  ) -> list[_Code]:
        """The code ``spec`` (and ``planner``, a ``module:callable``) would load that is
        not trusted."""
        from verifier.toolcheck import find_module_source

        root = Path(spec.root).resolve()
        out: list[_Code] = []
        if planner is not None and ":" in planner:
            module = planner.partition(":")[0]
            source, _ = find_module_source(module, (str(root),))
            if not self.module_trusted(module, source,
                                       spec_root=root if self.trust_spec else None):
                out.append(_Code("planner", module, str(source or "not found")))
        if tools:
            out.extend(self._tools(spec, named=True, seen=set(), depth=0))
        return out

    def _tools(self, spec: Spec, *, named: bool, seen: set[Path], depth: int
               ) -> Iterator[_Code]:
        from verifier.tool_digest import python_bindings
        from verifier.toolcheck import find_module_source

        root = Path(spec.root).resolve()
        if root in seen or depth > _MAX_DEPTH:
            return
        seen.add(root)
        trusted = self.spec_trusted(spec, named=named)
        for action, ref in python_bindings(spec).items():
            module = ref.partition(":")[0]
            source, _ = find_module_source(module, (str(root),))
            if not trusted and not self.module_trusted(module, source, spec_root=None):
                yield _Code(f"tool for '{action}'", module, str(source or "not found"))
        for action, b in sorted(getattr(spec, "adapters", {}).items()):
            if b.adapter == "workflow" and b.workflow:
                yield from self._child(b.workflow, seen, depth)
            elif b.adapter != "event" and not trusted:
                yield _Code(f"tool for '{action}'", f"adapter: {b.adapter}",
                            str(spec.spec_path or root))

    def _child(self, folder: str, seen: set[Path], depth: int) -> Iterator[_Code]:
        from verifier.spec import load_spec

        try:
            child = load_spec(folder)
        except PlansafeError:
            return  # the child run reports its own bad input
        yield from self._tools(child, named=False, seen=seen, depth=depth + 1)

    def require(self, spec: Spec, *, planner: str | None = None, tools: bool = True) -> None:
        """Raise :class:`UntrustedCode` naming the first untrusted code and how to trust it."""
        bad = self.untrusted(spec, planner=planner, tools=tools)
        if not bad:
            return
        first = bad[0]
        where = spec.spec_path or spec.root
        others = len({c.name for c in bad} - {first.name})
        more = f" (and {others} more)" if others else ""
        if first.what == "planner":
            how = "run with --trust-spec if it is in the spec's folder"
            entry = f'modules = ["{first.name}"]'
        else:
            how = "run with --trust-spec to trust this spec's code"
            entry = f'specs = ["{spec_digest(spec)}"]' + (
                "" if first.name.startswith("adapter:") else f' or modules = ["{first.name}"]')
        raise UntrustedCode(
            f"{where}: {first.what} is code that is not trusted: {first.name} "
            f"({first.where}){more}. It would run with your privileges: read it, then "
            f"{how}, or add it to the trust file {self.file.path or trust_file_path()} "
            f"({entry}); see docs/TRUST.md")


def for_run(started: Mapping[str, Any], *, trust_spec: bool = False) -> Trust:
    """The trust a run goes on under (resume, workers): the trust file now, and
    ``--trust-spec`` when its starter gave it (recorded in ``run-started``) or when given
    again now. The tools' code is held to the certificate's digests as well."""
    recorded = started.get("trust") or {}
    return Trust.load(trust_spec=trust_spec or bool(recorded.get("spec")))
