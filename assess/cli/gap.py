"""`assess gap SELF ASSESSOR`: where a team rates itself above or below its assessor."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, dirs, handle_errors, write_output

DIRECTION = {"self-higher": "team rates itself higher", "self-lower": "team rates itself lower",
             "agree": "agree", "not-comparable": "not comparable"}


class GapFormat(str, Enum):
    table = "table"
    json = "json"
    md = "md"


@handle_errors
def gap(self_file: Path = typer.Argument(..., metavar="SELF", help="The team's self-assessment (answers file or result JSON)."),
        assessor_file: Path = typer.Argument(..., metavar="ASSESSOR", help="The assessor's assessment of the same service."),
        format: GapFormat = typer.Option(GapFormat.table, "--format", "-f"),
        frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Per principle, where the team's view and the assessor's differ, and the answers behind it."""
    from ..compare import result_from_file
    from ..gap import gap_results
    g = gap_results(result_from_file(self_file, dirs(frameworks_dir)), result_from_file(assessor_file, dirs(frameworks_dir)))
    for warning in g.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if format == GapFormat.json:
        write_output(g.model_dump_json(indent=2) + "\n", None)
    elif format == GapFormat.md:
        write_output(gap_markdown(g), None)
    else:
        print_gap(g)


def _levels(p) -> str:
    def one(level):
        return "–" if level is None else str(level)
    sign = f" ({p.gap:+d})" if p.gap else ""
    return f"{one(p.self_level)} vs {one(p.assessor_level)}{sign}"


def print_gap(g, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    console.print(Text(f"{g.assessor_side.service}: self-assessment against the assessor's view", style="bold"))
    console.print(f"Overall: {_levels(g.overall)}, {DIRECTION[g.overall.direction]}")
    table = Table(title="Self vs assessor")
    for col in ("Principle", "Self vs assessor", "Reading", "Answers that differ"):
        table.add_column(col)
    for p in g.principles:
        style = "bold" if p.gap is not None and abs(p.gap) >= 1 else ""
        table.add_row(p.title, Text(_levels(p), style=style), DIRECTION[p.direction], ", ".join(a.ref for a in p.answers))
    console.print(table)
    console.print(Text(f"{len(g.answers_differing)} answer(s) differ; {len(g.large)} principle(s) differ by a level or more",
                       style="dim"))


def gap_markdown(g) -> str:
    from .compare import md_cell
    lines = [f"# {md_cell(g.assessor_side.service)}: self-assessment against the assessor's view", "",
             f"Self: {g.self_side.date or 'undated'}" + (f" by {md_cell(g.self_side.respondent)}" if g.self_side.respondent else "")
             + f"; assessor: {g.assessor_side.date or 'undated'}"
             + (f" by {md_cell(g.assessor_side.respondent)}" if g.assessor_side.respondent else ""), ""]
    lines += [f"> Note: {md_cell(w)}" for w in g.warnings] + ([""] if g.warnings else [])
    lines += [f"**Overall:** {_levels(g.overall)}, {DIRECTION[g.overall.direction]}", "",
              "| Principle | Self vs assessor | Reading | Answers that differ (self → assessor) |", "| --- | --- | --- | --- |"]
    for p in g.principles:
        answers = "; ".join(f"{a.text}: {a.self_label} → {a.assessor_label}" for a in p.answers)
        lines.append(f"| {md_cell(p.title)} | {_levels(p)} | {DIRECTION[p.direction]} | {md_cell(answers)} |")
    for title, findings in (("Findings only in the self-assessment", g.only_self_findings),
                            ("Findings only in the assessor's view", g.only_assessor_findings)):
        lines += ["", f"## {title} ({len(findings)})", ""]
        lines += [f"- **{f.severity}** {md_cell(f.title)} (`{f.rule}`)" for f in findings] or ["None."]
    return "\n".join(lines) + "\n"
