"""`assess compare OLD NEW`: what changed between two assessments of one service."""
from __future__ import annotations

import io
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, dirs, fail, handle_errors, write_output

ARROW = {"up": "▲", "down": "▼", "same": "=", "new": "new", "gone": "gone"}


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    md = "md"
    pdf = "pdf"


@handle_errors
def compare(old: Path = typer.Argument(..., metavar="OLD", help="The earlier answers file (or result JSON)."),
            new: Path = typer.Argument(..., metavar="NEW", help="The later answers file (or result JSON)."),
            format: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f"),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; stdout if not given."),
            frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Compare two assessments of one service: levels, findings, caps and the answers behind each change."""
    import sys

    from ..compare import compare_results, result_from_file
    if format == CompareFormat.pdf and output is None and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o compare.pdf")
    comparison = compare_results(result_from_file(old, dirs(frameworks_dir)), result_from_file(new, dirs(frameworks_dir)))
    for warning in comparison.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if format == CompareFormat.table and output is None:
        print_comparison(comparison)
        return
    if format == CompareFormat.table:
        from rich.console import Console
        console = Console(record=True, width=120, file=io.StringIO())
        print_comparison(comparison, console)
        data: str | bytes = console.export_text()
    elif format == CompareFormat.json:
        data = comparison.model_dump_json(indent=2) + "\n"
    elif format == CompareFormat.pdf:
        from ..board import render_pdf
        data = render_pdf("compare.html.j2", {"c": comparison, "title": _title(comparison)})
    else:
        data = comparison_markdown(comparison)
    write_output(data, output)
    if output is not None and str(output) != "-":
        typer.echo(f"wrote {output} ({format.value})", err=True)


def _title(c) -> str:
    return f"{c.new.service}: what changed since {c.old.date or 'the last assessment'}"


def _level(level) -> str:
    return "–" if level is None else str(level)


def _change(lc) -> str:
    delta = f" ({lc.delta:+d})" if lc.delta else ""
    return f"{_level(lc.old_level)} → {_level(lc.new_level)} {ARROW[lc.movement]}{delta}"


def _drivers(lc, most: int = 4) -> str:
    parts = [f"{d.text}: {d.old_label} → {d.new_label}" for d in lc.drivers[:most]]
    if len(lc.drivers) > most:
        parts.append(f"and {len(lc.drivers) - most} more")
    return "; ".join(parts)


def _driver_ids(lc, most: int = 6) -> str:
    """Short form for the terminal: question ids; the Markdown and JSON carry the answers."""
    ids = [d.ref for d in lc.drivers]
    return ", ".join(ids[:most]) + (f" (+{len(ids) - most} more)" if len(ids) > most else "")


def _caps(lc) -> str:
    return "; ".join([f"lifted {c.rule} (≤{c.max_level})" for c in lc.caps_lifted]
                     + [f"added {c.rule} (≤{c.max_level})" for c in lc.caps_added])


def print_comparison(c, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    console.print(Text(_title(c), style="bold"))
    console.print(f"{c.old.date or 'undated'} ({c.old.kind}) → {c.new.date or 'undated'} ({c.new.kind});"
                  f" overall {_change(c.overall)}")
    table = Table(title="Levels")
    for col in ("Principle", "Level", "Caps", "Answers that changed it"):
        table.add_column(col)
    for lc in c.lenses:
        table.add_row(Text(lc.title, style="bold"), _change(lc), "", "")
    for lc in c.principles:
        table.add_row(lc.title, _change(lc), _caps(lc), _driver_ids(lc))
    console.print(table)
    for status in ("new", "resolved", "persisting"):
        items = c.findings_with(status)
        if items:
            console.print(Text(f"{status.capitalize()} findings ({len(items)})", style="bold"))
            for fc in items:
                label = fc.finding.severity if fc.finding.kind == "risk" else "strength"
                console.print(Text(f"  {label:<8} {fc.finding.title} [{fc.finding.rule}]"))
    console.print(Text(f"{len(c.answers_changed)} answer(s) changed", style="dim"))


def comparison_markdown(c) -> str:
    lines = [f"# {_title(c)}", "",
             f"Earlier: {c.old.date or 'undated'}, {c.old.kind} assessment"
             + (f" by {c.old.respondent}" if c.old.respondent else "") + f" (framework {c.old.framework_version})  ",
             f"Later: {c.new.date or 'undated'}, {c.new.kind} assessment"
             + (f" by {c.new.respondent}" if c.new.respondent else "") + f" (framework {c.new.framework_version})", ""]
    lines += [f"> Note: {w}" for w in c.warnings] + ([""] if c.warnings else [])
    lines += [f"**Overall:** {_change(c.overall)}", "", "## Levels", "",
              "| Principle | Lens | Level | Caps | Answers that changed it |", "| --- | --- | --- | --- | --- |"]
    for lc in c.principles:
        lines.append(f"| {md_cell(lc.title)} | {md_cell(lc.lens)} | {_change(lc)} | {md_cell(_caps(lc))} | {md_cell(_drivers(lc, 10))} |")
    lines.append("")
    for lc in c.lenses:
        lines.append(f"- {md_cell(lc.title)}: {_change(lc)}")
    for status in ("new", "resolved", "persisting"):
        items = c.findings_with(status)
        lines += ["", f"## {status.capitalize()} findings ({len(items)})", ""]
        for fc in items:
            why = "; ".join(f"{d.text}: {d.old_label} → {d.new_label}" for d in fc.drivers)
            lines.append(f"- **{fc.finding.severity}** {md_cell(fc.finding.title)} (`{fc.finding.rule}`)"
                         + (f" — because {md_cell(why)}" if why else ""))
        if not items:
            lines.append("None.")
    lines += ["", f"## Answers that changed ({len(c.answers_changed)})", ""]
    lines += [f"- {md_cell(a.text)}: {md_cell(a.old_label)} → {md_cell(a.new_label)}" for a in c.answers_changed] or ["None."]
    return "\n".join(lines) + "\n"


def md_cell(text: str) -> str:
    """Table-safe Markdown: pipes escaped, line breaks flattened."""
    return " ".join(str(text).split()).replace("|", "\\|")
