"""Maturity charts as inline SVG, drawn here (no plotting library).

Each chart carries its own text alternative: role="img", an aria-label naming it, a <desc>
with every value, and a <title> holding both, because WeasyPrint makes the PDF figure's /Alt
from <title> alone. Labels come from the framework (principle and lens titles) and numbers;
everything is escaped all the same. Labels are measured (textwidth) and wrapped between words,
and each chart's viewBox grows to hold them: WeasyPrint clips outside the viewBox and ignores
text-anchor on the root, so every <text> sets its own anchor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from markupsafe import Markup, escape

from ..models import PrincipleResult
from .filters import binding_caps, status_note
from .textwidth import text_width, wrap

# Fills for shapes (each at least 3:1 against white, or edged with a darker stroke that is).
RAG_FILL = {"green": "#1f7a45", "amber": "#e59400", "red": "#b3261e", None: "#646b75"}
RAG_EDGE = {"amber": "#9a5b00"}
INK, MUTED, GRID, PAPER = "#1b2430", "#5b6573", "#d5dae1", "#ffffff"
FONT = 'font-family="DejaVu Sans, sans-serif"'
NOW_STROKE, EARLIER_STROKE = "#2f5d8a", "#3d4450"
MAX_PRINT_WIDTH = 640          # CSS px: the text column of an A4 page, so a wide chart is scaled to fit


@dataclass(frozen=True)
class Earlier:
    """An earlier assessment drawn over this one: what to call each, and its levels per principle id."""
    name: str                                   # e.g. "Earlier, 1 May 2026"
    now_name: str                               # e.g. "This assessment, 28 November 2026"
    scores: dict[str, Optional[float]] = field(default_factory=dict)     # capped score
    levels: dict[str, Optional[int]] = field(default_factory=dict)


def _svg(width: float, height: float, title: str, desc: str, body: list[str], scale: float = 1.0) -> Markup:
    """`scale` sets the printed size (never wider than the page); the drawing uses viewBox units."""
    scale = min(scale, MAX_PRINT_WIDTH / width)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width * scale:.0f}" height="{height * scale:.0f}" role="img" aria-label="{escape(title)}" {FONT}>'
            f'<title>{escape(title)}: {escape(desc)}</title><desc>{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", size: float = 11, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _rag_rect(x: float, y: float, w: float, h: float, rag: Optional[str]) -> str:
    edge = RAG_EDGE.get(rag)
    stroke = f' stroke="{edge}" stroke-width="1"' if edge else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{RAG_FILL[rag]}"{stroke}/>'


def level_phrase(p: PrincipleResult) -> str:
    """How one principle reads in a text alternative."""
    if p.level is None:
        text = "not enough evidence"
    else:
        text = f"level {p.level} ({p.level_name})"
        note = status_note(p.status)
        held = binding_caps(p)
        if note:
            text += f", {note}"
        elif held:
            text += f", held there by a cap at level {min(c.max_level for c in held)}"
    return text


def _describe(principles: list[PrincipleResult], earlier: Optional[Earlier] = None) -> str:
    parts = []
    for p in principles:
        before = ""
        if earlier is not None:
            was = earlier.levels.get(p.id)
            before = f"; earlier level {was}" if was is not None else "; earlier not scored"
        parts.append(f"{p.title}: {level_phrase(p)}{before}")
    head = f"{earlier.now_name} against {earlier.name[0].lower() + earlier.name[1:]}. " if earlier else ""
    return head + "; ".join(parts) + "."


# ---------------------------------------------------------------- legend

@dataclass(frozen=True)
class _Key:
    label: str
    kind: str                 # "line", "dashed-line", "cap", "box", "track", "swatch"
    colour: str = INK
    rag: Optional[str] = None


_KEY_SIZE, _KEY_GAP, _KEY_SPACE, _KEY_LINE = 9, 6, 18, 16


def _key_width(key: _Key) -> float:
    return _mark_width(key) + _KEY_GAP + text_width(key.label, _KEY_SIZE)


def _mark_width(key: _Key) -> float:
    return {"line": 30, "dashed-line": 30, "cap": 4, "box": 22, "track": 22, "swatch": 10}[key.kind]


def _legend(keys: list[_Key], x0: float, y0: float, max_width: float) -> tuple[list[str], float]:
    """Entries laid out in rows by their measured widths; returns the SVG and the height used."""
    body, x, y = [], x0, y0
    for key in keys:
        w = _key_width(key)
        if x > x0 and x + w > x0 + max_width:
            x, y = x0, y + _KEY_LINE
        body += _key_mark(key, x, y)
        body.append(_text(x + _mark_width(key) + _KEY_GAP, y + 3.5, key.label, size=_KEY_SIZE, fill=MUTED))
        x += w + _KEY_SPACE
    return body, y - y0 + _KEY_LINE


def _key_mark(key: _Key, x: float, y: float) -> list[str]:
    if key.kind in ("line", "dashed-line"):
        dash = ' stroke-dasharray="5,3"' if key.kind == "dashed-line" else ""
        return [f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 30:.1f}" y2="{y:.1f}" stroke="{key.colour}" stroke-width="2.5"{dash}/>']
    if key.kind == "cap":
        return [f'<line x1="{x + 2:.1f}" y1="{y - 5:.1f}" x2="{x + 2:.1f}" y2="{y + 5:.1f}" stroke="{INK}" stroke-width="2.5"/>']
    if key.kind == "box":
        return [f'<rect x="{x:.1f}" y="{y - 4.5:.1f}" width="22" height="9" fill="none" stroke="{MUTED}" stroke-dasharray="3,2"/>']
    if key.kind == "track":
        return [f'<rect x="{x:.1f}" y="{y - 2:.1f}" width="22" height="4" fill="{EARLIER_STROKE}"/>']
    return [_rag_rect(x, y - 5, 10, 10, key.rag)]


# ---------------------------------------------------------------- radar

def radar(principles: list[PrincipleResult], top: int, title: str, scale: float = 1.0,
          earlier: Optional[Earlier] = None, label_size: Optional[float] = None,
          fit: Optional[float] = None) -> Optional[Markup]:
    """A radar of principle levels (after caps, as the report states them); None when fewer than
    three axes would make a shape. A principle without a level sits at the centre, hollow.

    With `earlier`, its levels are a dashed outline under this assessment's shape, with a legend.
    `label_size` sets the axis labels' size in drawing units, and `fit` the printed width in CSS px
    (it replaces `scale`): radars printed side by side need larger labels to stay readable.
    """
    if len(principles) < 3:
        return None
    n = len(principles)
    crowded = n > 8
    radius = 160 if crowded else 125
    size = label_size or (11 if crowded else 13)
    line_h = size + 2
    label_w = (120 if crowded else 110) * size / (11 if crowded else 13)   # larger labels get room to match

    def point(i: int, value: float, cx: float = 0.0, cy: float = 0.0) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * value / top
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    # Lay out the axis labels around the origin first, then size the drawing to hold them all.
    labels = []
    for i, p in enumerate(principles):
        lx, ly = point(i, top + 0.45)
        anchor = "middle" if abs(lx) < 12 else ("start" if lx > 0 else "end")
        lines = wrap(p.title, label_w, size)
        block_h = len(lines) * line_h
        top_y = ly - block_h / 2 if abs(lx) >= 12 else (ly - block_h if ly < 0 else ly)
        widest = max(text_width(line, size) for line in lines)
        left = {"middle": lx - widest / 2, "start": lx, "end": lx - widest}[anchor]
        labels.append(_Label(lx, anchor, lines, left, left + widest, top_y, top_y + block_h))
    _separate(labels)
    pad = 10
    min_x = min([-radius] + [lab.left for lab in labels]) - pad
    max_x = max([radius] + [lab.right for lab in labels]) + pad
    # the centre in the middle, so radars side by side line up and match in size
    reach = max([radius] + [-lab.top for lab in labels] + [lab.bottom for lab in labels]) + pad
    min_y, max_y = -reach, reach
    width = max(max_x - min_x, 300)
    cx = -min_x + (width - (max_x - min_x)) / 2
    cy = -min_y
    height = max_y - min_y

    body = []
    for level in range(1, top + 1):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level, cx, cy) for i in range(n)))
        body.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(cx + 4, cy - radius * level / top + 11, str(level), size=10, fill=MUTED))
    for i in range(n):
        x, y = point(i, top, cx, cy)
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
    for lab in labels:
        for k, line in enumerate(lab.lines):
            body.append(_text(cx + lab.x, cy + lab.top + (k + 1) * line_h - 3, line, lab.anchor, size=size))
    if earlier is not None:
        before = [point(i, earlier.levels.get(p.id) or 0, cx, cy) for i, p in enumerate(principles)]
        body.append('<polygon points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="5,3"/>'.format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in before), EARLIER_STROKE))
    shape = [point(i, p.level or 0, cx, cy) for i, p in enumerate(principles)]
    body.append('<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="{}" stroke-width="2"/>'.format(
        " ".join(f"{x:.1f},{y:.1f}" for x, y in shape), NOW_STROKE, NOW_STROKE))
    for (x, y), p in zip(shape, principles):
        if p.level is None:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PAPER}" stroke="{MUTED}" stroke-width="1.5"/>')
        else:
            edge = RAG_EDGE.get(p.rag)
            stroke = f' stroke="{edge}" stroke-width="1"' if edge else ""
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{RAG_FILL[p.rag]}"{stroke}/>')
    if earlier is not None:
        keys = [_Key(earlier.now_name, "line", NOW_STROKE), _Key(earlier.name, "dashed-line", EARLIER_STROKE)]
        legend, used = _legend(keys, 20, height + 8, width - 40)
        body += legend
        height += used + 8
    return _svg(width, height, title, _describe(principles, earlier), body, fit / width if fit else scale)


@dataclass
class _Label:
    """An axis label's block, in coordinates around the radar's centre."""
    x: float
    anchor: str
    lines: list[str]
    left: float
    right: float
    top: float
    bottom: float

    def overlaps(self, other: "_Label", gap: float) -> bool:
        return (self.left < other.right + gap and other.left < self.right + gap
                and self.top < other.bottom + gap and other.top < self.bottom + gap)


def _separate(labels: list[_Label], gap: float = 3) -> None:
    """Move labels that would overlap apart, each away from the horizontal axis, nearest it first:
    with many axes the labels near the top and bottom crowd together."""
    placed: list[_Label] = []
    for lab in sorted(labels, key=lambda b: abs(b.top + b.bottom)):
        downwards = lab.top + lab.bottom >= 0
        for _ in range(len(labels)):
            hit = next((b for b in placed if lab.overlaps(b, gap)), None)
            if hit is None:
                break
            shift = (hit.bottom + gap - lab.top) if downwards else (hit.top - gap - lab.bottom)
            lab.top, lab.bottom = lab.top + shift, lab.bottom + shift
        placed.append(lab)


# ---------------------------------------------------------------- bars

_BAR_SIZE, _BAR_LINE = 10, 12


def bar_label(p: PrincipleResult, earlier: Optional[Earlier] = None) -> str:
    """What the bar chart prints beside a bar: the level, and why it is where it is."""
    if p.level is None:
        return "not enough evidence"
    label = f"{p.level} {p.level_name}"
    note = status_note(p.status)
    if note:
        label += f" · {note}"
    elif binding_caps(p):
        label += " · capped"
    was = earlier.levels.get(p.id) if earlier is not None else None
    if was is not None and was != p.level:
        label += f" · was {was}"
    return label


def bars(principles: list[PrincipleResult], top: int, title: str, rag_labels: dict[str, str],
         earlier: Optional[Earlier] = None, scale: float = 1.0) -> Markup:
    """One bar per principle: the level reached; where a cap holds it down, the score the answers
    alone gave (dashed) and a mark at the cap; with `earlier`, a thin track at the earlier level.
    Caps that hold nothing down are left out: they change nothing a reader could see."""
    label_w, bar_w, pad_top = 200, 290, 28
    x0 = label_w
    unit = bar_w / top
    rows, y = [], pad_top
    for p in principles:
        lines = wrap(p.title, label_w - 14, _BAR_SIZE)
        row_h = max(34, len(lines) * _BAR_LINE + 12)
        rows.append((p, lines, y, row_h))
        y += row_h
    grid_bottom = y + 4
    labels = [(bar_label(p, earlier), _label_x(p, x0, unit)) for p, _, _, _ in rows]
    width = max(x0 + bar_w + 24, max(x + text_width(t, _BAR_SIZE, bold=True) + 12 for t, x in labels))

    body = []
    for level in range(0, top + 1):
        x = x0 + level * unit
        body.append(f'<line x1="{x:.1f}" y1="{pad_top - 6}" x2="{x:.1f}" y2="{grid_bottom:.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(x, pad_top - 10, str(level), "middle", size=9, fill=MUTED))
    for (p, lines, y, row_h), (label, lx) in zip(rows, labels):
        mid = y + row_h / 2
        for k, line in enumerate(lines):
            body.append(_text(x0 - 10, mid + 4 + (k - (len(lines) - 1) / 2) * _BAR_LINE, line, "end", size=_BAR_SIZE))
        if p.level is not None:
            body += _bar(p, x0, unit, mid, earlier)
        # a paper-coloured patch under the label: grid lines stop short of the words
        w = text_width(label, _BAR_SIZE, bold=p.level is not None)
        body.append(f'<rect x="{lx - 3:.1f}" y="{mid - 8:.1f}" width="{w + 6:.1f}" height="15" fill="{PAPER}"/>')
        body.append(_text(lx, mid + 4, label, size=_BAR_SIZE, fill=INK if p.level is not None else MUTED,
                          weight="bold" if p.level is not None else "normal"))
    keys = [_Key("cap that holds a level down", "cap"), _Key("score before caps", "box")] \
        if any(binding_caps(p) for p in principles) else []
    if earlier is not None:
        keys.append(_Key(earlier.name, "track"))
    keys += [_Key(rag_labels.get(rag, rag.capitalize()), "swatch", rag=rag) for rag in ("green", "amber", "red")]
    legend, used = _legend(keys, x0, grid_bottom + 18, width - x0 - 10)
    body += legend
    height = grid_bottom + 18 + used
    return _svg(width, height, title, _describe(principles, earlier), body, scale)


def _label_x(p: PrincipleResult, x0: float, unit: float) -> float:
    """Just past the end of what is drawn for this principle."""
    if p.level is None:
        return x0 + 6
    held = binding_caps(p)
    end = max([p.capped_score or 0] + ([p.score] if held and p.score is not None else []) + [c.max_level for c in held])
    return x0 + end * unit + 9


def _bar(p: PrincipleResult, x0: float, unit: float, mid: float, earlier: Optional[Earlier]) -> list[str]:
    out = []
    held = binding_caps(p)
    top_y = mid - 8
    if held and p.score is not None and p.score > (p.capped_score or 0):
        out.append(f'<rect x="{x0}" y="{top_y:.1f}" width="{p.score * unit:.1f}" height="16" fill="none" '
                   f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="3,2"/>')
    out.append(_rag_rect(x0, top_y, (p.capped_score or 0) * unit, 16, p.rag))
    for cap in sorted({c.max_level for c in held}):
        cx = x0 + cap * unit
        out.append(f'<line x1="{cx:.1f}" y1="{mid - 13:.1f}" x2="{cx:.1f}" y2="{mid + 13:.1f}" stroke="{INK}" stroke-width="2.5"/>')
        out.append(f'<polygon points="{cx - 4:.1f},{mid - 13:.1f} {cx + 4:.1f},{mid - 13:.1f} {cx:.1f},{mid - 8:.1f}" fill="{INK}"/>')
    was = earlier.scores.get(p.id) if earlier is not None else None
    if was is not None:      # a thin track under the bar: lengths compare at a glance, nothing overlaps the label
        out.append(f'<rect x="{x0}" y="{mid + 10:.1f}" width="{was * unit:.1f}" height="4" fill="{EARLIER_STROKE}"/>')
    return out
