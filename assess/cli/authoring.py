"""Commands for framework authors: test-rules and lint."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import EXIT_FINDINGS, handle_errors

RootArgument = typer.Argument(..., metavar="FRAMEWORK_DIR", show_default=False,
                              help="Folder with questionnaires/, rules/ and tests/rules/ (the built-in "
                                   "frameworks are at the top of a source checkout: `assess test-rules .`).")
OnlyOption = typer.Option(None, "--framework", metavar="ID", show_default=False,
                          help="Only this framework of the folder.")


@handle_errors
def test_rules(root: Path = RootArgument, framework: Optional[str] = OnlyOption,
               verbose: bool = typer.Option(False, "--verbose", "-v", help="List every fixture, not only failures.")) -> None:
    """Run every rule fixture (tests/rules/<rule-id>/fires*.yaml and silent*.yaml)."""
    from ..fixtures import fixture_diagnostics, orphan_folders, run_fixtures
    from ..frameworks import frameworks_in
    loaded = frameworks_in(root, framework)
    failed = False
    for fw in loaded:
        report = run_fixtures(fw, root)
        for line in report.missing:
            typer.echo(f"MISSING {line}", err=True)
        for line in report.stray:
            typer.echo(f"STRAY {line}", err=True)
        for diag in fixture_diagnostics(report):
            typer.echo(f"FAIL {diag}", err=True)
        if verbose:
            for o in report.outcomes:
                if o.passed:
                    typer.echo(f"ok   {o.rule}: {Path(o.file).name} ({'fires' if o.expect_fire else 'silent'})")
        passed = sum(1 for o in report.outcomes if o.passed)
        extras = [f"{len(report.missing)} missing" if report.missing else "", f"{len(report.stray)} not named as fixtures" if report.stray else ""]
        typer.echo(f"{fw.id}: {len(fw.rules)} rules, {passed} of {len(report.outcomes)} fixtures passed"
                   + "".join(f", {e}" for e in extras if e))
        failed |= not report.passed
    if framework is None:   # a folder can only be called an orphan when every framework of the root is known
        orphans = orphan_folders(root, loaded)
        for line in orphans:
            typer.echo(f"MISSING {line}", err=True)
        failed |= bool(orphans)
    if failed:
        raise typer.Exit(EXIT_FINDINGS)


@handle_errors
def lint(root: Path = RootArgument, framework: Optional[str] = OnlyOption) -> None:
    """Report unused questions, rules that never fire, thin principles, caps that never lift, placeholder problems."""
    from ..fixtures import run_fixtures
    from ..frameworks import frameworks_in
    from ..lint import lint as lint_framework
    total = 0
    for fw in frameworks_in(root, framework):
        issues = lint_framework(fw, run_fixtures(fw, root))
        for issue in issues:
            typer.echo(str(issue))
        total += len(issues)
        typer.echo(f"{fw.id}: {len(issues)} lint issue(s)", err=True)
    if total:
        raise typer.Exit(EXIT_FINDINGS)
