"""Self-assessment against an assessor's view of the same service.

A gap is a comparison read sideways: the self-assessment plays "old", the assessor "new",
so the answers behind a principle's difference are found exactly as compare finds the
answers behind a change over time.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel

from .compare import Side, compare_results
from .models import Finding, Result

Direction = Literal["self-higher", "self-lower", "agree", "not-comparable"]
LARGE_GAP = 1   # levels; a board is told about any gap this size or bigger


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

    @property
    def large(self) -> list[PrincipleGap]:
        return [p for p in self.principles if p.gap is not None and abs(p.gap) >= LARGE_GAP]


def gap_results(self_result: Result, assessor_result: Result) -> Gap:
    c = compare_results(self_result, assessor_result)
    # either may come first in time, so the order warning of a comparison does not apply here
    warnings = [w for w in c.warnings if not w.startswith("the earlier file is dated after")]
    for side, wanted in ((c.old, "self"), (c.new, "assessor")):
        if side.kind != wanted:
            warnings.append(f"the {wanted} file is marked kind: {side.kind}")
    return Gap(framework=c.framework, self_side=c.old, assessor_side=c.new, overall=_principle_gap(c.overall),
               principles=[_principle_gap(p) for p in c.principles],
               only_self_findings=[f.finding for f in c.findings_with("resolved")],
               only_assessor_findings=[f.finding for f in c.findings_with("new")],
               answers_differing=[_difference(a) for a in c.answers_changed], warnings=warnings)


def _principle_gap(lc) -> PrincipleGap:
    if lc.old_level is None or lc.new_level is None:
        gap, direction = None, "not-comparable"
    else:
        gap = lc.old_level - lc.new_level
        direction = "self-higher" if gap > 0 else "self-lower" if gap < 0 else "agree"
    return PrincipleGap(id=lc.id, title=lc.title, lens=lc.lens, self_level=lc.old_level, assessor_level=lc.new_level,
                        gap=gap, direction=direction, answers=[_difference(d) for d in lc.drivers])


def _difference(change) -> AnswerDifference:
    return AnswerDifference(ref=change.ref, text=change.text, self_label=change.old_label,
                            assessor_label=change.new_label, self_value=change.old_value,
                            assessor_value=change.new_value)
