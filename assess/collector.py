"""Python's cycle collector around a bulk read of many results.

A portfolio of 10,000 saved results keeps about a million objects. While they pile up, the
collector rescans them every time the heap grows by a quarter, and each of those passes, and
every later one (WeasyPrint's layout of the board allocates a great deal), visits all of them:
at 10,000 results that was about a third of the reading's CPU and over a second of the PDF
layout (bench/portfolio_scale.py). Reading saved results leaves no reference cycles to
collect, so while they are read the collector is paused, and what was kept is then frozen:
moved out of sight of every later collection. Frozen before workers are forked as well, a
worker does not copy the parent's pages by scanning them. Answers files are another matter:
parsing one leaves about a hundred objects in cycles (the YAML reader's), which a pause would
keep until the command ends, so `assess portfolio` pauses only when every file is a saved result.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def bulk_read() -> Iterator[None]:
    """Pause the cycle collector in this process; on leaving, freeze what is left and
    resume it. For a command that reads many results and then works on them to the end:
    what is frozen is never collected, so not for a long-running server."""
    was_enabled = gc.isenabled()
    gc.freeze()      # what is here already (modules, frameworks) is as long-lived as the process
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def in_forked_worker() -> None:
    """A worker forked during bulk_read collects its own garbage as usual: it holds one batch
    at a time, and the parent's frozen objects are not scanned."""
    gc.enable()
