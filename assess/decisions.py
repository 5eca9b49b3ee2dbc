"""The engine proposes, the panel decides: the `decisions:` and `reassessment:` blocks.

An answers file may record what a panel or board decided, per principle (or point) and
overall, with who decided and when. Where a decision differs from the engine's proposal it
needs a reason; that can only be checked once the answers are evaluated, so `apply_decisions`
runs after scoring and refuses a missing reason with the decision's line.

Everything downstream (reports, compare, portfolio, gap, plan, actions) asks `decided_rating`
or `decided_overall`: the decision where there is one, the proposal otherwise, and says which.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from . import conditions as cond
from .errors import AssessError, Diagnostic
from .models import DecisionRecord, EarlierRecord, PanelDecision, ReassessmentRecord, Result

if TYPE_CHECKING:
    from .answers import Assessment
    from .yamlio import Document

OVERALL = "overall"


# ---------------------------------------------------------------- checks that need only the framework

def block_problems(doc: "Document", framework, model) -> list[Diagnostic]:
    """Unknown ids, levels off the scale, decisions with nobody or no date, carried-but-reopened."""
    problems: list[Diagnostic] = []
    principles = {p.id for p in framework.principles}
    top = len(framework.info.scale)
    term = framework.info.terms.principle
    block, again = model.decisions, model.reassessment

    def check_entry(path: tuple, entry: PanelDecision, who: Optional[str], when: Optional[dt.date]) -> None:
        if entry.level is not None and entry.level > top:
            problems.append(doc.diag(path + ("level",), f"level {entry.level} is above the top of {framework.id}'s scale ({top})"))
        if who is None and entry.decided_by is None:
            problems.append(doc.diag(path, "who decided is missing: give decided_by here or for the whole decisions block"))
        if when is None and entry.date is None:
            problems.append(doc.diag(path, "when is missing: give date here or for the whole decisions block"))

    def check_ids(path: tuple, ids) -> None:
        for pid in ids:
            if pid not in principles:
                problems.append(doc.diag(path + (pid,), f"unknown {term} {pid!r}{cond.suggest(pid, principles)}"))

    if block is not None:
        if block.overall is not None:
            check_entry(("decisions", OVERALL), block.overall, block.decided_by, block.date)
        check_ids(("decisions", "principles"), block.principles)
        for pid, entry in block.principles.items():
            check_entry(("decisions", "principles", pid), entry, block.decided_by, block.date)
            if entry.carried and again is not None and pid in again.reopened:
                problems.append(doc.diag(("decisions", "principles", pid, "carried"),
                                         f"{pid} is reopened in this reassessment, so its decision cannot be carried; "
                                         "remove `carried: true` when you re-decide it"))
    if again is not None:
        check_ids(("reassessment", "reopened"), again.reopened)
        check_ids(("reassessment", "earlier", "principles"), again.earlier.principles)
        if len(set(again.reopened)) != len(again.reopened):
            problems.append(doc.diag(("reassessment", "reopened"), "a principle is listed twice"))
        for qid in again.carried_answers:
            if qid not in framework.questions:
                problems.append(doc.diag(("reassessment", "carried_answers"),
                                         f"unknown question {qid!r}{cond.suggest(qid, framework.questions)}"))
        for pid, entry in again.earlier.principles.items():
            if entry.level is not None and entry.level > top:
                problems.append(doc.diag(("reassessment", "earlier", "principles", pid, "level"),
                                         f"level {entry.level} is above the top of {framework.id}'s scale ({top})"))
    return problems


# ---------------------------------------------------------------- after evaluation

def level_reader(framework) -> Optional[Callable[[int], str]]:
    """For a framework that rates by level (`ratings: level`), the RAG each decided level reads
    as under its thresholds; None for a framework rated by RAG."""
    if framework.info.ratings != "level":
        return None
    from .scoring import rag_for
    return lambda level: rag_for(level, framework.info.rag)


def differs(entry: PanelDecision, proposed_rag: Optional[str], proposed_level: Optional[int]) -> bool:
    """True when a decision is not what the engine proposed (a level counts only where one is decided)."""
    return entry.rating != proposed_rag or (entry.level is not None and entry.level != proposed_level)


def apply_decisions(result: Result, assessment: "Assessment") -> Result:
    """The result with every decision beside its proposal; a differing decision with no reason is refused."""
    block, again = assessment.decisions, assessment.reassessment
    if block is None and again is None:
        return result
    doc = assessment.document
    problems: list[Diagnostic] = []
    level_names = {s.level: s.name for s in result.scale}

    def record(path: tuple, entry: PanelDecision, rag: Optional[str], level: Optional[int]) -> DecisionRecord:
        changed = differs(entry, rag, level)
        if changed and not entry.reason.strip():
            proposed = _plain(result, rag, level)
            message = (f"the decision ({_plain(result, entry.rating, entry.level)}) differs from the engine's proposal "
                       f"({proposed}), so it needs a reason: add `reason: <why the panel decided otherwise>`")
            problems.append(doc.diag(path, message) if doc is not None else Diagnostic(assessment.source, 0, ".".join(path), message))
        return DecisionRecord(rag=entry.rating, rag_label=result.rag_labels.get(entry.rating, entry.rating),
                              level=entry.level, level_name=level_names.get(entry.level) if entry.level else None,
                              reason=entry.reason.strip(), decided_by=entry.decided_by or block.decided_by or "",
                              date=entry.date or block.date, carried=entry.carried,
                              proposed_rag=rag, proposed_level=level, differs=changed)

    principles = []
    for p in result.principles:
        entry = block.principles.get(p.id) if block is not None else None
        decision = record(("decisions", "principles", p.id), entry, p.rag, p.level) if entry is not None else None
        principles.append(p.model_copy(update={"decision": decision}))
    overall = None
    if block is not None and block.overall is not None:
        overall = record(("decisions", OVERALL), block.overall, result.overall.get("rag"), result.overall.get("level"))
    if problems:
        raise AssessError(problems)
    return result.model_copy(update={"principles": principles, "overall_decision": overall,
                                     "reassessment": _reassessment(result, block, again) if again else None})


def _reassessment(result: Result, block, again) -> ReassessmentRecord:
    decided = block.principles if block is not None else {}
    earlier = dict(again.earlier.principles)
    if again.earlier.overall is not None:
        earlier[OVERALL] = again.earlier.overall
    return ReassessmentRecord(
        of=again.of, date=again.date, reopened=list(again.reopened),
        redecided=[p for p in again.reopened if p in decided],
        carried=[p.id for p in result.principles if p.id in decided and decided[p.id].carried],
        carried_answers=list(again.carried_answers),
        earlier={k: EarlierRecord(rag=e.rating, rag_label=result.rag_labels.get(e.rating, e.rating), level=e.level,
                                  decided_by=e.decided_by or "", date=e.date) for k, e in earlier.items()})


def _plain(result: Result, rag: Optional[str], level: Optional[int]) -> str:
    if rag is None:
        return "no rating"
    return result.rag_labels.get(rag, rag) + (f", level {level}" if level is not None else "")


# ---------------------------------------------------------------- the one way to ask for a rating

@dataclass(frozen=True)
class Rating:
    """The rating to publish: the decision where there is one, else the engine's proposal."""
    rag: Optional[str]
    rag_label: Optional[str]
    level: Optional[int]
    level_name: Optional[str]
    decided: bool                 # True: a recorded decision; False: the engine's proposal
    proposed_rag: Optional[str]
    proposed_level: Optional[int]
    differs: bool = False
    reason: str = ""
    decided_by: str = ""
    date: Optional[dt.date] = None
    carried: bool = False

    @property
    def source(self) -> str:
        return "decision" if self.decided else "proposal"


def decided_rating(result: Result, principle_id: str) -> Rating:
    p = next(p for p in result.principles if p.id == principle_id)
    return _rating(result, p.decision, p.rag, p.level, p.level_name)


def decided_overall(result: Result) -> Rating:
    o = result.overall
    return _rating(result, result.overall_decision, o.get("rag"), o.get("level"), o.get("level_name"))


def _rating(result: Result, d: Optional[DecisionRecord], rag, level, level_name) -> Rating:
    if d is None:
        return Rating(rag, result.rag_labels.get(rag) if rag else None, level, level_name, False, rag, level)
    # a decision with no level keeps the engine's level only where the RAG agrees with it
    keep = d.level is None and d.rag == rag
    return Rating(d.rag, d.rag_label, d.level if d.level is not None else (level if keep else None),
                  d.level_name if d.level is not None else (level_name if keep else None),
                  True, rag, level, d.differs, d.reason, d.decided_by, d.date, d.carried)


def has_decisions(result: Result) -> bool:
    return result.overall_decision is not None or any(p.decision is not None for p in result.principles)


def proposal_note(result: Result, rating: Rating) -> str:
    """'engine proposed Red, level 2' where a decision differs from the proposal, else ''."""
    if not (rating.decided and rating.differs):
        return ""
    return f"engine proposed {_plain(result, rating.proposed_rag, rating.proposed_level)}"


def decision_sentence(result: Result, rating: Rating) -> str:
    """'Decision: Amber — engine proposed Red, because ...' (or just the decision when it agrees)."""
    if not rating.decided:
        return f"Engine's proposal: {_plain(result, rating.rag, rating.level)} (no decision recorded)."
    text = f"Decision: {_plain(result, rating.rag, rating.level)}"
    if rating.carried:
        text += " (carried from the earlier assessment)"
    if rating.differs:
        text += f" — {proposal_note(result, rating)}"
        if rating.reason:
            text += f", because {rating.reason[0].lower() + rating.reason[1:].rstrip('.')}"
    return text + "."


# ---------------------------------------------------------------- writing the blocks back

CARRIED_COMMENT = "met at the earlier assessment: carried with its decision"


def blocks_yaml(decisions: Optional[dict], reassessment: Optional[dict]) -> str:
    """The `decisions:` and `reassessment:` blocks as YAML lines (plain data from model_dump)."""
    from .storage import scalar
    lines: list[str] = []

    def entry(indent: str, data: dict) -> None:
        for key in ("rating", "level", "reason", "decided_by", "date", "carried"):
            value = data.get(key)
            if value in (None, "", False):
                continue
            lines.append(f"{indent}{key}: {scalar(value)}")

    if reassessment:
        lines.append("reassessment:")
        lines.append(f"  of: {scalar(reassessment['of'])}")
        if reassessment.get("date"):
            lines.append(f"  date: {scalar(reassessment['date'])}")
        for key, comment in (("reopened", "open to be re-decided; every other decision is carried"),
                             ("carried_answers", "answers copied from the earlier assessment; remove an id when you change its answer")):
            lines.append(f"  # {comment}")
            ids = reassessment.get(key) or []
            lines.append(f"  {key}:" if ids else f"  {key}: []")
            lines.extend(f"    - {i}" for i in ids)
        earlier = reassessment.get("earlier") or {}
        if earlier.get("overall") or earlier.get("principles"):
            lines.append("  earlier:")
            if earlier.get("overall"):
                lines.append("    overall:")
                entry("      ", earlier["overall"])
            if earlier.get("principles"):
                lines.append("    principles:")
                for pid, data in earlier["principles"].items():
                    lines.append(f"      {pid}:")
                    entry("        ", data)
    if decisions:
        lines.append("decisions:")
        for key in ("decided_by", "date"):
            if decisions.get(key):
                lines.append(f"  {key}: {scalar(decisions[key])}")
        if decisions.get("overall"):
            lines.append("  overall:")
            entry("    ", decisions["overall"])
        if decisions.get("principles"):
            lines.append("  principles:")
            for pid, data in decisions["principles"].items():
                if data.get("carried"):
                    lines.append(f"    # {CARRIED_COMMENT}")
                lines.append(f"    {pid}:")
                entry("      ", data)
    return "\n".join(lines) + ("\n" if lines else "")


def dump_block(model: Any) -> Optional[dict]:
    return model.model_dump(mode="python") if model is not None else None
