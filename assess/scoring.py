"""Pure scoring: an assessment and the rules' effects become levels, RAG, findings and reasons.

- An answer's level comes from its option (or yes/no levels, or its place on a scale).
- A principle's score is the weighted mean of its answered, visible, applicable questions;
  n/a is excluded, never scored as zero; too little answered gives "not enough evidence".
- A rule's cap holds the principle at or below a level; the cap and its rule are recorded.
- Overall "worst" is the lowest principle; with `red_points_for_red_overall` above 1, red principles
  held red by their answers alone (no gate, or a gate in a phase outside `gates_for_red_overall_in`)
  make the overall red only when there are that many separate gaps (points red on the same weak
  answer, or held red by the same rule, count once).
- The level is the whole part of the capped score (rounded down, and the report says so); RAG
  compares the capped score with the thresholds.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from . import __version__
from . import conditions as cond
from .answers import ANSWERED, NO_ANSWER, NOT_APPLICABLE, Answer, Assessment, answer_label
from .engine import Effects
from .models import (SEVERITY_ORDER, AnswerRecord, Because, CapApplied, Confidence, Contribution, Finding, LensResult,
                     PrincipleResult, Question, Result)


def answer_level(question: Question, answer: Answer, top: int) -> Optional[float]:
    """The maturity level an answer evidences, or None when it carries no level."""
    if answer.state != ANSWERED:
        return None
    v = answer.value
    if question.type == "single":
        return question.option(v).level
    if question.type == "yesno":
        return question.levels.get(v)
    if question.type == "scale":
        return 1 + (v - question.min) * (top - 1) / (question.max - question.min)
    if question.type == "multi":
        if question.count_levels:
            return question.count_levels[min(len(v), len(question.count_levels) - 1)]
        chosen = [question.option(i).level for i in v if question.option(i).level is not None]
        return max(chosen) if chosen else (1 if v == [] else None)
    return None


def rag_for(score: Optional[float], thresholds) -> Optional[str]:
    if score is None:
        return None
    return "green" if score >= thresholds.green else "amber" if score >= thresholds.amber else "red"


def level_for(score: Optional[float], top: int) -> Optional[int]:
    return None if score is None else max(1, min(top, math.floor(score + 1e-9)))


def _round(x: Optional[float]) -> Optional[float]:
    return None if x is None else round(x, 4)


def fill_placeholders(text: str, assessment: Assessment, shown: dict[str, bool]) -> str:
    """Replace {answer:id} and {meta:field} with plain text; nothing else is interpreted.

    A hidden question reads as not answered, as the rules saw it."""
    def replace(match) -> str:
        kind, ref = match.group(1), match.group(2)
        if kind == "meta":
            value = getattr(assessment.meta, ref, "")
            return "" if value is None else str(value)
        answer = assessment.answer(ref) if shown[ref] else NO_ANSWER
        return answer_label(assessment.framework.questions[ref], answer)
    from .frameworks import PLACEHOLDER
    return PLACEHOLDER.sub(replace, text)


def score(assessment: Assessment, effects: Effects) -> Result:
    fw = assessment.framework
    top = len(fw.info.scale)
    shown = assessment.visible()
    facts = assessment.facts(shown)
    meta_facts = cond.Facts(facts.answers, facts.meta)

    lens_ok = _lenses_applying(fw, meta_facts)
    principles = _principle_results(assessment, effects, shown, lens_ok, meta_facts)
    lenses = []
    for lens in fw.info.lenses:
        members = [pr for pr in principles if pr.lens == lens.id and pr.applicable]
        lens_score = _lens_score(fw, members)
        lenses.append(LensResult(id=lens.id, title=lens.title, applicable=lens_ok[lens.id] and bool(members),
                                 level=level_for(lens_score, top), level_name=fw.level_name(level_for(lens_score, top)),
                                 score=lens_score, rag=rag_for(lens_score, fw.info.rag), principles=[pr.id for pr in members]))

    overall_score, shared_gaps = _overall(fw, lenses, principles, assessment.meta.phase)
    overall_level = level_for(overall_score, top)
    overall_rag = rag_for(overall_score, fw.info.rag)
    return Result(
        tool_version=__version__,
        framework={"id": fw.id, "title": fw.info.title, "version": fw.version, "hash": fw.hash},
        answers_hash=assessment.hash,
        assessment=_meta_dict(assessment),
        overall={"score": overall_score, "level": overall_level, "level_name": fw.level_name(overall_level),
                 "rag": overall_rag, "rag_label": fw.info.rag.labels.get(overall_rag) if overall_rag else None,
                 "method": fw.info.scoring.overall, **({"shared_gaps": shared_gaps} if shared_gaps else {})},
        lenses=lenses,
        principles=principles,
        findings=_findings(assessment, effects, shown, facts),
        derived_facts=dict(effects.derived),
        confidence=_confidence(assessment, shown),
        answers=_answer_records(assessment, shown),
        scale=fw.info.scale,
        rag_labels=dict(fw.info.rag.labels),
    )


def score_principle(assessment: Assessment, effects: Effects, shown: dict[str, bool], facts: cond.Facts,
                    principle_id: str) -> PrincipleResult:
    """One principle's result as score() gives it, without its contributions: what a search over
    answers compares. `shown` and `facts` are the assessment's visible() and facts(shown)."""
    meta_facts = cond.Facts(facts.answers, facts.meta)
    return _principle_results(assessment, effects, shown, _lenses_applying(assessment.framework, meta_facts), meta_facts,
                              only=principle_id)[0]


def _lenses_applying(fw, meta_facts: cond.Facts) -> dict[str, bool]:
    return {lid: node is None or cond.evaluate(node, meta_facts) for lid, node in fw.lens_applies.items()}


def _principle_results(assessment: Assessment, effects: Effects, shown: dict[str, bool], lens_ok: dict[str, bool],
                       meta_facts: cond.Facts, only: Optional[str] = None) -> list[PrincipleResult]:
    """Every principle's result, or with `only` that one's alone, without contributions."""
    fw = assessment.framework
    top = len(fw.info.scale)
    caps_by_principle: dict[str, list[CapApplied]] = {}
    for rule_id in effects.fired:
        rule = fw.rule(rule_id)
        for cap in rule.caps:
            target = cap.principle or rule.principle
            if only is not None and target != only:
                continue
            reason = fill_placeholders(rule.finding.title, assessment, shown) if rule.finding else (rule.description or rule.id)
            caps_by_principle.setdefault(target, []).append(CapApplied(rule=rule.id, max_level=cap.max_level, reason=reason))
    principles: list[PrincipleResult] = []
    for p in fw.principles if only is None else [fw.principle(only)]:
        node = fw.principle_applies.get(p.id)
        applicable = lens_ok[p.lens] and (node is None or cond.evaluate(node, meta_facts))
        principles.append(_score_principle(assessment, p, applicable, shown, caps_by_principle.get(p.id, []), top,
                                           detail=only is None))
    return principles


def _score_principle(assessment: Assessment, p, applicable: bool, shown: dict[str, bool],
                     caps: list[CapApplied], top: int, detail: bool = True) -> PrincipleResult:
    fw = assessment.framework
    contributions, not_applicable, unanswered = [], [], []
    applicable_weight = answered_weight = total = 0.0
    for qid, weight in fw.informing.get(p.id, ()):
        if not shown[qid]:
            continue
        q = fw.questions[qid]
        ans = assessment.answer(qid)
        if ans.state == NOT_APPLICABLE:
            not_applicable.append(qid)
            continue
        applicable_weight += weight
        level = answer_level(q, ans, top)
        if level is None:
            unanswered.append(qid)
            continue
        answered_weight += weight
        total += level * weight
        if detail:
            contributions.append(Contribution(question=qid, text=q.text, answer=_json_value(ans.value), label=answer_label(q, ans),
                                              level=_round(level), weight=weight, evidenced=qid in assessment.evidence))
    share = _round(answered_weight / applicable_weight) if applicable_weight else 0.0
    caps = sorted(caps, key=lambda c: (c.max_level, c.rule)) if applicable else []
    raw = _round(total / answered_weight) if answered_weight else None
    if not applicable or applicable_weight == 0:
        status, raw = "not-applicable", None
    elif share < fw.info.scoring.min_answered_share or raw is None:
        status, raw = "not-enough-evidence", None
    else:
        status = "scored"
    lowest_cap = min((c.max_level for c in caps), default=None)
    if raw is not None:
        capped = _round(min(raw, lowest_cap)) if lowest_cap is not None else raw
    elif status == "not-enough-evidence" and lowest_cap == 1:
        # a gate at the bottom of the scale decides the level whatever the missing answers say
        status, capped = "gated", 1.0
    else:
        capped = None
    level = level_for(capped, top)
    uncapped_level = level_for(raw, top)
    caps = [c.model_copy(update={"binding": uncapped_level is None or c.max_level < uncapped_level}) for c in caps]
    return PrincipleResult(id=p.id, title=p.title, lens=p.lens, applicable=applicable and status != "not-applicable",
                           level=level, level_name=fw.level_name(level), score=raw, capped_score=capped,
                           rag=rag_for(capped, fw.info.rag), status=status, answered_share=share, caps=caps,
                           contributions=contributions, not_applicable=not_applicable, unanswered=unanswered)


def _worst(fw, principles: list[PrincipleResult]) -> Optional[float]:
    """The lowest capped score; undecided while an applicable principle has no level and the rest could still be
    beaten, unless the framework takes the worst of the principles it could rate (`worst_of_rated`)."""
    members = [pr for pr in principles if pr.applicable]
    scores = [pr.capped_score for pr in members if pr.capped_score is not None]
    if not scores:
        return None
    lowest = min(scores)
    if len(scores) < len(members) and rag_for(lowest, fw.info.rag) != "red" and not fw.info.scoring.worst_of_rated:
        return None
    return lowest


def _lens_score(fw, members: list[PrincipleResult]) -> Optional[float]:
    if fw.info.scoring.overall == "worst":
        return _worst(fw, members)
    scored = [pr for pr in members if pr.capped_score is not None]
    weight = sum(fw.principle(pr.id).weight for pr in scored)
    return _round(sum(pr.capped_score * fw.principle(pr.id).weight for pr in scored) / weight) if scored else None


def separate_gaps(fw, reds: list[PrincipleResult]) -> list[list[PrincipleResult]]:
    """Red principles grouped by what holds them red: two points red on the same answer (one question
    informing both) or capped below amber by the same rule are one gap, not two, when red points are counted."""
    def weak(pr: PrincipleResult) -> set[str]:
        answers = {c.question for c in pr.contributions if c.level < fw.info.rag.amber}
        return answers | {"rule:" + c.rule for c in pr.caps if c.max_level < fw.info.rag.amber}
    groups: list[tuple[set[str], list[PrincipleResult]]] = []
    for pr in reds:
        sources, members = weak(pr), [pr]
        for group in [g for g in groups if g[0] & sources]:
            groups.remove(group)
            sources, members = sources | group[0], group[1] + members
        groups.append((sources, members))
    return [members for _, members in groups]


def _overall(fw, lenses: list[LensResult], principles: list[PrincipleResult],
             phase: str) -> tuple[Optional[float], list[list[str]]]:
    """The overall score, and the groups of red principles counted as one gap each where that
    kept the overall amber (for the report to say why)."""
    if fw.info.scoring.overall == "worst":
        worst = _worst(fw, principles)
        reds = [pr for pr in principles if pr.applicable and rag_for(pr.capped_score, fw.info.rag) == "red"]
        stopping_in = fw.info.scoring.gates_for_red_overall_in
        gated = (stopping_in is None or phase in stopping_in) and any(c.max_level == 1 for pr in reds for c in pr.caps)
        gaps = separate_gaps(fw, reds)
        if worst is not None and reds and not gated and len(gaps) < fw.info.scoring.red_points_for_red_overall:
            # a red that no gate holds, alone, does not make the whole red: the overall is amber, and the report says why
            return max(worst, fw.info.rag.amber), [[pr.id for pr in g] for g in gaps if len(g) > 1]
        return worst, []
    weights = {l.id: l.weight for l in fw.info.lenses}
    scored = [l for l in lenses if l.applicable and l.score is not None]
    total = sum(weights[l.id] for l in scored)
    return (_round(sum(l.score * weights[l.id] for l in scored) / total) if scored else None), []


def _findings(assessment: Assessment, effects: Effects, shown: dict[str, bool], facts: cond.Facts) -> list[Finding]:
    fw = assessment.framework
    out = []
    for rule_id in effects.fired:
        rule = fw.rule(rule_id)
        if not rule.finding:
            continue
        f = rule.finding
        out.append(Finding(rule=rule.id, principle=rule.principle, kind=f.kind, severity=f.severity,
                           title=fill_placeholders(f.title, assessment, shown),
                           rationale=fill_placeholders(f.rationale, assessment, shown),
                           recommendation=fill_placeholders(f.recommendation, assessment, shown),
                           owner=fill_placeholders(f.owner, assessment, shown),
                           because=_because(assessment, _satisfied_branch(fw.rule_conditions[rule.id], facts, effects),
                                            effects, shown)))
    return sorted(out, key=lambda f: (f.kind == "strength", SEVERITY_ORDER[f.severity], f.rule))


def _satisfied_branch(node, facts: cond.Facts, effects: Effects) -> tuple:
    """The leaves of the first alternative of a condition that holds: what made the rule fire."""
    facts = cond.Facts(facts.answers, facts.meta, dict(effects.derived))
    for conj in cond.alternatives(node):
        if all(cond.evaluate(leaf, facts) for leaf in conj):
            return conj
    return tuple(cond.leaves(node))


def _because(assessment: Assessment, leaves, effects: Effects, shown: dict[str, bool]) -> list[Because]:
    seen, out = set(), []
    for leaf in leaves:
        key = (leaf.kind, leaf.ref)
        if key in seen:
            continue
        seen.add(key)
        if leaf.kind == "fact":
            value = effects.derived.get(leaf.ref)
            out.append(Because(ref=f"fact.{leaf.ref}", value=value, label="true" if value else "false"))
        elif leaf.kind == "meta":
            value = assessment.meta_facts()[leaf.ref]
            out.append(Because(ref=f"meta.{leaf.ref}", value=value, label=value))
        else:
            q = assessment.framework.questions[leaf.ref]
            ans = assessment.answer(leaf.ref) if shown[leaf.ref] else NO_ANSWER
            out.append(Because(ref=leaf.ref, value=_json_value(ans.value), label=answer_label(q, ans)))
            if leaf.op in cond.RELATIVE_DATE_OPS and ("meta", "date") not in seen:   # months were counted to it
                seen.add(("meta", "date"))
                day = assessment.meta.date.isoformat() if assessment.meta.date else None
                out.append(Because(ref="meta.date", value=day, label=day or "not given"))
    return out


def _confidence(assessment: Assessment, shown: dict[str, bool]) -> Confidence:
    visible = [q for q in assessment.framework.questions if shown[q]]
    answered = [q for q in visible if assessment.answer(q).state == ANSWERED]
    na = [q for q in visible if assessment.answer(q).state == NOT_APPLICABLE]
    scored = [q for q in answered if assessment.framework.questions[q].scored]
    evidenced = [q for q in scored if q in assessment.evidence]
    applicable = len(visible) - len(na)   # an n/a question is out of the count, as it is out of the score
    return Confidence(applicable_questions=applicable, answered=len(answered), not_applicable=len(na),
                      answered_share=_round(len(answered) / applicable) if applicable else 0.0,
                      evidenced_share=_round(len(evidenced) / len(scored)) if scored else 0.0)


def _answer_records(assessment: Assessment, shown: dict[str, bool]) -> list[AnswerRecord]:
    fw = assessment.framework
    records = []
    for qid, q in fw.questions.items():
        ans = assessment.answer(qid)
        records.append(AnswerRecord(question=qid, section=fw.section_of[qid], text=q.text, state=ans.state,
                                    active=shown[qid], value=_json_value(ans.value), label=answer_label(q, ans),
                                    na_reason=ans.na_reason, evidence=assessment.evidence.get(qid, []),
                                    note=assessment.notes.get(qid, "")))
    return records


def _meta_dict(assessment: Assessment) -> dict[str, Any]:
    meta = assessment.meta.model_dump()
    meta["date"] = meta["date"].isoformat() if meta["date"] else None
    return meta


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
