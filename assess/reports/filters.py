"""Small text formatters shared by the templates and the Markdown and CSV writers."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

SEVERITY_LABEL = {"high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
SCOPE_LABEL = {"whole": "Whole service, across organisations", "part": "Part of a service, in one organisation"}
KIND_LABEL = {"self": "Self-assessment", "assessor": "Independent assessment"}
STATE_LABEL = {"answered": "Answered", "not-applicable": "Not applicable", "unanswered": "Not answered"}


def pct(share: Optional[float]) -> str:
    return "–" if share is None else f"{round(share * 100):d}%"


def num(value: Optional[float]) -> str:
    """2 -> "2", 2.8 -> "2.8", 2.8333 -> "2.83"."""
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def long_date(value: Any) -> str:
    if not value:
        return "not recorded"
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


# A status other than plainly scored, in words a board member reads without a glossary.
STATUS_NOTE = {"gated": "set by a rule, too few answers to score"}


def status_note(status: str) -> str:
    return STATUS_NOTE.get(status, "")


def level_text(level: Optional[int], name: Optional[str], status: str = "scored") -> str:
    if level is None:
        return "Not applicable" if status == "not-applicable" else "Not enough evidence"
    text = f"Level {level} · {name}" if name else f"Level {level}"
    return f"{text} ({status_note(status)})" if status_note(status) else text


def binding_caps(p) -> list:
    """The caps that hold this principle's level down. A cap the answers already sit below holds
    nothing, and a principle with no level has nothing held."""
    return [c for c in p.caps if c.binding] if p.level is not None else []


def quiet_caps(p) -> list:
    """The other caps: set by a rule, but not what decides the level."""
    held = binding_caps(p)
    return [c for c in p.caps if c not in held]


def rag_class(rag: Optional[str]) -> str:
    """A CSS class from a fixed list: the only kind of value that goes into an attribute."""
    return {"green": "rag-green", "amber": "rag-amber", "red": "rag-red"}.get(rag or "", "rag-none")


def severity_class(severity: str) -> str:
    return {"high": "sev-high", "medium": "sev-medium", "low": "sev-low"}.get(severity, "sev-info")


FILTERS = {"pct": pct, "num": num, "long_date": long_date, "rag_class": rag_class, "severity_class": severity_class,
           "severity_label": SEVERITY_LABEL.get, "state_label": STATE_LABEL.get}
