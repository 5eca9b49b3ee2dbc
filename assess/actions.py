"""Tracked actions: what an amber or red point, or a finding above low, asks someone to do.

Each action has a stable id made from what it is about, so it keeps its id across
reassessments of the same service: `principle:<principle id>` for a point rated amber or red,
`finding:<rule id>` for a risk finding of high or medium severity. The answers file may
record, under `actions:`, an owner, a due date and a status (open, done, or dropped with a
reason) for any of these ids; what is not recorded is filled in: the owner from the finding
or the principle's lens, the due date from the framework's `actions` setting counted from the
assessment's own date.

`point_rating` is the one place that reads the rating of a point, and `overall_rating` the
overall one; the actions and the board pack take ratings only from them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from .errors import Diagnostic
from .models import SEVERITY_ORDER, Finding, PrincipleResult, Result

if TYPE_CHECKING:
    from .answers import Assessment
    from .frameworks import Framework
    from .yamlio import Document

STATUSES = ("open", "done", "dropped")
FIELDS = ("owner", "due", "status", "reason")
TRACKED_SEVERITIES = ("high", "medium")        # "above low"
SEVERITY_URGENCY = {"high": "red", "medium": "amber"}   # a finding is due as soon as a point of that rating
URGENCY_ORDER = {"red": 0, "amber": 1}
MAX_FIELD = 300


def point_rating(result: Result, p: PrincipleResult) -> Optional[str]:
    """The rating of one point: the panel's decision where one is recorded, else the engine's
    proposal; green, amber, red, or None when it has none."""
    from .decisions import decided_rating
    return decided_rating(result, p.id).rag


def overall_rating(result: Result) -> Optional[str]:
    """The overall rating, read in one place like the points'."""
    from .decisions import decided_overall
    return decided_overall(result).rag


# ---------------------------------------------------------------- what the answers file records

@dataclass(frozen=True)
class Recorded:
    """What the answers file says about one action; empty fields are filled in when tracked."""
    owner: str = ""
    due: Optional[dt.date] = None
    status: str = "open"
    reason: str = ""


def action_ids(framework: "Framework") -> set[str]:
    """Every id an action of this framework can have."""
    ids = {f"principle:{p.id}" for p in framework.principles}
    ids |= {f"finding:{r.id}" for r in framework.rules
            if r.finding is not None and r.finding.kind == "risk" and r.finding.severity in TRACKED_SEVERITIES}
    return ids


def check_actions_block(doc: "Document", framework: "Framework") -> tuple[dict[str, Recorded], list[Diagnostic]]:
    """The `actions:` block checked against the framework, with every problem and its line."""
    from .answers import shown, text_problem
    from . import conditions as cond
    raw = doc.data.get("actions")
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, []       # the shape check has said so already
    known = action_ids(framework)
    out: dict[str, Recorded] = {}
    problems: list[Diagnostic] = []
    for aid, entry in raw.items():
        path = ("actions", aid)
        if aid not in known:
            hint = cond.suggest(str(aid), sorted(known))
            problems.append(doc.diag(path, f"unknown action {shown(aid)}; an id is principle:<principle id> or "
                                           f"finding:<rule id> of a high or medium finding{hint}"))
            continue
        if not isinstance(entry, dict):
            problems.append(doc.diag(path, "must be a mapping with owner, due, status and reason"))
            continue
        before = len(problems)
        for name in entry:
            if name not in FIELDS:
                problems.append(doc.diag(path + (name,), f"unknown field {shown(name)}; expected one of: {', '.join(FIELDS)}"))
        texts = {}
        for name in ("owner", "reason"):
            value = entry.get(name)
            if value is None:
                texts[name] = ""
            elif not isinstance(value, str):
                problems.append(doc.diag(path + (name,), "must be text"))
            elif len(value) > MAX_FIELD:
                problems.append(doc.diag(path + (name,), f"is {len(value):,} characters; the limit is {MAX_FIELD}"))
            elif (problem := text_problem(value, single_line=True)) is not None:
                problems.append(doc.diag(path + (name,), problem))
            else:
                texts[name] = value.strip()
        status = entry.get("status", "open")
        if status not in STATUSES:
            problems.append(doc.diag(path + ("status",), f"{shown(status)} is not a status; expected one of: {', '.join(STATUSES)}"))
        elif status == "dropped" and not texts.get("reason"):
            problems.append(doc.diag(path + ("reason",) if "reason" in entry else path + ("status",),
                                     "a dropped action needs a reason, e.g. `reason: The pathway no longer crosses organisations`"))
        due = _date(entry.get("due"))
        if entry.get("due") is not None and due is None:
            problems.append(doc.diag(path + ("due",), f"{shown(entry.get('due'))} is not a date; write it as YYYY-MM-DD"))
        if len(problems) == before:
            out[aid] = Recorded(owner=texts["owner"], due=due, status=status, reason=texts["reason"])
    return out, problems


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- tracked actions

@dataclass(frozen=True)
class TrackedAction:
    id: str                     # stable within a service: principle:<id> or finding:<rule id>
    service: str
    organisation: str
    assessed_on: Optional[dt.date]
    source: str                 # the answers file
    principle: str
    principle_title: str
    urgency: str                # red or amber: how soon it is due
    title: str
    steps: tuple[str, ...]      # what to do, one step per sentence-long item
    owner: str
    owner_suggested: bool       # True when nobody recorded or named an owner and the lens supplied one
    due: Optional[dt.date]
    status: str
    reason: str

    @property
    def key(self) -> str:
        """The id a tracker sees: the service's slug and the action id, the same on every export."""
        return f"{slug(self.service)}/{self.id}"

    @property
    def recommendation(self) -> str:
        return " ".join(self.steps)

    def overdue(self, as_of: dt.date) -> bool:
        return self.status == "open" and self.due is not None and self.due < as_of


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service"


def tracked_actions(assessment: "Assessment", result: Result) -> list[TrackedAction]:
    """Every action this assessment gives, with what its answers file records, soonest due first."""
    framework = assessment.framework
    settings = framework.info.actions
    assessed_on = assessment.meta.date
    green_from = framework.info.rag.green
    questions = {a.question: a for a in result.answers}
    out = []

    def make(aid: str, p: PrincipleResult, urgency: str, title: str, steps: list[str], named_owner: str) -> TrackedAction:
        rec = assessment.actions.get(aid, Recorded())
        owner = rec.owner or named_owner
        days = settings.red_days if urgency == "red" else settings.amber_days
        due = rec.due or (assessed_on + dt.timedelta(days=days) if assessed_on else None)
        return TrackedAction(id=aid, service=assessment.meta.service, organisation=assessment.meta.organisation,
                             assessed_on=assessed_on, source=assessment.source, principle=p.id, principle_title=p.title,
                             urgency=urgency, title=title, steps=tuple(steps),
                             owner=owner or lens_owner(p), owner_suggested=not owner, due=due,
                             status=rec.status, reason=rec.reason)

    by_id = {p.id: p for p in result.principles}
    for p in result.principles:
        rating = point_rating(result, p)
        if not p.applicable or rating not in ("amber", "red"):
            continue
        risks = [f for f in result.findings if f.principle == p.id and f.kind == "risk"]
        named = next((f.owner for f in risks if f.owner.strip()), "")
        out.append(make(f"principle:{p.id}", p, rating, f"{p.title}: from {rating.capitalize()} to Green",
                        point_steps(p, risks, green_from, questions, framework), named))
    for f in result.findings:
        if f.kind != "risk" or f.severity not in TRACKED_SEVERITIES or f.principle not in by_id:
            continue
        out.append(make(f"finding:{f.rule}", by_id[f.principle], SEVERITY_URGENCY[f.severity], f.title,
                        [f.recommendation.strip()], f.owner.strip()))
    return sorted(out, key=sort_key)


def sort_key(a: TrackedAction) -> tuple:
    return (a.due or dt.date.max, URGENCY_ORDER[a.urgency], a.id.startswith("finding:"), a.principle, a.id)


def point_steps(p: PrincipleResult, risks: list[Finding], green_from: float, questions: dict,
                framework: Optional["Framework"] = None) -> list[str]:
    """What lifts a point: its findings' recommendations, else, for each answer below what is
    expected, the state to reach (the framework's lowest option at the expected level)."""
    if risks:
        return [f.recommendation.strip() for f in sorted(risks, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))]
    below = sorted((c for c in p.contributions if c.level < green_from), key=lambda c: (c.level, c.question))
    if below:
        return [_target(c, framework.questions.get(c.question) if framework else None, green_from) for c in below]
    if p.unanswered:
        return ["Answer the open questions so the point can be rated: " + "; ".join(
            questions[q].text if q in questions else q for q in p.unanswered) + "."]
    return ["Review the answers behind this point with the panel."]


def _target(c, question, green_from: float) -> str:
    """One answer below the expected level as the state to reach, e.g. "Reach: a recurring budget ... (now: ...)"."""
    subject = c.text.rstrip("?").rstrip()
    if question is not None and question.type == "single":
        good = sorted((o for o in question.options if o.level is not None and o.level >= green_from), key=lambda o: o.level)
        if good:
            return f"Reach “{good[0].label}” for: {subject} (now: {c.label})."
    if question is not None and question.type == "yesno" and question.levels.get("yes", 0) >= green_from:
        return f"Make it true: {subject} (now: no)."
    return f"Raise: {subject} (now: {c.label})."


def lens_owner(p: PrincipleResult) -> str:
    """The role named by the principle's lens: `service-owner` -> "Service owner"."""
    return p.lens.replace("-", " ").replace("_", " ").capitalize()


def latest_per_key(actions: list[TrackedAction]) -> list[TrackedAction]:
    """The actions of each service's latest assessment: an earlier assessment's actions are
    replaced by its reassessment's (same id, same key), and what the reassessment no longer
    raises is no longer listed. Ties in date go to the file given later."""
    latest: dict[str, tuple] = {}
    for a in actions:
        when = a.assessed_on or dt.date.min
        if a.service not in latest or when >= latest[a.service][0]:
            latest[a.service] = (when, a.source)
    kept = {a.key: a for a in actions if (a.assessed_on or dt.date.min, a.source) == latest[a.service]}
    return sorted(kept.values(), key=lambda a: (sort_key(a), a.service))
