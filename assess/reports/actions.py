"""The action plan: risk findings in the order a board should act on them.

`action_plan(result)` is the seam: anything that turns a Result into an ordered list of
Actions can replace it; the report only renders the list it is given.

`next_level_plan(assessment)` adds, per principle below the top level, the smallest set of
answer changes that reaches the next level (assess/plan.py, checked by the real engine). It
needs the Assessment, not just the Result, so the caller computes it and hands the Plan to
the renderer; the report stays a pure function of what it is given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Optional

from ..actions import TrackedAction, lens_owner
from ..models import SEVERITY_ORDER, Finding, PrincipleResult, Result

if TYPE_CHECKING:
    from ..answers import Assessment
    from ..plan import Plan

# Evaluations per principle. The examples need at most ~110 (about 3 ms each); this keeps the
# worst case of a report near a second or two while leaving the usual plans unchanged.
PLAN_BUDGET = 120


@dataclass(frozen=True)
class Unlock:
    """A cap this finding's rule holds, and what lifting it alone would give."""
    principle: str
    principle_title: str
    cap: int
    level_now: Optional[int]
    level_without_cap: Optional[int]
    binding: bool = True           # False when the answers alone already sit at or below the cap

    @property
    def gain(self) -> int:
        if self.level_now is None or self.level_without_cap is None:
            return 0
        return max(0, self.level_without_cap - self.level_now)


@dataclass(frozen=True)
class Action:
    finding: Finding
    principle_title: str
    owner: str
    owner_suggested: bool          # True when the framework gave no owner and the lens supplied one
    unlocks: list[Unlock] = field(default_factory=list)
    tracked: Optional[TrackedAction] = None   # the tracker's action for this finding, where it is tracked
    due: str = "–"                 # the tracker's due date (and status, once not open), as the report shows it

    @property
    def levels_unlocked(self) -> int:
        return sum(u.gain for u in self.unlocks)


def with_tracking(actions: list[Action], tracked: Optional[list[TrackedAction]]) -> list[Action]:
    """The plan's actions joined to the tracker's (a high or medium finding is tracked as
    finding:<rule id>), so the report shows the same id, owner, due date and status; a low
    finding is not tracked. With no tracker list given, the actions are as they were."""
    if tracked is None:
        return actions
    by_id = {t.id: t for t in tracked}
    out = []
    for a in actions:
        t = by_id.get(f"finding:{a.finding.rule}")
        if t is None:
            out.append(replace(a, due="not tracked"))
            continue
        due = (t.due.isoformat() if t.due else "no date") + ("" if t.status == "open" else f", {t.status}")
        out.append(replace(a, tracked=t, owner=t.owner, owner_suggested=t.owner_suggested, due=due))
    return out


Planner = Callable[[Result], list[Action]]


def action_plan(result: Result) -> list[Action]:
    """Risks by severity, then by the levels their caps hold back (most first), then rule id."""
    by_id = {p.id: p for p in result.principles}
    top = len(result.scale)
    actions = []
    for f in result.findings:
        if f.kind != "risk":
            continue
        principle = by_id.get(f.principle)
        owner, suggested = (f.owner, False) if f.owner.strip() else (suggested_owner(principle), True)
        unlocks = [_unlock(p, f.rule, top) for p in result.principles for c in p.caps if c.rule == f.rule]
        actions.append(Action(finding=f, principle_title=principle.title if principle else f.principle,
                              owner=owner, owner_suggested=suggested, unlocks=unlocks))
    return sorted(actions, key=lambda a: (SEVERITY_ORDER[a.finding.severity], -a.levels_unlocked, a.finding.rule))


def next_level_plan(assessment: "Assessment", budget: int = PLAN_BUDGET) -> "Plan":
    """For each principle below the top level, the fewest answer changes that reach the next level."""
    from ..plan import plan_actions
    return plan_actions(assessment, budget=budget)


def suggested_owner(principle: Optional[PrincipleResult]) -> str:
    """The role named by the principle's lens: `service-owner` -> "Service owner"."""
    return lens_owner(principle) if principle is not None else "Service owner"


def _unlock(p: PrincipleResult, rule: str, top: int) -> Unlock:
    cap = next(c for c in p.caps if c.rule == rule)
    binding = cap.binding and p.level is not None
    if p.score is None:
        return Unlock(p.id, p.title, cap.max_level, p.level, None, binding)
    others = [c.max_level for c in p.caps if c.rule != rule]
    without = min([p.score] + others)
    return Unlock(p.id, p.title, cap.max_level, p.level, max(1, min(top, math.floor(without + 1e-9))), binding)
