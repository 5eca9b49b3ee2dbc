"""Several team members' answers to one framework, combined into one consensus answers file.

The rule for each question, so a team can predict the outcome:
- scored single, yes/no, scale: the median level of the answers; with an even count the lower
  of the two middle levels (the more cautious). Where several options share that level, the
  one most respondents chose, then the one first in the questionnaire.
- unscored single and yes/no: the answer most respondents gave.
- multi: every option chosen by more than half of those who answered.
- number and unscored scale: the median; with an even count the lower middle value.
- text and date: the most common answer.
- n/a: taken when more respondents marked the question n/a than answered it.
Ties on an unscored question that gates others (a `show_if`, a principle's or lens's
`applies_if`, or a rule's condition reads it) go to the answer that keeps more scrutiny: more
questions left visible and more risk or cap rules still able to fire (`scrutiny`). Other ties
go to the option first in the questionnaire, the lower number, the earlier date, or (text)
the respondent first in alphabetical order. Files are put in that order before anything else
is done, so the consensus never depends on the order the files were named in.

Marked for discussion: a spread of DISCUSS_SPREAD levels or more; any disagreement on an
unscored gating question; and a split between answering and marking n/a. Everyone's evidence
and notes are kept once per distinct text, prefixed with everyone who gave it. A panel's
`decisions:`, an `actions:` record or a `reassessment:` block belongs to one assessment: it is
not carried into the consensus, and a warning names the file it stays in.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

from . import conditions as cond
from .answers import ANSWERED, NOT_APPLICABLE, UNANSWERED, Answer, Assessment, answer_label, engine_value
from .errors import AssessError, Diagnostic
from .limits import META_TEXT_CHARS
from .models import Question
from .scoring import answer_level
from .storage import answers_yaml

DISCUSS_SPREAD = 2
CONSENSUS_PREFIX = "Consensus of "      # the respondent of a merged file: the portfolio prefers it
MEDIAN = "median level, ties to the lower"
RULES = {
    "single": MEDIAN, "yesno": MEDIAN, "scale": MEDIAN, "multi": "options chosen by a majority",
    "number": "median, the lower middle value", "text": "most common, ties to the first respondent alphabetically",
    "date": "most common, ties to the earlier date",
}
UNSCORED_RULES = {"single": "most common answer", "yesno": "most common answer", "scale": "median, the lower middle value"}
SCRUTINY_TIES = "; ties to the answer that keeps more questions and rules in play"
_STATE = {ANSWERED: cond.ANSWERED, NOT_APPLICABLE: cond.NOT_APPLICABLE, UNANSWERED: cond.UNANSWERED}


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
    spread: Optional[float]        # levels between lowest and highest answer; None when answers carry no level
    not_applicable: int = 0        # how many marked it n/a
    gating: bool = False           # unscored, and other questions or rules depend on it
    discuss: bool
    discuss_reason: str = ""


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


def merge_assessments(assessments: list[Assessment], allow_other_service: bool = False) -> Merged:
    if len(assessments) < 2:
        raise AssessError("merge needs at least two answers files")
    assessments = _in_canonical_order(assessments)
    _check_mergeable(assessments, allow_other_service)
    framework = assessments[0].framework
    names = respondent_names(assessments)
    meta = _meta(assessments, names)
    gating = gating_questions(framework)
    top = len(framework.info.scale)
    answers, evidence, notes, questions = {}, {}, {}, []
    for qid, q in framework.questions.items():
        given = [(name, a.answer(qid)) for name, a in zip(names, assessments) if a.answer(qid).state != UNANSWERED]
        items = _credited((name, e) for name, a in zip(names, assessments) for e in a.evidence.get(qid, []))
        if items:
            evidence[qid] = items
        own_notes = _credited((name, a.notes[qid]) for name, a in zip(names, assessments) if qid in a.notes)
        if not given:
            if own_notes:
                notes[qid] = "\n".join(own_notes)
            continue
        gates = qid in gating
        taken, spread = _take(q, [ans for _, ans in given], top, _scrutiny_of(framework, qid, meta) if gates else None)
        answers[qid] = taken
        merge = _question_merge(q, given, taken, spread, top, gates)
        questions.append(merge)
        if merge.agreement < 1:
            own_notes.append(spread_note(merge))
        if own_notes:
            notes[qid] = "\n".join(own_notes)
    return Merged(meta=meta, answers=answers, evidence=evidence, notes=notes, questions=questions,
                  respondents=names, warnings=_warnings(assessments))


def merged_yaml(merged: Merged, framework) -> str:
    comments = {q.question: f"discuss: {q.discuss_reason} ({_who(q)})" for q in merged.to_discuss}
    header = (f"Consensus of {len(merged.respondents)} respondents: {', '.join(merged.respondents)}.\n"
              "Written by assess merge. Rules: scored single, yes/no and scale take the median level (ties to the lower);\n"
              "unscored single and yes/no the most common answer; multi the options chosen by a majority;\n"
              "number the lower median; text and date the most common. Ties on a question that others depend on\n"
              "go to the answer that keeps more questions and rules in play.\n"
              "Notes starting 'Spread:' show how far apart the answers were; '# discuss:' marks disagreement to talk through.")
    return answers_yaml(merged.meta, merged.answers, merged.evidence, merged.notes, framework.questions, comments, header)


def spread_note(merge: QuestionMerge) -> str:
    return f"Spread: {_spread_text(merge)}; agreement {round(merge.agreement * 100)}% ({_who(merge)})"


def respondent_names(assessments: list[Assessment]) -> list[str]:
    """Who answered each file: the respondent, else the file name; made unique."""
    names = []
    for a in assessments:
        name = (a.meta.respondent or Path(a.source).stem).strip() or "Respondent"
        if name in names:
            name = f"{name} ({Path(a.source).name})"
        names.append(name)
    return names


# ---------------------------------------------------------------- what may be merged

def _in_canonical_order(assessments: list[Assessment]) -> list[Assessment]:
    """By respondent, then file name, then content: the order files were named in never matters."""
    return sorted(assessments, key=lambda a: ((a.meta.respondent or Path(a.source).stem).strip().casefold(),
                                              Path(a.source).name, a.source, a.hash))


def _check_mergeable(assessments: list[Assessment], allow_other_service: bool) -> None:
    from .compare import OTHER_SERVICE_FLAG, service_identity
    problems = []
    seen_paths: dict[str, str] = {}
    seen_content: dict[str, str] = {}
    for a in assessments:
        where = _resolved(a.source)
        if where in seen_paths:
            problems.append(Diagnostic(a.source, 0, "", f"is the same file as {seen_paths[where]}; give each respondent's file once"))
        elif a.hash and a.hash in seen_content:
            problems.append(Diagnostic(a.source, 0, "", f"has the same content as {seen_content[a.hash]}; give each respondent's file once"))
        seen_paths.setdefault(where, a.source)
        if a.hash:
            seen_content.setdefault(a.hash, a.source)
    first = assessments[0]
    for a in assessments[1:]:
        if a.framework.id != first.framework.id or a.framework.hash != first.framework.hash:
            problems.append(Diagnostic(a.source, 0, "assessment.framework",
                                       f"is {a.framework.id} {a.framework.version}; {first.source} uses "
                                       f"{first.framework.id} {first.framework.version} (merge only answers to one framework)"))
        elif not allow_other_service and service_identity(a.meta.model_dump()) != service_identity(first.meta.model_dump()):
            problems.append(Diagnostic(a.source, 0, "assessment.service",
                                       f"is {_service(a)}; {first.source} is {_service(first)}: not the same service "
                                       f"(use {OTHER_SERVICE_FLAG} to merge them anyway)"))
    if problems:
        raise AssessError(problems)


def _resolved(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except OSError:
        return source


def _service(a: Assessment) -> str:
    return repr(a.meta.service) + (f" ({a.meta.organisation})" if a.meta.organisation else "")


# ---------------------------------------------------------------- scrutiny

def gating_questions(framework) -> set[str]:
    """Unscored questions that a show_if, an applies_if or a rule's condition reads."""
    read = {leaf.ref for node in framework.conditions() for leaf in cond.leaves(node) if leaf.kind == "q"}
    return {qid for qid in read if not framework.questions[qid].scored}


def scrutiny(framework, qid: str, answer: Answer, meta: dict[str, Any]) -> int:
    """How much stays in play with this answer, knowing only it and the metadata: questions
    whose show_if it does not rule out, plus risk and cap rules whose condition it does not."""
    q = framework.questions[qid]
    known = {qid: (_STATE[answer.state], engine_value(q, answer.value, meta.get("date")))}
    facts = cond.Facts(known, {k: str(meta.get(k)) for k in ("scope", "phase", "kind")})
    derived: dict[str, Optional[bool]] = {}
    for name in framework.fact_order:
        derived[name] = _either([_maybe(framework.rule_conditions[r], facts, derived) for r in framework.derived[name]])
    shown = sum(1 for other, node in framework.visibility.items()
                if other != qid and node is not None and _maybe(node, facts, derived) is not False)
    rules = sum(1 for rule in framework.rules
                if (rule.caps or (rule.finding is not None and rule.finding.kind == "risk"))
                and _maybe(framework.rule_conditions[rule.id], facts, derived) is not False)
    return shown + rules


def _scrutiny_of(framework, qid: str, meta: dict[str, Any]):
    return lambda answer: scrutiny(framework, qid, answer, meta)


def _maybe(node, facts: cond.Facts, derived: dict[str, Optional[bool]]) -> Optional[bool]:
    """Three-valued: True or False when the known answer and metadata decide it, else None."""
    if isinstance(node, cond.Leaf):
        if node.kind == "fact":
            value = derived.get(node.ref)
            return None if value is None else value != node.negated
        if node.kind == "q" and node.ref not in facts.answers:
            return None
        return cond.evaluate(node, facts)
    if isinstance(node, cond.Not):
        inner = _maybe(node.item, facts, derived)
        return None if inner is None else not inner
    values = [_maybe(item, facts, derived) for item in node.items]
    if isinstance(node, cond.All):
        return False if False in values else True if all(v is True for v in values) else None
    return _either(values)


def _either(values: list[Optional[bool]]) -> Optional[bool]:
    return True if True in values else False if all(v is False for v in values) else None


# ---------------------------------------------------------------- the rules

def _take(q: Question, given: list[Answer], top: int, scrutiny_of=None) -> tuple[Answer, Optional[float]]:
    """The answer taken and the spread in levels; `scrutiny_of` breaks ties on gating questions."""
    na = [a for a in given if a.state == NOT_APPLICABLE]
    answered = [a for a in given if a.state == ANSWERED]
    levels = [lv for lv in (_level(q, a, top) for a in answered) if lv is not None]
    spread = round(max(levels) - min(levels), 4) if levels else None
    if len(na) > len(answered):
        return min(na, key=lambda a: a.na_reason), spread
    values = [a.value for a in answered]
    if q.type in ("single", "yesno") and not q.scored:
        tied = _most_common_all(values)
    elif q.type in ("single", "yesno", "scale") and q.scored:
        ranks = [_rank(q, v) for v in values]
        middle = sorted(ranks)[(len(ranks) - 1) // 2]        # lower median
        tied = _most_common_all([v for v, r in zip(values, ranks) if r == middle])
    elif q.type == "multi":
        tied = _majority_options(q, values, gating=scrutiny_of is not None)
    elif q.type in ("number", "scale"):
        ordered = sorted(values)
        tied = list(dict.fromkeys([ordered[(len(ordered) - 1) // 2], ordered[len(ordered) // 2]]))
        if scrutiny_of is None:
            tied = tied[:1]                                   # the lower middle value
    else:
        tied = _most_common_all(values)
    return Answer(ANSWERED, _break_tie(q, tied, answered, scrutiny_of)), spread


def _majority_options(q: Question, values: list[list[str]], gating: bool) -> list[list[str]]:
    """Options chosen by more than half; for a gating question an option at exactly half is a
    tie, so each way of taking or leaving those options is a candidate (at most 64)."""
    counts = Counter(o for v in values for o in v)
    sure = {o.id for o in q.options if counts[o.id] * 2 > len(values)}
    half = [o.id for o in q.options if counts[o.id] * 2 == len(values)][:6] if gating else []
    candidates = []
    for keep in range(2 ** len(half)):
        chosen = sure | {h for j, h in enumerate(half) if keep >> j & 1}
        candidates.append([o.id for o in q.options if o.id in chosen])
    return candidates


def _break_tie(q: Question, tied: list[Any], answered: list[Answer], scrutiny_of) -> Any:
    if len(tied) == 1:
        return tied[0]
    if scrutiny_of is not None:
        scores = {_key(v): scrutiny_of(Answer(ANSWERED, v)) for v in tied}
        best = max(scores.values())
        tied = [v for v in tied if scores[_key(v)] == best]
    return min(tied, key=lambda v: _tie_order(q, v, answered))


def _tie_order(q: Question, value: Any, answered: list[Answer]) -> Any:
    """The fixed fallback: questionnaire order of options, the lower number or earlier date,
    and for text the answer of the first respondent in alphabetical order."""
    if q.type in ("single", "yesno"):
        ids = [o.id for o in q.options] if q.type == "single" else ["yes", "no"]
        return ids.index(value)
    if q.type == "multi":
        return (len(value), [o.id for o in q.options if o.id in value])
    if q.type in ("number", "scale", "date"):
        return value
    return next(i for i, a in enumerate(answered) if _key(a.value) == _key(value))


def _rank(q: Question, value: Any) -> float:
    """Order of cautiousness for a scored answer: the level it carries."""
    if q.type == "scale":
        return value
    if q.type == "yesno":
        return q.levels.get(value, 0)
    option = q.option(value)
    return option.level if option.level is not None else 0


def _level(q: Question, answer: Answer, top: int) -> Optional[float]:
    if answer.state != ANSWERED or not q.scored:
        return None
    return answer_level(q, answer, top)


def _most_common_all(values: list[Any]) -> list[Any]:
    """Every value given most often, in the order first given."""
    counts = Counter(_key(v) for v in values)
    best = max(counts.values())
    return list({_key(v): v for v in values if counts[_key(v)] == best}.values())


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _same(a: Answer, b: Answer) -> bool:
    return a.state == b.state and _key(a.value) == _key(b.value)


# ---------------------------------------------------------------- describing the outcome

def _question_merge(q: Question, given: list[tuple[str, Answer]], taken: Answer, spread: Optional[float],
                    top: int, gating: bool) -> QuestionMerge:
    responses = [Response(respondent=name, label=answer_label(q, ans), level=_level(q, ans, top)) for name, ans in given]
    agreement = round(sum(1 for _, ans in given if _same(ans, taken)) / len(given), 4)
    na = sum(1 for _, ans in given if ans.state == NOT_APPLICABLE)
    answered = len(given) - na
    if taken.state == NOT_APPLICABLE:
        rule = "more marked n/a than answered"
    else:
        rule = (UNSCORED_RULES.get(q.type, RULES[q.type]) if not q.scored else RULES[q.type]) + (SCRUTINY_TIES if gating else "")
    merge = QuestionMerge(question=q.id, text=q.text, rule=rule, label=answer_label(q, taken), responses=responses,
                          agreement=agreement, spread=spread, not_applicable=na, gating=gating, discuss=False)
    if spread is not None and spread >= DISCUSS_SPREAD:
        reason = f"answers spread {_num(spread)} levels"
    elif na and answered:
        reason = f"{na} of {len(given)} marked it n/a, the others answered it"
    elif gating and agreement < 1:
        reason = "answers differ on a question that decides which questions and rules apply"
    else:
        reason = ""
    return merge.model_copy(update={"discuss": bool(reason), "discuss_reason": reason})


def _spread_text(merge: QuestionMerge) -> str:
    answered = len(merge.responses) - merge.not_applicable
    parts = []
    if merge.not_applicable:
        parts.append(f"{merge.not_applicable} of {len(merge.responses)} marked it n/a")
    if answered > 1 and merge.spread is not None:
        parts.append(f"{'the answers are ' if parts else ''}{_num(merge.spread)} level{'' if merge.spread == 1 else 's'}"
                     f"{' apart' if parts else ''}")
    elif answered > 1:
        parts.append("the answers differ" if parts else "answers differ")
    return ", ".join(parts)


def _credited(items) -> list[str]:
    """Each distinct text once, after everyone who gave it: "Ana, Ben: Board minutes"."""
    by_text: dict[str, list[str]] = {}
    for name, text in items:
        who = by_text.setdefault(text.strip(), [])
        if name not in who:
            who.append(name)
    return [f"{', '.join(who)}: {text}" for text, who in by_text.items()]


def _who(merge: QuestionMerge) -> str:
    return "; ".join(f"{r.respondent}: {r.label}" for r in merge.responses)


def _num(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:g}"


# ---------------------------------------------------------------- metadata

def _meta(assessments: list[Assessment], names: list[str]) -> dict[str, Any]:
    first = assessments[0].meta
    dates = [a.meta.date for a in assessments if a.meta.date]
    respondent = CONSENSUS_PREFIX + ", ".join(names)

    def common(field: str) -> Any:
        return _most_common_all([getattr(a.meta, field) for a in assessments])[0]   # ties: first alphabetically
    return {"framework": first.framework, "framework_version": first.framework_version or assessments[0].framework.version,
            "service": common("service"), "organisation": common("organisation"),
            "scope": common("scope"), "phase": common("phase"),
            "respondent": respondent if len(respondent) <= META_TEXT_CHARS else respondent[:META_TEXT_CHARS - 3] + "...",
            "kind": common("kind"), "date": max(dates) if dates else None}


def _warnings(assessments: list[Assessment]) -> list[str]:
    out = []
    for field in ("service", "organisation", "scope", "phase"):
        seen = list(dict.fromkeys(str(getattr(a.meta, field)) for a in assessments))
        if len(seen) > 1:
            out.append(f"the files give different {field}s ({', '.join(seen)}); the consensus uses the most common "
                       "(ties: the first respondent alphabetically)")
    # a consensus is the team's answers; a panel's decisions, an action record or a reassessment
    # belongs to one assessment, so it is left out and the person merging is told where it stays
    for block, present in (("decisions", lambda a: a.decisions is not None), ("actions", lambda a: bool(a.actions)),
                           ("reassessment", lambda a: a.reassessment is not None)):
        holders = [a.source for a in assessments if present(a)]
        if holders:
            out.append(f"the {block}: block of {', '.join(holders)} is not carried into the consensus; it stays in "
                       f"{'that file' if len(holders) == 1 else 'those files'}")
    return out
