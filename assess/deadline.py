"""A wall-clock limit on a block of work, by a timer signal."""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def time_limit(seconds: float, error: Callable[[], BaseException]) -> Iterator[None]:
    """Raise error() inside the block once it has run `seconds`. Only the main thread can take
    the signal. A timer someone already set (a caller's limit, a test runner's) is kept: if it
    is due first it stays in charge, otherwise it is paused and given back what it had left."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outer_left, outer_every = signal.getitimer(signal.ITIMER_REAL) if usable else (0.0, 0.0)
    if not usable or 0 < outer_left <= seconds:
        yield
        return

    def expired(signum, frame):
        raise error()
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3), outer_every)
