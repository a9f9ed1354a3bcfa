"""A plan as an SVG drawing, server-side: one column per parallel group, ``after`` edges as
arrows, each step's id, call, agent and status."""

from __future__ import annotations

from html import escape

from engine.console.views import PlanGraph

__all__ = ["plan_svg", "STATUS_COLOURS"]

STATUS_COLOURS = {
    "completed": ("#e7f6ec", "#2f9e5a"),
    "running": ("#e8f0fe", "#3b6fd8"),
    "waiting-approval": ("#fdf0e1", "#d9822b"),
    "failed": ("#fde8e8", "#c93c3c"),
    "rejected": ("#fde8e8", "#c93c3c"),
    "superseded": ("#f1f1f4", "#9a9aa6"),
    "not-run": ("#f1f1f4", "#9a9aa6"),
    "pending": ("#ffffff", "#7c8597"),
}

W, H, GAP_X, GAP_Y, PAD = 196, 62, 46, 18, 22


def _fit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plan_svg(graph: PlanGraph) -> str:
    groups = graph.groups
    rows = max((len(g) for g in groups), default=1)
    width = PAD * 2 + len(groups) * W + max(len(groups) - 1, 0) * GAP_X
    height = PAD * 2 + 18 + rows * H + (rows - 1) * GAP_Y
    pos: dict[str, tuple[float, float]] = {}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plan-graph" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-label="plan generation {graph.generation}: {len(graph.nodes)} steps">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#8a93a6"/></marker></defs>',
             '<style>.plan-graph text{font-family:ui-sans-serif,system-ui,sans-serif}'
             '.sid{font-weight:600;font-size:12px}.call{font-family:ui-monospace,monospace;'
             'font-size:11.5px}.meta{font-size:10.5px;fill:#5b6475}.grp{font-size:10.5px;'
             'fill:#8a93a6}</style>']
    for gi, group in enumerate(groups):
        x = PAD + gi * (W + GAP_X)
        col_h = len(group) * H + (len(group) - 1) * GAP_Y
        y0 = PAD + 18 + (rows * H + (rows - 1) * GAP_Y - col_h) / 2
        label = f"group {gi + 1}" + (f" · {len(group)} in parallel" if len(group) > 1 else "")
        parts.append(f'<text class="grp" x="{x + 4}" y="{PAD + 6}">{label}</text>')
        if len(group) > 1:
            parts.append(f'<rect x="{x - 8}" y="{y0 - 8}" width="{W + 16}" height="{col_h + 16}" '
                         'rx="12" fill="none" stroke="#c9d1e3" stroke-dasharray="4 4"/>')
        for ni, n in enumerate(group):
            pos[n.id] = (x, y0 + ni * (H + GAP_Y))
    for before, after in graph.edges:
        if before not in pos or after not in pos:
            continue
        (x1, y1), (x2, y2) = pos[before], pos[after]
        sx, sy, ex, ey = x1 + W, y1 + H / 2, x2 - 2.0, y2 + H / 2
        mid = (sx + ex) / 2
        parts.append(f'<path d="M{sx:.1f},{sy:.1f} C{mid:.1f},{sy:.1f} {mid:.1f},{ey:.1f} '
                     f'{ex:.1f},{ey:.1f}" fill="none" stroke="#8a93a6" stroke-width="1.4" '
                     'marker-end="url(#arrow)"/>')
    for n in graph.nodes:
        bx, by = pos[n.id]
        fill, stroke = STATUS_COLOURS.get(n.status, STATUS_COLOURS["pending"])
        parts.append(f'<g class="step" data-step="{escape(n.id)}" data-status="{escape(n.status)}">'
                     f'<title>{escape(n.id)} {escape(n.call)} by {escape(n.agent or "any agent")}'
                     f': {escape(n.status)}</title>'
                     f'<rect x="{bx}" y="{by}" width="{W}" height="{H}" rx="9" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="{2 if n.status != "pending" else 1.2}"/>'
                     f'<text class="sid" x="{bx + 10}" y="{by + 17}">{escape(n.id)}</text>'
                     f'<text class="meta" x="{bx + W - 10}" y="{by + 17}" text-anchor="end" '
                     f'fill="{stroke}">{escape(n.status)}</text>'
                     + (f'<rect x="{bx + W - 62}" y="{by + 43}" width="54" height="14" rx="7" '
                        'fill="#fdf0e1" stroke="#d9822b" stroke-width="0.8"/><text class="meta" '
                        f'x="{bx + W - 35}" y="{by + 53.5}" text-anchor="middle" fill="#a85d12">'
                        'approval</text>' if n.needs_approval else "")
                     + f'<text class="call" x="{bx + 10}" y="{by + 36}">{escape(_fit(n.call, 28))}'
                     f'</text><text class="meta" x="{bx + 10}" y="{by + 53}">agent '
                     f'{escape(n.agent or "—")}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
