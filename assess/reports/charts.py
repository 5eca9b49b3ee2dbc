"""Maturity charts as inline SVG, drawn here (no plotting library).

Each chart carries its own text alternative: role="img", an aria-label, and <title>/<desc>
(WeasyPrint takes the PDF alt text from <title>). Labels come from the framework (principle
and lens titles) and numbers; everything is escaped all the same. WeasyPrint clips outside
the viewBox and ignores text-anchor on the root, so the charts are padded and every <text>
sets its own anchor.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Optional

from markupsafe import Markup, escape

from ..models import PrincipleResult

RAG_FILL = {"green": "#1f7a45", "amber": "#b86e00", "red": "#b3261e", None: "#8a8f98"}
INK, MUTED, GRID = "#1b2430", "#5b6573", "#d5dae1"
FONT = 'font-family="DejaVu Sans, sans-serif"'
NOW_STROKE, EARLIER_STROKE = "#2f5d8a", "#3d4450"


@dataclass(frozen=True)
class Earlier:
    """An earlier assessment drawn over this one: what to call each, and its scores per principle id."""
    name: str                                   # e.g. "Earlier, 1 May 2026"
    now_name: str                               # e.g. "This assessment, 28 November 2026"
    scores: dict[str, Optional[float]] = field(default_factory=dict)     # capped score
    levels: dict[str, Optional[int]] = field(default_factory=dict)


def _svg(width: int, height: int, title: str, desc: str, body: list[str], scale: float = 1.0) -> Markup:
    """`scale` sets the printed size; the drawing itself always uses the same viewBox units."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width * scale:.0f}" height="{height * scale:.0f}" role="img" aria-label="{escape(title)}" {FONT}>'
            f'<title>{escape(title)}</title><desc>{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", size: float = 11, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _lines(label: str, width: int, most: int = 2) -> list[str]:
    lines = textwrap.wrap(label, width) or [""]
    if len(lines) <= most:
        return lines
    return lines[:most - 1] + [textwrap.shorten(" ".join(lines[most - 1:]), width, placeholder="…")]


def _describe(principles: list[PrincipleResult], earlier: Optional[Earlier] = None) -> str:
    parts = []
    for p in principles:
        level = f"level {p.level} ({p.level_name})" if p.level is not None else "not enough evidence"
        caps = f", capped at {min(c.max_level for c in p.caps)}" if p.caps else ""
        before = ""
        if earlier is not None:
            was = earlier.levels.get(p.id)
            before = f"; earlier level {was}" if was is not None else "; earlier not scored"
        parts.append(f"{p.title}: {level}{caps}{before}")
    head = f"{earlier.now_name} against {earlier.name[0].lower() + earlier.name[1:]}. " if earlier else ""
    return head + "; ".join(parts) + "."


def _legend_line(x: float, y: float, label: str, stroke: str, dashed: bool) -> list[str]:
    dash = ' stroke-dasharray="5,3"' if dashed else ""
    return [f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 32:.1f}" y2="{y:.1f}" stroke="{stroke}" stroke-width="2.5"{dash}/>',
            _text(x + 40, y + 5, label, size=14, fill=INK)]


def radar(principles: list[PrincipleResult], top: int, title: str, scale: float = 1.0,
          earlier: Optional[Earlier] = None) -> Optional[Markup]:
    """A radar of principle levels; None when fewer than three axes would make a shape.

    With `earlier`, its levels are a dashed outline under this assessment's shape, with a legend.
    """
    if len(principles) < 3:
        return None
    width, height, cx, cy, radius = 540, 370 + (44 if earlier else 0), 270, 185, 125
    n = len(principles)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * value / top
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    body = []
    for level in range(1, top + 1):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))
        body.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(cx + 4, cy - radius * level / top + 11, str(level), size=10, fill=MUTED))
    for i, p in enumerate(principles):
        x, y = point(i, top)
        body.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        lx, ly = point(i, top + 0.55)
        anchor = "middle" if abs(lx - cx) < 12 else ("start" if lx > cx else "end")
        lines = _lines(p.title, 16, most=3)
        ly -= (len(lines) - 1) * 7 - (5 if ly > cy else 0)
        for k, line in enumerate(lines):
            body.append(_text(lx, ly + k * 14, line, anchor, size=13))
    if earlier is not None:
        before = [point(i, earlier.scores.get(p.id) or 0) for i, p in enumerate(principles)]
        body.append('<polygon points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="5,3"/>'.format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in before), EARLIER_STROKE))
    shape = [point(i, p.capped_score or 0) for i, p in enumerate(principles)]
    body.append('<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="{}" stroke-width="2"/>'.format(
        " ".join(f"{x:.1f},{y:.1f}" for x, y in shape), NOW_STROKE, NOW_STROKE))
    for (x, y), p in zip(shape, principles):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{RAG_FILL[p.rag]}"/>')
    if earlier is not None:
        body += _legend_line(130, height - 34, earlier.now_name, NOW_STROKE, False)
        body += _legend_line(130, height - 12, earlier.name, EARLIER_STROKE, True)
    return _svg(width, height, title, _describe(principles, earlier), body, scale)


def bars(principles: list[PrincipleResult], top: int, title: str, rag_labels: dict[str, str],
         earlier: Optional[Earlier] = None) -> Markup:
    """One bar per principle: the level reached, the uncapped score behind it, a mark at any cap,
    and with `earlier` a thin grey track under each bar at the earlier assessment's score."""
    label_w, bar_w, row_h, pad_top = 190, 290, 34, 28
    width = label_w + bar_w + 110
    height = pad_top + row_h * len(principles) + 46
    x0 = label_w
    unit = bar_w / top
    body = []
    for level in range(0, top + 1):
        x = x0 + level * unit
        body.append(f'<line x1="{x:.1f}" y1="{pad_top - 6}" x2="{x:.1f}" y2="{height - 40}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(x, pad_top - 10, str(level), "middle", size=9, fill=MUTED))
    for i, p in enumerate(principles):
        y = pad_top + i * row_h
        lines = _lines(p.title, 28)
        for k, line in enumerate(lines):
            body.append(_text(x0 - 10, y + 14 + k * 12 - (len(lines) - 1) * 6, line, "end", size=10))
        if p.level is None:
            body.append(_text(x0 + 6, y + 18, "not enough evidence", size=10, fill=MUTED))
            continue
        if p.caps and p.score is not None and p.score > p.capped_score:
            body.append(f'<rect x="{x0}" y="{y + 6}" width="{p.score * unit:.1f}" height="16" fill="none" '
                        f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="3,2"/>')
        body.append(f'<rect x="{x0}" y="{y + 6}" width="{p.capped_score * unit:.1f}" height="16" fill="{RAG_FILL[p.rag]}"/>')
        for cap in sorted({c.max_level for c in p.caps}):
            cx = x0 + cap * unit
            body.append(f'<line x1="{cx:.1f}" y1="{y + 1}" x2="{cx:.1f}" y2="{y + 27}" stroke="{INK}" stroke-width="2.5"/>')
            body.append(f'<polygon points="{cx - 4:.1f},{y + 1} {cx + 4:.1f},{y + 1} {cx:.1f},{y + 6}" fill="{INK}"/>')
        was = earlier.scores.get(p.id) if earlier is not None else None
        if was is not None:      # a thin track under the bar: lengths compare at a glance, nothing overlaps the label
            body.append(f'<rect x="{x0}" y="{y + 24}" width="{was * unit:.1f}" height="4" fill="{EARLIER_STROKE}"/>')
        end = x0 + max([p.score or 0, p.capped_score] + [c.max_level for c in p.caps]) * unit
        binding = p.score is not None and p.capped_score < p.score
        label = f"{p.level} {p.level_name}" + (" · capped" if binding else "")
        was_level = earlier.levels.get(p.id) if earlier is not None else None
        if was_level is not None and was_level != p.level:
            label += f" · was {was_level}"
        body.append(_text(end + 8, y + 18, label, size=10, weight="bold"))
    key_y = height - 24
    body.append(f'<line x1="{x0}" y1="{key_y - 4}" x2="{x0}" y2="{key_y + 4}" stroke="{INK}" stroke-width="2.5"/>')
    body.append(_text(x0 + 6, key_y + 3, "cap set by a rule", size=9, fill=MUTED))
    body.append(f'<rect x="{x0 + 120}" y="{key_y - 5}" width="22" height="9" fill="none" stroke="{MUTED}" stroke-dasharray="3,2"/>')
    body.append(_text(x0 + 148, key_y + 3, "score before caps", size=9, fill=MUTED))
    if earlier is not None:
        body.append(f'<rect x="{x0 + 250}" y="{key_y - 2}" width="22" height="4" fill="{EARLIER_STROKE}"/>')
        body.append(_text(x0 + 278, key_y + 3, earlier.name, size=9, fill=MUTED))
    for k, rag in enumerate(("green", "amber", "red")):
        kx = x0 + k * 90
        body.append(f'<rect x="{kx}" y="{key_y + 12}" width="10" height="10" fill="{RAG_FILL[rag]}"/>')
        body.append(_text(kx + 14, key_y + 21, f"rated {rag_labels.get(rag, rag)}", size=9, fill=MUTED))
    return _svg(width, height, title, _describe(principles, earlier), body)

