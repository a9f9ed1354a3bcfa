"""``plansafe trust SPEC [--add]``: what code a spec would run, whether it is trusted, and the
spec's digest for the trust file (engine/trust.py, docs/TRUST.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli_common import JsonOpt, SpecArg, emit, fail
from verifier.errors import PlansafeError


def _report(spec_path: Path, add: bool) -> dict[str, Any]:
    from engine.trust import Trust, spec_digest, trust_file_path
    from verifier.spec import load_spec
    from verifier.tool_digest import python_bindings, tool_sources

    spec = load_spec(spec_path)
    trust = Trust.load()
    digest = spec_digest(spec)
    if add:
        _add_spec(trust_file_path(), digest)
        trust = Trust.load()
    sources = dict(tool_sources(spec))
    return {"spec": str(spec.spec_path or spec.root), "digest": digest,
            "trust_file": str(trust.file.path or trust_file_path()),
            "tools": [{"action": a, "ref": ref, "source": sources.get(a)}
                      for a, ref in python_bindings(spec).items()],
            "adapters": sorted(f"{a}: {b.adapter}" for a, b in spec.adapters.items()),
            "untrusted": [{"what": c.what, "code": c.name, "where": c.where}
                          for c in trust.untrusted(spec)]}


def _add_spec(path: Path, digest: str) -> None:
    """Add ``digest`` to the trust file's ``specs`` (the file is rewritten: lists only)."""
    import json

    from engine.trust import read_trust_file

    current = read_trust_file(path)
    specs = list(dict.fromkeys([*current.specs, digest]))
    lines = [f"{key} = {json.dumps(values)}" for key, values in (
        ("modules", list(current.modules)), ("folders", [str(f) for f in current.folders]),
        ("specs", specs)) if values]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# plansafe trust file (docs/TRUST.md)\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")


def trust(
    spec: SpecArg,
    add: Annotated[bool, typer.Option("--add", help="trust this spec as it is now: add its "
                                      "digest to the trust file (rewritten, lists only)")
                   ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the code a spec's tools run and whether it is trusted; --add trusts it.

    Exit 0 trusted, 1 not trusted, 2 bad input."""
    try:
        data = _report(spec, add)
    except PlansafeError as e:
        fail(e, as_json)
    if as_json:
        emit(data)
    else:
        typer.echo(f"{data['spec']}\n  digest: {data['digest']}")
        for t in data["tools"]:
            typer.echo(f"  tool {t['action']}: {t['ref']} ({t['source']})")
        for a in data["adapters"]:
            typer.echo(f"  tool {a}")
        for u in data["untrusted"]:
            typer.echo(f"  not trusted: {u['what']}: {u['code']} ({u['where']})")
        typer.echo("  trusted" if not data["untrusted"] else
                   f"  not trusted: plansafe run --trust-spec, or plansafe trust --add "
                   f"(writes {data['trust_file']})")
    raise typer.Exit(0 if not data["untrusted"] else 1)
