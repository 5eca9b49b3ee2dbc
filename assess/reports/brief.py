"""The board pack (`assess report --brief`): a short PDF or HTML for a programme board or a panel.

The decision and why, then per principle what was done well and what to fix, written as
recommendations with owners and due dates, then the actions. It is rendered from
report_templates/brief.html.j2, which a framework may replace with its own variant; the
full report stays the appendix-grade document.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..actions import TrackedAction, overall_rating, point_rating
from ..models import Finding, PrincipleResult, Result

BRIEF_TEMPLATE = "brief.html.j2"
BRIEF_FORMATS = ("pdf", "html")
DONE_WELL_MAX = 4      # a board reads the best few; the full report lists the rest


@dataclass
class DoneWell:
    title: str
    detail: str = ""


@dataclass
class BriefPoint:
    result: PrincipleResult
    rating: Optional[str]            # the decision where one is recorded, else the engine's proposal
    proposed: Optional[str] = None   # the engine's rating, where a decision differs from it
    done_well: list[DoneWell] = field(default_factory=list)
    to_fix: list[TrackedAction] = field(default_factory=list)
    point_action: Optional[TrackedAction] = None
    unanswered: int = 0


def brief_context(result: Result, actions: list[TrackedAction], framework) -> dict:
    """What the brief shows beyond the report's own context."""
    green_from = framework.info.rag.green
    best = {q.id: _best_level(q) for q in framework.questions.values()}
    points = [_point(p, result, actions, green_from, best) for p in result.principles if p.applicable]
    counts = {rag: [bp for bp in points if bp.rating == rag] for rag in ("green", "amber", "red")}
    overall = overall_rating(result)
    return {"brief_points": points, "brief_counts": counts, "tracked": actions, "brief_overall": overall,
            "brief_overall_label": result.rag_labels.get(overall) if overall else None,
            "undecided_points": [bp for bp in points if bp.rating is None]}


def _best_level(question) -> Optional[float]:
    """The highest level a yes/no answer can give; None for other questions."""
    return max(question.levels.values()) if question.type == "yesno" and question.levels else None


def _point(p: PrincipleResult, result: Result, actions: list[TrackedAction], green_from: float,
           best: dict[str, Optional[float]]) -> BriefPoint:
    strengths = [f for f in result.findings if f.principle == p.id and f.kind == "strength"]
    mine = [a for a in actions if a.principle == p.id]
    rating = point_rating(result, p)
    return BriefPoint(result=p, rating=rating, proposed=p.rag if rating != p.rag else None, done_well=done_well(p, strengths, green_from, best),
                      to_fix=[a for a in mine if a.id.startswith("finding:")],
                      point_action=next((a for a in mine if a.id.startswith("principle:")), None),
                      unanswered=len(p.unanswered))


def done_well(p: PrincipleResult, strengths: list[Finding], green_from: float,
              best: dict[str, Optional[float]]) -> list[DoneWell]:
    """Strengths first, then the answers at or above what is expected, strongest first. A yes or
    no counts only when it is the better of the two: "challenged the limits: no" is no credit,
    even where the framework accepts it at this phase."""
    out = [DoneWell(f.title, f.rationale) for f in strengths]
    strong = sorted((c for c in p.contributions if c.level >= green_from and c.level >= (best.get(c.question) or 0)),
                    key=lambda c: (-c.level, -c.weight, c.question))
    for c in strong:
        out.append(DoneWell(answer_statement(c.text, c.label)))
    return out[:DONE_WELL_MAX]


def answer_statement(question: str, label: str) -> str:
    """An answer as a statement: an option's own words where they make a sentence, else the
    question with its answer ("Has the team a named owner: yes", "How many: most of them")."""
    if len(label.split()) >= 5 and not label[:1].isdigit():
        return label
    short = label.lower() if label.lower() in ("yes", "no") or label[1:2].islower() else label
    return f"{question.rstrip('?').rstrip()}: {short}"

def render_brief(result: Result, fmt: str, framework, actions: list[TrackedAction], template_dirs=(),
                 warn=None) -> bytes:
    """The board pack as PDF or HTML."""
    from . import html, pdf
    if fmt not in BRIEF_FORMATS:
        raise ValueError(f"the brief is written as {' or '.join(BRIEF_FORMATS)}, not {fmt}")
    extra = brief_context(result, actions, framework)
    if fmt == "pdf":
        return pdf.render(result, template_dirs=list(template_dirs), framework=framework, warn=warn,
                          template=BRIEF_TEMPLATE, extra=extra)
    return html.render_html(result, list(template_dirs), framework=framework, warn=warn, template=BRIEF_TEMPLATE,
                            extra=extra).encode("utf-8")
