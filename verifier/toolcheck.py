"""``plansafe check`` resolves every ``tools:`` binding without running (or importing) it.

For ``module:callable`` it finds the module's source file the way Python would (the spec
folder first, as the engine puts it on the module path, then ``sys.path``), parses it with
:mod:`ast`, and checks that ``callable`` is defined at the module's top level and that a
``def`` takes the action's arguments after ``ctx``. Nothing is executed: no module body, no
package ``__init__``. Errors point at the binding in ``spec.yaml`` (``line:col``) with a
did-you-mean.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

from verifier.errors import SpecError, did_you_mean

__all__ = ["check_tool_bindings", "find_module_source"]


def _top_level(name: str, first: Sequence[str]) -> ModuleSpec | None:
    """A top-level module's spec: in ``first`` (the spec folder), else through the import
    system's finders (an editable install's too). Finding a top-level module runs no code."""
    spec = importlib.machinery.PathFinder.find_spec(name, list(first))
    if spec is not None:
        return spec
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def find_module_source(name: str, search: Sequence[str]) -> tuple[Path | None, list[str]]:
    """The source file of module ``name`` (None when not found) and, for a hint, the module
    names found where the missing part was looked for. No code runs: packages are walked
    through their search locations, never imported. ``search``: folders looked in first."""
    parts = name.split(".")
    paths: list[str] = list(search)
    origin: Path | None = None
    for i, part in enumerate(parts):
        spec = _top_level(part, paths) if i == 0 else \
            importlib.machinery.PathFinder.find_spec(part, paths)
        if spec is None:
            return None, _names_in(paths)
        if i < len(parts) - 1:
            if not spec.submodule_search_locations:
                return None, []
            paths = list(spec.submodule_search_locations)
        elif spec.origin and spec.origin not in ("built-in", "frozen"):
            origin = Path(spec.origin)
        else:  # a namespace package or a compiled module: found, no source to read
            return Path(), []
    return origin, []


def _names_in(paths: Sequence[str]) -> list[str]:
    out = []
    for p in paths:
        folder = Path(p)
        if not folder.is_dir():
            continue
        try:
            for f in folder.iterdir():
                if f.suffix == ".py":
                    out.append(f.stem)
                elif (f / "__init__.py").exists():
                    out.append(f.name)
        except OSError:
            continue
    return out


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:  # ``a = ...`` and ``a, b = ...`` (tools bound together)
                for name in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                    if isinstance(name, ast.Name):
                        out[name.id] = node
        elif isinstance(node, (ast.AnnAssign,)) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                out[(alias.asname or alias.name).split(".")[0]] = node
    return out


def _arity_problem(fn: ast.FunctionDef | ast.AsyncFunctionDef, n: int) -> str | None:
    """Why ``fn(ctx, *args)`` cannot take the action's ``n`` arguments, or None."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    if not positional and a.vararg is None:
        return "takes no arguments (a tool is called as tool(ctx, *args))"
    slots = len(positional) - 1 if positional else 0  # after ctx
    required = len(positional) - len(a.defaults) - 1 if positional else 0
    if a.vararg is None and n > slots:
        return f"takes {slots} argument{'s' if slots != 1 else ''} after ctx, " \
            f"but the action has {n}"
    if n < required:
        return f"needs {required} arguments after ctx, but the action has {n}"
    if a.kwonlyargs and any(d is None for d in a.kw_defaults):
        return "has keyword-only arguments without defaults (a tool gets positional ones)"
    return None


def check_tool_bindings(spec: Any) -> list[SpecError]:
    """Every ``module:callable`` binding of ``spec`` (a :class:`verifier.spec.Spec`) that
    cannot be resolved, as positioned errors."""
    if spec.spec_path is None or not spec.tools:
        return []
    adapters = getattr(spec, "adapters", {}) or {}
    positions = _positions(Path(spec.spec_path))
    search = [str(Path(spec.root).resolve())]
    out: list[SpecError] = []
    parsed: dict[Path, dict[str, ast.AST] | None] = {}
    for action, ref in spec.tools.items():
        if action in adapters or not isinstance(ref, str) or ":" not in ref:
            continue
        line, col = positions.get(action, (1, 1))
        module, _, attr = ref.partition(":")

        def fail(message: str, hint: str | None, line: int = line, col: int = col) -> None:
            out.append(SpecError(message, path=str(spec.spec_path), line=line, col=col,
                                 hint=hint))

        source, siblings = find_module_source(module, search)
        if source is None:
            fail(f"tool for '{action}': no module '{module}'",
                 did_you_mean(module.rpartition(".")[2], siblings)
                 or f"put {module.replace('.', '/')}.py beside spec.yaml or install it")
            continue
        if source == Path() or source.suffix != ".py":
            continue  # found, but no Python source to read (a compiled module)
        if source not in parsed:
            try:
                parsed[source] = _definitions(ast.parse(source.read_text(encoding="utf-8")))
            except (OSError, SyntaxError, ValueError) as e:
                fail(f"tool for '{action}': cannot read {source}: {e}", None)
                parsed[source] = None
                continue
        defs = parsed[source]
        if defs is None:
            continue
        node = defs.get(attr)
        if node is None:
            fail(f"tool for '{action}': module '{module}' defines no '{attr}'",
                 did_you_mean(attr, [k for k in defs if not k.startswith("_")])
                 or f"define def {attr}(ctx, ...) in {source.name}")
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = len(spec.domain.actions[action].params)
            why = _arity_problem(node, n)
            if why is not None:
                params = " ".join(v for v, _ in spec.domain.actions[action].params)
                fail(f"tool for '{action}': {module}:{attr} {why}",
                     f"def {attr}(ctx, {', '.join(v.lstrip('?') for v in params.split())})"
                     .replace("(ctx, )", "(ctx)"))
    return out


def _positions(spec_path: Path) -> dict[str, tuple[int, int]]:
    """Line and column of each ``tools:`` value in ``spec.yaml``."""
    import yaml

    try:
        root = yaml.compose(spec_path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return {}
    if root is None or not isinstance(root.value, list):
        return {}
    for k, v in root.value:
        if getattr(k, "value", None) == "tools" and isinstance(v.value, list):
            out = {}
            for tk, tv in v.value:
                col = tv.start_mark.column + 1 + (1 if getattr(tv, "style", None) in ("'", '"')
                                                  else 0)
                out[str(tk.value)] = (tv.start_mark.line + 1, col)
            return out
    return {}
