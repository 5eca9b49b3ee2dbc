"""Stopping a guided run: Ctrl-C, SIGTERM and SIGHUP all end it the same, reliable way.

While a prompt is up, prompt_toolkit reads Ctrl-C as a key and questionary ends the prompt with
KeyboardInterrupt. A Ctrl-C typed in the gap between two prompts, or while one starts or winds
down, arrives as SIGINT instead. Left to prompt_toolkit it could be lost: its asyncio handler
only queues the signal, and a signal queued as the prompt ends is dropped once the handler is
removed. So prompts run without prompt_toolkit's SIGINT handling, and one handler, installed
for the whole run (also over a SIGINT inherited as ignored), takes SIGINT, SIGTERM and SIGHUP:
it records the signal, ends a running prompt, and raises `Stop` in the gaps - except while the
answers file is being written, which finishes first. Every prompt checks for a recorded signal
before it starts and after it ends.
"""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator, Optional

SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)
NAMES = {signal.SIGINT: "Ctrl-C"} | {s: signal.Signals(s).name for s in SIGNALS if s != signal.SIGINT}


class Stop(KeyboardInterrupt):
    """The run is to end now; `signum` says why (SIGINT for Ctrl-C or end of input)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(NAMES.get(signum, str(signum)))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class Interrupts:
    def __init__(self) -> None:
        self.pending: Optional[int] = None
        self._app: Any = None
        self._holding = 0
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.pending is None:
            self.pending = signum
        if self._holding:
            return   # the save in progress completes; `holding` raises when it is done
        app = self._app
        loop = getattr(app, "loop", None) if app is not None else None
        if loop is not None:
            # inside the prompt's event loop: end the prompt from the loop, which restores the terminal
            try:
                loop.call_soon_threadsafe(_end, app)
                return
            except RuntimeError:   # the loop has just closed: the prompt is over
                pass
        raise Stop(self.pending)

    def check(self) -> None:
        if self.pending is not None:
            raise Stop(self.pending)

    def forget(self) -> None:
        """Clear a recorded signal, to ask one last question (e.g. where to save) after it."""
        self.pending = None

    @contextmanager
    def holding(self) -> Iterator[None]:
        """No stop inside this block (a file being written); a signal that came meanwhile stops after it."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding:
            self.check()

    def ask(self, question: Any) -> Any:
        """Run one questionary question; a signal before, during or just after it raises Stop."""
        self.check()
        if question.should_skip_question:
            return question.default
        app = question.application
        self._app = app
        try:
            answer = app.run(handle_sigint=False)   # signals stay with `_on_signal`
        except EOFError:   # input closed (the terminal went away): stop as for a hang-up
            if self.pending is None:
                self.pending = getattr(signal, "SIGHUP", signal.SIGINT)
            raise Stop(self.pending) from None
        except KeyboardInterrupt:
            raise Stop(self.pending if self.pending is not None else signal.SIGINT) from None
        finally:
            self._app = None
        self.check()
        return answer


def _end(app: Any) -> None:
    future = getattr(app, "future", None)
    if app.is_running and future is not None and not future.done():
        app.exit(exception=KeyboardInterrupt, style="class:aborting")
