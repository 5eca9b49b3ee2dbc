"""`assess report`: render an assessment as PDF, HTML, Markdown, CSV or JSON."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import ForceOption, FrameworksDir, SettingsOption, check_output, dirs, fail, handle_errors, write_output


class ReportFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    md = "md"
    csv = "csv"
    json = "json"


@handle_errors
def report(answers: Path = typer.Argument(..., metavar="ANSWERS", help="The answers file to report on."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; '-' or none for stdout."),
           format: Optional[ReportFormat] = typer.Option(None, "--format", "-f",
                                                         help="Output format; default from the file extension "
                                                              "(.pdf .html .md .csv .json), pdf on stdout."),
           template_dir: Optional[List[Path]] = typer.Option(None, "--template-dir", help="Folder of templates that override the built-in ones; may repeat.",
                                                             show_default=False),
           previous: Optional[Path] = typer.Option(None, "--previous", metavar="OLD",
                                                   help="An earlier assessment of the same service (answers file or result JSON): "
                                                        "adds a 'Since last time' section and the earlier levels on the charts."),
           brief: bool = typer.Option(False, "--brief",
                                      help="The board pack (PDF or HTML): the decision and why, what was done well and what "
                                           "to fix per principle, and the actions with owners and due dates."),
           no_plan: bool = typer.Option(False, "--no-plan",
                                        help="Leave out the answer changes that reach each next level (faster)."),
           allow_other_service: bool = typer.Option(False, "--allow-other-service",
                                                    help="Accept a --previous file that names another service or organisation."),
           force: bool = ForceOption,
           settings: Optional[Path] = SettingsOption,
           frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Render the assessment report: PDF for a programme board, or HTML, Markdown, CSV, JSON."""
    from ..errors import AssessError, Diagnostic
    from ..pipeline import evaluate, load_assessment
    from ..reports import PLANNED_FORMATS, render
    from ..reports.actions import next_level_plan

    to_stdout = output is None or str(output) == "-"
    fmt = (format.value if format else "pdf") if to_stdout else output_format(output, format.value if format else None)
    for folder in template_dir or []:
        if not folder.is_dir():
            raise fail(f"--template-dir {folder}: not a folder")
    if to_stdout and fmt == "pdf" and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o report.pdf")
    check_output(None if to_stdout else output, [p for p in (answers, previous, settings) if p], force,
                 input_folders=[*(template_dir or []), *(frameworks_dir or [])])
    if brief and fmt not in ("pdf", "html"):
        raise fail(f"the brief is written as pdf or html, not {fmt}; use the full report for other formats")
    if brief and previous is not None:
        raise fail("--brief does not show an earlier assessment; leave out --previous, or use the full report for 'Since last time'")
    from ..actions import tracked_actions
    assessment = load_assessment(answers, dirs(frameworks_dir), settings)
    result = evaluate(assessment)
    tracked = tracked_actions(assessment, result)
    if brief:
        from ..reports.brief import render_brief
        data = render_brief(result, fmt, assessment.framework, tracked, dirs(template_dir),
                            warn=lambda message: typer.echo(f"warning: {message}", err=True))
        write_output(data, None if to_stdout else output)
        if not to_stdout:
            typer.echo(f"wrote {output} ({fmt}, brief)", err=True)
        return
    comparison = None
    if previous is not None:
        from ..compare import compare_results
        try:
            comparison = compare_results(earlier_result(previous, dirs(frameworks_dir), settings), result,
                                         names=(str(previous), str(answers)), allow_other_service=allow_other_service)
        except AssessError as exc:      # name the earlier file where the message does not
            raise AssessError([d if d.file else Diagnostic(str(previous), 0, "--previous", d.message)
                               for d in exc.diagnostics]) from None
        for warning in comparison.warnings:
            typer.echo(f"warning: {warning}", err=True)
    plan = next_level_plan(assessment) if fmt in PLANNED_FORMATS and not no_plan else None
    data = render(result, fmt, template_dirs=dirs(template_dir), framework=assessment.framework,
                  comparison=comparison, plan=plan, tracked=tracked,
                  warn=lambda message: typer.echo(f"warning: {message}", err=True))
    write_output(data, None if to_stdout else output)
    if not to_stdout:
        typer.echo(f"wrote {output} ({fmt})", err=True)


def output_format(output: Path, asked: Optional[str]) -> str:
    """The format to write to `output`: as asked, else as its extension says. A missing or
    non-folder parent, or an extension that names another format than the one asked for, is
    refused before any work is done, so no file lands somewhere or in a shape nobody meant."""
    from ..reports import EXTENSIONS, format_for
    parent = output.parent
    if not parent.exists():
        raise fail(f"-o {output}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise fail(f"-o {output}: {parent} is a file, not a folder")
    if output.is_dir():
        raise fail(f"-o {output}: is a folder; name a file inside it, such as {output / 'report.pdf'}")
    named = format_for(output)
    if asked is not None and named is not None and named != asked:
        raise fail(f"-o {output}: the name says {named} but --format says {asked}; "
                   f"name the file {output.with_suffix(EXTENSIONS[asked]).name} or leave out --format")
    if asked is None and named is None:
        endings = " ".join(EXTENSIONS.values())
        raise fail(f"-o {output}: cannot tell the format from the file name; end it in one of {endings}, or give --format")
    return asked or named


def earlier_result(path: Path, frameworks_dirs: list[Path], settings: Optional[Path]):
    """The earlier assessment as compare loads it; an answers file is scored with the same
    settings as this one, so a difference in levels comes from the answers."""
    from ..compare import result_from_file
    from ..pipeline import evaluate, load_assessment
    if path.suffix.lower() == ".json":
        return result_from_file(path, frameworks_dirs)
    return evaluate(load_assessment(path, frameworks_dirs, settings))
