"""The answers file's blocks beyond the answers, kept per assessment: the panel's `decisions:`,
a `reassessment:` and the `actions:` block.

They go into every Session the web builds, so the results page, the PDFs and the exported
answers file carry them exactly as `assess evaluate` and `assess report` would read them, and
an imported file's blocks are kept rather than dropped."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional

from sqlalchemy.orm import Session as Db

from ..models import DecisionsBlock, ReassessmentBlock
from .store_more import Blocks


def _actions_json(actions: dict) -> Optional[dict]:
    if not actions:
        return None
    return {aid: {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(rec).items()}
            for aid, rec in actions.items()}


def _actions_of(data: Optional[dict]) -> dict:
    from ..actions import Recorded
    return {aid: Recorded(**{**rec, "due": dt.date.fromisoformat(rec["due"]) if rec.get("due") else None})
            for aid, rec in (data or {}).items()}


def _dump(model) -> Optional[dict]:
    return model.model_dump(mode="json", exclude_defaults=True) if model is not None else None


def apply(db: Db, assessment_id: int, session) -> int:
    """Put the stored blocks into `session`; returns their version (0: none stored yet)."""
    row = db.get(Blocks, assessment_id)
    if row is None:
        return 0
    session.decisions = DecisionsBlock.model_validate(row.decisions) if row.decisions else None
    session.reassessment = ReassessmentBlock.model_validate(row.reassessment) if row.reassessment else None
    session.actions = _actions_of(row.actions)
    return row.version


def version(db: Db, assessment_id: int) -> int:
    row = db.get(Blocks, assessment_id)
    return row.version if row is not None else 0


def store(db: Db, assessment_id: int, loaded, user_id: int, now: dt.datetime) -> None:
    """Replace all three blocks with an imported answers file's (not committed); a change to the
    decisions is kept in the history."""
    from .store import Change
    values = dict(decisions=_dump(loaded.decisions), reassessment=_dump(loaded.reassessment),
                  actions=_actions_json(loaded.actions))
    row = db.get(Blocks, assessment_id)
    before = row.decisions if row is not None else None
    if row is None:
        if not any(values.values()):
            return
        row = Blocks(assessment_id=assessment_id, version=0)
        db.add(row)
    elif (row.decisions, row.reassessment, row.actions) == tuple(values.values()):
        return
    row.decisions, row.reassessment, row.actions = values.values()
    row.version = (row.version or 0) + 1
    if before != values["decisions"]:
        db.add(Change(assessment_id=assessment_id, qid="", part="decisions", before=_shown(before),
                      after=_shown(values["decisions"]), user_id=user_id, at=now))


def _shown(data: Optional[dict]) -> Optional[str]:
    import json
    return json.dumps(data, ensure_ascii=False) if data else None


def store_decisions(db: Db, assessment_id: int, decisions: Optional[DecisionsBlock], based_on: int) -> bool:
    """Replace the decisions if they are still at version `based_on` (0: none stored); False,
    writing nothing, when someone saved in between. Not committed."""
    from sqlalchemy import insert, update
    from sqlalchemy.exc import IntegrityError
    if based_on == 0:
        try:
            with db.begin_nested():
                db.execute(insert(Blocks).values(assessment_id=assessment_id, decisions=_dump(decisions), version=1))
        except IntegrityError:       # someone stored blocks first
            return False
        return True
    # the version in WHERE makes the check and the write one step, even between processes
    done = db.execute(update(Blocks).where(Blocks.assessment_id == assessment_id, Blocks.version == based_on)
                      .values(decisions=_dump(decisions), version=based_on + 1))
    return done.rowcount == 1


def decisions_of(db: Db, assessment_id: int) -> Optional[DecisionsBlock]:
    row = db.get(Blocks, assessment_id)
    return DecisionsBlock.model_validate(row.decisions) if row is not None and row.decisions else None
