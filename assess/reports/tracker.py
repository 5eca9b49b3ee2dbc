"""Tracked actions for people and for trackers: a terminal table, a plain CSV, a CSV that
Jira's importer accepts, and GitHub issues JSON. docs/actions.md documents the columns.

Every item carries the action's key (service slug / action id), so a re-export names the same
actions the same way and a tracker can tell an action it already has. Every CSV cell goes
through the same formula-injection guard as the findings CSV.
"""
from __future__ import annotations

import csv as stdlib_csv
import datetime as dt
import io
import json

from ..actions import TrackedAction
from .csv import neutralise

PLAIN_COLUMNS = ("key", "id", "service", "organisation", "assessment_date", "principle", "principle_title", "urgency",
                 "title", "recommendation", "owner", "owner_suggested", "due", "status", "reason", "overdue", "source")
JIRA_COLUMNS = ("Summary", "Description", "Issue Type", "Priority", "Due Date", "Labels", "Labels", "Owner",
                "External ID", "Status")
JIRA_PRIORITY = {"red": "High", "amber": "Medium"}
JIRA_STATUS = {"open": "To Do", "done": "Done", "dropped": "Won't Do"}
LABEL = "assess-action"


def _state(a: TrackedAction, as_of: dt.date) -> str:
    return "overdue" if a.overdue(as_of) else a.status


def _csv(header: tuple, rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = stdlib_csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def plain_csv(actions: list[TrackedAction], as_of: dt.date) -> str:
    return _csv(PLAIN_COLUMNS, [(a.key, a.id, a.service, a.organisation, _iso(a.assessed_on), a.principle,
                                 a.principle_title, a.urgency, a.title, a.recommendation, a.owner,
                                 "yes" if a.owner_suggested else "no", _iso(a.due), a.status, a.reason,
                                 "yes" if a.overdue(as_of) else "no", a.source) for a in actions])


def jira_csv(actions: list[TrackedAction], as_of: dt.date) -> str:
    """One issue per row; "Labels" repeats, as Jira's importer takes one label per column."""
    rows = [(f"{a.title} [{a.key}]", description(a), "Task", JIRA_PRIORITY[a.urgency], _iso(a.due), LABEL,
             slug_label(a.service), a.owner, a.key, JIRA_STATUS[a.status]) for a in actions]
    return _csv(JIRA_COLUMNS, rows)


def github_issues(actions: list[TrackedAction], as_of: dt.date) -> str:
    """A JSON list of {title, body, labels}: each object is a body for POST /repos/{owner}/{repo}/issues."""
    items = [{"title": f"{a.title} [{a.key}]",
              "body": description(a) + f"\n\n<!-- assess-action: {a.key} -->",
              "labels": [LABEL, f"urgency:{a.urgency}"] + (["overdue"] if a.overdue(as_of) else [])}
             for a in actions]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def description(a: TrackedAction) -> str:
    owner = a.owner + (" (suggested from the principle's lens)" if a.owner_suggested else "")
    lines = [a.recommendation, "",
             f"Service: {a.service}" + (f" ({a.organisation})" if a.organisation else ""),
             f"Principle: {a.principle_title}",
             f"Owner: {owner}",
             f"Due: {_iso(a.due) or 'no date (the assessment is undated)'}",
             f"Status: {a.status}" + (f" ({a.reason})" if a.reason else ""),
             f"Assessment: {a.source}, {_iso(a.assessed_on) or 'undated'}",
             f"Action id: {a.key}"]
    return "\n".join(lines)


def slug_label(service: str) -> str:
    from ..actions import slug
    return "service-" + slug(service)[:40]


def table(actions: list[TrackedAction], as_of: dt.date) -> str:
    """A fixed-width listing for the terminal, overdue ones marked."""
    if not actions:
        return "No actions to list.\n"
    header = ("Due", "State", "Owner", "Action", "Key")
    rows = [(_iso(a.due) or "-", _state(a, as_of).upper() if a.overdue(as_of) else _state(a, as_of),
             _cut(a.owner + ("*" if a.owner_suggested else ""), 24), _cut(a.title, 60), a.key) for a in actions]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in [header] + rows]
    overdue = sum(a.overdue(as_of) for a in actions)
    lines.append("")
    lines.append(f"{len(actions)} action{'s' if len(actions) != 1 else ''}, {overdue} overdue on {as_of.isoformat()}."
                 + (" * owner suggested from the principle's lens." if any(a.owner_suggested for a in actions) else ""))
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _iso(day) -> str:
    return day.isoformat() if day else ""


EXPORTS = {"table": table, "csv": plain_csv, "jira": jira_csv, "github": github_issues}
