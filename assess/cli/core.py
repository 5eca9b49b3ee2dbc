"""Commands over one framework or one answers file: list, show, validate, init, evaluate, schema."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..vocabulary import META_VALUES
from .common import EXIT_FINDINGS, FrameworksDir, SettingsOption, check_output, dirs, fail, handle_errors, write_output


@handle_errors
def frameworks_list(frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """List every framework found: built in, then user folders."""
    from ..errors import AssessError
    from ..frameworks import builtin_root, load_all
    builtin = builtin_root().resolve()
    loaded, problems = load_all(dirs(frameworks_dir))   # list what loads, then report what does not
    for fw in loaded:
        where = "built-in" if fw.root.resolve() == builtin else str(fw.root)
        typer.echo(f"{fw.id}\t{fw.version}\t{fw.info.title}\t({where})")
    if problems:
        raise AssessError(problems)


@handle_errors
def frameworks_show(framework_id: str = typer.Argument(..., metavar="ID"),
                    frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Show a framework's principles, sections and rules."""
    from ..frameworks import find_framework
    fw = find_framework(framework_id, dirs(frameworks_dir))
    typer.echo(f"{fw.info.title} ({fw.id} {fw.version})")
    typer.echo(f"content hash: {fw.hash}")
    typer.echo("scale: " + ", ".join(f"{s.level} {s.name}" for s in fw.info.scale))
    for lens in fw.info.lenses:
        typer.echo(f"\nlens {lens.id}: {lens.title} (weight {lens.weight:g})")
        for p in fw.principles:
            if p.lens == lens.id:
                n = sum(1 for q in fw.questions.values() if any(i.principle == p.id for i in q.informs) and q.scored)
                r = sum(1 for rule in fw.rules if rule.principle == p.id)
                typer.echo(f"  {p.id}: {p.title} ({n} scored questions, {r} rules)")
    typer.echo("\nsections:")
    for s in fw.sections:
        typer.echo(f"  {s.id}: {s.title} ({len(s.questions)} questions)")
    typer.echo(f"\n{len(fw.questions)} questions, {len(fw.rules)} rules, {len(fw.derived)} derived facts")


@handle_errors
def validate(paths: List[Path] = typer.Argument(..., metavar="PATH...", help="Framework folders, questionnaire files, answers files or calibration decisions files."),
             frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Check frameworks and answers files; report every problem with its file and line."""
    from ..errors import AssessError
    from ..validation import validate_path
    problems = []
    for path in paths:
        try:
            typer.echo(validate_path(path, dirs(frameworks_dir)))
        except AssessError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise AssessError(problems)


# the metadata values, as choices; models.META_VALUES is the one list of them
ScopeChoice = Enum("ScopeChoice", {v: v for v in META_VALUES["scope"]}, type=str)
PhaseChoice = Enum("PhaseChoice", {v: v for v in META_VALUES["phase"]}, type=str)


@handle_errors
def init(framework_id: str = typer.Argument(..., metavar="FRAMEWORK"),
         output: Path = typer.Option(..., "--output", "-o", help="Answers file to create, or - for standard output."),
         scope: ScopeChoice = typer.Option("part", "--scope", help="Part of a service, or the whole service."),
         phase: PhaseChoice = typer.Option("live", "--phase", help="The service's phase."),
         force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
         frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Write a commented answers template for a framework."""
    from ..frameworks import find_framework
    from ..template import answers_template
    text = answers_template(find_framework(framework_id, dirs(frameworks_dir)), scope=scope.value, phase=phase.value)
    if str(output) == "-":
        write_output(text, None)
        return
    if output.exists() and not force:
        raise fail(f"{output} already exists; use --force to overwrite it")
    check_output(output, force=force)
    write_output(text, output)
    typer.echo(f"wrote {output}", err=True)


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


class FailOn(str, Enum):
    high = "high"
    medium = "medium"
    low = "low"


class EngineChoice(str, Enum):
    durable = "durable"
    reference = "reference"


@handle_errors
def evaluate(answers: Path = typer.Argument(..., metavar="ANSWERS"),
             format: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
             fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="Exit 1 when a risk finding is at or above this severity."),
             engine: EngineChoice = typer.Option(EngineChoice.durable, "--engine", hidden=True),
             settings: Optional[Path] = SettingsOption,
             frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Evaluate an answers file: levels, RAG and findings as a table or JSON."""
    from ..models import SEVERITY_ORDER
    from ..pipeline import evaluate_file, result_json
    result = evaluate_file(answers, dirs(frameworks_dir), engine.value, settings)
    if format == TableOrJson.json:
        write_output(result_json(result), None)
    else:
        from ..tables import print_result
        print_result(result)
    if fail_on is not None:
        limit = SEVERITY_ORDER[fail_on.value]
        hits = [f for f in result.findings if f.kind == "risk" and SEVERITY_ORDER[f.severity] <= limit]
        if hits:
            typer.echo(f"{len(hits)} finding(s) at or above {fail_on.value} severity", err=True)
            raise typer.Exit(EXIT_FINDINGS)


class SchemaKind(str, Enum):
    result = "result"
    answers = "answers"
    framework = "framework"
    rules = "rules"
    decisions = "decisions"


@handle_errors
def schema(kind: SchemaKind = typer.Argument(..., metavar="KIND", help="result, answers, framework, rules or decisions"),
           framework: Optional[str] = typer.Option(None, "--framework", metavar="ID", show_default=False,
                                                   help="answers only: name this framework's questions and options"),
           frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Print the JSON Schema of a file kind, for editors that validate YAML."""
    from ..schemas import json_schema
    write_output(json.dumps(json_schema(kind.value, framework, dirs(frameworks_dir)), indent=2, sort_keys=True) + "\n", None)
