"""One CSV row per finding, for spreadsheets and trackers.

`caps` lists only the caps a finding's rule sets that hold a level down; `principle_level` is
the level of the finding's principle in words ("Level 1 · Ad hoc (set by a rule, ...)").
`principle_rating` is the rating to publish: the panel's decision where one is recorded
(`rating_source` says decision or proposal); `engine_proposed` and `decision_reason` are
filled where a decision differs from the engine's proposal. `action_id`, `due` and
`action_status` are the actions tracker's for a finding it tracks (high or medium risks), and
`owner` is then the tracker's too.

A cell of text that starts with =, +, - or @ (or a tab or carriage return) would run as a
formula in a spreadsheet; such cells get a leading single quote so they read as text. A number
the project computed (a fall of one level, -1) is written as it is, so it stays a number.
"""
from __future__ import annotations

import csv as stdlib_csv
import io
import math

from ..decisions import decided_rating, proposal_note
from ..models import Result
from .actions import action_plan, with_tracking
from .filters import binding_caps, level_text

COLUMNS = ("rule", "principle", "principle_title", "kind", "severity", "title", "rationale", "recommendation",
           "owner", "caps", "because", "principle_level", "principle_rating", "rating_source", "engine_proposed",
           "decision_reason", "action_id", "due", "action_status")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    if type(value) in (int, float) and math.isfinite(value):   # not bool, nor text that looks like a number
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def render_csv(result: Result, tracked=None) -> str:
    principles = {p.id: p for p in result.principles}
    actions = {a.finding.rule: a for a in with_tracking(action_plan(result), tracked)}
    buffer = io.StringIO()
    writer = stdlib_csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in result.findings:
        caps = "; ".join(f"{p.id} <= {c.max_level}" for p in result.principles for c in binding_caps(p) if c.rule == f.rule)
        because = "; ".join(f"{b.ref} = {b.label}" for b in f.because)
        p = principles.get(f.principle)
        level = level_text(p.level, p.level_name, p.status) if p is not None else ""
        rating = decided_rating(result, p.id) if p is not None else None
        decision = (rating.rag_label or "", rating.source, proposal_note(result, rating).removeprefix("engine proposed "),
                    rating.reason if rating.differs else "") if rating is not None else ("", "", "", "")
        action = actions.get(f.rule)
        t = action.tracked if action is not None else None
        row = (f.rule, f.principle, p.title if p is not None else f.principle, f.kind, f.severity, f.title, f.rationale,
               f.recommendation, action.owner if action is not None else f.owner, caps, because, level, *decision,
               t.id if t else "", t.due.isoformat() if t and t.due else "", t.status if t else "")
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def render(result: Result, template_dirs=None, framework_root=None, framework=None, comparison=None, plan=None,
           warn=None, tracked=None) -> bytes:
    """One row per finding of this assessment: an earlier one and a plan do not change it."""
    return render_csv(result, tracked).encode("utf-8")
