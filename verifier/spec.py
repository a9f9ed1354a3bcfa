"""Load a domain spec: ``domain.pddl`` + ``spec.yaml`` + ``problems/``, or a bare PDDL domain.

``spec.yaml`` is validated with pydantic; every error carries the YAML position.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.access import AccessRules, Agent, ApprovalRule, Pattern, parse_pattern
from verifier.action_rules import (
    ActionRule,
    compile_domain_text,
    compiled_domain_path,
    is_action_rule,
    parse_action_rule,
)
from verifier.errors import SpecError, did_you_mean
from verifier.model import And, Domain, Problem
from verifier.policy import Policy, parse_policy_rule
from verifier.tool_binding import ToolBinding, read_binding
from verifier.triggers import Trigger, keys_as_text, read_triggers

if TYPE_CHECKING:
    from verifier.spec_schema import SpecFile

# SpecFile is exported lazily by __getattr__ below (pydantic loads only when a spec is read)
__all__ = ["Spec", "SpecFile", "load_spec", "load_problem", "write_schema"]  # noqa: F822


def __getattr__(name: str) -> Any:
    """The pydantic models live in ``verifier.spec_schema``, imported only when a
    ``spec.yaml`` is read (a bare PDDL domain needs no pydantic)."""
    if name in ("SpecFile", "AgentModel", "PolicyModel"):
        from verifier import spec_schema

        return getattr(spec_schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, eq=False)
class Spec:
    name: str
    root: Path
    domain: Domain
    domain_path: Path
    spec_path: Path | None
    summary: str | None = None
    policies: tuple[Policy, ...] = ()
    access: AccessRules = field(default_factory=lambda: AccessRules(()))
    approval: tuple[Pattern, ...] = ()
    # the ``approval:`` entries with who may approve (one per entry of ``approval``)
    approval_rules: tuple[ApprovalRule, ...] = ()
    tools: dict[str, str] = field(default_factory=dict)
    adapters: dict[str, ToolBinding] = field(default_factory=dict)  # shell/http/mcp tools
    describe: dict[str, str] = field(default_factory=dict)
    problems: dict[str, Path] = field(default_factory=dict)
    triggers: tuple[Trigger, ...] = ()  # events and schedules that start runs (serve)
    # the author's domain file when ``domain_path`` is a compiled copy (action rules)
    source_domain_path: Path | None = None

    def needs_approval(self, action: str, args: tuple[str, ...]) -> bool:
        return any(p.matches(action, args) for p in self.approval)

    def approval_rules_for(self, action: str, args: tuple[str, ...]) -> tuple[ApprovalRule, ...]:
        """The approval rules a step ``(action args...)`` must satisfy (all of them)."""
        rules = self.approval_rules or tuple(ApprovalRule(p) for p in self.approval)
        return tuple(r for r in rules if r.pattern.matches(action, args))

    def files(self) -> tuple[Path, ...]:
        """The files whose bytes define this spec (for certificates)."""
        return tuple(p for p in (self.source_domain_path or self.domain_path, self.spec_path)
                     if p is not None)


# --- YAML with positions ----------------------------------------------------------------------


def _compose(text: str, path: str) -> Any:
    """Strict YAML (no duplicate keys, tags, complex keys, aliases; bounded depth)."""
    from verifier.yaml_strict import compose_strict

    return compose_strict(text, path)


def _confined(root: Path, rel: str, key_node: Any, sp: str, *, what: str) -> Path:
    """``root / rel``, refused when it leaves the spec folder (unless
    ``$PLANSAFE_ALLOW_OUTSIDE_SPEC=1``: the user's choice, never the spec's)."""
    import os

    target = root / rel
    if os.environ.get("PLANSAFE_ALLOW_OUTSIDE_SPEC") == "1":
        return target
    base = root.resolve()
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        line, col = (_scalar_position(key_node) if key_node is not None else (1, 1))
        raise SpecError(f"{what} '{rel}' is outside the spec folder", path=sp, line=line,
                        col=col, hint="keep the spec's files in its folder (or set "
                        "PLANSAFE_ALLOW_OUTSIDE_SPEC=1 to allow this on purpose)")
    return target


def _to_data(node: Any) -> Any:
    import yaml

    return yaml.safe_load(yaml.serialize(node)) if node is not None else None


def _node_at(root: Any, loc: tuple[Any, ...]) -> Any:
    """The YAML node at a pydantic error location (or its nearest existing parent)."""
    node = root
    for key in loc:
        if node is None:
            break
        if hasattr(node, "value") and isinstance(node.value, list) and node.value and \
                isinstance(node.value[0], tuple):  # mapping
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                # an unknown key: point at the key itself
                match = next((k for k, _ in node.value if k.value == key), None)
                return match or node
            node = match
        elif hasattr(node, "value") and isinstance(node.value, list) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else node
        else:
            break
    return node


def _scalar_position(node: Any) -> tuple[int, int]:
    """Line and column of the first character of a scalar's text."""
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    style = getattr(node, "style", None)
    if style in ("'", '"'):
        col += 1
    elif style in ("|", ">"):
        line += 1
        col = node.start_mark.column + 1  # best effort: block scalars are indented text
    return line, col


def _scalar_source(node: Any, value: str, text: str) -> tuple[str, int, int]:
    """A scalar's own source text and the position of its first character.

    S-expressions ignore whitespace, so reading the source slice (indentation and line breaks
    kept) instead of the folded value gives positions in the YAML file even for quoted,
    multi-line and block scalars. Falls back to the value when YAML escapes changed the text.
    """
    raw = text[node.start_mark.index:node.end_mark.index]
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    style = getattr(node, "style", None)
    if style in ("'", '"'):
        raw, col = raw[1:-1], col + 1
    elif style in ("|", ">"):
        nl = raw.find("\n")
        raw, line, col = (raw[nl + 1:] if nl >= 0 else ""), line + 1, 1
    if raw.split() != value.split():
        line, col = _scalar_position(node)
        return value, line, col
    return raw, line, col


def _mapping_items(node: Any) -> dict[str, tuple[Any, Any]]:
    if node is None or not isinstance(getattr(node, "value", None), list):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(getattr(k, "value", None), str)}


# --- loading ----------------------------------------------------------------------------------


def load_spec(path: str | Path) -> Spec:
    """Load a spec directory, a ``spec.yaml`` file or a bare PDDL domain file."""
    from verifier.pddl import read_domain

    path = Path(path)
    spec_path = _spec_yaml(path)
    if spec_path is None:
        return _bare_spec(path)
    root = spec_path.parent
    sp = str(spec_path)
    from verifier.inputs import read_input_text

    text = read_input_text(spec_path, what="spec.yaml")
    node = _compose(text, sp)
    if node is None or not isinstance(node.value, list) or (node.value and
                                                             not isinstance(node.value[0], tuple)):
        raise SpecError("spec.yaml must be a mapping", path=sp, hint="start with 'name: ...'")
    keys_as_text(_mapping_items(node).get("triggers", (None, None))[1])
    model = _validated(node, sp)

    top = _mapping_items(node)
    domain_path = _confined(root, model.domain, top.get("domain", (None, None))[1], sp,
                            what="domain")
    problems_dir = _problems_dir(model, top, root=root, sp=sp)
    domain = read_domain(domain_path)

    def where(n: Any) -> dict[str, Any]:
        line, col = _scalar_position(n)
        return {"path": sp, "line": line, "col": col}

    def pattern(value: str, n: Any) -> Pattern:
        src, line, col = _scalar_source(n, value, text)
        return replace(parse_pattern(src, domain, path=sp, line=line, col=col), text=value)

    adapters = _tool_bindings(model, top, domain, where, sp=sp, root=root)
    access = _access_rules(model, top, domain, pattern)
    approval_rules = _approval_rules(model.approval, top.get("approval", (None, None))[1],
                                     access, pattern, where)
    approval = tuple(r.pattern for r in approval_rules)
    policies = _policies(model, top, domain, where, sp=sp, text=text)

    source_domain_path: Path | None = None
    action_rules = [(p.id, p.action) for p in policies if p.action is not None]
    if action_rules:  # compiled into the domain: every reader of domain_path sees them
        source_domain_path = domain_path
        domain_path, domain = _with_action_rules(domain_path, domain, action_rules, spec_path)

    problems = _problems(problems_dir) if problems_dir is not None else {}
    triggers = read_triggers(model.triggers, top.get("triggers", (None, None))[1], domain,
                             sorted(problems), path=sp, text=text)
    return Spec(
        name=model.name, root=root, domain=domain, domain_path=domain_path, spec_path=spec_path,
        source_domain_path=source_domain_path,
        summary=model.summary, policies=tuple(policies), access=access, approval=approval,
        approval_rules=approval_rules,
        tools={a: (t if isinstance(t, str) else adapters[a].ref)
               for a, t in model.tools.items()},
        adapters=adapters, describe=dict(model.describe),
        problems=problems, triggers=triggers,
    )


def _problems_dir(model: SpecFile, top: dict[str, tuple[Any, Any]], *, root: Path, sp: str
                  ) -> Path | None:
    """The spec's ``problems:`` folder (inside the spec folder), if it names one."""
    if not model.problems:
        return None
    problems_dir = _confined(root, model.problems, top.get("problems", (None, None))[1],
                             sp, what="problems")
    if problems_dir.exists() and not problems_dir.is_dir():
        line, col = _scalar_position(top["problems"][1]) if "problems" in top else (1, 1)
        raise SpecError(f"problems '{model.problems}' is not a folder", path=sp, line=line,
                        col=col, hint="name the folder that holds the problem .pddl files")
    return problems_dir


def _with_action_rules(domain_path: Path, domain: Domain,
                       action_rules: list[tuple[str, ActionRule]], spec_path: Path
                       ) -> tuple[Path, Domain]:
    """The domain with the action rules compiled in: its file (beside the source) and its
    model, read back."""
    from verifier.pddl import read_domain

    compiled = compile_domain_text(domain_path.read_text(encoding="utf-8"), domain,
                                   action_rules, path=str(domain_path))
    compiled_path = compiled_domain_path(domain_path, compiled)
    logging.getLogger("plansafe.spec").info(
        "%s: %d action rule(s) compiled into %s", spec_path, len(action_rules), compiled_path)
    return compiled_path, read_domain(compiled_path)


def _spec_yaml(path: Path) -> Path | None:
    """The spec.yaml that ``path`` names or holds; None for a bare domain (a .pddl file, or a
    folder with domain.pddl and no spec.yaml); :class:`SpecError` when there is neither."""
    if not path.exists():
        raise SpecError("no such file or directory", path=str(path),
                        hint="give a spec directory (domain.pddl + spec.yaml) or a .pddl file")
    if path.is_file() and path.suffix.lower() == ".pddl":
        return None
    spec_path = path if path.is_file() else path / "spec.yaml"
    if not spec_path.exists():
        if (spec_path.parent / "domain.pddl").exists():
            return None
        raise SpecError("no spec.yaml or domain.pddl here", path=str(path),
                        hint="a spec directory holds domain.pddl and spec.yaml")
    return spec_path


def _bare_spec(path: Path) -> Spec:
    """A spec of a domain alone (a .pddl file, or a folder's domain.pddl and problems/):
    no policies, every agent may do everything."""
    from verifier.pddl import read_domain

    if path.is_file() and path.suffix.lower() == ".pddl":
        domain = read_domain(path)
        return Spec(name=domain.name, root=path.parent, domain=domain, domain_path=path,
                    spec_path=None, access=AccessRules.default(domain))
    root = (path if path.is_file() else path / "spec.yaml").parent
    domain = read_domain(root / "domain.pddl")
    return Spec(name=domain.name, root=root, domain=domain,
                domain_path=root / "domain.pddl", spec_path=None,
                access=AccessRules.default(domain), problems=_problems(root / "problems"))


def _validated(node: Any, sp: str) -> SpecFile:
    """spec.yaml's mapping validated by :class:`verifier.spec_schema.SpecFile`; the first error
    as a :class:`SpecError` at its key (an unknown key: did you mean, or the allowed keys)."""
    from pydantic import ValidationError

    from verifier.spec_schema import SpecFile

    try:
        return SpecFile.model_validate(_to_data(node))
    except ValidationError as e:
        err = _first_error(e.errors())
        loc = tuple(err["loc"])
        at = _node_at(node, loc)
        key = loc[-1] if loc else None
        if err["type"] == "extra_forbidden":  # point at the unknown key, not its value
            at = _mapping_items(_node_at(node, loc[:-1])).get(str(key), (at, None))[0]
            fields = _fields_for(loc[:-1])
            hint = did_you_mean(str(key), fields) or f"allowed keys: {', '.join(fields)}"
            message = f"unknown key '{key}'"
        else:
            hint = None
            message = f"{'.'.join(map(str, loc))}: {err['msg'].lower()}" if loc else err["msg"]
        raise SpecError(message, path=sp, line=at.start_mark.line + 1,
                        col=at.start_mark.column + 1, hint=hint) from None


def _tool_bindings(model: SpecFile, top: dict[str, tuple[Any, Any]], domain: Domain,
                   where: Callable[[Any], dict[str, Any]], *, sp: str, root: Path
                   ) -> dict[str, ToolBinding]:
    """``describe:`` and ``tools:`` keys checked against the domain; the ``tools:`` mappings
    read as adapter bindings (a ``module:callable`` string stays a string)."""
    # describe keys must be predicates or actions
    for k, _v in _mapping_items(top.get("describe", (None, None))[1]).values():
        if k.value not in domain.predicates and k.value not in domain.actions:
            raise SpecError(f"describe: unknown predicate or action '{k.value}'", **where(k),
                            hint=did_you_mean(k.value, [*domain.predicates, *domain.actions]))
    for k, _v in _mapping_items(top.get("tools", (None, None))[1]).values():
        if k.value not in domain.actions:
            raise SpecError(f"tools: unknown action '{k.value}'", **where(k),
                            hint=did_you_mean(k.value, domain.actions))
    adapters: dict[str, ToolBinding] = {}
    for k, v in _mapping_items(top.get("tools", (None, None))[1]).values():
        bound = model.tools[k.value]
        if not isinstance(bound, str):
            params = tuple(p.lstrip("?") for p, _t in domain.actions[k.value].params)
            adapters[k.value] = read_binding(k.value, params, bound, v, path=sp,
                                             spec_dir=str(root.resolve()))
        elif ":" not in str(v.value):
            raise SpecError(f"tool for '{k.value}' must be 'module:callable'", **where(v),
                            hint="for example domains.devops.tools:deploy, or a mapping with "
                            "'adapter: shell|http|mcp' (docs/TOOLS_ADAPTERS.md)")
    return adapters


def _access_rules(model: SpecFile, top: dict[str, tuple[Any, Any]], domain: Domain,
                  pattern: Callable[[str, Any], Pattern]) -> AccessRules:
    """The ``agents:`` section (``may`` / ``may_not`` patterns); none: everyone may do all."""
    if model.agents is None:
        return AccessRules.default(domain)
    agents: list[Agent] = []
    agents_node = _mapping_items(top["agents"][1])
    for name, am in model.agents.items():
        a_items = _mapping_items(agents_node[name][1])
        may = tuple(pattern(t, n) for t, n in
                    zip(am.may, a_items["may"][1].value if "may" in a_items else [],
                        strict=False))
        may_not = tuple(pattern(t, n) for t, n in
                        zip(am.may_not, a_items["may_not"][1].value
                            if "may_not" in a_items else [], strict=False))
        agents.append(Agent(name, may, may_not))
    return AccessRules(tuple(agents))


def _policies(model: SpecFile, top: dict[str, tuple[Any, Any]], domain: Domain,
              where: Callable[[Any], dict[str, Any]], *, sp: str, text: str) -> list[Policy]:
    """The ``policies:`` section: each rule parsed where it stands (a temporal rule, or an
    action rule compiled into the domain later); ids unique."""
    policies: list[Policy] = []
    seen: set[str] = set()
    pol_nodes = top["policies"][1].value if "policies" in top else []
    for pm, pn in zip(model.policies, pol_nodes, strict=False):
        items = _mapping_items(pn)
        if pm.id in seen:
            raise SpecError(f"duplicate policy id '{pm.id}'", **where(items["id"][1]),
                            hint="policy ids must be unique")
        seen.add(pm.id)
        pos = where(items["rule"][1])
        src, line, col = _scalar_source(items["rule"][1], pm.rule, text)
        if is_action_rule(src):
            action_rule = parse_action_rule(src, domain, path=sp, line=line, col=col)
            policies.append(Policy(pm.id, And(()), pm.rule, pm.says, **pos, action=action_rule))
            continue
        rule = parse_policy_rule(src, domain, path=sp, line=line, col=col)
        policies.append(Policy(pm.id, rule, pm.rule, pm.says, **pos))
    return policies


_UNION_TAGS = ("str", "ApprovalModel", "ToolBindingModel")


def _first_error(errors: list[Any]) -> Any:
    """Pydantic's first error, with ``str | Model`` unions resolved: for a mapping, its own
    error (an unknown key, a bad count), not "should be a valid string"; the branch's name
    is dropped from the location."""
    for err in errors:
        loc = tuple(err["loc"])
        if loc and loc[-1] == "str" and isinstance(err.get("input"), dict) and len(errors) > 1:
            continue
        return {**err, "loc": tuple(x for x in loc if x not in _UNION_TAGS)}
    return errors[0]


def _approval_rules(entries: list[Any], node: Any, access: AccessRules,
                    pattern: Callable[[str, Any], Pattern],
                    where: Callable[[Any], dict[str, Any]]) -> tuple[ApprovalRule, ...]:
    """The ``approval:`` entries: a pattern, or a mapping ``{action, by, count,
    not_starter}``; every role in ``by`` must be one of the spec's agents."""
    nodes = node.value if node is not None else []
    rules: list[ApprovalRule] = []
    for entry, n in zip(entries, nodes, strict=False):
        if isinstance(entry, str):
            rules.append(ApprovalRule(pattern(entry, n)))
            continue
        items = _mapping_items(n)
        by_nodes = items["by"][1].value if "by" in items else []
        for role, rn in zip(entry.by, by_nodes, strict=False):
            if role not in access.names:
                raise SpecError(f"approval: unknown role '{role}'", **where(rn),
                                hint=did_you_mean(role, access.names)
                                or f"roles are the spec's agents: {', '.join(access.names)}")
        rules.append(ApprovalRule(pattern(entry.action, items["action"][1]),
                                  tuple(dict.fromkeys(entry.by)), entry.count,
                                  entry.not_starter))
    return tuple(rules)


def _fields_for(loc: tuple[Any, ...]) -> list[str]:
    from verifier.spec_schema import AgentModel, PolicyModel, SpecFile

    if not loc:
        return list(SpecFile.model_fields)
    if loc[0] == "agents":
        return list(AgentModel.model_fields)
    if loc[0] == "policies":
        return list(PolicyModel.model_fields)
    if loc[0] == "triggers":
        from verifier.spec_schema import TriggerModel

        return list(TriggerModel.model_fields)
    if loc[0] == "approval":
        from verifier.spec_schema import ApprovalModel

        return list(ApprovalModel.model_fields)
    return []


def _problems(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.pddl"))}


def load_problem(spec: Spec, ref: str | Path) -> Problem:
    """Load a problem by path, or by name from the spec's ``problems/`` folder."""
    from verifier.pddl import read_problem

    path = Path(ref)
    if not path.exists():
        name = path.stem if path.suffix == ".pddl" else str(ref)
        if name in spec.problems:
            path = spec.problems[name]
        else:
            raise SpecError(f"no problem '{ref}'", path=str(ref),
                            hint=did_you_mean(name, spec.problems)
                            or (f"problems of {spec.name}: {', '.join(spec.problems)}"
                                if spec.problems else "give the path of a PDDL problem file"))
    return read_problem(spec.domain_path, path)


def write_schema(path: str | Path) -> None:
    """Write the JSON Schema of ``spec.yaml`` (for editors)."""
    from verifier.spec_schema import SpecFile

    schema = SpecFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Plansafe spec.yaml"
    Path(path).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
