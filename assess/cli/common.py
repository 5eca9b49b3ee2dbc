"""What every command shares: error handling, common options, output helpers."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Callable, List, Optional

import typer

from ..errors import AssessError, EngineError

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

FrameworksDir = typer.Option(None, "--frameworks-dir", "-F", help="Extra folder of frameworks (questionnaires/, rules/); may repeat.",
                             show_default=False, metavar="DIR")


SettingsOption = typer.Option(None, "--settings", help="YAML file of your organisation's weights and RAG thresholds.",
                              show_default=False, metavar="FILE")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> "typer.Exit":
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def handle_errors(command: Callable) -> Callable:
    """Bad input becomes `file:line: field: message` lines on stderr and exit 2, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AssessError as exc:
            for diag in exc.diagnostics:
                typer.echo(f"error: {diag}", err=True)
            count = len(exc.diagnostics)
            if count > 1:
                typer.echo(f"{count} problems found", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        except EngineError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            typer.echo("\ninterrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(EXIT_OK)
    return wrapper


def dirs(values: Optional[List[Path]]) -> list[Path]:
    return list(values or [])


def write_output(text: str | bytes, output: Optional[Path]) -> None:
    """To a file atomically, or to stdout."""
    if output is None or str(output) == "-":
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        return
    from ..yamlio import atomic_write
    atomic_write(output, text)


def as_of_date(value: Optional[str]) -> "dt.date":
    """A --as-of date as typed, or today when none is given."""
    import datetime as dt
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"--as-of {value!r}: not a date; write it as YYYY-MM-DD") from None
