"""`assess report`: render an assessment as PDF, HTML, Markdown, CSV or JSON."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, SettingsOption, dirs, fail, handle_errors, write_output


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
                                                         help="Output format; default from the file extension, else pdf."),
           template_dir: Optional[List[Path]] = typer.Option(None, "--template-dir", help="Folder of templates that override the built-in ones; may repeat.",
                                                             show_default=False),
           settings: Optional[Path] = SettingsOption,
           frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Render the assessment report: PDF for a programme board, or HTML, Markdown, CSV, JSON."""
    from ..pipeline import evaluate, load_assessment
    from ..reports import format_for, render

    fmt = format.value if format else (format_for(output) if output and str(output) != "-" else None) or "pdf"
    for folder in template_dir or []:
        if not folder.is_dir():
            raise fail(f"--template-dir {folder}: not a folder")
    to_stdout = output is None or str(output) == "-"
    if to_stdout and fmt == "pdf" and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o report.pdf")
    assessment = load_assessment(answers, dirs(frameworks_dir), settings)
    result = evaluate(assessment)
    data = render(result, fmt, template_dirs=dirs(template_dir), framework=assessment.framework)
    if not to_stdout:
        output.parent.mkdir(parents=True, exist_ok=True)
    write_output(data, None if to_stdout else output)
    if not to_stdout:
        typer.echo(f"wrote {output} ({fmt})", err=True)
