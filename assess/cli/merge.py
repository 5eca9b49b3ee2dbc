"""`assess merge FILES... -o consensus.yaml`: one consensus answers file from several respondents."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, check_output, dirs, fail, handle_errors, same_file
from .compare import OtherServiceOption


@handle_errors
def merge(files: List[Path] = typer.Argument(..., metavar="RESPONDENT_FILES...", help="Answers files from team members."),
          output: Path = typer.Option(..., "--output", "-o", help="The consensus answers file to write."),
          force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
          allow_other_service: bool = OtherServiceOption,
          frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Combine team members' answers: agreement and spread per question, disagreement marked to discuss."""
    from ..answers import load_answers
    from ..errors import AssessError
    from ..merge import merge_assessments, merged_yaml
    from ..yamlio import atomic_write

    # a respondent's file is never replaced, even with --force: its answers would be lost for good
    if any(same_file(output, f) for f in files):
        raise fail(f"{output} is one of the respondents' files; write the consensus to a new file")
    if output.exists() and not force:
        raise fail(f"{output} already exists; use --force to overwrite it")
    check_output(output, force=force)
    assessments, problems = [], []
    for file in files:
        try:
            assessments.append(load_answers(file, dirs(frameworks_dir)))
        except AssessError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise AssessError(problems)
    merged = merge_assessments(assessments, allow_other_service=allow_other_service)
    for warning in merged.warnings:
        typer.echo(f"warning: {warning}", err=True)
    atomic_write(output, merged_yaml(merged, assessments[0].framework))
    agreed = sum(1 for q in merged.questions if q.agreement == 1)
    typer.echo(f"wrote {output}: {len(merged.questions)} questions answered, {agreed} in full agreement, "
               f"{len(merged.to_discuss)} to discuss", err=True)
    for q in merged.to_discuss:
        typer.echo(f"  discuss {q.question}: {q.discuss_reason}", err=True)
