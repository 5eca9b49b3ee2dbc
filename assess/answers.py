"""Read an answers file and check every value against its framework.

Loading never changes the file. All problems in one file are reported together, each with
its line. The outcome is an Assessment: typed answers, plus what is visible under show_if.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from . import conditions as cond
from .actions import Recorded, check_actions_block
from .errors import AssessError, Diagnostic
from . import limits
from .frameworks import Framework, find_framework
from .models import META_VALUES, AnswersFileModel, AssessmentMeta, DecisionsBlock, Question, ReassessmentBlock
from .yamlio import Document, decode, dotted, is_finite_number, load_yaml, read_bytes, surrogate_problem

NA_KEY = "n/a"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = limits.ANSWER_TEXT_CHARS
# the most characters each free-text section of an answers file may hold per value
SECTION_CHARS = {"assessment": limits.META_TEXT_CHARS, "evidence": limits.EVIDENCE_ITEM_CHARS, "notes": limits.NOTE_CHARS,
                 "decisions": limits.NOTE_CHARS, "reassessment": limits.NOTE_CHARS}

ANSWERED, NOT_APPLICABLE, UNANSWERED = "answered", "not-applicable", "unanswered"
_ENGINE_STATE = {ANSWERED: cond.ANSWERED, NOT_APPLICABLE: cond.NOT_APPLICABLE, UNANSWERED: cond.UNANSWERED}


@dataclass(frozen=True)
class Answer:
    state: str                 # answered | not-applicable | unanswered
    value: Any = None          # typed: str, list[str], int, float, date; None unless answered
    na_reason: str = ""


NO_ANSWER = Answer(UNANSWERED)


@dataclass
class Assessment:
    """One answers file, checked against its framework."""
    framework: Framework
    meta: AssessmentMeta
    answers: dict[str, Answer]
    evidence: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    source: str = "<memory>"
    hash: str = ""
    actions: dict[str, Recorded] = field(default_factory=dict)   # the `actions:` block, by action id
    decisions: Optional[DecisionsBlock] = None        # the panel's word; checked against the result in decisions.py
    reassessment: Optional[ReassessmentBlock] = None
    document: Optional[Document] = None               # kept for the lines of decisions, checked after evaluation

    def answer(self, qid: str) -> Answer:
        return self.answers.get(qid, NO_ANSWER)

    def visible(self) -> dict[str, bool]:
        """Question id -> shown under show_if, in questionnaire order (hidden ones count as unanswered)."""
        shown: dict[str, bool] = {}
        states: dict[str, tuple[str, Any]] = {}
        meta = self.meta_facts()
        for qid, question in self.framework.questions.items():
            node = self.framework.visibility.get(qid)
            ok = node is None or cond.evaluate(node, cond.Facts(states, meta))
            shown[qid] = ok
            ans = self.answer(qid)
            states[qid] = (_ENGINE_STATE[ans.state], engine_value(question, ans.value, self.meta.date)) if ok \
                else (cond.UNANSWERED, None)
        return shown

    def ignored(self, shown: Optional[dict[str, bool]] = None) -> list[str]:
        """Questions answered in the file but not asked of this assessment (hidden by show_if, for
        example asked only at another phase): kept in the file, ignored by rules and scoring."""
        shown = shown if shown is not None else self.visible()
        return [qid for qid in self.framework.questions if not shown[qid] and self.answer(qid).state != UNANSWERED]

    def meta_facts(self) -> dict[str, str]:
        return {"scope": self.meta.scope, "phase": self.meta.phase, "kind": self.meta.kind}

    def facts(self, shown: Optional[dict[str, bool]] = None) -> cond.Facts:
        """Every question's state and comparable value, with hidden ones unanswered."""
        shown = shown if shown is not None else self.visible()
        return cond.Facts({qid: self.fact(qid, shown[qid]) for qid in self.framework.questions}, self.meta_facts())

    def fact(self, qid: str, shown: bool) -> tuple[str, Any]:
        """One question's state and comparable value, as facts() gives it."""
        ans = self.answer(qid)
        if shown and ans.state != UNANSWERED:
            return (_ENGINE_STATE[ans.state], engine_value(self.framework.questions[qid], ans.value, self.meta.date))
        return (cond.UNANSWERED, None)


def engine_value(question: Question, value: Any, assessed_on: Optional[dt.date] = None) -> Any:
    """The exact value conditions compare: ids, a frozenset of ids, an integer, or for a date
    its day and its months before the assessment date."""
    if value is None:
        return None
    if question.type == "multi":
        return frozenset(value)
    if question.type in ("scale", "number"):
        return cond.number_key(value)
    if question.type == "date":
        return cond.date_value(value, assessed_on)
    if question.type == "text":
        return None
    return value


# ---------------------------------------------------------------- loading

def load_answers(path: Path | str, frameworks_dirs: Optional[list[Path]] = None,
                 framework: Optional[Framework] = None, parsed: Optional[Document] = None) -> Assessment:
    """`parsed`: the file as load_yaml already read it, so a caller that looked inside first
    does not pay for a second read and parse (a file over the answers limit is read again,
    to be refused with that limit)."""
    path = Path(path)
    if parsed is not None and parsed.raw and len(parsed.raw) <= limits.ANSWERS_FILE_BYTES:
        doc, data = parsed, parsed.raw
    else:
        data = read_bytes(path, limits.ANSWERS_FILE_BYTES)   # read once: what is hashed is what was checked
        doc = load_yaml(path, decode(str(path), data))
    assessment = assessment_from_document(doc, frameworks_dirs, framework)
    assessment.hash = hashlib.sha256(data).hexdigest()
    return assessment


def assessment_from_document(doc: Document, frameworks_dirs: Optional[list[Path]] = None,
                             framework: Optional[Framework] = None) -> Assessment:
    problems: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        raise AssessError(doc.diag((), "an answers file must be a mapping with `assessment:` and `answers:`"))
    too_long: list[dict] = []
    try:
        model = AnswersFileModel.model_validate(doc.data)
    except ValidationError as exc:
        model = None
        for err in exc.errors():
            if err["type"] == "string_too_long":
                too_long.append(err)   # reported below with the section's limit, or here if that limit is wider
                continue
            loc = tuple(err["loc"])
            if len(loc) >= 2 and loc[0] in ("evidence", "notes") and err["type"] != "missing":
                loc = loc[:2]  # one message per evidence entry, not one per union branch
                message = "must be text" + (" or a list of texts" if loc[0] == "evidence" else "")
            elif err["type"] in ("model_type", "dict_type"):
                message = "must be a mapping of names to values"
            elif err["type"] == "string_type":
                message = "must be text"
            elif err["type"] == "extra_forbidden":
                message = f"unknown field {shown(loc[-1])}"
            elif err["type"] == "missing":
                choices = META_VALUES.get(loc[-1]) if loc[:1] == ("assessment",) else None
                message = "required field is missing" + (f"; one of {', '.join(choices)}" if choices else "")
            else:
                message = err["msg"].removeprefix("Value error, ")
            problems.append(doc.diag(loc, message))
    framework_id = (doc.data.get("assessment") or {}).get("framework") if isinstance(doc.data.get("assessment"), dict) else None
    if framework is None:
        if not isinstance(framework_id, str):
            raise AssessError(problems or [doc.diag(("assessment", "framework"), "required field is missing")])
        try:
            framework = find_framework(framework_id, frameworks_dirs)
        except AssessError as exc:
            raise AssessError(problems + [doc.diag(("assessment", "framework"), d.message) if not d.file else d
                                          for d in exc.diagnostics]) from None
    if model is not None:
        if model.assessment.framework != framework.id:
            problems.append(doc.diag(("assessment", "framework"), f"is {shown(model.assessment.framework)}, expected {framework.id!r}"))
        wanted = model.assessment.framework_version
        if wanted and wanted.split(".")[0] != framework.version.split(".")[0]:
            problems.append(doc.diag(("assessment", "framework_version"),
                                     f"answers were written for {wanted}; {framework.id} is now {framework.version} (a new major version)"))
    answers = _check_answers(doc, framework, problems)
    for section, most in SECTION_CHARS.items():
        problems.extend(_text_problems(doc, (section,), doc.data.get(section), section == "assessment", most))
    reported = {d.field for d in problems}
    problems.extend(doc.diag(tuple(e["loc"]), f"is {len(e['input']):,} characters long; the limit is {e['ctx']['max_length']:,}")
                    for e in too_long if dotted(tuple(e["loc"])) not in reported)
    problems.extend(_evidence_count_problems(doc))
    if model is not None:
        from .decisions import block_problems
        problems.extend(block_problems(doc, framework, model))
    for section in ("evidence", "notes"):
        entries = doc.data.get(section) or {}
        if isinstance(entries, dict):
            for qid in entries:
                if qid not in framework.questions:
                    problems.append(doc.diag((section, qid), f"unknown question {shown(qid)}{cond.suggest(qid, framework.questions)}"))
    actions, action_problems = check_actions_block(doc, framework)
    problems.extend(action_problems)
    if problems or model is None:
        raise AssessError(problems)
    evidence = {k: ([v] if isinstance(v, str) else list(v)) for k, v in model.evidence.items()}
    evidence = {k: [e for e in v if e.strip()] for k, v in evidence.items()}
    return Assessment(framework=framework, meta=model.assessment, answers=answers,
                      evidence={k: v for k, v in evidence.items() if v},
                      notes={k: v for k, v in model.notes.items() if v.strip()}, source=doc.file, actions=actions,
                      decisions=model.decisions, reassessment=model.reassessment, document=doc)


def _check_answers(doc: Document, framework: Framework, problems: list[Diagnostic]) -> dict[str, Answer]:
    raw = doc.data.get("answers")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(doc.diag(("answers",), "must be a mapping of question id to answer"))
        return {}
    out: dict[str, Answer] = {}
    for qid, value in raw.items():
        path = ("answers", qid)
        question = framework.questions.get(qid)
        if question is None:
            problems.append(doc.diag(path, f"unknown question {shown(qid)}{cond.suggest(qid, framework.questions)}"))
            continue
        try:
            out[qid] = parse_answer(question, value)
        except ValueError as exc:
            problems.append(doc.diag(path, str(exc)))
    return out


# ---------------------------------------------------------------- characters

# C0 controls other than tab and newline, DEL and C1 controls: escapes, bells, backspaces and
# NULs can rewrite a terminal line or hide text; none belongs in an assessment.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\n\t\u2028\u2029]")
# Bidirectional embeddings/overrides end with PDF; isolates end with PDI (Unicode UAX #9).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMBEDS, _ISOLATES, _PDF, _PDI = "\u202a\u202b\u202d\u202e", "\u2066\u2067\u2068", "\u202c", "\u2069"


def text_problem(text: str, single_line: bool = False, most: Optional[int] = None) -> Optional[str]:
    """Why a text cannot be stored as typed, or None: too long, lone surrogates, control
    characters, unbalanced bidi controls."""
    if most is not None and len(text) > most:
        return f"is {len(text):,} characters long; the limit is {most:,}"
    if (problem := surrogate_problem(text)) is not None:
        return problem
    if (m := _CONTROL.search(text)) is not None:
        return f"contains the control character U+{ord(m.group()):04X}; remove it"
    if single_line and (m := _LINE_BREAK.search(text)) is not None:
        return "must be one line without tabs" + (" (it contains a line break)" if m.group() != "\t" else " (it contains a tab)")
    if _BIDI.search(text) and not all(_bidi_balanced(line) for line in text.splitlines()):
        return "contains an unbalanced bidirectional control (U+202A-U+202E, U+2066-U+2069) that can make text read in a misleading order"
    return None


def _bidi_balanced(line: str) -> bool:
    open_: list[str] = []
    for ch in _BIDI.findall(line):
        if ch in _EMBEDS or ch in _ISOLATES:
            open_.append(ch)
        elif ch == _PDF:
            if not open_ or open_[-1] not in _EMBEDS:
                return False
            open_.pop()
        else:   # PDI closes its isolate and any embedding left open inside it
            if not any(c in _ISOLATES for c in open_):
                return False
            while open_.pop() not in _ISOLATES:
                pass
    return not open_


def _text_problems(doc: Document, path: tuple, value: Any, single_line: bool, most: int) -> list[Diagnostic]:
    if isinstance(value, str):
        if path[:2] in (("assessment", "framework"), ("assessment", "framework_version")):
            most = limits.META_ID_CHARS
        problem = text_problem(value, single_line, most)
        return [doc.diag(path, problem)] if problem else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [d for key, item in items for d in _text_problems(doc, path + (key,), item, single_line, most)]


def _evidence_count_problems(doc: Document) -> list[Diagnostic]:
    """Evidence is for a reader: a bounded number of items per question and in the whole file."""
    entries = doc.data.get("evidence")
    if not isinstance(entries, dict):
        return []
    counts = {qid: len(v) for qid, v in entries.items() if isinstance(v, list)}
    out = [doc.diag(("evidence", qid), f"has {n:,} evidence items; the limit is {limits.EVIDENCE_PER_QUESTION} per question")
           for qid, n in counts.items() if n > limits.EVIDENCE_PER_QUESTION]
    total = sum(counts.values()) + sum(1 for v in entries.values() if isinstance(v, str))
    if total > limits.EVIDENCE_TOTAL:
        out.append(doc.diag(("evidence",), f"has {total:,} evidence items in all; the limit is {limits.EVIDENCE_TOTAL:,} per answers file"))
    return out


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: escaped, dates as written, long ones cut."""
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_answer(question: Question, value: Any) -> Answer:
    """Check one raw value against its question; ValueError says what is wrong."""
    if value is None or value == "" or value == []:
        if question.type == "multi" and value == []:
            return Answer(ANSWERED, [])
        return Answer(UNANSWERED)
    if isinstance(value, dict):
        if set(value) != {NA_KEY}:
            raise ValueError(f"expected an answer, or `{NA_KEY}: <reason>` to mark it not applicable")
        if not question.allow_na:
            raise ValueError("this question cannot be marked n/a")
        reason = value[NA_KEY]
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("n/a needs a reason, e.g. `n/a: Only one organisation funds the service`")
        if (problem := text_problem(reason, most=limits.NA_REASON_CHARS)) is not None:
            raise ValueError(f"the n/a reason {problem}")
        return Answer(NOT_APPLICABLE, None, reason.strip())
    if isinstance(value, str) and value.strip().lower() in ("n/a", "na"):
        if not question.allow_na:
            raise ValueError("this question cannot be marked n/a")
        raise ValueError(f"n/a needs a reason: write `{question.id}: {{{NA_KEY}: <reason>}}`")
    return Answer(ANSWERED, _typed(question, value))


def _typed(q: Question, value: Any) -> Any:
    t = q.type
    ids = [o.id for o in q.options]
    if t == "single":
        if not isinstance(value, str) or value not in ids:
            raise ValueError(f"{shown(value)} is not an option; expected one of: {', '.join(ids)}{cond.suggest(str(value), ids)}")
        return value
    if t == "multi":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"expected a list of options from: {', '.join(ids)}")
        bad = [v for v in items if not isinstance(v, str) or v not in ids]
        if bad:
            raise ValueError(f"{shown(bad[0])} is not an option; expected some of: {', '.join(ids)}{cond.suggest(str(bad[0]), ids)}")
        if len(set(items)) != len(items):
            raise ValueError("an option is listed twice")
        return [i for i in ids if i in items]   # questionnaire order, so files compare equal
    if t == "yesno":
        if value is True or (isinstance(value, str) and value.lower() in ("yes", "true", "y")):
            return "yes"
        if value is False or (isinstance(value, str) and value.lower() in ("no", "false", "n")):
            return "no"
        raise ValueError(f"{shown(value)} is not yes or no")
    if t in ("scale", "number"):
        if isinstance(value, str):
            try:
                value = float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                raise ValueError(f"{shown(value)} is not a number") from None
        if not is_finite_number(value):
            raise ValueError(f"{shown(value)} is not a number" + (" (it must be finite)" if isinstance(value, float) else ""))
        if abs(value) > cond.NUMBER_LIMIT:
            raise ValueError(f"{shown(value)} is too large (at most {cond.NUMBER_LIMIT:,})")
        if t == "scale" and value != int(value):
            raise ValueError(f"{shown(value)} is not a whole number from {cond.plain_number(q.min)} to {cond.plain_number(q.max)}")
        if q.whole_number and value != int(value):
            raise ValueError(f"{shown(value)} is not a whole number")
        if not cond.fits_thousandths(value):
            # rules compare numbers in thousandths; a finer answer would be silently rounded
            raise ValueError(f"{shown(value)} has more than {len(str(cond.NUMBER_SCALE)) - 1} decimal places")
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            lo = cond.plain_number(q.min) if q.min is not None else "any"
            hi = cond.plain_number(q.max) if q.max is not None else "any"
            raise ValueError(f"{shown(value)} is outside the range {lo} to {hi}")
        if isinstance(value, float) and value == int(value) and t == "scale":
            value = int(value)
        return value
    if t == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                if _ISO_DATE.match(value.strip()):   # the right shape, but no such day
                    raise ValueError(f"{value.strip()} is not a real date ({exc})") from None
        if isinstance(value, dt.datetime):
            raise ValueError(f"{shown(value)} has a time of day; write the date alone as YYYY-MM-DD")
        raise ValueError(f"{shown(value)} is not a date; write it as YYYY-MM-DD")
    if t == "text":
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError("expected text")
        text = str(value)
        if (problem := text_problem(text, most=MAX_TEXT)) is not None:
            raise ValueError(problem)
        return text
    raise ValueError(f"unknown question type {t}")


def answer_label(question: Question, answer: Answer) -> str:
    """How an answer reads to a person."""
    if answer.state == NOT_APPLICABLE:
        return "Not applicable"
    if answer.state == UNANSWERED:
        return "Not answered"
    v = answer.value
    if question.type == "single":
        return question.option(v).label
    if question.type == "multi":
        return "; ".join(question.option(i).label for i in v) if v else "None of these"
    if question.type == "yesno":
        return "Yes" if v == "yes" else "No"
    if question.type == "scale":
        label = question.scale_labels.get(int(v))
        return f"{v} – {label}" if label else f"{v} (of {cond.plain_number(question.min)} to {cond.plain_number(question.max)})"
    if question.type == "date":
        return v.isoformat()
    if question.type == "number":
        return f"{v:,}" if isinstance(v, int) else f"{v:,.6g}"
    return str(v)
