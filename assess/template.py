"""`assess init`: a commented answers template that is valid as written."""
from __future__ import annotations

import datetime as dt

from .conditions import plain_number
from .describe import describe
from .storage import answers_yaml


def question_comment(fw, qid: str) -> str:
    q = fw.questions[qid]
    parts = [f"{q.text} [{q.type}{'' if q.required else ', optional'}{', n/a allowed with a reason' if q.allow_na else ''}]"]
    if q.options:
        parts.append("options:" + "".join(f"\n- {o.id} = {o.label}" for o in q.options))
    if q.type == "yesno":
        parts.append("answer yes or no")
    if q.type in ("scale", "number") and (q.min is not None or q.max is not None):
        parts.append(f"from {plain_number(q.min)} to {plain_number(q.max)}" if q.min is not None and q.max is not None else "a number")
    if q.type == "date":
        parts.append("YYYY-MM-DD")
    if fw.visibility.get(qid) is not None:
        parts.append(f"asked only when {describe(fw.visibility[qid], fw)}")
    # the question and its kind on the first line, each option on a line of its own
    return " | ".join(p for p in parts if not p.startswith("options:")) + "".join(f"\n{p}" for p in parts if p.startswith("options:"))


def answers_template(fw, today: dt.date | None = None, scope: str = "part", phase: str = "live") -> str:
    meta = {"framework": fw.id, "framework_version": fw.version, "service": "Untitled service", "organisation": "",
            "scope": scope, "phase": phase, "respondent": "", "kind": "self", "date": today or dt.date.today()}
    comments = {qid: question_comment(fw, qid) for qid in fw.questions}
    header = (f"Answers for {fw.info.title} {fw.version}.\n"
              "Fill in each answer after its colon; leave it empty if not yet known.\n"
              "Mark a question not applicable, where allowed, as `id: {n/a: reason}`.\n"
              "Add evidence: and notes: sections keyed by question id.")
    return answers_yaml(meta, {}, {}, {}, fw.questions, comments, header)
