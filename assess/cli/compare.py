"""`assess compare OLD NEW`: what changed between two assessments of one service."""
from __future__ import annotations

import io
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import ForceOption, FrameworksDir, SettingsOption, check_output, dirs, fail, handle_errors, write_output

ARROW = {"up": "▲", "down": "▼", "same": "=", "new": "new", "gone": "gone"}
STATUS_NOTE = {"gated": "gated", "not-enough-evidence": "not enough evidence", "not-applicable": "n/a"}

OtherServiceOption = typer.Option(False, "--allow-other-service",
                                  help="Accept two files that name different services or organisations.")


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
            allow_other_service: bool = OtherServiceOption,
            force: bool = ForceOption,
            settings: Optional[Path] = SettingsOption,
            frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Compare two assessments of one service: levels, findings, caps and the answers behind each change."""
    import sys

    from ..compare import compare_results, result_from_file
    if format == CompareFormat.pdf and output is None and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o compare.pdf")
    check_output(output, [p for p in (old, new, settings) if p], force)
    comparison = compare_results(result_from_file(old, dirs(frameworks_dir), settings),
                                 result_from_file(new, dirs(frameworks_dir), settings),
                                 names=(str(old), str(new)), allow_other_service=allow_other_service)
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


def _level(level, status=None) -> str:
    text = "–" if level is None else str(level)
    return f"{text} ({STATUS_NOTE[status]})" if status in STATUS_NOTE and status != "not-applicable" else text


def _change(lc) -> str:
    delta = f" ({lc.delta:+d})" if lc.delta else ""
    return f"{_level(lc.old_level, lc.old_status)} → {_level(lc.new_level, lc.new_status)} {ARROW[lc.movement]}{delta}"


def _rating(lc, labels) -> str:
    from ..compare import rag_word
    before, after = rag_word(lc.old_rag, labels), rag_word(lc.new_rag, labels)
    if before == after and lc.old_decided == lc.new_decided:
        return f"{after} (no change{', decided' if lc.new_decided else ''})"
    return before + (" (decided)" if lc.old_decided else "") + " to " + after + (" (decided)" if lc.new_decided else "")


DECIDED_NOTE = ("Ratings marked (decided) are the panel's recorded decisions; the others are the engine's proposals. "
                "Levels are decided levels where a decision gives one.")


def _driver_list(lc) -> list:
    """The answers behind a change; none for a principle whose level and caps held."""
    return lc.drivers if lc.explained else []


def _drivers(lc, most: int = 4) -> str:
    drivers = _driver_list(lc)
    parts = [f"{d.text}: {d.old_label} → {d.new_label}" for d in drivers[:most]]
    if len(drivers) > most:
        parts.append(f"and {len(drivers) - most} more")
    return "; ".join(parts)


def _driver_ids(lc, most: int = 6) -> str:
    """Short form for the terminal: question ids; the Markdown and JSON carry the answers."""
    ids = [d.ref for d in _driver_list(lc)]
    return ", ".join(ids[:most]) + (f" (+{len(ids) - most} more)" if len(ids) > most else "")


def _caps(lc) -> str:
    return "; ".join([f"lifted {c.rule} (≤{c.max_level})" for c in lc.caps_lifted]
                     + [f"added {c.rule} (≤{c.max_level})" for c in lc.caps_added])


def _finding_label(finding) -> str:
    return finding.severity if finding.kind == "risk" else "strength"


def print_comparison(c, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    console.print(Text(_title(c), style="bold"))
    console.print(Text(f"{c.old.date or 'undated'} ({c.old.kind}) → {c.new.date or 'undated'} ({c.new.kind});"
                       f" overall {_change(c.overall)}, {_rating(c.overall, c.rag_labels)}"))
    table = Table(title="Levels")
    table.add_column("Principle", min_width=14, overflow="fold")    # wrap long names and ids rather than cut them
    table.add_column("Level", no_wrap=True)
    table.add_column("Rating", overflow="fold")
    table.add_column("Answers that changed it", overflow="fold")
    for lc in c.lenses:
        table.add_row(Text(lc.title, style="bold"), Text(_change(lc)), Text(_rating(lc, c.rag_labels)), "")
    for lc in c.principles:
        table.add_row(Text(lc.title), Text(_change(lc)), Text(_rating(lc, c.rag_labels)), Text(_driver_ids(lc)))
    console.print(table)
    for lc in c.principles:
        if lc.caps_lifted or lc.caps_added:
            console.print(Text(f"Caps on {lc.title}: {_caps(lc)}"))
    for status in ("new", "resolved", "persisting"):
        items = c.findings_with(status)
        if items:
            console.print(Text(f"{status.capitalize()} findings ({len(items)})", style="bold"))
            for fc in items:
                console.print(Text(f"  {_finding_label(fc.finding):<8} {fc.finding.title} [{fc.finding.rule}]"))
    console.print(Text(f"{len(c.answers_changed)} answer(s) changed", style="dim"))
    if c.decided:
        console.print(Text(DECIDED_NOTE, style="dim"))


def comparison_markdown(c) -> str:
    from ..reports.markdown import md
    lines = [f"# {md(_title(c))}", "",
             md(f"Earlier: {c.old.date or 'undated'}, {c.old.kind} assessment"
                + (f" by {c.old.respondent}" if c.old.respondent else "") + f" (framework {c.old.framework_version})") + "  ",
             md(f"Later: {c.new.date or 'undated'}, {c.new.kind} assessment"
                + (f" by {c.new.respondent}" if c.new.respondent else "") + f" (framework {c.new.framework_version})"), ""]
    lines += [f"> Note: {md(w)}" for w in c.warnings] + ([""] if c.warnings else [])
    lines += [f"**Overall:** {md(_change(c.overall))}, {md(_rating(c.overall, c.rag_labels))}", ""]
    lines += [md(DECIDED_NOTE), ""] if c.decided else []
    lines += ["## Levels", "",
              "| Principle | Lens | Level | Rating | Caps | Answers that changed it |",
              "| --- | --- | --- | --- | --- | --- |"]
    for lc in c.principles:
        cells = (lc.title, lc.lens, _change(lc), _rating(lc, c.rag_labels), _caps(lc), _drivers(lc, 10))
        lines.append("| " + " | ".join(md(x) for x in cells) + " |")
    lines.append("")
    for lc in c.lenses:
        lines.append(f"- {md(lc.title)}: {md(_change(lc))}, {md(_rating(lc, c.rag_labels))}")
    for status in ("new", "resolved", "persisting"):
        items = c.findings_with(status)
        lines += ["", f"## {status.capitalize()} findings ({len(items)})", ""]
        for fc in items:
            why = "; ".join(f"{d.text}: {d.old_label} → {d.new_label}" for d in fc.drivers)
            lines.append(f"- **{_finding_label(fc.finding)}** {md(fc.finding.title)} (rule {md(fc.finding.rule)})"
                         + (f" — because {md(why)}" if why else ""))
        if not items:
            lines.append("None.")
    lines += ["", f"## Answers that changed ({len(c.answers_changed)})", ""]
    lines += [f"- {md(a.text)}: {md(a.old_label)} → {md(a.new_label)}" for a in c.answers_changed] or ["None."]
    return "\n".join(lines) + "\n"
