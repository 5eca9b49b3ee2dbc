"""Commands for framework authors: test-rules and lint."""
from __future__ import annotations

from pathlib import Path

import typer

from .common import EXIT_FINDINGS, handle_errors


@handle_errors
def test_rules(root: Path = typer.Argument(..., metavar="FRAMEWORK_DIR", help="Folder with questionnaires/, rules/ and tests/rules/."),
               verbose: bool = typer.Option(False, "--verbose", "-v", help="List every fixture, not only failures.")) -> None:
    """Run every rule fixture (tests/rules/<rule-id>/fires*.yaml and silent*.yaml)."""
    from ..fixtures import fixture_diagnostics, run_fixtures
    from ..frameworks import frameworks_in
    failed = False
    for fw in frameworks_in(root):
        report = run_fixtures(fw, root)
        for line in report.missing:
            typer.echo(f"MISSING {line}", err=True)
        for diag in fixture_diagnostics(report):
            typer.echo(f"FAIL {diag}", err=True)
        if verbose:
            for o in report.outcomes:
                if o.passed:
                    typer.echo(f"ok   {o.rule}: {Path(o.file).name} ({'fires' if o.expect_fire else 'silent'})")
        passed = sum(1 for o in report.outcomes if o.passed)
        typer.echo(f"{fw.id}: {len(fw.rules)} rules, {passed} of {len(report.outcomes)} fixtures passed"
                   + (f", {len(report.missing)} missing" if report.missing else ""))
        failed |= not report.passed
    if failed:
        raise typer.Exit(EXIT_FINDINGS)


@handle_errors
def lint(root: Path = typer.Argument(..., metavar="FRAMEWORK_DIR")) -> None:
    """Report unused questions, rules that never fire, thin principles, caps that never lift, bad references."""
    from ..fixtures import run_fixtures
    from ..frameworks import frameworks_in
    from ..lint import lint as lint_framework
    total = 0
    for fw in frameworks_in(root):
        issues = lint_framework(fw, run_fixtures(fw, root))
        for issue in issues:
            typer.echo(str(issue))
        total += len(issues)
        typer.echo(f"{fw.id}: {len(issues)} lint issue(s)", err=True)
    if total:
        raise typer.Exit(EXIT_FINDINGS)
