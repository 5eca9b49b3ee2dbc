"""Safe YAML reading with line numbers, and atomic file writing.

Only regular files are read, and never more than the byte limit. ruamel.yaml composes the
document into nodes (syntax only: no constructor ever runs, so no tag can build an object);
hooks in its scanner and composer count every value as it is composed, aliases at their
expanded size, and refuse explicit tags and deep nesting at the line where they occur. The
nodes are then copied into plain Python values with a map from each path to its line.
"""
from __future__ import annotations

import datetime as dt
import errno
import functools
import math
import os
import re
import stat
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Optional

from .errors import AssessError, Diagnostic
from .limits import ANY_FILE_BYTES as MAX_FILE_BYTES, MAX_DEPTH, MAX_VALUES

# Pure-Python YAML parsing runs at roughly 1 MB and 30,000 values a second on a busy core;
# the limits (assess/limits.py) keep every refusal within seconds and well under a hundred megabytes.

_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP, _MERGE = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int", "float", "timestamp", "merge"))


class Document:
    """Plain data from one YAML file, plus the line of every key and item."""

    def __init__(self, file: str, data: Any, lines: dict[tuple, int], raw: bytes = b""):
        self.file = file
        self.data = data
        self.lines = lines
        self.raw = raw      # the bytes parsed, so a hash covers exactly what was checked

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


# ---------------------------------------------------------------- reading

_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_unless_regular(file: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise AssessError(Diagnostic(file, 0, "", "is a directory, expected a file"))
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
        raise AssessError(Diagnostic(file, 0, "", f"is {kind}, not a regular file; save the content to a file and give its name"))


def _too_big(file: str, limit: int, size: Optional[int] = None) -> AssessError:
    what = f"file is {size:,} bytes" if size is not None else f"file is larger than {limit:,} bytes"
    return AssessError(Diagnostic(file, 0, "", f"{what}; the limit is {limit:,}"))


def read_bytes(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is an AssessError.

    Every file the engine reads comes through here (answers, questionnaires, rules, fixtures,
    settings, saved results), each kind with its limit from assess/limits.py.

    The type is checked before opening (so a device or pipe is never opened) and again on the
    open descriptor, and at most limit + 1 bytes are read, so a file that grows or lies about
    its size cannot make us read without end.
    """
    file = str(path)
    try:
        _refuse_unless_regular(file, os.stat(file).st_mode)
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise AssessError(Diagnostic(file, 0, "", "file not found")) from None
    except PermissionError:
        raise AssessError(Diagnostic(file, 0, "", "permission denied")) from None
    except OSError as exc:
        raise AssessError(Diagnostic(file, 0, "", f"cannot read: {exc.strerror or exc}")) from None
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(file, info.st_mode)
        if info.st_size > limit:
            raise _too_big(file, limit, info.st_size)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, limit + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise _too_big(file, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise AssessError(Diagnostic(file, 0, "", f"cannot read: {exc.strerror or exc}")) from None
    finally:
        os.close(fd)


def _wide_encoding(data: bytes) -> Optional[str]:
    """UTF-32 or UTF-16, told by the byte order mark or by the zero bytes around the first two
    characters (YAML text starts with ASCII)."""
    head = data[:4]
    zero = tuple(b == 0 for b in head)
    if head in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or zero in ((False, True, True, True), (True, True, True, False)):
        return "UTF-32"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or zero in ((False, True, False, True), (True, False, True, False)):
        return "UTF-16"
    return None


def decode(file: str, data: bytes) -> str:
    """UTF-8 text, or an AssessError naming the line of the first bad byte."""
    if (wide := _wide_encoding(data)) is not None:
        raise AssessError(Diagnostic(file, 1, "", f"is {wide} text; save it as UTF-8"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AssessError(Diagnostic(file, line, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")) from None


def read_text(path: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    return decode(str(path), read_bytes(path, limit))


# Lone surrogates are not characters: a YAML escape ("\\udfff") or a terminal's undecodable
# bytes can make one, and no UTF-8 file, report or JSON can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_problem(text: str) -> Optional[str]:
    """Why `text` cannot be written as UTF-8, or None."""
    m = _SURROGATE.search(text)
    return None if m is None else f"contains U+{ord(m.group()):04X}, a lone surrogate that is not a character and cannot be saved as UTF-8; remove it"


# ---------------------------------------------------------------- parsing

class _Refused(Exception):
    """Raised inside the composer; load_yaml turns it into a diagnostic for the file."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _Alias:
    """An alias in the node tree: the node it names, and the line where it was written."""
    __slots__ = ("node", "line")

    def __init__(self, node: Any, line: int):
        self.node, self.line = node, line


def _written_tag(tag: Any) -> str:
    return f"{tag.handle}{tag.suffix}" if getattr(tag, "handle", None) else (str(tag) if str(tag) == "!" else f"!<{tag}>")


@functools.lru_cache(maxsize=1)
def _bounded_parts() -> tuple[type, type]:
    """A scanner and a composer for ruamel.yaml that stop at the first value over a limit."""
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent
    from ruamel.yaml.scanner import Scanner

    class BoundedScanner(Scanner):
        """Stops deep flow nesting (`[[[[`) as it is read: the scanner looks far ahead inside it."""

        def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
            if len(self.flow_context) >= MAX_DEPTH:
                raise _Refused(self.reader.line + 1, f"nested deeper than {MAX_DEPTH} levels")
            super().fetch_flow_collection_start(TokenClass, to_push)

    class BoundedComposer(Composer):
        """Counts values as they are composed and stops at the first one over a limit."""

        def __init__(self, loader: Any = None) -> None:
            super().__init__(loader)
            self.values = 0
            self.sizes: dict[int, int] = {}   # id(anchored node) -> its size with aliases expanded

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            line = event.start_mark.line + 1
            if isinstance(event, AliasEvent):
                self.parser.get_event()
                node = self.anchors.get(event.anchor)
                if node is None:
                    raise _Refused(line, f"alias *{event.anchor} names no anchor defined before it")
                size = self.sizes.get(id(node))
                if size is None:
                    raise _Refused(line, f"alias *{event.anchor} is inside the value it names (a loop)")
                self._count(size, line, f"alias *{event.anchor} expands the document to more than {MAX_VALUES:,} values")
                return _Alias(node, line)
            if event.ctag is not None:
                raise _Refused(line, f"YAML tags are not allowed ({_written_tag(event.ctag)}); write the plain value")
            if self.depth >= MAX_DEPTH:
                raise _Refused(line, f"nested deeper than {MAX_DEPTH} levels")
            self._count(1, line, f"document has more than {MAX_VALUES:,} values")
            before = self.values
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self.sizes[id(node)] = self.values - before + 1
            return node

        def _count(self, n: int, line: int, message: str) -> None:
            self.values += n
            if self.values > MAX_VALUES:
                raise _Refused(line, message)

    return BoundedScanner, BoundedComposer


def load_yaml(path: Path | str, text: str | None = None, limit: int = MAX_FILE_BYTES) -> Document:
    """Parse one YAML file (of at most `limit` bytes) into a Document; any problem is an
    AssessError naming the line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    file = str(path)
    if text is None:
        raw = read_bytes(path, limit)
        text = decode(file, raw)
    else:
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) > limit:
            raise _too_big(file, limit)
    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner, yaml.Composer = _bounded_parts()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # e.g. a reused anchor: legal YAML, not the user's problem
            root = yaml.compose(text)
    except _Refused as exc:
        raise AssessError(Diagnostic(file, exc.line, "", exc.message)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise AssessError(Diagnostic(file, mark.line + 1 if mark else 0, "", f"invalid YAML: {problem}".replace("\n", " "))) from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise AssessError(Diagnostic(file, line, "", f"invalid YAML: the character {what} is not allowed in YAML text")) from None
    except YAMLError as exc:
        raise AssessError(Diagnostic(file, 0, "", f"invalid YAML: {exc}".replace("\n", " "))) from None
    lines: dict[tuple, int] = {(): 1}
    data = _Copier(file, lines).value(root, ()) if root is not None else None
    return Document(file, data, lines, raw)


class _Copier:
    """Copies composed nodes into plain values, recording the line of every key and item."""

    def __init__(self, file: str, lines: dict[tuple, int]):
        self.file, self.lines = file, lines

    def refuse(self, line: int, path: tuple, message: str) -> AssessError:
        return AssessError(Diagnostic(self.file, line, dotted(path), message))

    def value(self, node: Any, path: tuple) -> Any:
        from ruamel.yaml.nodes import MappingNode, SequenceNode
        if isinstance(node, _Alias):
            node = node.node
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.lines[path + (i,)] = _line(item)
                out.append(self.value(item, path + (i,)))
            return out
        value = _scalar(node)
        if isinstance(value, str) and (problem := surrogate_problem(value)) is not None:
            raise self.refuse(_line(node), path, problem)
        return value

    def mapping(self, node: Any, path: tuple) -> dict:
        out: dict[str, Any] = {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            line = _line(key_node)
            if _is_merge(key_node):
                merged.extend(self.merge_sources(value_node, line, path))
                continue
            key = self.key(key_node, line, path)
            if key in out:
                raise self.refuse(line, path + (key,), f"duplicate key {key!r}; first at line {self.lines[path + (key,)]}")
            self.lines[path + (key,)] = line
            out[key] = self.value(value_node, path + (key,))
        for source in merged:   # `<<: *base`: keys written here win over merged ones
            for key_node, value_node in source.value:
                key = self.key(key_node, _line(key_node), path)
                if key not in out:
                    self.lines[path + (key,)] = _line(key_node)
                    out[key] = self.value(value_node, path + (key,))
        return out

    def merge_sources(self, value_node: Any, line: int, path: tuple) -> list:
        from ruamel.yaml.nodes import MappingNode, SequenceNode
        target = value_node.node if isinstance(value_node, _Alias) else value_node
        sources = [s.node if isinstance(s, _Alias) else s for s in target.value] if isinstance(target, SequenceNode) else [target]
        if not all(isinstance(s, MappingNode) for s in sources):
            raise self.refuse(line, path, "a merge key (<<) must name a mapping or a list of mappings")
        return sources

    def key(self, key_node: Any, line: int, path: tuple) -> str:
        from ruamel.yaml.nodes import ScalarNode
        node = key_node.node if isinstance(key_node, _Alias) else key_node
        key = _scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(key, str) and (problem := surrogate_problem(key)) is not None:
            raise self.refuse(line, path, f"a key {problem}")
        if isinstance(key, bool):
            return str(key).lower()
        if not isinstance(key, (str, int, float)):
            raise self.refuse(line, path, "mapping keys must be plain text")
        return str(key)


def _line(node: Any) -> int:
    return node.line if isinstance(node, _Alias) else node.start_mark.line + 1


def _is_merge(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode
    return isinstance(node, ScalarNode) and str(node.tag) == _MERGE


def _scalar(node: Any) -> Any:
    """The plain value of a scalar under the YAML 1.2 core schema, plus dates.

    A value that looks like a number or date but is not a real one (2026-02-30) stays text,
    so the field it belongs to reports it like any other wrong value.
    """
    tag, text = str(node.tag), node.value
    try:
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() in ("true", "yes", "y", "on")
        if tag == _INT:
            return _integer(text)
        if tag == _FLOAT:
            return _float(text)
        if tag == _TIMESTAMP:
            return _timestamp(text)
    except (ValueError, OverflowError):
        return text
    return text


def _integer(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)


def _float(text: str) -> float:
    digits = text.replace("_", "").lower()
    if digits.lstrip("+-") == ".inf":
        return -math.inf if digits.startswith("-") else math.inf
    if digits == ".nan":
        return math.nan
    return float(digits)


def _timestamp(text: str) -> dt.date | dt.datetime:
    from ruamel.yaml.util import create_timestamp, timestamp_regexp
    match = timestamp_regexp.match(text)
    if match is None:
        raise ValueError(text)
    value = create_timestamp(**match.groupdict())
    if isinstance(value, dt.datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else dt.datetime(*value.timetuple()[:6])
    return value


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------- writing

def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Replace a file's content so that a crash leaves either the old bytes or the new ones.

    A regular file is written via a temp file in its folder, fsync, then rename; through a
    symlink, the file it points to is replaced and the link kept; temp files an earlier write of
    the same file left when it was killed are removed first. An existing device or pipe
    (e.g. /dev/null, /dev/stdout) is written into directly, never replaced. A directory is
    refused.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise AssessError(Diagnostic(str(path), 0, "", f"cannot write: {exc.strerror or exc}")) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise AssessError(Diagnostic(str(path), 0, "", "is a directory; give a file name"))
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_into(path, target, payload)
    else:
        _replace(path, target, payload, info)


def _write_into(path: Path, target: Path, payload: bytes) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as exc:
        raise AssessError(Diagnostic(str(path), 0, "", f"cannot write: {exc.strerror or exc}")) from None


def _replace(path: Path, target: Path, payload: bytes, previous: Optional[os.stat_result]) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    kept = "; the previous file is unchanged" if previous is not None else "; nothing was written"

    def failed(exc: OSError, what: str = "cannot write") -> AssessError:
        reason = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM) else (exc.strerror or str(exc))
        return AssessError(Diagnostic(str(path), 0, "", f"{what}: {reason}{kept}"))

    remove_stale_temp_files(target)
    try:
        fd, tmp = _temp_file(target)
    except FileNotFoundError:
        # an existing folder that takes no new files (/proc, say) raises this too
        reason = f"cannot create files in {folder}" if folder.is_dir() else f"folder {folder} does not exist"
        raise AssessError(Diagnostic(str(path), 0, "", reason)) from None
    except OSError as exc:
        raise failed(exc, f"cannot write in {folder}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, previous.st_mode & 0o7777 if previous is not None else 0o644)
        if previous is not None:
            _keep_owner(tmp, previous)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise failed(exc) from None
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _keep_owner(tmp: str, previous: os.stat_result) -> None:
    """A file rewritten by another user (e.g. root) keeps its owner, where we may set it."""
    if (previous.st_uid, previous.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(tmp, previous.st_uid, previous.st_gid)
        except OSError:
            pass


# ---------------------------------------------------------------- temp files of atomic_write

STALE_AFTER = 3600      # seconds: a write takes far less; an older temp file of ours was left by a crash


def _temp_file(target: Path) -> tuple[int, str]:
    """.NAME.PID-XXXXXXXX.tmp beside the target: the writer's process id tells a later write
    whether the file is still being written."""
    folder = target.parent if str(target.parent) else Path(".")
    return tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=folder)


def stale_temp_files(path: Path, everything: bool = False) -> list[Path]:
    """Temp files atomic_write made for `path` (also the older .NAME.XXXXXXXX.tmp naming) that a
    killed writer left: those whose writer process is gone or that are older than STALE_AFTER.
    With `everything`, all of them (for a caller that knows nobody else writes the file)."""
    path = Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?:(\d+)-)?[A-Za-z0-9_]{{8}}\.tmp")
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if everything or time.time() - info.st_mtime > STALE_AFTER or _gone(match.group(1)):
            found.append(entry)
    return sorted(found)


def _gone(pid: Optional[str]) -> bool:
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:                 # alive, under another user
        return False
    return False


def remove_stale_temp_files(path: Path, everything: bool = False) -> int:
    removed = 0
    for tmp in stale_temp_files(path, everything):
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def probe_folder(path: Path | str) -> str:
    """Why atomic_write could not put `path` in its folder, or "" when it can: tried by making
    and removing one of its temp files there."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        return f"the folder {folder} does not exist; create it first"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    try:
        fd, tmp = _temp_file(target)
    except FileNotFoundError:           # an existing folder that takes no new files (/proc, say)
        return f"cannot create files in {folder}"
    except OSError as exc:
        reason = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM) else (exc.strerror or str(exc))
        return f"cannot write in {folder}: {reason}"
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:
        pass
    return ""
