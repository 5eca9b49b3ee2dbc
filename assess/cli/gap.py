"""`assess gap SELF ASSESSOR`: where a team rates itself above or below its assessor."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, SettingsOption, dirs, fail, handle_errors, write_output
from .compare import OtherServiceOption

DIRECTION = {"self-higher": "team rates itself higher", "self-lower": "team rates itself lower",
             "agree": "agree", "not-applicable": "does not apply"}
STATUS_NOTE = {"gated": " (gated)", "not-enough-evidence": " (not enough evidence)", "not-applicable": " (n/a)"}


class GapFormat(str, Enum):
    table = "table"
    json = "json"
    md = "md"


@handle_errors
def gap(self_file: Path = typer.Argument(..., metavar="SELF", help="The team's self-assessment (answers file or result JSON)."),
        assessor_file: Path = typer.Argument(..., metavar="ASSESSOR", help="The assessor's assessment of the same service."),
        format: GapFormat = typer.Option(GapFormat.table, "--format", "-f"),
        large_gap: int = typer.Option(2, "--large-gap", help="Levels apart that count as a large gap (at least 1)."),
        allow_other_service: bool = OtherServiceOption,
        settings: Optional[Path] = SettingsOption,
        frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Per principle, where the team's view and the assessor's differ, and the answers behind it."""
    from ..compare import result_from_file
    from ..gap import gap_results
    if large_gap < 1:
        raise fail(f"--large-gap must be at least 1 level, not {large_gap}")
    g = gap_results(result_from_file(self_file, dirs(frameworks_dir), settings),
                    result_from_file(assessor_file, dirs(frameworks_dir), settings),
                    names=(str(self_file), str(assessor_file)), allow_other_service=allow_other_service,
                    large_gap=large_gap)
    for warning in g.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if format == GapFormat.json:
        write_output(g.model_dump_json(indent=2) + "\n", None)
    elif format == GapFormat.md:
        write_output(gap_markdown(g), None)
    else:
        print_gap(g)


def reading(p) -> str:
    """How the two views relate, in words; "not comparable" says which side has no level."""
    if p.direction in DIRECTION:
        return DIRECTION[p.direction]
    if "not-applicable" in (p.self_status, p.assessor_status):
        return "applies on one side only"
    return "not comparable: one side has no level"


def _levels(p) -> str:
    def one(level, status):
        return ("–" if level is None else str(level)) + STATUS_NOTE.get(status or "", "")
    sign = f" ({p.gap:+d})" if p.gap else ""
    return f"{one(p.self_level, p.self_status)} vs {one(p.assessor_level, p.assessor_status)}{sign}"


def _large_note(g) -> str:
    return f"{len(g.large)} principle(s) differ by {g.large_gap} level{'' if g.large_gap == 1 else 's'} or more"


def print_gap(g, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    console.print(Text(f"{g.assessor_side.service}: self-assessment against the assessor's view", style="bold"))
    console.print(Text(f"Overall: {_levels(g.overall)}, {reading(g.overall)}"))
    table = Table(title="Self vs assessor")
    for col in ("Principle", "Self vs assessor", "Reading", "Answers that differ"):
        table.add_column(col)
    for p in g.principles:
        style = "bold" if p in g.large else ""
        table.add_row(Text(p.title), Text(_levels(p), style=style), reading(p), ", ".join(a.ref for a in p.answers))
    console.print(table)
    console.print(Text(f"{len(g.answers_differing)} answer(s) differ; {_large_note(g)}", style="dim"))


def gap_markdown(g) -> str:
    from ..reports.markdown import md
    lines = [f"# {md(g.assessor_side.service)}: self-assessment against the assessor's view", "",
             md(f"Self: {g.self_side.date or 'undated'}" + (f" by {g.self_side.respondent}" if g.self_side.respondent else "")
                + f"; assessor: {g.assessor_side.date or 'undated'}"
                + (f" by {g.assessor_side.respondent}" if g.assessor_side.respondent else "")), ""]
    lines += [f"> Note: {md(w)}" for w in g.warnings] + ([""] if g.warnings else [])
    lines += [f"**Overall:** {md(_levels(g.overall))}, {md(reading(g.overall))}", "", md(_large_note(g)) + ".", "",
              "| Principle | Self vs assessor | Reading | Answers that differ (self → assessor) |", "| --- | --- | --- | --- |"]
    for p in g.principles:
        answers = "; ".join(f"{a.text}: {a.self_label} → {a.assessor_label}" for a in p.answers)
        lines.append("| " + " | ".join(md(x) for x in (p.title, _levels(p), reading(p), answers)) + " |")
    for title, findings in (("Findings only in the self-assessment", g.only_self_findings),
                            ("Findings only in the assessor's view", g.only_assessor_findings)):
        lines += ["", f"## {title} ({len(findings)})", ""]
        lines += [f"- **{f.severity if f.kind == 'risk' else 'strength'}** {md(f.title)} (rule {md(f.rule)})"
                  for f in findings] or ["None."]
    return "\n".join(lines) + "\n"
