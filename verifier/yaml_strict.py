"""Strict YAML for ``spec.yaml``: what PyYAML's safe loader accepts, less what lets a spec say
something other than it seems to.

Refused, each at its ``file:line:col``: duplicate keys (YAML's "last one wins" let an
appended ``policies: []`` silently remove every policy), keys that are not plain scalars
(complex keys), merge keys (``<<``), tags other than YAML's core ones (``!foo``,
``!!python/...``), anchors and aliases (no spec needs them; alias bombs), lone surrogates in
strings (``"\\ud800"``), and nesting deeper than :data:`verifier.inputs.MAX_YAML_DEPTH`.
"""

from __future__ import annotations

from typing import Any

from verifier.errors import SpecError

__all__ = ["compose_strict"]

_CORE = "tag:yaml.org,2002:"
_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq",
                                         "timestamp"))


def _err(message: str, node: Any, path: str, hint: str | None) -> SpecError:
    mark = node.start_mark
    return SpecError(message, path=path, line=mark.line + 1, col=mark.column + 1, hint=hint)


def _depth_guard(text: str, path: str, limit: int) -> None:
    """Refuse flow or block nesting deeper than ``limit`` before PyYAML recurses into it."""
    depth = 0
    line, col = 1, 0
    quote: str | None = None
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
            continue
        if quote is not None:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise SpecError(f"YAML nested deeper than {limit} levels", path=path, line=line,
                                col=col, hint="a spec needs only a few levels of nesting")
        elif ch in "]}":
            depth = max(0, depth - 1)
    # block nesting: one level per indentation step; a line indented past limit*2 columns is
    # (at least) that deep in any sensible layout
    for n, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.lstrip(" -")
        indent = len(raw) - len(stripped)
        if indent > 4 * limit and stripped and not stripped.startswith("#"):
            raise SpecError(f"YAML nested deeper than {limit} levels", path=path, line=n,
                            col=indent + 1, hint="a spec needs only a few levels of nesting")


def compose_strict(text: str, path: str) -> Any:
    """The YAML node tree of ``text``, or a :class:`SpecError` at the offending position."""
    from verifier.inputs import MAX_YAML_DEPTH

    _depth_guard(text, path, MAX_YAML_DEPTH)
    root = _compose(text, path, MAX_YAML_DEPTH)
    if root is None:
        return None
    _check_nodes(root, path, MAX_YAML_DEPTH)
    return root


def _compose(text: str, path: str, max_depth: int) -> Any:
    """``yaml.compose`` (safe loader), its errors as :class:`SpecError` with a position."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SpecError(
            f"YAML syntax: {e.problem or e.context}", path=path,
            line=(mark.line + 1) if mark else 1, col=(mark.column + 1) if mark else 1,
            hint="check indentation and quoting; quote values that start with '(' or ':'",
        ) from None
    except yaml.YAMLError as e:
        raise SpecError(f"YAML: {e}", path=path, hint="check the file's syntax") from None
    except RecursionError:
        raise SpecError(f"YAML nested too deeply (over {max_depth} levels)", path=path,
                        hint="a spec needs only a few levels of nesting") from None
    return root


def _check_nodes(root: Any, path: str, max_depth: int) -> None:
    """No aliases, tags, deep nesting, lone surrogates, complex or duplicate keys."""
    import yaml

    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise _err("YAML aliases are not allowed in a spec", node, path,
                       "write the value out where it is used")
        seen.add(id(node))
        if depth > max_depth:
            raise _err(f"YAML nested deeper than {max_depth} levels", node, path,
                       "a spec needs only a few levels of nesting")
        if node.tag not in _TAGS:
            tag = node.tag.replace(_CORE, "!!")
            raise _err(f"YAML tag '{tag}' is not allowed", node, path,
                       "a spec holds plain strings, numbers, lists and mappings; remove the tag"
                       " (quote the value if it starts with '!')")
        if isinstance(node, yaml.ScalarNode):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in node.value):
                raise _err("a lone surrogate (an invalid character) in a string", node, path,
                           "remove the \\ud8xx-\\udfxx escape")
        elif isinstance(node, yaml.MappingNode):
            keys: dict[str, Any] = {}
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode) or k.tag not in _TAGS:
                    raise _err("a mapping key must be a plain string", k, path,
                               "complex keys ('? [a, b]'), merge keys ('<<') and tagged keys "
                               "are not allowed")
                if k.value in keys:
                    first = keys[k.value].start_mark
                    raise _err(f"duplicate key '{k.value}' (first at line {first.line + 1})", k,
                               path, "YAML would silently keep only the last one; merge them "
                               "or remove one")
                keys[k.value] = k
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in node.value)
