"""The report's view of a Result: what every format shows, in the order it shows it.

Built once per render from the Result alone; a loaded Framework, when given, adds the
descriptive text the Result does not carry (principle descriptions, section titles, RAG
thresholds). Values stay plain text here: escaping is the template's job.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ..decisions import Rating, decided_overall, decided_rating, decision_sentence, has_decisions
from ..models import AnswerRecord, Finding, PrincipleResult, Result, Terms
from . import charts, filters
from .actions import Planner, action_plan, with_tracking
from .bidi import Parts
from .narrative import reading
from .since import SinceView, since_view

if TYPE_CHECKING:
    from ..actions import TrackedAction
    from ..compare import Comparison
    from ..plan import Plan

SUMMARY_FINDINGS = 5
# Past these counts a long report lists findings, actions and a plan's side effects in brief:
# a block per finding is readable for a handful but turns a large framework's report into
# hundreds of pages. The built-in examples stay well below every limit.
FINDING_BLOCKS = 10        # risks of one principle shown as blocks; past it, named by severity in a few lines
ACTION_ROWS = 20           # actions with their recommendation; the rest listed by title
PLAN_EFFECTS = 3           # findings a next-level plan clears or raises, named before "and N more"
EVIDENCE_IN_FULL = 5       # evidence items of one answer quoted in full; the rest get a shortened line each
# how much of an evidence item past EVIDENCE_IN_FULL is shown: about a line across the page, or
# across the appendix's evidence column
EVIDENCE_LINE_CHARS = {"page": 90, "cell": 36}
EPOCH = "2000-01-01"
BARS_SCALE = 1.25      # up to 8 principles: bars as wide as the page allows, so the glance page has no empty third   # metadata date when an assessment has none: fixed, never "now"


@dataclass
class QuotedEvidence:
    """An answer's evidence as a principle's section quotes it; `anchor` is where the quote is."""
    question: str
    text: str
    items: list[str]

    @property
    def anchor(self) -> str:
        return f"evidence-{self.question}"


@dataclass
class QuoteRef:
    """Where an answer's evidence is quoted, for a later principle and the appendix to name instead of repeating it."""
    quote: QuotedEvidence
    principle_title: str


@dataclass
class PrincipleView:
    result: PrincipleResult
    anchor: str
    description: str
    risks: list[Finding]
    strengths: list[Finding]
    evidence: list[QuotedEvidence]               # quoted in this section
    na: list[AnswerRecord]
    unanswered: list[AnswerRecord]
    rating: Rating                               # the decision where recorded, else the proposal
    decision_text: str                           # "Decision: Amber — engine proposed Red, because ..."
    risks_in_brief: bool = False                 # too many risks for a block each: named by severity instead
    evidence_elsewhere: list[QuoteRef] = field(default_factory=list)   # quoted under an earlier principle

    @property
    def risks_by_severity(self) -> list[tuple[str, list[Finding]]]:
        """The risks grouped by severity, most severe first (they arrive sorted by severity)."""
        groups: dict[str, list[Finding]] = {}
        for f in self.risks:
            groups.setdefault(f.severity, []).append(f)
        return list(groups.items())


@dataclass
class ReassessedView:
    """One principle of a reassessment: its earlier rating beside the one now published."""
    title: str
    status: str          # "re-decided", "open" (reopened, not decided yet) or "carried"
    earlier: str
    now: str


def _reassessment(result: Result) -> Optional[dict[str, Any]]:
    """What a reassessment re-decided (or left open), each beside its earlier decision; the carried ones by name."""
    r = result.reassessment
    if r is None:
        return None
    rows = []
    for p in result.principles:
        if p.id in r.reopened:
            status = "re-decided" if p.id in r.redecided else "open"
            rows.append(ReassessedView(p.title, status, _earlier_text(r, p.id), _now_text(decided_rating(result, p.id))))
    overall = decided_overall(result)
    rows.append(ReassessedView("Overall", "re-decided" if overall.decided else "open", _earlier_text(r, "overall"), _now_text(overall)))
    return {"of": r.of, "date": r.date, "rows": rows,
            "redecided": [p.id for p in result.principles if p.id in r.redecided],
            "open": [p.id for p in result.principles if p.id in r.reopened and p.id not in r.redecided],
            "carried": [p.title for p in result.principles if p.id in r.carried],
            "carried_answers": len(r.carried_answers)}


def _earlier_text(r, key: str) -> str:
    earlier = r.earlier.get(key)
    return earlier.rag_label if earlier is not None else "–"


def _now_text(rating: Rating) -> str:
    return (rating.rag_label or "no rating") + ("" if rating.decided else " (engine's proposal; not decided yet)")


@dataclass(frozen=True)
class Limited:
    """A list cut at a report's limit: `full` is set out in full, `rest` only named or counted.
    Every format cuts its lists here, so the PDF, HTML and Markdown agree on what is in brief."""
    full: list
    rest: list
    limit: int

    @property
    def start_of_rest(self) -> int:
        """The number (1-based) of the first item in brief, for lists numbered straight on."""
        return len(self.full) + 1


def limited(items: list, limit: int) -> Limited:
    return Limited(list(items[:limit]), list(items[limit:]), limit)


def more_findings(verb: str, count: int) -> str:
    """"Clears 3 more findings.": a next-level plan's effects past PLAN_EFFECTS."""
    return f"{verb} {count} more finding{'s' if count > 1 else ''}."


@dataclass
class SectionView:
    id: str
    title: str
    answers: list[AnswerRecord] = field(default_factory=list)


def report_context(result: Result, framework=None, planner: Planner = action_plan,
                   comparison: Optional["Comparison"] = None, plan: Optional["Plan"] = None,
                   tracked: Optional[list["TrackedAction"]] = None) -> dict[str, Any]:
    """`comparison` (earlier assessment → this one) adds the "Since last time" section and the
    earlier levels on the charts; `plan` adds the changes that reach each next level;
    `tracked` (actions.tracked_actions) gives the action plan its ids, owners, due dates and
    statuses, and the actions on amber and red points."""
    meta = result.assessment
    top = len(result.scale)
    actions = with_tracking(planner(result), tracked)
    since = since_view(comparison)
    records = {a.question: a for a in result.answers}
    applicable = [p for p in result.principles if p.applicable]
    principles = [_principle_view(p, result, records, framework) for p in applicable]
    quoted_under = _quote_evidence_once(principles)
    lenses = [l for l in result.lenses if l.applicable]
    terms = framework.info.terms if framework is not None else Terms()
    overall = decided_overall(result)
    return {
        "decided": has_decisions(result),
        "overall_rating": overall,
        "overall_decision_text": decision_sentence(result, overall),
        "overridden": [pv for pv in principles if pv.rating.differs],
        "reassessment": _reassessment(result),
        "r": result,
        "meta": meta,
        "title": f"{meta['service']}: service {'reassessment' if result.reassessment else 'assessment'} report",
        "doc_date": meta.get("date") or EPOCH,
        "scope_label": filters.SCOPE_LABEL.get(meta.get("scope"), meta.get("scope")),
        "kind_label": filters.KIND_LABEL.get(meta.get("kind"), meta.get("kind")),
        "lenses": lenses,
        "principles": principles,
        "not_applicable_principles": [p for p in result.principles if not p.applicable],
        "actions": actions,
        "top_actions": actions[:SUMMARY_FINDINGS],
        "action_rows": ACTION_ROWS,
        "action_list": limited(actions, ACTION_ROWS),
        "plan_effects_of": lambda found: limited(found, PLAN_EFFECTS),
        "more_findings": more_findings,
        "tracked_known": tracked is not None,
        "point_actions": [t for t in tracked or [] if t.id.startswith("principle:")],
        "plan_effects": PLAN_EFFECTS,
        "evidence_in_full": EVIDENCE_IN_FULL,
        "evidence_line_chars": EVIDENCE_LINE_CHARS,
        "quoted_under": quoted_under,
        "strengths": [f for f in result.findings if f.kind == "strength"],
        "terms": terms,
        "reading": _reading(result, actions, terms, overall.differs),
        "charts": _charts(result, lenses, applicable, top, terms, _earlier(since)),
        "since": since,
        "next_level": plan.principles if plan is not None else None,
        "sections": _sections(result, framework),
        "question_text": {a.question: a.text for a in result.answers},
        "rag_thresholds": framework.info.rag if framework is not None else None,
        "min_answered_share": framework.info.scoring.min_answered_share if framework is not None else None,
        "top_level": top,
        "generated_from": dt.date.fromisoformat(str(meta.get("date") or EPOCH)).isoformat(),
    }


def _reading(result: Result, actions, terms: Terms, overridden: bool) -> Parts:
    text = reading(result, actions, terms)
    return Parts(["The engine's reading, which the decision above overrides: ", *text.parts]) if overridden else text


def because_label(ref: str, question_text: dict[str, str]) -> str:
    """How a finding's trace reads: a question's text, an assessment field, or a derived fact."""
    if ref.startswith("meta."):
        return "Assessment " + ref.removeprefix("meta.")
    if ref.startswith("fact."):
        return "Derived: " + ref.removeprefix("fact.").replace("_", " ")
    return question_text.get(ref, ref)


def _principle_view(p: PrincipleResult, result: Result, records: dict[str, AnswerRecord], framework) -> PrincipleView:
    findings = [f for f in result.findings if f.principle == p.id]
    risks = [f for f in findings if f.kind == "risk"]
    in_brief = len(risks) > FINDING_BLOCKS
    asked = [c.question for c in p.contributions] + p.not_applicable + p.unanswered
    for f in [f for f in findings if not (in_brief and f.kind == "risk")]:   # risks in brief show no trace to quote for
        asked += [b.ref for b in f.because if b.ref in records]
    seen, evidence = set(), []
    for qid in asked:
        if qid in seen or not records[qid].evidence:
            continue
        seen.add(qid)
        evidence.append(QuotedEvidence(qid, records[qid].text, records[qid].evidence))
    description = ""
    if framework is not None:
        description = next((x.description for x in framework.principles if x.id == p.id), "")
    rating = decided_rating(result, p.id)
    return PrincipleView(result=p, anchor=f"principle-{p.id}", description=description,
                         rating=rating, decision_text=decision_sentence(result, rating) if rating.decided else "",
                         risks=risks, risks_in_brief=in_brief,
                         strengths=[f for f in findings if f.kind == "strength"], evidence=evidence,
                         na=[records[q] for q in p.not_applicable], unanswered=[records[q] for q in p.unanswered])


def _quote_evidence_once(principles: list[PrincipleView]) -> dict[str, QuoteRef]:
    """Each answer's evidence is quoted in the first principle's section that uses the answer; later
    principles and the appendix name that section instead of repeating it (a long evidence list
    would otherwise fill the report two or three times over). Returns where each question's
    evidence is quoted, for the appendix."""
    quoted: dict[str, QuoteRef] = {}
    for pv in principles:
        own = []
        for q in pv.evidence:
            if q.question in quoted:
                pv.evidence_elsewhere.append(quoted[q.question])
            else:
                quoted[q.question] = QuoteRef(q, pv.result.title)
                own.append(q)
        pv.evidence = own
    return quoted


def _earlier(since: Optional[SinceView]) -> Optional[charts.Earlier]:
    if since is None:
        return None
    c = since.comparison
    return charts.Earlier(name=f"Earlier, {filters.long_date(c.old.date) if c.old.date else 'undated'}",
                          now_name=f"This assessment, {filters.long_date(c.new.date) if c.new.date else 'undated'}",
                          scores={lc.id: lc.old_score for lc in c.principles},
                          levels={lc.id: lc.old_level for lc in c.principles})


def _charts(result: Result, lenses, applicable: list[PrincipleResult], top: int, terms: Terms,
            earlier: Optional[charts.Earlier] = None) -> list[dict[str, Any]]:
    """The radars plot levels after caps, as the captions say; the bars add the scores behind them."""
    out = []
    groups = [(lens, [p for p in applicable if p.lens == lens.id]) for lens in lenses]
    drawn = [(lens, members) for lens, members in groups if len(members) >= 3]
    # a radar of many points leaves no room for the bars below it, so it takes the page's width
    alone = 1.3 if len(applicable) > 8 else 0.9
    side_by_side = len(drawn) > 1                 # then each has half the page: larger labels, fitted to the half
    size = {"label_size": 16 if max((len(m) for _, m in drawn), default=0) <= 8 else 14, "fit": 315} if side_by_side else {}
    against = f": {earlier.now_name.lower()}, against {earlier.name.lower()}" if earlier else ""
    with_earlier = " and the earlier assessment" if earlier else ""
    one, many = terms.principle, terms.principles
    for lens, members in drawn:
        svg = charts.radar(members, top, f"Radar of {one} levels, {lens.title}{against}", alone, earlier, **size)
        out.append({"caption": f"{lens.title}: {one} levels{with_earlier}", "svg": svg, "wide": len(drawn) == 1})
    if not out:
        svg = charts.radar(applicable, top, f"Radar of {one} levels, all lenses{against}", alone, earlier)
        if svg is not None:
            out.append({"caption": f"All {many}: levels{with_earlier}", "svg": svg, "wide": True})
    out.append({"caption": f"Level reached by each {one}, with the caps that hold levels down{with_earlier}", "wide": True,
                "svg": charts.bars(applicable, top, f"Bar chart of {one} levels with caps{against}",
                                   result.rag_labels, earlier, scale=BARS_SCALE if len(applicable) <= 8 else 1.0)})
    return out


def _sections(result: Result, framework) -> list[SectionView]:
    titles = {s.id: s.title for s in framework.sections} if framework is not None else {}
    sections: dict[str, SectionView] = {}
    for a in result.answers:
        view = sections.setdefault(a.section, SectionView(a.section, titles.get(a.section) or
                                                          a.section.replace("-", " ").capitalize()))
        view.answers.append(a)
    return list(sections.values())

