"""Several team members' answers to one framework, combined into one consensus answers file.

The rule for each question type, so a team can predict the outcome:
- single, yes/no, scale: the median level of the answers; with an even count the lower of
  the two middle levels (the more cautious). Options without levels rank by their order.
  Where several options share that level, the one most respondents chose (ties: first file).
- multi: every option chosen by more than half of those who answered.
- number: the median; with an even count the lower middle value, so it is one someone gave.
- text, date: the most common answer; ties go to the first file.
- n/a: taken when more respondents marked the question n/a than answered it.
Spread is the distance in levels between the lowest and highest answer; a spread of
DISCUSS_SPREAD levels or more is marked for discussion. Everyone's evidence and notes are
kept, each prefixed with who gave it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

from .answers import ANSWERED, NOT_APPLICABLE, UNANSWERED, Answer, Assessment, answer_label
from .errors import AssessError, Diagnostic
from .models import Question
from .scoring import answer_level
from .storage import answers_yaml

DISCUSS_SPREAD = 2
RULES = {
    "single": "median level, ties to the lower", "yesno": "median level, ties to the lower",
    "scale": "median level, ties to the lower", "multi": "options chosen by a majority",
    "number": "median, the lower middle value", "text": "most common, ties to the first file",
    "date": "most common, ties to the first file",
}


class Response(BaseModel):
    respondent: str
    label: str
    level: Optional[float] = None


class QuestionMerge(BaseModel):
    question: str
    text: str
    rule: str
    label: str                     # the answer taken
    responses: list[Response]      # everyone who answered or marked n/a
    agreement: float               # share of those responses that match the answer taken
    spread: Optional[float]        # levels between lowest and highest; None when answers carry no level
    discuss: bool


class Merged(BaseModel):
    meta: dict[str, Any]
    answers: dict[str, Any]        # question id -> Answer (kept as objects; not serialised)
    evidence: dict[str, list[str]]
    notes: dict[str, str]
    questions: list[QuestionMerge]
    respondents: list[str]
    warnings: list[str]

    @property
    def to_discuss(self) -> list[QuestionMerge]:
        return [q for q in self.questions if q.discuss]


def merge_assessments(assessments: list[Assessment]) -> Merged:
    if len(assessments) < 2:
        raise AssessError("merge needs at least two answers files")
    framework = assessments[0].framework
    for a in assessments[1:]:
        if a.framework.id != framework.id or a.framework.hash != framework.hash:
            raise AssessError(Diagnostic(a.source, 0, "assessment.framework",
                                         f"is {a.framework.id} {a.framework.version}; the first file uses "
                                         f"{framework.id} {framework.version} (merge only answers to one framework)"))
    names = respondent_names(assessments)
    top = len(framework.info.scale)
    answers, evidence, notes, questions = {}, {}, {}, []
    for qid, q in framework.questions.items():
        given = [(name, a.answer(qid)) for name, a in zip(names, assessments) if a.answer(qid).state != UNANSWERED]
        items = [f"{name}: {e}" for name, a in zip(names, assessments) for e in a.evidence.get(qid, [])]
        if items:
            evidence[qid] = items
        own_notes = [f"{name}: {a.notes[qid]}" for name, a in zip(names, assessments) if qid in a.notes]
        if not given:
            if own_notes:
                notes[qid] = "\n".join(own_notes)
            continue
        taken, spread = _take(q, [ans for _, ans in given], top)
        answers[qid] = taken
        responses = [Response(respondent=name, label=_label(q, ans), level=_level(q, ans, top)) for name, ans in given]
        agreement = round(sum(1 for _, ans in given if _same(ans, taken)) / len(given), 4)
        merge = QuestionMerge(question=qid, text=q.text, rule="more marked n/a than answered" if taken.state == NOT_APPLICABLE
                              else RULES[q.type], label=_label(q, taken), responses=responses, agreement=agreement,
                              spread=spread, discuss=spread is not None and spread >= DISCUSS_SPREAD)
        questions.append(merge)
        if agreement < 1:
            own_notes.append(spread_note(merge))
        if own_notes:
            notes[qid] = "\n".join(own_notes)
    return Merged(meta=_meta(assessments, names), answers=answers, evidence=evidence, notes=notes, questions=questions,
                  respondents=names, warnings=_warnings(assessments))


def merged_yaml(merged: Merged, framework) -> str:
    comments = {q.question: f"discuss: answers spread {_num(q.spread)} levels ({_who(q)})" for q in merged.to_discuss}
    header = (f"Consensus of {len(merged.respondents)} respondents: {', '.join(merged.respondents)}.\n"
              "Written by assess merge. Rules: single, yes/no and scale take the median level (ties to the lower);\n"
              "multi takes options chosen by a majority; number the lower median; text and date the most common.\n"
              "Notes starting 'Spread:' show how far apart the answers were; '# discuss:' marks strong disagreement.")
    return answers_yaml(merged.meta, merged.answers, merged.evidence, merged.notes, framework.questions, comments, header)


def spread_note(merge: QuestionMerge) -> str:
    size = f"{_num(merge.spread)} level{'' if merge.spread == 1 else 's'}" if merge.spread is not None else "answers differ"
    return f"Spread: {size}; agreement {round(merge.agreement * 100)}% ({_who(merge)})"


def respondent_names(assessments: list[Assessment]) -> list[str]:
    """Who answered each file: the respondent, else the file name; made unique."""
    names = []
    for a in assessments:
        name = (a.meta.respondent or Path(a.source).stem).strip() or "Respondent"
        if name in names:
            name = f"{name} ({Path(a.source).name})"
        names.append(name)
    return names


# ---------------------------------------------------------------- the rules

def _take(q: Question, given: list[Answer], top: int) -> tuple[Answer, Optional[float]]:
    na = [a for a in given if a.state == NOT_APPLICABLE]
    answered = [a for a in given if a.state == ANSWERED]
    levels = [lv for lv in (_level(q, a, top) for a in answered) if lv is not None]
    spread = round(max(levels) - min(levels), 4) if len(levels) > 1 else (0.0 if levels else None)
    if len(na) > len(answered):
        return na[0], spread
    values = [a.value for a in answered]
    if q.type in ("single", "yesno", "scale"):
        ranks = [_rank(q, v) for v in values]
        middle = sorted(ranks)[(len(ranks) - 1) // 2]        # lower median
        value = _most_common([v for v, r in zip(values, ranks) if r == middle])
    elif q.type == "multi":
        counts = Counter(o for v in values for o in v)
        value = [o.id for o in q.options if counts[o.id] * 2 > len(values)]
    elif q.type == "number":
        value = sorted(values)[(len(values) - 1) // 2]
    else:
        value = _most_common(values)
    return Answer(ANSWERED, value), spread


def _rank(q: Question, value: Any) -> float:
    """Order of cautiousness: the level an answer carries, else its place in the question."""
    if q.type == "scale":
        return value
    if q.type == "yesno":
        return q.levels.get(value, 2 if value == "yes" else 1)
    option = q.option(value)
    if any(o.level is not None for o in q.options):
        return option.level if option.level is not None else 0
    return q.options.index(option) + 1


def _level(q: Question, answer: Answer, top: int) -> Optional[float]:
    if answer.state != ANSWERED:
        return None
    if q.scored:
        return answer_level(q, answer, top)
    if q.type in ("single", "yesno", "scale"):
        return _rank(q, answer.value)
    return None


def _most_common(values: list[Any]) -> Any:
    counts = Counter(_key(v) for v in values)
    best = max(counts.values())
    return next(v for v in values if counts[_key(v)] == best)   # first file wins a tie


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _same(a: Answer, b: Answer) -> bool:
    return a.state == b.state and _key(a.value) == _key(b.value)


def _label(q: Question, answer: Answer) -> str:
    return answer_label(q, answer)


def _who(merge: QuestionMerge) -> str:
    return "; ".join(f"{r.respondent}: {r.label}" for r in merge.responses)


def _num(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:g}"


# ---------------------------------------------------------------- metadata

def _meta(assessments: list[Assessment], names: list[str]) -> dict[str, Any]:
    first = assessments[0].meta
    dates = [a.meta.date for a in assessments if a.meta.date]
    respondent = "Consensus of " + ", ".join(names)
    return {"framework": first.framework, "framework_version": first.framework_version or assessments[0].framework.version,
            "service": first.service, "organisation": first.organisation,
            "scope": _most_common([a.meta.scope for a in assessments]),
            "phase": _most_common([a.meta.phase for a in assessments]),
            "respondent": respondent if len(respondent) <= 300 else respondent[:297] + "...",
            "kind": _most_common([a.meta.kind for a in assessments]),
            "date": max(dates) if dates else None}


def _warnings(assessments: list[Assessment]) -> list[str]:
    out = []
    for field in ("service", "organisation", "scope", "phase"):
        seen = list(dict.fromkeys(str(getattr(a.meta, field)) for a in assessments))
        if len(seen) > 1:
            out.append(f"the files give different {field}s ({', '.join(seen)}); the consensus uses "
                       f"{'the first' if field in ('service', 'organisation') else 'the most common'}")
    return out
