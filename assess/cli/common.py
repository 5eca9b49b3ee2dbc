"""What every command shares: error handling, common options, output helpers."""
from __future__ import annotations

import functools
import os
import stat
import sys
from pathlib import Path
from typing import Callable, Iterable, List, Optional

import typer

from ..errors import AssessError, EngineError

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

FrameworksDir = typer.Option(None, "--frameworks-dir", "-F", help="Extra folder of frameworks (questionnaires/, rules/); may repeat.",
                             show_default=False, metavar="DIR")


SettingsOption = typer.Option(None, "--settings", help="YAML file of your organisation's weights and RAG thresholds.",
                              show_default=False, metavar="FILE")


ForceOption = typer.Option(False, "--force", help="Replace the output file even if it is read-only or one of this command's inputs.")


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


def check_output(output: Optional[Path], inputs: Iterable[Path] = (), force: bool = False,
                 input_folders: Iterable[Path] = ()) -> None:
    """Before any work is done: the output can land where asked and replaces nothing by mistake.

    Without --force, a file that is also an input of the command (the same file however it is
    spelled: ./a.yaml, a symlink, a hard link) or is read-only is refused. A folder that takes
    no new file is found by making (and removing) a temp file in it, so a long render never
    ends in "permission denied". A file already inside one of `input_folders` (templates or
    frameworks the command reads) counts as an input too."""
    if output is None or str(output) == "-":
        return
    from ..yamlio import probe_folder
    try:
        info: Optional[os.stat_result] = os.stat(output)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise fail(f"-o {output}: cannot write: {exc.strerror or exc}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise fail(f"-o {output}: is a folder; name a file inside it")
    if info is not None and not stat.S_ISREG(info.st_mode):
        return                          # a device or pipe is written into, never replaced
    if info is not None and not force:
        for path in inputs:
            if same_file(output, path):
                raise fail(f"-o {output}: is also an input of this command ({path}); "
                           "write to another file, or give --force to replace it")
        for folder in input_folders:
            if Path(output).resolve().is_relative_to(Path(folder).resolve()):
                raise fail(f"-o {output}: is inside {folder}, which this command reads; "
                           "write to another file, or give --force to replace it")
        if not info.st_mode & 0o222 or not os.access(output, os.W_OK):
            raise fail(f"-o {output}: is read-only; give --force to replace it")
    problem = probe_folder(output)
    if problem:
        raise fail(f"-o {output}: {problem}")


def same_file(a: Path, b: Path) -> bool:
    """One file on disk, however each path spells it (./a.yaml, a symlink, a hard link)."""
    try:
        return os.path.samestat(os.stat(a), os.stat(b))
    except OSError:
        return False


def as_of_date(value: Optional[str]) -> "dt.date":
    """A --as-of date as typed, or today when none is given."""
    import datetime as dt
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"--as-of {value!r}: not a date; write it as YYYY-MM-DD") from None
