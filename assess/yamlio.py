"""Safe YAML reading with line numbers, and atomic file writing.

Files are parsed with ruamel.yaml's round-trip loader (it keeps positions and refuses
duplicate keys), then copied into plain Python values with a map from each path to its
line. The copy is bounded, so alias bombs and huge documents end in a clear error.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .errors import AssessError, Diagnostic

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 50

Path_ = tuple  # a path into a document: keys and list indexes


class Document:
    """Plain data from one YAML file, plus the line of every key and item."""

    def __init__(self, file: str, data: Any, lines: dict[tuple, int]):
        self.file = file
        self.data = data
        self.lines = lines

    def line(self, path: tuple) -> int:
        """Line of the deepest known node on `path` (1-based, 0 if unknown)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 0)

    def diag(self, path: tuple, message: str) -> Diagnostic:
        return Diagnostic(self.file, self.line(path), dotted(path), message)


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text(path: Path | str) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise AssessError(Diagnostic(str(path), 0, "", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"))
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AssessError(Diagnostic(str(path), 0, "", "file not found")) from None
    except IsADirectoryError:
        raise AssessError(Diagnostic(str(path), 0, "", "is a directory, expected a YAML file")) from None
    except PermissionError:
        raise AssessError(Diagnostic(str(path), 0, "", "permission denied")) from None
    except UnicodeDecodeError as exc:
        raise AssessError(Diagnostic(str(path), 0, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")) from None


def load_yaml(path: Path | str, text: str | None = None) -> Document:
    """Parse one YAML file into a Document; any problem is an AssessError naming the line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    file = str(path)
    if text is None:
        text = read_text(path)
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise AssessError(Diagnostic(file, 0, "", f"document is larger than {MAX_FILE_BYTES:,} bytes"))
    yaml = YAML(typ="rt", pure=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # e.g. a reused anchor: legal YAML, not the user's problem
            node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        problem = problem.replace("\n", " ")
        raise AssessError(Diagnostic(file, line, "", f"invalid YAML: {problem}")) from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise AssessError(Diagnostic(file, 0, "", f"invalid YAML: {exc}".replace("\n", " "))) from None
    lines: dict[tuple, int] = {(): 1}
    budget = [MAX_NODES]
    data = _plain(node, (), lines, budget, file, 0)
    return Document(file, data, lines)


def _plain(node: Any, path: tuple, lines: dict, budget: list, file: str, depth: int) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    budget[0] -= 1
    if budget[0] < 0:
        raise AssessError(Diagnostic(file, lines.get(path, 0), dotted(path),
                                     f"document expands to more than {MAX_NODES:,} values (alias bomb?)"))
    if depth > MAX_DEPTH:
        raise AssessError(Diagnostic(file, lines.get(path, 0), dotted(path), f"nested deeper than {MAX_DEPTH} levels"))
    if isinstance(node, CommentedMap):
        out = {}
        for key in node:
            if not isinstance(key, (str, int, bool, float)) or isinstance(key, TaggedScalar):
                raise AssessError(Diagnostic(file, lines.get(path, 0), dotted(path), "mapping keys must be plain text"))
            skey = _plain_scalar(key)
            skey = skey if isinstance(skey, str) else str(skey).lower() if isinstance(skey, bool) else str(skey)
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                line = lines.get(path, 0)
            lines[path + (skey,)] = line
            out[skey] = _plain(node[key], path + (skey,), lines, budget, file, depth + 1)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, item in enumerate(node):
            try:
                lines[path + (i,)] = node.lc.item(i)[0] + 1
            except (KeyError, TypeError, AttributeError):
                lines[path + (i,)] = lines.get(path, 0)
            out_list.append(_plain(item, path + (i,), lines, budget, file, depth + 1))
        return out_list
    if isinstance(node, TaggedScalar) or type(node).__name__ == "TaggedScalar":
        raise AssessError(Diagnostic(file, lines.get(path, 0), dotted(path), f"YAML tags are not allowed ({node.tag})"))
    return _plain_scalar(node)


def _plain_scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else dt.datetime(*value.timetuple()[:6])
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return str(value)


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Write via a temp file in the same folder, fsync, then rename over the target.

    A crash at any moment leaves either the old file or the new one, never a torn one.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise AssessError(Diagnostic(str(path), 0, "", f"folder {folder} does not exist")) from None
    except PermissionError:
        raise AssessError(Diagnostic(str(path), 0, "", f"cannot write in {folder}: permission denied")) from None
    except OSError as exc:
        raise AssessError(Diagnostic(str(path), 0, "", f"cannot write: {exc.strerror}")) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise AssessError(Diagnostic(str(path), 0, "", f"cannot write: {exc.strerror or exc}; the previous file is unchanged")) from None
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
