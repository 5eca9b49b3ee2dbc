"""The "Since last time" section: a Comparison arranged the way the report reads it.

Built from the Comparison alone (assess/compare.py does the work); this only picks what each
part of the section shows and words the level changes the same way in HTML and Markdown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..compare import AnswerChange, Comparison, FindingChange, LevelChange
from .filters import long_date


@dataclass
class SinceView:
    comparison: Comparison
    earlier: str                         # "the self-assessment of 1 May 2026"
    lenses: list[LevelChange]
    principles: list[LevelChange]        # every principle, in framework order
    explained: list[LevelChange]         # those whose level, caps or answers changed
    notes: list[str]                     # what the reader should know before trusting the comparison
    new: list[FindingChange]
    resolved: list[FindingChange]
    persisting: list[FindingChange]
    answers: list[AnswerChange]


def since_view(comparison: Optional[Comparison]) -> Optional[SinceView]:
    if comparison is None:
        return None
    c = comparison
    explained = [lc for lc in c.principles if lc.movement != "same" or lc.caps_lifted or lc.caps_added or lc.drivers]
    return SinceView(comparison=c, earlier=earlier_name(c), lenses=c.lenses, principles=c.principles,
                     explained=explained, notes=report_notes(c), new=c.findings_with("new"), resolved=c.findings_with("resolved"),
                     persisting=c.findings_with("persisting"), answers=c.answers_changed)


# The comparison's warnings are worded for `assess compare OLD NEW`; in a report the earlier
# assessment is the file given with --previous.
_REPORT_WORDING = {"check the order of OLD and NEW": "check that --previous names the earlier assessment"}


def report_notes(c: Comparison) -> list[str]:
    notes = []
    for warning in c.warnings:
        for compare_words, report_words in _REPORT_WORDING.items():
            warning = warning.replace(compare_words, report_words)
        notes.append(warning)
    return notes


def earlier_name(c: Comparison) -> str:
    kind = {"self": "self-assessment", "assessor": "independent assessment"}.get(c.old.kind, "assessment")
    return f"the {kind} of {long_date(c.old.date)}" if c.old.date else f"the earlier {kind} (undated)"


def change_text(lc: LevelChange) -> str:
    """`1 → 2 (+1)`, `2 (no change)`, `– → 2 (now scored)`."""
    def level(value: Optional[int]) -> str:
        return "–" if value is None else str(value)
    if lc.movement == "same":
        return f"{level(lc.new_level)} (no change)"
    if lc.movement == "new":
        return f"– → {level(lc.new_level)} (now scored)"
    if lc.movement == "gone":
        return f"{level(lc.old_level)} → – (no longer scored)"
    return f"{level(lc.old_level)} → {level(lc.new_level)} ({lc.delta:+d})"


def delta_text(lc: LevelChange) -> str:
    """The change alone, for a table that shows both levels: `up 1`, `no change`, `now scored`."""
    if lc.movement in ("up", "down"):
        return f"{lc.movement} {abs(lc.delta)}"
    return {"same": "no change", "new": "now scored", "gone": "no longer scored"}[lc.movement]


def driver_label(change: AnswerChange) -> str:
    """What changed: a question's text, an assessment field, or a fact the rules derived."""
    if change.ref.startswith("fact."):
        return f"Derived fact “{change.text}”"
    if change.ref.startswith("meta."):
        return change.text
    return change.text


def movement_word(lc: LevelChange) -> str:
    """A fixed word per movement: safe as a CSS class, readable as text."""
    return {"up": "up", "down": "down", "same": "same", "new": "up", "gone": "down"}[lc.movement]
