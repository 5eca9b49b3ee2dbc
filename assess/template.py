"""`assess init`: a commented answers template that is valid as written."""
from __future__ import annotations

import datetime as dt
import textwrap

from .conditions import plain_number
from .describe import describe
from .storage import answers_yaml


HELP_WIDTH = 84     # help text wrapped to this many characters per comment line


def question_comment(fw, qid: str) -> str:
    q = fw.questions[qid]
    na = "n/a allowed with a reason" if q.allow_na else "n/a not allowed"
    parts = [f"{q.text} [{q.type}{'' if q.required else ', optional'}, {na}]"]
    if q.type == "yesno":
        parts.append("answer yes or no")
    if q.type in ("scale", "number") and (q.min is not None or q.max is not None):
        parts.append(f"from {plain_number(q.min)} to {plain_number(q.max)}" if q.min is not None and q.max is not None else "a number")
    if q.type == "date":
        parts.append("YYYY-MM-DD")
    if fw.visibility.get(qid) is not None:
        parts.append(f"asked only when {describe(fw.visibility[qid], fw)}")
    # the question and its kind on the first line, its help wrapped below, then each option on a line
    lines = [" | ".join(parts)]
    lines += textwrap.wrap(" ".join(q.help.split()), HELP_WIDTH) if q.help else []
    if q.options:
        lines.append("options:")
        lines += [f"- {o.id} = {o.label}" for o in q.options]
    return "\n".join(lines)


def askable(fw, meta: dict) -> list[str]:
    """The questions an assessment with this scope, phase and kind can be asked: one whose
    show_if can never hold for them is left out (a search too large to finish keeps it)."""
    from .satisfiable import Solver, TooLarge
    solver = Solver(fw, strict=False)
    fixed = {key: meta[key] for key in ("scope", "phase", "kind")}
    kept = []
    for qid in fw.questions:
        node = fw.visibility.get(qid)
        try:
            shown = node is None or solver.can_hold(node, fixed)
        except TooLarge:
            shown = True
        if shown:
            kept.append(qid)
    return kept


def answers_template(fw, today: dt.date | None = None, scope: str = "part", phase: str = "live") -> str:
    meta = {"framework": fw.id, "framework_version": fw.version, "service": "Untitled service", "organisation": "",
            "scope": scope, "phase": phase, "respondent": "", "kind": "self", "date": today or dt.date.today()}
    order = askable(fw, meta)
    comments = {qid: question_comment(fw, qid) for qid in order}
    never = len(fw.questions) - len(order)
    header = (f"Answers for {fw.info.title} {fw.version}.\n"
              "Fill in each answer after its colon; leave it empty if not yet known.\n"
              "Mark a question not applicable, where allowed, as `id: {n/a: reason}`.\n"
              "Add evidence: and notes: sections keyed by question id.")
    if never:
        header += (f"\n{never} question{'s' if never != 1 else ''} that a {scope}-scope {phase} self-assessment "
                   f"is never asked {'are' if never != 1 else 'is'} left out;\n"
                   "give another --scope or --phase to `assess init` to see them.")
    return answers_yaml(meta, {}, {}, {}, order, comments, header)
