"""Self-assessment against an assessor's view of the same service.

A gap is a comparison read sideways: the self-assessment plays "old", the assessor "new",
so the answers behind a principle's difference are found exactly as compare finds the
answers behind a change over time.

A gap of `large_gap` levels or more (default LARGE_GAP) is large: the portfolio flags it. When
the two assessments are more than DATES_APART_DAYS apart, the output says so, since part of
the gap may be the service changing rather than the two views differing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional

from pydantic import BaseModel

from .compare import Side, compare_results
from .models import Finding, Result

Direction = Literal["self-higher", "self-lower", "agree", "not-comparable", "not-applicable"]
LARGE_GAP = 2            # levels; a board is told about any gap this size or bigger
DATES_APART_DAYS = 90    # further apart than this, the two views may describe different moments


class AnswerDifference(BaseModel):
    ref: str
    text: str
    self_label: str
    assessor_label: str
    self_value: Any = None
    assessor_value: Any = None


class PrincipleGap(BaseModel):
    id: str
    title: str
    lens: str
    self_level: Optional[int]
    assessor_level: Optional[int]
    self_status: Optional[str] = None       # scored, gated, not-enough-evidence, not-applicable
    assessor_status: Optional[str] = None
    gap: Optional[int]             # self level minus assessor level
    direction: Direction
    answers: list[AnswerDifference]


class Gap(BaseModel):
    framework: dict[str, str]
    self_side: Side
    assessor_side: Side
    overall: PrincipleGap
    principles: list[PrincipleGap]
    only_self_findings: list[Finding]        # raised by the team's answers, not the assessor's
    only_assessor_findings: list[Finding]
    answers_differing: list[AnswerDifference]
    warnings: list[str]
    large_gap: int = LARGE_GAP     # levels: a gap this size or bigger is large
    days_apart: Optional[int] = None
    rag_labels: dict[str, str] = {}

    @property
    def large(self) -> list[PrincipleGap]:
        return [p for p in self.principles if p.gap is not None and abs(p.gap) >= self.large_gap]


def gap_results(self_result: Result, assessor_result: Result, names: tuple[str, str] = ("the self-assessment", "the assessor's assessment"),
                allow_other_service: bool = False, large_gap: int = LARGE_GAP) -> Gap:
    if large_gap < 1:
        raise ValueError("large_gap must be at least one level")
    c = compare_results(self_result, assessor_result, names, allow_other_service)
    # either may come first in time, so the order warning of a comparison does not apply here
    warnings = [w for w in c.warnings if not w.startswith("the earlier file is dated after")]
    for side, wanted in ((c.old, "self"), (c.new, "assessor")):
        if side.kind != wanted:
            warnings.append(f"the {wanted} file is marked kind: {side.kind}")
    if c.decided:
        warnings.append("levels and ratings are recorded decisions where a file has them, else the engine's proposals")
    apart = days_apart(c.old.date, c.new.date)
    if apart is not None and apart > DATES_APART_DAYS:
        warnings.append(f"the self-assessment ({c.old.date}) and the assessor's ({c.new.date}) are {apart} days apart; "
                        "part of any gap may be the service changing in between")
    return Gap(framework=c.framework, self_side=c.old, assessor_side=c.new, overall=_principle_gap(c.overall),
               principles=[_principle_gap(p) for p in c.principles],
               only_self_findings=[f.finding for f in c.findings_with("resolved")],
               only_assessor_findings=[f.finding for f in c.findings_with("new")],
               answers_differing=[_difference(a) for a in c.answers_changed], warnings=warnings,
               large_gap=large_gap, days_apart=apart, rag_labels=c.rag_labels)


def days_apart(first: Optional[str], second: Optional[str]) -> Optional[int]:
    if not first or not second:
        return None
    return abs((dt.date.fromisoformat(str(second)) - dt.date.fromisoformat(str(first))).days)


def _principle_gap(lc) -> PrincipleGap:
    if lc.old_status == "not-applicable" and lc.new_status == "not-applicable":
        gap, direction = None, "not-applicable"
    elif lc.old_level is None or lc.new_level is None:
        gap, direction = None, "not-comparable"
    else:
        gap = lc.old_level - lc.new_level
        direction = "self-higher" if gap > 0 else "self-lower" if gap < 0 else "agree"
    return PrincipleGap(id=lc.id, title=lc.title, lens=lc.lens, self_level=lc.old_level, assessor_level=lc.new_level,
                        self_status=lc.old_status, assessor_status=lc.new_status, gap=gap, direction=direction,
                        answers=[_difference(d) for d in lc.drivers])


def _difference(change) -> AnswerDifference:
    return AnswerDifference(ref=change.ref, text=change.text, self_label=change.old_label,
                            assessor_label=change.new_label, self_value=change.old_value,
                            assessor_value=change.new_value)
