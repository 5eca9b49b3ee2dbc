"""The folder board's part of each assessment, kept in memory by content.

The folder page rolls up every assessment in the folder on every view, and evaluating them is
most of its time (bench/web_folders.py). What the board takes from one assessment (its Entry)
depends only on the file name it is shown under, the framework's content and the answers
file the assessment would export, so that text is the key: an edit, a decision or new
evidence changes it, and a changed framework changes its hash. Nothing can be stale.

Entries are kept pickled and unpickled per view, so no request shares objects with another.
One is 9 to 15 kB for the examples, so MOST_KEPT bounds the memory to about 30 MB; the least
recently shown go first. (A folder larger than that gains nothing: each view evicts what the
next one needs.)
"""
from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable

MOST_KEPT = 2000

_kept: OrderedDict[bytes, bytes] = OrderedDict()
_lock = threading.Lock()


def board_entry_of(name: str, session: Any, evaluate: Callable[[Any, str], Any]):
    """The portfolio Entry of `session` shown as `name`, evaluated only if its content is new
    (`evaluate(session, text)`, where text is the session's answers file)."""
    from ..portfolio import board_entry
    text = session.to_yaml()
    key = hashlib.sha256("\0".join((name, session.framework.hash, text)).encode("utf-8")).digest()
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is None:
        kept = pickle.dumps(board_entry(evaluate(session, text), name))
        with _lock:
            _kept[key] = kept
            while len(_kept) > MOST_KEPT:
                _kept.popitem(last=False)
    return pickle.loads(kept)


def forget_all() -> None:
    with _lock:
        _kept.clear()
