"""The guided flow, without a terminal: answers in progress, visibility, navigation, saving.

A Session holds one assessment being filled in and writes it back after every change.
A Walk decides which question comes next or before, re-reading show_if on every move, so a
question appears or disappears as soon as the answer it depends on changes. The prompt
layer (assess/cli/run.py) only asks and displays; every decision is made here.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from .answers import (ANSWERED, NOT_APPLICABLE, UNANSWERED, Answer, Assessment, MAX_TEXT, load_answers,
                      parse_answer, text_problem)
from . import limits
from .frameworks import Framework
from .models import AssessmentMeta, DecisionsBlock, Question, ReassessmentBlock, Result, Section
from .storage import answers_yaml, check_unchanged, comments_in, digest, disk_digest
from .yamlio import atomic_write

INACTIVE = "inactive: hidden by show_if"
REWRITTEN = ("`assess run` rewrites the whole file after every answer and does not keep comments added by hand: "
             "put remarks under `notes:`.")
META_FIELDS = ("service", "organisation", "scope", "phase", "respondent", "kind", "date")


def meta_error(name: str, value: Any) -> Optional[str]:
    """Why one metadata value is not acceptable, checked as the loader checks it."""
    if isinstance(value, str) and (problem := text_problem(value, single_line=True)):
        return problem
    probe = {"framework": "probe", "service": "probe", "scope": "part", "phase": "live", name: value}
    try:
        AssessmentMeta.model_validate(probe)
    except ValidationError as exc:
        return "; ".join(e["msg"] for e in exc.errors())
    return None


def parse_date(text: str) -> dt.date:
    problem = date_problem(text)
    if problem:
        raise ValueError(problem)
    return dt.date.fromisoformat(text.strip())


def date_problem(text: str) -> Optional[str]:
    """Why a typed date is not one: a day or month that does not exist is named as such."""
    t = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        year, month, day = (int(g) for g in m.groups())
        if not 1 <= month <= 12:
            return f"{t} is not a date: there is no month {month}"
        days = calendar.monthrange(year, month)[1] if year >= 1 else 31
        if not 1 <= day <= days:
            return f"{t} is not a date: {calendar.month_name[month]} {year} has {days} days"
    try:
        dt.date.fromisoformat(t)
    except ValueError:
        return f"{t!r} is not a date; write it as YYYY-MM-DD"
    return None


@dataclass
class Progress:
    section: Section
    section_number: int      # 1-based among sections that have a visible question
    section_count: int
    answered: int            # answered or marked n/a, among visible questions
    visible: int

    def line(self) -> str:
        return (f"Section {self.section_number} of {self.section_count}: {self.section.title} · "
                f"{self.answered} of {self.visible} questions answered")


@dataclass
class Session:
    """One assessment in progress, saved to `path` after every change."""
    framework: Framework
    meta: dict[str, Any]
    path: Path
    answers: dict[str, Answer] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    disk_hash: Optional[str] = None   # the bytes last read from or written to `path`; None: no file yet
    actions: dict = field(default_factory=dict)   # the file's `actions:` block, kept as read
    decisions: Optional[DecisionsBlock] = None       # kept as read, so a resumed run never drops them
    reassessment: Optional[ReassessmentBlock] = None
    # the last visible() and the answers and details it was worked out from: a page asks several times
    _shown: Optional[tuple[dict, dict, dict[str, bool]]] = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def new(cls, framework: Framework, meta: dict[str, Any], path: Path | str) -> "Session":
        full = {"framework": framework.id, "framework_version": framework.version, **meta}
        AssessmentMeta.model_validate(full)  # the prompts check each field; this guards library callers
        return cls(framework, full, Path(path))

    @classmethod
    def load(cls, path: Path | str, frameworks_dirs: Optional[list[Path]] = None) -> "Session":
        """Resume from an answers file; it must load cleanly, exactly as `assess evaluate` would load it."""
        path = Path(path)
        before = disk_digest(path)   # hashed first: a change while loading makes the first save refuse
        loaded = load_answers(path, frameworks_dirs)
        meta = loaded.meta.model_dump()
        meta["framework_version"] = meta.get("framework_version") or loaded.framework.version
        return cls(loaded.framework, meta, path, dict(loaded.answers),
                   {k: list(v) for k, v in loaded.evidence.items()}, dict(loaded.notes), before, dict(loaded.actions),
                   loaded.decisions, loaded.reassessment)

    # ------------------------------------------------------------ reading

    @property
    def order(self) -> list[str]:
        return list(self.framework.questions)

    def question(self, qid: str) -> Question:
        return self.framework.questions[qid]

    def answer(self, qid: str) -> Answer:
        return self.answers.get(qid, Answer(UNANSWERED))

    def done(self, qid: str) -> bool:
        return self.answer(qid).state in (ANSWERED, NOT_APPLICABLE)

    def assessment(self, text: Optional[str] = None) -> Assessment:
        """The Assessment `assess evaluate` would load from the saved file (same hash too);
        `text`: this session's to_yaml(), where the caller has made it already."""
        digest = hashlib.sha256((self.to_yaml() if text is None else text).encode("utf-8")).hexdigest()
        return self._assessment(digest)

    def _assessment(self, digest: str = "") -> Assessment:
        return Assessment(framework=self.framework, meta=AssessmentMeta.model_validate(self.meta),
                          answers=dict(self.answers),
                          evidence={k: list(v) for k, v in self.evidence.items() if v},
                          notes={k: v for k, v in self.notes.items() if v.strip()},
                          source=str(self.path), hash=digest, actions=dict(self.actions),
                          decisions=self.decisions, reassessment=self.reassessment)

    def visible(self) -> dict[str, bool]:
        if self._shown is None or self._shown[0] != self.answers or self._shown[1] != self.meta:
            self._shown = (dict(self.answers), dict(self.meta), self._assessment().visible())
        return dict(self._shown[2])

    def inactive(self) -> list[str]:
        """Questions that hold an answer but are hidden now: kept in the file, left out of scoring."""
        shown = self.visible()
        return [q for q in self.order if not shown[q] and self.answer(q).state != UNANSWERED]

    def unanswered(self) -> list[str]:
        shown = self.visible()
        return [q for q in self.order if shown[q] and not self.done(q)]

    def visible_sections(self) -> list[tuple[Section, list[str]]]:
        """Sections with at least one visible question, each with its visible question ids."""
        shown = self.visible()
        out = []
        for section in self.framework.sections:
            ids = [q.id for q in section.questions if shown[q.id]]
            if ids:
                out.append((section, ids))
        return out

    def progress(self, qid: str) -> Progress:
        sections = self.visible_sections()
        visible = [q for _, ids in sections for q in ids]
        home = self.framework.section_of[qid]
        number = next((i for i, (s, _) in enumerate(sections, 1) if s.id == home), 0)
        section = next(s for s in self.framework.sections if s.id == home)
        return Progress(section, number, len(sections), sum(1 for q in visible if self.done(q)), len(visible))

    def find_section(self, name: str) -> Section:
        """A section by id or title (any case); ValueError lists the known ones."""
        import difflib
        wanted = name.strip().lower()
        for section in self.framework.sections:
            if wanted in (section.id, section.title.lower()):
                return section
        names = {s.id: s.id for s in self.framework.sections} | {s.title.lower(): s.id for s in self.framework.sections}
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
        hint = f" (did you mean {names[close[0]]!r}?)" if close else ""
        known = ", ".join(s.id for s in self.framework.sections)
        raise ValueError(f"no section {name!r} in {self.framework.id}{hint}; known sections: {known}")

    # ------------------------------------------------------------ changing

    def set_answer(self, qid: str, raw: Any) -> Answer:
        """Check `raw` as the file loader would (ValueError says why not) and keep it."""
        answer = parse_answer(self.question(qid), raw)
        before = self.answers.get(qid)
        if answer.state == UNANSWERED:
            self.answers.pop(qid, None)
        else:
            self.answers[qid] = answer
        self._uncarry(qid, before)
        return answer

    def _uncarry(self, qid: str, before: Optional[Answer]) -> None:
        """In a reassessment, an answer changed here is no longer the one carried over."""
        carried = self.reassessment.carried_answers if self.reassessment is not None else []
        if qid in carried and self.answers.get(qid) != before:
            carried.remove(qid)

    def mark_na(self, qid: str, reason: str) -> Answer:
        return self.set_answer(qid, {"n/a": reason})

    def clear(self, qid: str) -> None:
        self._uncarry(qid, self.answers.pop(qid, None))

    def add_evidence(self, qid: str, text: str) -> None:
        text = checked_text(text, "evidence", limits.EVIDENCE_ITEM_CHARS)
        if len(self.evidence.get(qid, [])) >= limits.EVIDENCE_PER_QUESTION:
            raise ValueError(f"this question has {limits.EVIDENCE_PER_QUESTION} evidence items, the most it may have")
        if sum(len(v) for v in self.evidence.values()) >= limits.EVIDENCE_TOTAL:
            raise ValueError(f"the assessment has {limits.EVIDENCE_TOTAL} evidence items, the most it may have")
        self.evidence.setdefault(qid, []).append(text)

    def change_evidence(self, qid: str, index: int, text: str) -> None:
        """Correct one evidence item; empty text removes it."""
        items = self.evidence.get(qid, [])
        if not 0 <= index < len(items):
            raise ValueError(f"no evidence item {index + 1} for {qid}")
        if text.strip():
            items[index] = checked_text(text, "evidence", limits.EVIDENCE_ITEM_CHARS)
        else:
            del items[index]
            if not items:
                self.evidence.pop(qid, None)

    def set_note(self, qid: str, text: str) -> None:
        if text.strip():
            self.notes[qid] = checked_text(text, "a note", limits.NOTE_CHARS)
        else:
            self.notes.pop(qid, None)

    def set_meta(self, name: str, value: Any) -> None:
        problem = meta_error(name, value)
        if problem:
            raise ValueError(problem)
        self.meta[name] = value

    # ------------------------------------------------------------ saving

    def to_yaml(self) -> str:
        comments = {qid: INACTIVE for qid in self.inactive()}
        header = (f"Answers for {self.framework.info.title} {self.framework.version}. Continue with "
                  f"`assess run <this file>`, or edit it by hand while no run has it open.\n{REWRITTEN}")
        from .decisions import blocks_yaml, dump_block
        tail = blocks_yaml(dump_block(self.decisions), dump_block(self.reassessment))
        return answers_yaml(self.meta, self.answers, self.evidence, self.notes, self.order, comments, header,
                            actions=self.actions, tail=tail)

    def save(self) -> None:
        """Write the whole file atomically; on failure (AssessError) the previous file is untouched.

        A file that changed on disk since this session read or wrote it is not overwritten
        (storage.ChangedOnDisk): a hand edit or a second program must not be lost silently.
        """
        text = self.to_yaml()
        check_unchanged(self.path, self.disk_hash)
        atomic_write(self.path, text)
        self.disk_hash = digest(text.encode("utf-8"))

    def hand_comments(self, text: str) -> list[tuple[int, str]]:
        """Comments in `text` (this session's file as read) that neither `assess run` nor `assess init` wrote."""
        from .template import answers_template
        ours = {INACTIVE}
        for generated in (self.to_yaml(), answers_template(self.framework)):
            ours |= {c for _, c in comments_in(generated)}
        if self.reassessment is not None:   # the header `assess reassess` wrote
            from .reassess import reassessment_header
            header = reassessment_header(self.framework, self.reassessment.of, self.reassessment.reopened)
            ours |= {line.strip() for line in header.splitlines()}
        return [(line, c) for line, c in comments_in(text) if c and c not in ours and not c.startswith("Answers for ")]

    def evaluate(self, text: Optional[str] = None) -> Result:
        from .pipeline import evaluate
        return evaluate(self.assessment(text))


def checked_text(text: str, what: str, most: int = MAX_TEXT) -> str:
    text = text.strip()
    if not text:
        raise ValueError(f"{what} cannot be empty")
    if (problem := text_problem(text, most=most)) is not None:
        raise ValueError(f"{what} {problem}")
    return text


class Walk:
    """Moves through the visible questions of a scope, in questionnaire order.

    With `skip_done`, questions already answered when the walk starts are passed over (a
    resumed run starts at the first unanswered one); a question the user steps back to is
    shown again on the way forward.
    """

    def __init__(self, session: Session, scope: Optional[list[str]] = None, skip_done: bool = True):
        self.session = session
        self.scope = list(scope) if scope is not None else session.order
        self.skip = {q for q in self.scope if session.done(q)} if skip_done else set()
        self.current: Optional[str] = None

    def start(self) -> Optional[str]:
        self.current = None
        return self._move(self._after(-1))

    def forward(self) -> Optional[str]:
        """The next question after the current one; None at the end."""
        return self._move(self._after(self._index()))

    def back(self) -> Optional[str]:
        """The previous visible question (answered or not); stays put at the first one."""
        shown = self.session.visible()
        for qid in reversed(self.scope[:self._index()]):
            if shown[qid]:
                return self._move(qid)
        return self.current

    def at_first(self) -> bool:
        shown = self.session.visible()
        return not any(shown[q] for q in self.scope[:self._index()])

    def _index(self) -> int:
        return self.scope.index(self.current) if self.current in self.scope else -1

    def _after(self, index: int) -> Optional[str]:
        shown = self.session.visible()
        return next((q for q in self.scope[index + 1:] if shown[q] and q not in self.skip), None)

    def _move(self, qid: Optional[str]) -> Optional[str]:
        if qid is not None:
            self.skip.discard(qid)   # seen in this run: walk over it again after a back-step
            self.current = qid
        return qid
