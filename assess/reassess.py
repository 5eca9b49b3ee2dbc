"""`assess reassess`: start a reassessment of the same service from an earlier answers file.

Every answer, evidence and note is carried over and listed as carried. A principle (point)
that was met keeps its decision, marked `carried: true`; the rest are reopened for the panel
to re-decide, with their earlier rating kept beside them. "Met" means decided (or, where
nothing was decided, proposed) green, or amber unless amber is reopened too: both built-in
frameworks let a service proceed on amber, with actions.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from typing import Optional

from . import conditions as cond
from .answers import UNANSWERED, Assessment
from .decisions import blocks_yaml, decided_overall, decided_rating
from .errors import AssessError
from .models import Result
from .storage import answers_yaml

ENGINE_PROPOSAL = "the engine's proposal (nothing was decided)"


def reopened_points(result: Result, named: list[str], reopen_amber: bool = False) -> list[str]:
    """Principles open to be re-decided: not met (or unrated) at the earlier assessment, plus those named."""
    known = [p.id for p in result.principles]
    for pid in named:
        if pid not in known:
            raise AssessError(f"--points: unknown principle {pid!r}{cond.suggest(pid, known)}; known: {', '.join(known)}")
    met = ("green",) if reopen_amber else ("green", "amber")
    return [p.id for p in result.principles if p.applicable and (p.id in named or decided_rating(result, p.id).rag not in met)]


def _entry(rating, carried: bool, level: Optional[int]) -> dict:
    return {"rating": rating.rag, "level": level,
            "reason": rating.reason, "decided_by": rating.decided_by or ENGINE_PROPOSAL,
            "date": rating.date, "carried": carried}


def _decided_level(result: Result, pid: str) -> Optional[int]:
    decision = next(p for p in result.principles if p.id == pid).decision
    return decision.level if decision is not None else None


def reassessment_yaml(earlier: Assessment, result: Result, of: str, date: dt.date, named: list[str],
                      reopen_amber: bool = False) -> str:
    """The new answers file: everything carried, met points decided as before, the rest open."""
    reopened = reopened_points(result, named, reopen_amber)
    carried_answers = [q for q, a in earlier.answers.items() if a.state != UNANSWERED]
    met = [p.id for p in result.principles if p.applicable and p.id not in reopened]
    earlier_date = earlier.meta.date
    decisions = {"principles": {}}
    for pid in met:
        rating = decided_rating(result, pid)
        if rating.rag is None:
            continue
        entry = _entry(rating, True, _decided_level(result, pid))
        entry["date"] = entry["date"] or earlier_date
        decisions["principles"][pid] = entry
    earlier_block = {"principles": {}}
    for pid in reopened:
        rating = decided_rating(result, pid)
        if rating.rag is not None:
            entry = _entry(rating, False, _decided_level(result, pid) if rating.decided else rating.level)
            entry["date"] = entry["date"] or earlier_date
            earlier_block["principles"][pid] = entry
    overall = decided_overall(result)
    if overall.rag is not None:
        level = result.overall_decision.level if overall.decided else overall.level
        earlier_block["overall"] = {**_entry(overall, False, level), "date": overall.date or earlier_date}
    reassessment = {"of": of, "date": earlier_date, "reopened": reopened, "carried_answers": carried_answers,
                    "earlier": earlier_block}
    meta = earlier.meta.model_dump()
    meta["date"] = date
    meta["framework_version"] = meta.get("framework_version") or earlier.framework.version
    tail = blocks_yaml(decisions if decisions["principles"] else None, reassessment)
    # the actions block goes with the answers: an action keeps its id, owner and status
    return answers_yaml(meta, earlier.answers, earlier.evidence, earlier.notes, list(earlier.framework.questions),
                        header=reassessment_header(earlier.framework, of, reopened), actions=earlier.actions, tail=tail)


def reassessment_header(framework, of: str, reopened: list[str]) -> str:
    """The comment at the top of a new reassessment file (a guided run knows it as its own)."""
    return textwrap.fill(f"Reassessment of {of}. Answers are carried over (listed under reassessment: carried_answers); "
                         f"change any that no longer hold. Re-decide the reopened {framework.info.terms.principles} "
                         f"({', '.join(reopened) or 'none'}) under decisions: principles, with decided_by, date and a "
                         "reason where the decision differs from the engine's proposal.", 98)
