"""Stored assessments as the library sees them, and every change to them.

An assessment's rows become a questionnaire.Session, so visibility, progress, the answers file
and the result come from the same code the terminal run uses. A save names the version of the
question it was based on; if someone saved in between, nothing is written and the caller gets
the other person's entry to show next to its own.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from ..answers import NA_KEY, NOT_APPLICABLE, UNANSWERED, Answer, Assessment, assessment_from_document, parse_answer
from ..frameworks import ENV_PATH, Framework, find_framework
from ..questionnaire import Session, checked_text
from ..yamlio import load_yaml
from . import blocks
from .attachments import evidence_label
from .store import AssessmentRow, Attachment, Change, Entry, Member


def raw_answer(answer: Answer) -> Any:
    """An Answer as the answers file writes it (JSON-safe): the value, or {"n/a": reason}."""
    if answer.state == NOT_APPLICABLE:
        return {NA_KEY: answer.na_reason}
    if isinstance(answer.value, dt.date):
        return answer.value.isoformat()
    return answer.value


def stored_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in meta.items() if v is not None}


def session_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    if isinstance(out.get("date"), str):
        out["date"] = dt.date.fromisoformat(out["date"])
    return out


RECHECK_SECONDS = 2.0     # how long a looked-up framework is used before its files are looked at again
_recent: dict[tuple, tuple[float, Framework]] = {}


def framework_of(row: AssessmentRow) -> Framework:
    """The assessment's framework. Finding it looks at every framework folder and file (an
    edited framework is loaded afresh), which costs more than the rest of a page: each process
    does that at most once every RECHECK_SECONDS per framework."""
    key = (row.framework, os.environ.get(ENV_PATH, ""))
    now = time.monotonic()
    hit = _recent.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    framework = find_framework(row.framework)
    _recent[key] = (now, framework)
    return framework


ENTRY_COLUMNS = (Entry.qid, Entry.answer, Entry.evidence, Entry.note, Entry.version)


def entries(db: Db, assessment_id: int) -> dict[str, Any]:
    """Question id -> its stored entry, read only (qid, answer, evidence, note, version): plain
    rows, which every page reads and which cost a fraction of ORM objects."""
    return {e.qid: e for e in db.execute(select(*ENTRY_COLUMNS).where(Entry.assessment_id == assessment_id))}


def load_session(db: Db, row: AssessmentRow, stored: Optional[dict[str, Any]] = None,
                 files: Optional[dict[str, list]] = None) -> Session:
    """The assessment as a guided-flow Session (never saved to disk: the database is the store).
    Pass `stored` (entries) and `files` (attachments) when the caller has read them already."""
    framework = framework_of(row)
    session = Session(framework, session_meta(row.meta), Path(f"assessment-{row.id}.yaml"))
    for qid, entry in (entries(db, row.id) if stored is None else stored).items():
        if qid not in framework.questions:
            continue
        if entry.answer is not None:
            session.answers[qid] = parse_answer(framework.questions[qid], entry.answer["value"])
        if entry.evidence:
            session.evidence[qid] = list(entry.evidence)
        if entry.note:
            session.notes[qid] = entry.note
    for qid, attached in (attachments(db, row.id) if files is None else files).items():
        if qid in framework.questions:
            session.evidence.setdefault(qid, []).extend(evidence_label(f.filename) for f in attached)
    blocks.apply(db, row.id, session)
    return session


def attachments(db: Db, assessment_id: int) -> dict[str, list]:
    """Question id -> its attachments (id, filename, size, content_type; not the bytes), oldest first."""
    out: dict[str, list] = {}
    rows = db.execute(select(Attachment.id, Attachment.qid, Attachment.filename, Attachment.size, Attachment.content_type)
                      .where(Attachment.assessment_id == assessment_id).order_by(Attachment.id))
    for row in rows:
        out.setdefault(row.qid, []).append(row)
    return out


def add_attachment(db: Db, assessment_id: int, qid: str, filename: str, content_type: str, data: bytes,
                   user_id: int, now: dt.datetime) -> None:
    import hashlib
    db.add(Attachment(assessment_id=assessment_id, qid=qid, filename=filename, content_type=content_type,
                      size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=user_id,
                      uploaded_at=now))
    db.add(Change(assessment_id=assessment_id, qid=qid, part="attachment", before=None, after=filename,
                  user_id=user_id, at=now))
    db.commit()


def remove_attachment(db: Db, attachment: Attachment, user_id: int, now: dt.datetime) -> None:
    db.add(Change(assessment_id=attachment.assessment_id, qid=attachment.qid, part="attachment",
                  before=attachment.filename, after=None, user_id=user_id, at=now))
    db.delete(attachment)
    db.commit()


def answers_file(db: Db, row: AssessmentRow) -> str:
    return load_session(db, row).to_yaml()


# ------------------------------------------------------------ changes

@dataclass
class Proposed:
    """What one form post asks to store for a question."""
    answer: Optional[Any]        # raw value as in an answers file; None clears it
    evidence: list[str]
    note: str


@dataclass
class Conflict:
    theirs: Optional[Entry]


def check_proposed(framework: Framework, qid: str, proposed: Proposed) -> dict[str, str]:
    """Field -> message for every part of the post the answers file would refuse."""
    problems: dict[str, str] = {}
    if proposed.answer is not None:
        try:
            parse_answer(framework.questions[qid], proposed.answer)
        except ValueError as exc:
            problems["answer"] = str(exc)
    for i, item in enumerate(proposed.evidence):
        try:
            proposed.evidence[i] = checked_text(item, "evidence")
        except ValueError as exc:
            problems["evidence"] = str(exc)
    if proposed.note.strip():
        try:
            proposed.note = checked_text(proposed.note, "a note")
        except ValueError as exc:
            problems["note"] = str(exc)
    return problems


def shown(value: Any) -> Optional[str]:
    if value is None or value == [] or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def save_entry(db: Db, assessment_id: int, qid: str, based_on: int, proposed: Proposed, user_id: int,
               now: dt.datetime, current: Any = None) -> Optional[Conflict]:
    """Store one question's answer, evidence and note if it is still at version `based_on`
    (0: never saved). Commits, with a history row per part that changed; returns a Conflict,
    writing nothing, when another save came first. `current`: the stored entry as this request
    read it (entries()), None when there was none."""
    stored = None if proposed.answer is None else {"value": proposed.answer}
    current_version = current.version if current else 0
    if current_version != based_on:
        return Conflict(latest_entry(db, assessment_id, qid))
    before = {"answer": current.answer["value"] if current and current.answer else None,
              "evidence": current.evidence if current else [], "note": current.note if current else ""}
    after = {"answer": proposed.answer, "evidence": proposed.evidence, "note": proposed.note.strip()}
    if before == after:
        return None
    values = dict(answer=stored, evidence=after["evidence"], note=after["note"], updated_by=user_id, updated_at=now)
    history = [dict(assessment_id=assessment_id, qid=qid, part=part, before=shown(before[part]), after=shown(after[part]),
                    user_id=user_id, at=now) for part in ("answer", "evidence", "note") if before[part] != after[part]]
    # from the first write to the commit SQLite is locked for every other save: nothing but SQL in between
    try:
        if current is None:
            db.execute(insert(Entry).values(assessment_id=assessment_id, qid=qid, version=1, **values))
        else:
            # the version in WHERE makes the check and the write one step, even between processes
            done = db.execute(update(Entry).where(Entry.assessment_id == assessment_id, Entry.qid == qid,
                                                  Entry.version == based_on)
                              .values(version=based_on + 1, **values)
                              .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                db.rollback()
                return Conflict(latest_entry(db, assessment_id, qid))
    except IntegrityError:      # someone else saved this question first
        db.rollback()
        return Conflict(latest_entry(db, assessment_id, qid))
    db.execute(insert(Change), history)
    db.commit()
    return None


def latest_entry(db: Db, assessment_id: int, qid: str) -> Optional[Entry]:
    return db.scalar(select(Entry).where(Entry.assessment_id == assessment_id, Entry.qid == qid))


def create_assessment(db: Db, framework: Framework, meta: dict[str, Any], user_id: int, now: dt.datetime) -> AssessmentRow:
    full = {"framework": framework.id, "framework_version": framework.version, **stored_meta(meta)}
    row = AssessmentRow(framework=framework.id, meta=full, created_by=user_id, created_at=now)
    db.add(row)
    db.flush()
    db.add(Member(assessment_id=row.id, user_id=user_id, role="owner"))
    db.commit()
    return row


def parse_upload(name: str, data: bytes, framework: Framework) -> Assessment:
    """An uploaded answers file, checked exactly as `assess evaluate` checks one (AssessError)."""
    from ..yamlio import decode
    doc = load_yaml(name, decode(name, data))
    return assessment_from_document(doc, framework=framework)


def import_answers(db: Db, row: AssessmentRow, loaded: Assessment, user_id: int, now: dt.datetime) -> int:
    """Replace the assessment's answers, evidence, notes and details with an imported file's.
    Returns how many questions changed; each change is kept in the history."""
    framework = loaded.framework
    changed = 0
    current = {e.qid: e for e in db.scalars(select(Entry).where(Entry.assessment_id == row.id))}   # changed below
    files = attachments(db, row.id)
    for qid in framework.questions:
        answer = loaded.answer(qid)
        attached = {evidence_label(f.filename) for f in files.get(qid, [])}   # an exported file names them
        new = {"answer": None if answer.state == UNANSWERED else raw_answer(answer),
               "evidence": [e for e in loaded.evidence.get(qid, []) if e not in attached], "note": loaded.notes.get(qid, "")}
        entry = current.get(qid)
        old = {"answer": entry.answer["value"] if entry and entry.answer else None,
               "evidence": entry.evidence if entry else [], "note": entry.note if entry else ""}
        if old == new:
            continue
        changed += 1
        stored = None if new["answer"] is None else {"value": new["answer"]}
        if entry is None:
            db.add(Entry(assessment_id=row.id, qid=qid, answer=stored, evidence=new["evidence"], note=new["note"],
                         version=1, updated_by=user_id, updated_at=now))
        else:
            entry.answer, entry.evidence, entry.note = stored, new["evidence"], new["note"]
            entry.version += 1
            entry.updated_by, entry.updated_at = user_id, now
        for part in ("answer", "evidence", "note"):
            if old[part] != new[part]:
                db.add(Change(assessment_id=row.id, qid=qid, part=part, before=shown(old[part]),
                              after=shown(new[part]), user_id=user_id, at=now))
    meta = stored_meta(loaded.meta.model_dump())
    meta["framework_version"] = meta.get("framework_version") or framework.version
    if meta != row.meta:
        db.add(Change(assessment_id=row.id, qid="", part="details", before=shown(row.meta), after=shown(meta),
                      user_id=user_id, at=now))
        row.meta = meta
    blocks.store(db, row.id, loaded, user_id, now)
    db.commit()
    return changed
