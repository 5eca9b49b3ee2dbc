"""`assess portfolio DIR... -o board.pdf`: a programme board's view of many services."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import EXIT_BAD_INPUT, FrameworksDir, dirs, fail, handle_errors, write_output


class PortfolioFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    csv = "csv"
    json = "json"


@handle_errors
def portfolio(paths: List[Path] = typer.Argument(..., metavar="DIR...", help="Folders of answers files (searched recursively), or files."),
              output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; stdout if not given."),
              format: Optional[PortfolioFormat] = typer.Option(None, "--format", "-f", help="Default: from the output file's extension, else pdf."),
              stale_days: int = typer.Option(365, "--stale-days", min=0, help="Flag assessments this many days older than the newest one."),
              workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes; default: one per CPU."),
              frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Roll up the latest assessment of every service: heatmap, RAG counts, systemic findings, risk, movement."""
    from ..portfolio import board_context, build_portfolio, collect_files, evaluate_files, portfolio_csv

    fmt = format.value if format else _format_for(output)
    if fmt == "pdf" and (output is None or str(output) == "-") and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o board.pdf")
    files = collect_files(paths)
    if not files:
        raise fail("no answers files (*.yaml, *.yml) found in " + ", ".join(str(p) for p in paths))
    evaluated, skipped = _with_progress(files, dirs(frameworks_dir), workers, evaluate_files)
    for skip in skipped:
        for problem in skip.problems:
            typer.echo(f"skipped: {problem}", err=True)
    if not evaluated:
        typer.echo(f"error: none of the {len(files)} files could be evaluated", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    board = build_portfolio(evaluated, skipped, stale_days, files=len(files))
    if fmt == "json":
        data: str | bytes = board.model_dump_json(indent=2) + "\n"
    elif fmt == "csv":
        data = portfolio_csv(board)
    else:
        from ..board import render_html, render_pdf
        context = board_context(board)
        data = render_pdf("portfolio.html.j2", context) if fmt == "pdf" else render_html("portfolio.html.j2", context)
    write_output(data, output)
    summary = f"{len(evaluated)} of {len(files)} files evaluated, {len(board.rows())} services"
    if skipped:
        summary += f"; skipped {len(skipped)}: " + ", ".join(s.file for s in skipped)
    typer.echo((f"wrote {output} ({fmt}): " if output is not None and str(output) != "-" else "") + summary, err=True)


def _format_for(output: Optional[Path]) -> str:
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if suffix == "htm":
        return "html"
    return suffix if suffix in {f.value for f in PortfolioFormat} else "pdf"


def _with_progress(files, frameworks_dirs, workers, evaluate_files):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("evaluate", total=len(files))
        return evaluate_files(files, frameworks_dirs, workers, lambda n: progress.advance(task, n))
