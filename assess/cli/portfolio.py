"""`assess portfolio DIR... -o board.pdf`: a programme board's view of many services."""
from __future__ import annotations

import os
import re
import sys
from contextlib import nullcontext
from enum import Enum
from functools import partial
from pathlib import Path
from typing import List, Optional

import typer

from .common import EXIT_BAD_INPUT, ForceOption, FrameworksDir, as_of_date, check_output, dirs, fail, handle_errors, write_output

NAMED_IN_SUMMARY = 5   # files left out that the closing line names; each has its own "skipped:" line above
_FOR_FRAMEWORK = re.compile(r"^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)=(.+)$")


class PortfolioFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    csv = "csv"
    json = "json"


@handle_errors
def portfolio(paths: List[Path] = typer.Argument(..., metavar="DIR...", help="Folders of answers files and saved results (*.result.json), searched recursively; or files."),
              output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; stdout if not given."),
              format: Optional[PortfolioFormat] = typer.Option(None, "--format", "-f", help="Default: from the output file's extension, else pdf."),
              as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE",
                                                  help="Measure the age of assessments back from this date (YYYY-MM-DD); default: today."),
              stale_days: int = typer.Option(365, "--stale-days", min=0, help="Flag assessments older than this many days at the as-of date."),
              large_gap: int = typer.Option(2, "--large-gap", min=1, help="Levels apart at which a self/assessor gap is flagged."),
              workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes; default: one per CPU."),
              organisation: Optional[str] = typer.Option(None, "--organisation", metavar="NAME",
                                                         help="Only the services of this organisation (case and spacing aside): "
                                                              "one organisation's own board, every service in its heatmap if it fits."),
              heatmap_rows: int = typer.Option(100, "--heatmap-rows", min=0, metavar="N",
                                               help="PDF and HTML: past N services in a framework, its heatmap shows the N most at "
                                                    "risk, each organisation is counted, and every service goes to a CSV beside "
                                                    "the report (board.pdf: board.csv). 0: show every service."),
              settings: Optional[List[str]] = typer.Option(None, "--settings", metavar="[FRAMEWORK=]FILE",
                                                           help="Your organisation's weights and RAG thresholds: FILE for every "
                                                                "framework, or FRAMEWORK=FILE for one; may repeat.", show_default=False),
              force: bool = ForceOption,
              frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Roll up the latest assessment of every service: heatmap, RAG counts, systemic findings, risk, movement."""
    from ..batch import alongside, check_settings, framework_ids
    from ..board import warm_up
    from ..collector import bulk_read
    from ..portfolio import board_context, build_portfolio, collect_files, portfolio_csv, read_board

    fmt = format.value if format else _format_for(output)
    to_stdout = output is None or str(output) == "-"
    if fmt == "pdf" and to_stdout and sys.stdout.isatty():
        raise fail("a PDF cannot be shown in the terminal; write it to a file with -o board.pdf")
    if not to_stdout and output.is_dir():
        raise fail(f"{output} is a folder; give a file name such as {output / 'board.pdf'}")
    day = as_of_date(as_of)
    chosen = settings_map(settings or [])
    files = collect_files(paths)
    if not files:
        raise fail("no answers files (*.yaml, *.yml) or saved results (*.result.json) found in "
                   + ", ".join(str(p) for p in paths))
    check_output(None if to_stdout else output, [*files, *chosen.values()], force)
    # the full list beside the report is needed only when a heatmap can be cut: more files than rows
    beside = None if to_stdout or fmt not in ("pdf", "html") or not heatmap_rows or len(files) <= heatmap_rows \
        or (output.exists() and not output.is_file()) else full_list_path(output)   # a pipe or device has no "beside"
    check_output(beside, [*files, *chosen.values()], force)
    check_settings(chosen, dirs(frameworks_dir), framework_ids(files))
    in_workers = (workers or os.cpu_count() or 1) > 1
    saved_only = all(str(f).lower().endswith(".json") for f in files)   # no cycles left to collect (collector.py)
    with bulk_read() if saved_only else nullcontext():   # thousands of results kept: no collector passes over them
        # with workers, this process compiles the board's template and loads WeasyPrint while they read
        head_start = partial(warm_up, "portfolio.html.j2", fmt == "pdf") if fmt in ("pdf", "html") and in_workers else None
        evaluated, skipped = _with_progress(files, dirs(frameworks_dir), workers, chosen, partial(read_board, meanwhile=head_start))
    for skip in skipped:
        for problem in skip.problems:
            typer.echo(f"skipped: {problem}", err=True)
    if not evaluated:
        typer.echo(f"error: none of the {len(files)} files could be evaluated", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if organisation is not None:
        evaluated = of_organisation(evaluated, organisation)
    board = build_portfolio(evaluated, skipped, stale_days, files=len(files), as_of=day, large_gap=large_gap)
    if fmt == "json":
        data: str | bytes = board.model_dump_json(indent=2) + "\n"
    elif fmt == "csv":
        data = portfolio_csv(board)
    else:
        from ..board import render_html, render_pdf
        context = board_context(board, heatmap_rows=heatmap_rows, full_list=beside.name if beside else None,
                                organisation=organisation)
        if context["every_row_shown"]:
            beside = None
        # with workers, the list of every service is made in another process while this one lays out the board
        every_service = None if beside is None else alongside(lambda: portfolio_csv(board)) if in_workers \
            else lambda: portfolio_csv(board)
        data = render_pdf("portfolio.html.j2", context) if fmt == "pdf" else render_html("portfolio.html.j2", context)
        if every_service is not None:
            write_output(every_service(), beside)
    write_output(data, output)
    services = len(board.rows())
    summary = (f"{len(evaluated)} of {len(files)} file{'' if len(files) == 1 else 's'} "
               + ("evaluated, " if organisation is None else f"of {organisation!r}, ")
               + f"{services} service{'' if services == 1 else 's'}, as at {board.as_of}")
    decided = sum(1 for r in board.rows() if r.overall_decided or any(c.decided for c in r.cells))
    if decided:
        summary += f"; {decided} service{'' if decided == 1 else 's'} rated by recorded decisions (the rest by the engine's proposal)"
    if fmt in ("pdf", "html") and any(len(b.services) > heatmap_rows > 0 for b in board.frameworks):
        summary += (f"; the heatmap shows the {heatmap_rows} services most at risk per framework, "
                    + (f"every service is in {beside}" if beside else "-f csv lists every service"))
    if skipped:
        summary += f"; skipped {len(skipped)}: " + ", ".join(s.file for s in skipped[:NAMED_IN_SUMMARY]) \
            + (f" and {len(skipped) - NAMED_IN_SUMMARY} more (each named above)" if len(skipped) > NAMED_IN_SUMMARY else "")
    typer.echo((f"wrote {output} ({fmt}): " if not to_stdout else "") + summary, err=True)


def settings_map(values: list[str]) -> dict[Optional[str], Path]:
    """`--settings FILE` applies to every framework, `--settings ID=FILE` to one."""
    out: dict[Optional[str], Path] = {}
    for value in values:
        match = _FOR_FRAMEWORK.match(value)
        key, path = (match.group(1), Path(match.group(2))) if match and not Path(value).exists() else (None, Path(value))
        if key in out:
            raise fail(f"--settings {value}: settings for {key or 'every framework'} already given ({out[key]})")
        if not path.is_file():
            raise fail(f"--settings {value}: {path} is not a file")
        out[key] = path
    return out


def of_organisation(evaluated: list, name: str) -> list:
    """The assessments (read_board's entries) of one organisation, named as service_identity
    compares names; none is bad input."""
    from ..compare import service_identity
    wanted = service_identity({"organisation": name})[1]
    chosen = [e for e in evaluated if e.service[2] == wanted]
    if not chosen:
        found = sorted({e.service_row().organisation for e in evaluated}, key=str.casefold)
        shown = ", ".join(repr(o) for o in found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        raise fail(f"--organisation {name}: no service of that organisation among the {len(evaluated)} assessments; "
                   f"organisations found: {shown}")
    return chosen


def full_list_path(output: Path) -> Path:
    """Where the CSV of every service goes beside a PDF or HTML report: board.pdf -> board.csv."""
    beside = output.with_suffix(".csv")
    return beside if beside != output else output.with_name(output.name + ".csv")


def _format_for(output: Optional[Path]) -> str:
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if suffix == "htm":
        return "html"
    return suffix if suffix in {f.value for f in PortfolioFormat} else "pdf"


def _with_progress(files, frameworks_dirs, workers, settings, read):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # no refresh thread: workers are forked, and a fork must not copy a thread mid-write
    with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, auto_refresh=False, disable=not console.is_terminal) as progress:
        task = progress.add_task("evaluate", total=len(files))

        def advance(n: int) -> None:
            progress.advance(task, n)
            progress.refresh()
        return read(files, frameworks_dirs, workers, advance, settings)
