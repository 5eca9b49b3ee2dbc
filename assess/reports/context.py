"""The report's view of a Result: what every format shows, in the order it shows it.

Built once per render from the Result alone; a loaded Framework, when given, adds the
descriptive text the Result does not carry (principle descriptions, section titles, RAG
thresholds). Values stay plain text here: escaping is the template's job.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..models import AnswerRecord, Finding, PrincipleResult, Result
from . import charts, filters
from .actions import Planner, action_plan
from .narrative import reading

SUMMARY_FINDINGS = 5
EPOCH = "2000-01-01"   # metadata date when an assessment has none: fixed, never "now"


@dataclass
class PrincipleView:
    result: PrincipleResult
    anchor: str
    description: str
    risks: list[Finding]
    strengths: list[Finding]
    evidence: list[tuple[str, list[str]]]        # (question text, quoted items)
    na: list[AnswerRecord]
    unanswered: list[AnswerRecord]


@dataclass
class SectionView:
    id: str
    title: str
    answers: list[AnswerRecord] = field(default_factory=list)


def report_context(result: Result, framework=None, planner: Planner = action_plan) -> dict[str, Any]:
    meta = result.assessment
    top = len(result.scale)
    actions = planner(result)
    records = {a.question: a for a in result.answers}
    applicable = [p for p in result.principles if p.applicable]
    principles = [_principle_view(p, result, records, framework) for p in applicable]
    lenses = [l for l in result.lenses if l.applicable]
    return {
        "r": result,
        "meta": meta,
        "title": f"{meta['service']}: service assessment report",
        "doc_date": meta.get("date") or EPOCH,
        "scope_label": filters.SCOPE_LABEL.get(meta.get("scope"), meta.get("scope")),
        "kind_label": filters.KIND_LABEL.get(meta.get("kind"), meta.get("kind")),
        "lenses": lenses,
        "principles": principles,
        "not_applicable_principles": [p for p in result.principles if not p.applicable],
        "actions": actions,
        "top_actions": actions[:SUMMARY_FINDINGS],
        "strengths": [f for f in result.findings if f.kind == "strength"],
        "reading": reading(result, actions),
        "charts": _charts(result, lenses, applicable, top),
        "sections": _sections(result, framework),
        "question_text": {a.question: a.text for a in result.answers},
        "rag_thresholds": framework.info.rag if framework is not None else None,
        "min_answered_share": framework.info.scoring.min_answered_share if framework is not None else None,
        "top_level": top,
        "generated_from": dt.date.fromisoformat(str(meta.get("date") or EPOCH)).isoformat(),
    }


def because_label(ref: str, question_text: dict[str, str]) -> str:
    """How a finding's trace reads: a question's text, an assessment field, or a derived fact."""
    if ref.startswith("meta."):
        return "Assessment " + ref.removeprefix("meta.")
    if ref.startswith("fact."):
        return "Derived: " + ref.removeprefix("fact.").replace("_", " ")
    return question_text.get(ref, ref)


def _principle_view(p: PrincipleResult, result: Result, records: dict[str, AnswerRecord], framework) -> PrincipleView:
    findings = [f for f in result.findings if f.principle == p.id]
    asked = [c.question for c in p.contributions] + p.not_applicable + p.unanswered
    for f in findings:
        asked += [b.ref for b in f.because if b.ref in records]
    seen, evidence = set(), []
    for qid in asked:
        if qid in seen or not records[qid].evidence:
            continue
        seen.add(qid)
        evidence.append((records[qid].text, records[qid].evidence))
    description = ""
    if framework is not None:
        description = next((x.description for x in framework.principles if x.id == p.id), "")
    return PrincipleView(result=p, anchor=f"principle-{p.id}", description=description,
                         risks=[f for f in findings if f.kind == "risk"],
                         strengths=[f for f in findings if f.kind == "strength"], evidence=evidence,
                         na=[records[q] for q in p.not_applicable], unanswered=[records[q] for q in p.unanswered])


def _charts(result: Result, lenses, applicable: list[PrincipleResult], top: int) -> list[dict[str, Any]]:
    out = []
    groups = [(lens, [p for p in applicable if p.lens == lens.id]) for lens in lenses]
    drawn = [(lens, members) for lens, members in groups if len(members) >= 3]
    scale = 0.9 if len(drawn) == 1 else 0.62     # two or more radars sit side by side
    for lens, members in drawn:
        svg = charts.radar(members, top, f"Radar of principle levels, {lens.title}", scale)
        out.append({"caption": f"{lens.title}: principle levels", "svg": svg, "wide": len(drawn) == 1})
    if not out:
        svg = charts.radar(applicable, top, "Radar of principle levels, all lenses", 0.9)
        if svg is not None:
            out.append({"caption": "All principles: levels", "svg": svg, "wide": True})
    out.append({"caption": "Level reached by each principle, with caps", "wide": True,
                "svg": charts.bars(applicable, top, "Bar chart of principle levels with caps", result.rag_labels)})
    return out


def _sections(result: Result, framework) -> list[SectionView]:
    titles = {s.id: s.title for s in framework.sections} if framework is not None else {}
    sections: dict[str, SectionView] = {}
    for a in result.answers:
        view = sections.setdefault(a.section, SectionView(a.section, titles.get(a.section) or
                                                          a.section.replace("-", " ").capitalize()))
        view.answers.append(a)
    return list(sections.values())

