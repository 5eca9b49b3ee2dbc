"""A cache of loaded frameworks on disk, so that commands do not re-parse the same YAML each time.

Parsing and checking a framework's YAML takes most of a second in pure Python; reading back
the checked framework takes about a hundredth of that. An entry is kept per framework
questionnaire path and holds the framework's content hash (framework_hash: every file's
name and bytes) and the code version, so an edited framework, an edit to this package or a
new pydantic or Python is a miss and the framework is read afresh. Only frameworks that
loaded without a problem are ever written, so errors are always reported from the YAML.

The folder is $ASSESS_CACHE_DIR, else $XDG_CACHE_HOME/assess/frameworks, else
~/.cache/assess/frameworks; ASSESS_CACHE_DIR=off turns the cache off. Entries are pickles,
trusted the way Python trusts its own __pycache__: only files owned by this user in a folder
nobody else may write are read. An entry that is unreadable, corrupt, from another version or
for other content is ignored and rewritten; a cache that cannot be written is no error.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

ENV_DIR = "ASSESS_CACHE_DIR"
MAGIC = b"assess framework cache 1\n"


def cache_dir() -> Optional[Path]:
    """The folder for entries, or None when the cache is turned off."""
    chosen = os.environ.get(ENV_DIR, "")
    if chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "assess" / "frameworks"
    home = os.path.expanduser("~")   # XDG: a relative value is ignored
    return Path(home) / ".cache" / "assess" / "frameworks" if os.path.isabs(home) else None   # no home: no cache


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of this package's source files and of the libraries whose objects an entry holds.

    A source file counts by its name, size and modification time, as Python's own bytecode
    cache tells an edited source: reading every file's bytes instead cost each command more
    than the cached framework saves it in reading."""
    import pydantic
    import pydantic_core

    from . import __version__
    package = os.path.dirname(os.path.realpath(__file__))
    digest = hashlib.sha256(f"{__version__}|{sys.version}|{pydantic.VERSION}|{pydantic_core.__version__}".encode())
    sources = sorted(os.path.relpath(os.path.join(folder, name), package).replace(os.sep, "/")
                     for folder, _, names in os.walk(package) for name in names if name.endswith(".py"))
    for source in sources:   # os.walk, not Path.rglob: compiling rglob's pattern alone took milliseconds
        info = os.stat(os.path.join(package, source))
        digest.update(f"{source}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _entry_path(folder: Path, questionnaire: Path) -> Path:
    # one entry per questionnaire path as given (diagnostics and sources name files that way)
    return folder / (hashlib.sha256(os.fsencode(str(questionnaire))).hexdigest()[:32] + ".pickle")


def _header(content_hash: str) -> bytes:
    return MAGIC + f"{code_version()} {content_hash}\n".encode()


def _trusted(path: Path, info: os.stat_result) -> bool:
    """Owned by us and not writable by anyone else (the same test for the folder)."""
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(questionnaire: Path, content_hash: str, expected: type) -> Any:
    """The cached framework for this questionnaire and content, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    path = _entry_path(folder, questionnaire)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _trusted(path, info) or not _trusted(folder, os.stat(folder)):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    header = _header(content_hash)
    if not data.startswith(header):
        return None
    try:
        value = pickle.loads(data[len(header):])
    except Exception:   # noqa: BLE001 - any damage to the file means: read the YAML instead
        return None
    if not isinstance(value, expected) or getattr(value, "hash", None) != content_hash:
        return None
    return value


def write(questionnaire: Path, content_hash: str, value: Any) -> None:
    """Keep a cleanly loaded framework; silently does nothing when the cache cannot be written."""
    from .errors import AssessError
    from .yamlio import atomic_write
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(folder, os.stat(folder)):
            return
        payload = _header(content_hash) + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(_entry_path(folder, questionnaire), payload)
    except (OSError, AssessError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return


def load_through(questionnaire: Path, content_hash: str, expected: type, load: Callable[[], Any]) -> Any:
    """The cached framework, or `load()` (which raises on any problem) kept for next time."""
    cached = read(questionnaire, content_hash, expected)
    if cached is not None:
        return cached
    value = load()
    if getattr(value, "hash", None) == content_hash:   # unchanged while it was read
        write(questionnaire, content_hash, value)
    return value
