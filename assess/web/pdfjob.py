"""The PDF report, rendered in a separate process with a time limit.

A render takes seconds and much memory; in its own process it never holds up the web
server's threads, and a render that runs past the limit is killed rather than left running.
At most RENDERS run at once; more wait for a place only as long as the time limit allows.
"""
from __future__ import annotations

import multiprocessing
import threading

RENDERS = 2
_places = threading.BoundedSemaphore(RENDERS)


class RenderFailed(Exception):
    pass


def _render(text: str, conn) -> None:
    """In the child: answers file text -> PDF bytes (or an error message) down the pipe."""
    try:
        from ..answers import assessment_from_document
        from ..pipeline import evaluate
        from ..reports import render
        from ..reports.actions import next_level_plan
        from ..yamlio import load_yaml
        assessment = assessment_from_document(load_yaml("assessment.yaml", text))
        data = render(evaluate(assessment), "pdf", framework=assessment.framework, plan=next_level_plan(assessment))
        conn.send((True, data))
    except Exception as exc:    # reported to the person who asked, in one line
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def render_pdf(answers_yaml: str, timeout: float) -> bytes:
    if not _places.acquire(timeout=timeout):
        raise RenderFailed("Reports are busy being made for others. Try again in a minute.")
    try:
        context = multiprocessing.get_context("spawn")   # no copy of the server's threads and sockets
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_render, args=(answers_yaml, send), daemon=True)
        child.start()
        send.close()
        try:
            if not receive.poll(timeout):
                raise RenderFailed(f"The PDF took longer than {timeout:g} seconds and was stopped. "
                                   "Try again later, or make the report with `assess report` from an exported answers file.")
            ok, payload = receive.recv()
        except EOFError:
            raise RenderFailed("The PDF could not be made: the renderer stopped unexpectedly.") from None
        finally:
            if child.is_alive():
                child.kill()
            child.join(5)
            receive.close()
        if not ok:
            raise RenderFailed(f"The PDF could not be made: {payload}")
        return payload
    finally:
        _places.release()
