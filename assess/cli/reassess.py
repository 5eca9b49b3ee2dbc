"""`assess reassess`: start a reassessment that re-decides only the points not met."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, SettingsOption, dirs, fail, handle_errors, write_output


@handle_errors
def reassess(previous: Path = typer.Argument(..., metavar="PREVIOUS", help="The earlier answers file."),
             output: Path = typer.Option(..., "--output", "-o", help="The new answers file to write."),
             points: Optional[List[str]] = typer.Option(None, "--points", metavar="ID[,ID]",
                                                        help="Also reopen these principles (points), even if met; may repeat."),
             reopen_amber: bool = typer.Option(False, "--reopen-amber", help="Treat amber as not met: reopen it too."),
             date: Optional[str] = typer.Option(None, "--date", metavar="YYYY-MM-DD",
                                                help="Date of the reassessment; default today."),
             force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
             settings: Optional[Path] = SettingsOption,
             frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Start a reassessment: answers carried, met points carried with their decision, the rest reopened."""
    from ..pipeline import evaluate, load_assessment
    from ..reassess import reassessment_yaml
    try:
        when = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise fail(f"--date {date!r} is not a date; write it as YYYY-MM-DD") from None
    if output.exists() and not force:
        raise fail(f"{output} already exists; use --force to overwrite it")
    if output.resolve() == previous.resolve():
        raise fail("the reassessment must go to a new file, not over the earlier one")
    named = [p.strip() for item in points or [] for p in item.split(",") if p.strip()]
    earlier = load_assessment(previous, dirs(frameworks_dir), settings)
    text = reassessment_yaml(earlier, evaluate(earlier), previous.name, when, named, reopen_amber)
    write_output(text, output)
    typer.echo(f"wrote {output}", err=True)
