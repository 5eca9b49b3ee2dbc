"""Answers files on disk: plain, stable YAML that diffs well, and the guards of a guided run.

Every string is written double-quoted with JSON escapes (valid YAML), so no text a user
typed can change the file's structure. While `assess run` has a file open it holds a lock
next to it, removes temp files a killed save left behind, and refuses to overwrite a file
that changed on disk since it was read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Iterable, Optional

from .answers import NA_KEY, NOT_APPLICABLE, UNANSWERED, Answer
from .errors import AssessError, Diagnostic
from .limits import ANSWERS_FILE_BYTES
from .yamlio import remove_stale_temp_files

META_ORDER = ("framework", "framework_version", "service", "organisation", "scope", "phase", "respondent", "kind", "date")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(str(value), ensure_ascii=False))


# characters YAML refuses or reads as line breaks even inside quotes (JSON leaves them raw): write \u escapes
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def answers_yaml(meta: dict[str, Any], answers: dict[str, Answer], evidence: dict[str, list[str]],
                 notes: dict[str, str], order: Iterable[str], comments: Optional[dict[str, str]] = None,
                 header: str = "", actions: Optional[dict[str, Any]] = None, tail: str = "") -> str:
    """An answers file. `order` fixes the question order; `comments` go above an answer;
    `actions` (action id -> actions.Recorded) is written back as the `actions:` block; `tail`
    (the decisions and reassessment blocks, already YAML) ends it."""
    lines = [f"# {_comment(line)}" for line in header.splitlines()] if header else []
    lines.append("assessment:")
    for key in META_ORDER:
        if key in meta and meta[key] is not None:
            lines.append(f"  {key}: {scalar(meta[key])}")
    order = list(order)
    comments = comments or {}
    start = len(lines)
    lines.append("answers:")
    for qid in order:
        if qid in comments:
            lines.extend(f"  # {_comment(line)}" for line in str(comments[qid]).splitlines())
        ans = answers.get(qid)
        if ans is None or ans.state == UNANSWERED:
            if qid in comments:
                lines.append(f"  {qid}:")
            continue
        if ans.state == NOT_APPLICABLE:
            lines.append(f"  {qid}:")
            lines.append(f"    {NA_KEY}: {scalar(ans.na_reason)}")
        elif isinstance(ans.value, list):
            lines.append(f"  {qid}: [{', '.join(scalar(v) for v in ans.value)}]")
        else:
            lines.append(f"  {qid}: {scalar(ans.value)}")
    if all(line.lstrip().startswith("#") for line in lines[start + 1:]):
        lines[start] = "answers: {}"   # a bare `answers:` would be null, which the loader refuses
    for name, entries in (("evidence", evidence), ("notes", notes)):
        present = [q for q in order if entries.get(q)] + sorted(q for q in entries if q not in order and entries.get(q))
        if not present:
            continue
        lines.append(f"{name}:")
        for qid in present:
            value = entries[qid]
            if isinstance(value, list):
                if len(value) == 1:
                    lines.append(f"  {qid}: {scalar(value[0])}")
                else:
                    lines.append(f"  {qid}:")
                    lines.extend(f"    - {scalar(v)}" for v in value)
            else:
                lines.append(f"  {qid}: {scalar(value)}")
    if actions:
        lines.append("actions:")
        for aid in sorted(actions):
            rec = actions[aid]
            lines.append(f"  {aid}:")
            fields = (("owner", rec.owner), ("due", rec.due), ("status", rec.status if rec.status != "open" else ""),
                      ("reason", rec.reason))
            written = [f"    {name}: {scalar(value)}" for name, value in fields if value]
            lines.extend(written or ["    status: open"])
    return "\n".join(lines) + "\n" + tail


# ---------------------------------------------------------------- the answers file while `assess run` has it open

def real_file(path: Path) -> Path:
    """The file a path names, through a symlink: where atomic_write puts its temp files."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def lock_file(path: Path) -> Path:
    path = real_file(path)
    return path.with_name(f".{path.name}.lock")


class AnswersLock:
    """One guided run per answers file: an advisory lock held in a file next to it.

    The lock file records the process id for the message a second run shows. Holding it is an
    flock on that file, which the system drops when the process ends in any way (SIGKILL too),
    so a lock left by a run that died is seen as free without guessing from the process id.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.file = lock_file(self.path)
        self._fd: Optional[int] = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise AssessError saying who holds it or why it cannot be made."""
        import fcntl
        while True:
            try:
                fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise AssessError(Diagnostic(str(self.path), 0, "", _folder_problem(self.path.parent, exc))) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise AssessError(Diagnostic(str(self.path), 0, "", f"is open in another `assess run`{holder}; "
                                             f"finish that run first (if none is running, delete {self.file})")) from None
            except OSError as exc:
                os.close(fd)
                raise AssessError(Diagnostic(str(self.path), 0, "", f"cannot lock {self.file}: {exc.strerror or exc}")) from None
            # the previous holder may have removed the file between our open and our flock: lock the one on disk
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.file))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M')}\n".encode())
            self._fd = fd
            remove_stale_temp_files(self.path, everything=True)   # left by a run killed while saving; nobody else writes here now
            return

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.file)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> str:
    try:
        pid, _, since = os.pread(fd, 200, 0).decode("utf-8", "replace").strip().partition(" ")
    except OSError:
        return ""
    return f" (process {pid}, since {since})" if pid.isdigit() and since else ""


def _folder_problem(folder: Path, exc: OSError) -> str:
    """Why no file can be made in `folder`, worded for what actually failed."""
    shown = folder if str(folder) else Path(".")
    if isinstance(exc, FileNotFoundError) and not shown.is_dir():
        return f"folder {shown} does not exist"
    if isinstance(exc, PermissionError):
        return f"cannot write in {shown}: permission denied"
    if isinstance(exc, FileNotFoundError):   # e.g. /proc: the folder is there but refuses new files
        return f"cannot create files in {shown}"
    return f"cannot write in {shown}: {exc.strerror or exc}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disk_digest(path: Path) -> Optional[str]:
    """The hash of the file's bytes now, or None when there is no file."""
    from .yamlio import read_bytes
    if not os.path.exists(path):
        return None
    return digest(read_bytes(path, ANSWERS_FILE_BYTES))   # never a pipe or device, never without end


class ChangedOnDisk(AssessError):
    """The answers file is not what this run last read or wrote: someone else changed it."""


def check_unchanged(path: Path, expected: Optional[str]) -> None:
    """Refuse (ChangedOnDisk) when the file's bytes are not the ones expected (None: no file yet)."""
    now = disk_digest(path)
    if now == expected:
        return
    if expected is None:
        what = "was created by another program since this run began"
    elif now is None:
        what = "was deleted or moved since this run last saved it"
    else:
        what = "was changed by hand or by another program since this run last read or saved it"
    raise ChangedOnDisk(Diagnostic(str(path), 0, "", f"{what}; it was not overwritten"))


def comments_in(text: str) -> list[tuple[int, str]]:
    """Every comment in a YAML text, as (line, text without '#'), found by the YAML parser itself."""
    from ruamel.yaml import YAML
    found: set[tuple[int, str]] = set()

    def collect(token: Any) -> None:
        if isinstance(token, list):
            for t in token:
                collect(t)
        elif token is not None and hasattr(token, "value") and getattr(token, "start_mark", None) is not None:
            first = token.start_mark.line + 1
            value = token.value[1:] if token.value.startswith("\n") else token.value   # the end of the line before
            for offset, line in enumerate(value.split("\n")):
                if line.strip().startswith("#"):
                    found.add((first + offset, line.strip().lstrip("#").strip()))

    def walk(node: Any) -> None:
        ca = getattr(node, "ca", None)
        if ca is not None:
            collect(ca.comment)
            for item in ca.items.values():
                collect(item)
            collect(getattr(ca, "end", None))
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            walk(child)

    try:
        walk(YAML(typ="rt", pure=True).load(text))
    except Exception:   # an unreadable file is reported by the loader, not here
        return []
    return sorted(found)
