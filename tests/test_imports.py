"""Imports run one way: benchmarks -> engine -> domains -> verifier, with no cycles.

The import graph is built from the source with :mod:`ast` -- module-level imports and those
inside functions alike (a lazy import is still a dependency) -- over the four packages.
A back edge (a lower layer importing a higher one) or a cycle between modules fails the test,
named with ``file:line``. Imports under ``if TYPE_CHECKING:`` count for the layers (a
type is a dependency too) but not for cycles (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: lowest first: a package may import its own layer and the ones before it
LAYERS = ("verifier", "domains", "engine", "benchmarks")
#: Lazy plugin loads that close a cycle today, each to become a registry string
#: (``"module:attribute"``, engine/registry.py) and then leave this list. Left out of the cycle
#: check only; a stale entry fails :func:`test_allowed_cycle_edges_still_exist`.
ALLOWED_CYCLE_EDGES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, slots=True)
class Edge:
    src: str  # importing module, dotted
    dst: str  # imported module, dotted (the deepest that exists in the tree)
    file: str  # path relative to the root
    line: int
    typing_only: bool  # under ``if TYPE_CHECKING:``

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.src} -> {self.dst}"


def modules(root: Path, packages: Sequence[str] = LAYERS) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under the packages."""
    out: dict[str, Path] = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement anywhere in the tree, with whether it is typing-only."""

    def walk(node: ast.AST, typing_only: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom,
                                                                  bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, typing_only
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), True)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), typing_only)
            else:
                yield from walk(child, typing_only)

    yield from walk(tree, False)


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The deepest known module that ``name`` (dotted) is or lies in."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def edges(root: Path, packages: Sequence[str] = LAYERS) -> list[Edge]:
    """The import edges between the packages' modules (self-imports left out)."""
    known = modules(root, packages)
    out: list[Edge] = []
    for src, path in known.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_pkg = path.name == "__init__.py"
        rel = str(path.relative_to(root))
        for node, typing_only in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    pkg = src.split(".") if is_pkg else src.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                # ``from a.b import c``: the submodule a.b.c when there is one, else a.b
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                           for a in node.names]
            for t in dict.fromkeys(targets):
                dst = _resolve(t, known)
                if dst is not None and dst != src:
                    out.append(Edge(src, dst, rel, node.lineno, typing_only))
    return out


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def back_edges(all_edges: Sequence[Edge]) -> list[Edge]:
    """Edges from a lower layer to a higher one."""
    return [e for e in all_edges if layer(e.dst) > layer(e.src)]


def cycles(all_edges: Sequence[Edge], allowed: Collection[tuple[str, str]] = ()
           ) -> list[list[Edge]]:
    """One cycle (as its edges) per strongly connected component of the runtime graph
    (typing-only edges and the ``allowed`` pairs left out)."""
    graph: dict[str, dict[str, Edge]] = {}
    for e in all_edges:
        if not e.typing_only and (e.src, e.dst) not in allowed:
            graph.setdefault(e.src, {}).setdefault(e.dst, e)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan, iterative over the successors' order
        work = [(v, iter(sorted(graph.get(v, {}))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, succ = work[-1]
            for w in succ:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return [_cycle_in(comp, graph) for comp in components]


def _cycle_in(comp: list[str], graph: dict[str, dict[str, Edge]]) -> list[Edge]:
    """A shortest cycle through the component's first module (breadth-first)."""
    members = set(comp)
    start = comp[0]
    parent: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w, e in sorted(graph.get(v, {}).items()):
                if w not in members:
                    continue
                if w == start:
                    path = [e]
                    while path[0].src != start:
                        path.insert(0, parent[path[0].src])
                    return path
                if w not in parent:
                    parent[w] = e
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def problems(root: Path, packages: Sequence[str] = LAYERS,
             allowed: Collection[tuple[str, str]] = ()) -> list[str]:
    """Every back edge and cycle, as readable lines (empty: the graph is clean)."""
    all_edges = edges(root, packages)
    out = [f"back edge {e} (allowed: {' -> '.join(reversed(LAYERS))})"
           for e in back_edges(all_edges)]
    out += ["cycle: " + "; ".join(str(e) for e in c) for c in cycles(all_edges, allowed)]
    return out


# --- the tests --------------------------------------------------------------------------------


def test_imports_run_one_way_without_cycles() -> None:
    found = problems(ROOT, allowed=ALLOWED_CYCLE_EDGES)
    assert not found, "import graph violations:\n" + "\n".join(found)


def test_allowed_cycle_edges_still_exist() -> None:
    pairs = {(e.src, e.dst) for e in edges(ROOT) if not e.typing_only}
    stale = [f"{a} -> {b}" for a, b in ALLOWED_CYCLE_EDGES if (a, b) not in pairs]
    assert not stale, ("gone, remove from ALLOWED_CYCLE_EDGES in tests/test_imports.py: "
                       + ", ".join(stale))


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    all_edges = edges(ROOT)
    pairs = {(e.src, e.dst) for e in all_edges}
    # module level, function level (engine.symbolic.planning imports compile_pddl lazily)
    assert ("engine.symbolic.planning", "verifier.model") in pairs
    assert ("engine.symbolic.planning", "engine.symbolic.compile_pddl") in pairs


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for pkg in LAYERS:
        (tmp_path / pkg).mkdir(exist_ok=True)
        (tmp_path / pkg / "__init__.py").touch()
    return tmp_path


def test_the_checker_fails_on_a_back_edge_inside_a_function(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "verifier/model.py": "X = 1\n",
        "engine/api.py": "from verifier.model import X\n",
        "verifier/judge.py": "def f():\n    from engine.api import X\n    return X\n",
    })
    found = problems(root)
    assert found == ["back edge verifier/judge.py:2: verifier.judge -> engine.api "
                     "(allowed: benchmarks -> engine -> domains -> verifier)"]


def test_the_checker_fails_on_a_cycle_and_names_its_edges(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "domains/a.py": "from . import b\n",
        "domains/b.py": "def g():\n    import domains.c\n",
        "domains/c.py": "from domains.a import x\n",
        "domains/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from domains.a import x\n",
        "verifier/e.py": "import verifier\n",
    })
    found = problems(root)
    assert found == ["cycle: domains/a.py:1: domains.a -> domains.b; "
                     "domains/b.py:2: domains.b -> domains.c; "
                     "domains/c.py:1: domains.c -> domains.a"]


def test_typing_only_imports_count_for_layers_but_not_cycles(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "engine/a.py": "from engine.b import y\n",
        "engine/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from engine.a import x\n",
        "domains/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from engine.a import x\n",
    })
    assert problems(root) == ["back edge domains/c.py:3: domains.c -> engine.a "
                              "(allowed: benchmarks -> engine -> domains -> verifier)"]
