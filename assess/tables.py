"""The terminal view of a Result (rich tables): every finding, or a short summary of it.

Text from answers files and frameworks is printed only after `clean`, so an escape sequence
or a bell in a service name, a note or a rule title cannot move the cursor, recolour or
retitle the user's terminal.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # type hints only: the command line imports this module at start-up
    from .models import Result

RAG_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red", None: "dim"}
SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "green"}

# CSI and OSC sequences (7-bit and 8-bit introducers), then any other escape with the character after it
_ESCAPE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b.?")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAK = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def clean(text: object, lines: bool = False) -> str:
    """`text` without terminal control: escape sequences and control characters removed;
    tabs and line breaks become spaces unless `lines` keeps line breaks."""
    out = _ESCAPE.sub("", str(text))
    if lines:   # _CONTROL spares tab and newline
        return _CONTROL.sub("", out.replace("\r\n", "\n").replace("\t", " "))
    return _CONTROL.sub("", _BREAK.sub(" ", out))


def print_result(result: Result, console=None) -> None:
    """Everything: principles, lenses and every finding (`assess evaluate`)."""
    console = _console(console)
    _print_levels(result, console)
    risks, strengths = _split(result)
    if risks:
        console.print(_findings_table(risks, f"Findings ({len(risks)})"))
    if strengths:
        from rich.text import Text
        console.print(Text(f"Strengths ({len(strengths)}):", style="bold green"))
        for f in strengths:
            console.print(Text(f"  + {clean(f.title)}"))
    _print_confidence(result, console)


def print_summary(result: Result, console=None, top: int = 5, full_list: str = "`assess evaluate`") -> None:
    """The end of a guided run: levels, the `top` most severe risks, a count of the rest and of
    the strengths, and where to see them all (`full_list`)."""
    from rich.text import Text
    console = _console(console)
    _print_levels(result, console)
    risks, strengths = _split(result)   # findings come sorted by severity, then id
    if risks:
        shown = risks[:top]
        title = f"Top {len(shown)} of {len(risks)} findings" if len(risks) > len(shown) else f"Findings ({len(risks)})"
        console.print(_findings_table(shown, title))
    rest = [f"{len(risks) - top} more finding(s)"] if len(risks) > top else []
    if strengths:
        rest.append(f"{len(strengths)} strength(s)")
    if not risks and not strengths:
        console.print(Text("No findings.", style="dim"))
    if rest:
        console.print(Text(f"{' and '.join(rest)}: see {clean(full_list)}.", style="bold"))
    _print_confidence(result, console)


def _console(console):
    from rich.console import Console
    return console or Console()


def _split(result: Result) -> tuple[list, list]:
    return ([f for f in result.findings if f.kind == "risk"], [f for f in result.findings if f.kind == "strength"])


def _print_levels(result: Result, console) -> None:
    from rich.table import Table
    from rich.text import Text

    meta = result.assessment
    labels = result.rag_labels
    console.print(Text(clean(f"{meta['service']} — {result.framework['title']} {result.framework['version']}"),
                       style="bold"))
    console.print(Text(clean(f"scope {meta['scope']}, phase {meta['phase']}, {meta['kind']} assessment"
                             + (f" by {meta['respondent']}" if meta['respondent'] else "")
                             + (f" on {meta['date']}" if meta['date'] else ""))))
    from .decisions import decided_overall, decided_rating, decision_sentence, has_decisions, proposal_note
    decided = has_decisions(result)
    overall = decided_overall(result)
    console.print(Text.assemble("Overall: ", (f"{overall.level or '–'} {clean(overall.level_name or ('' if overall.decided else 'not enough evidence'))}",
                                              RAG_STYLE[overall.rag]),
                                f"  ({clean(overall.rag_label or 'no rating')})",
                                f"  {'decided by ' + clean(overall.decided_by) if overall.decided else ''}"))
    if overall.differs:
        console.print(Text(clean(decision_sentence(result, overall))))
    if result.reassessment is not None:
        r = result.reassessment
        console.print(Text(clean(f"Reassessment of {r.of}" + (f" ({r.date})" if r.date else "")
                                 + f": re-decided {', '.join(r.redecided) or 'nothing yet'}; {len(r.carried)} carried"), style="bold"))
    table = Table(title="Principles", show_lines=False)
    columns = ("Lens", "Principle", "Level", "RAG") + (("Engine proposed",) if decided else ()) + ("Caps",)
    for col in columns:
        table.add_column(col)
    for p in result.principles:
        if not p.applicable:
            continue
        rating = decided_rating(result, p.id)
        level = (f"{rating.level} {clean(rating.level_name)}" + (" (gate: too few answers to score)" if p.status == "gated" and not rating.decided else "")
                 if rating.level else "not enough evidence" if p.status == "not-enough-evidence" and not rating.decided else "–")
        rag = clean(rating.rag_label) if rating.rag else "–"
        extra = ()
        if decided:
            proposed = clean(proposal_note(result, rating).removeprefix("engine proposed "))
            extra = (proposed or ("same" if rating.decided else "no decision") + (" (carried)" if rating.carried else ""),)
        # every cell a Text: rich would read brackets in a framework's words as markup
        table.add_row(Text(clean(p.lens)), Text(clean(p.title)), Text(level), Text(rag, style=RAG_STYLE[rating.rag]),
                      *map(Text, extra),
                      Text(", ".join(f"{clean(c.rule)} (≤{c.max_level}{'' if c.binding else ', not binding'})" for c in p.caps)))
    console.print(table)
    for lens in result.lenses:
        if lens.applicable:
            console.print(Text.assemble(f"{clean(lens.title)}: ",
                                        (f"{lens.level or '–'} {clean(lens.level_name or '')}", RAG_STYLE[lens.rag])))


def _findings_table(findings: list, title: str):
    from rich.table import Table
    from rich.text import Text
    table = Table(title=title)
    for col in ("Severity", "Finding", "Rule"):
        table.add_column(col)
    for f in findings:
        table.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), Text(clean(f.title)), Text(clean(f.rule)))
    return table


def _print_confidence(result: Result, console) -> None:
    from rich.text import Text
    c = result.confidence
    console.print(Text(f"Confidence: {c.answered_share:.0%} of {c.applicable_questions} applicable questions answered, "
                       f"{c.evidenced_share:.0%} of scored answers evidenced", style="dim"))


def clip(text: str, width: int = 60) -> str:
    """One line of at most `width` characters, cleaned, cut with an ellipsis."""
    line = " ".join(clean(text).split())
    return line if len(line) <= width else line[:width - 1] + "…"
