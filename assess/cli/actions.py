"""`assess actions ANSWERS...`: the actions several assessments give, open and overdue first."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, SettingsOption, as_of_date, dirs, handle_errors, write_output


class ActionsFormat(str, Enum):
    table = "table"
    csv = "csv"
    jira = "jira"
    github = "github"


@handle_errors
def actions(paths: List[Path] = typer.Argument(..., metavar="ANSWERS...", help="Answers files; the latest assessment of each service counts."),
            as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE",
                                                help="Count an open action past its due date on this day as overdue (YYYY-MM-DD); default: today."),
            every: bool = typer.Option(False, "--all", help="Also list actions recorded as done or dropped."),
            overdue_only: bool = typer.Option(False, "--overdue", help="List only the overdue actions."),
            format: ActionsFormat = typer.Option(ActionsFormat.table, "--format", "-f",
                                                 help="table for the terminal; csv (plain), jira (Jira CSV import) or github (issues JSON)."),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; stdout if not given."),
            settings: Optional[Path] = SettingsOption,
            frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """List open and overdue actions across assessments, or export them for a tracker."""
    from ..actions import latest_per_key, tracked_actions
    from ..errors import AssessError
    from ..pipeline import evaluate, load_assessment
    from ..reports.tracker import EXPORTS

    day = as_of_date(as_of)
    found, problems = [], []
    for path in paths:
        try:
            assessment = load_assessment(path, dirs(frameworks_dir), settings)
        except AssessError as exc:      # report every file's problems, not only the first file's
            problems.extend(exc.diagnostics)
            continue
        found.extend(tracked_actions(assessment, evaluate(assessment)))
    if problems:
        raise AssessError(problems)
    listed = [a for a in latest_per_key(found) if every or a.status == "open"]
    if overdue_only:
        listed = [a for a in listed if a.overdue(day)]
    write_output(EXPORTS[format.value](listed, day), output)
    if output is not None and str(output) != "-":
        typer.echo(f"wrote {output} ({len(listed)} action{'s' if len(listed) != 1 else ''})", err=True)
