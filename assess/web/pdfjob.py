"""PDFs (the report, the board pack, a folder's portfolio board), each rendered in a separate
process with a time limit.

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


def _in_child(make, args: tuple, conn) -> None:
    """In the child: make(*args) -> PDF bytes (or an error message) down the pipe."""
    try:
        conn.send((True, make(*args)))
    except Exception as exc:    # reported to the person who asked, in one line
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _assessment(text: str):
    from ..answers import assessment_from_document
    from ..yamlio import load_yaml
    return assessment_from_document(load_yaml("assessment.yaml", text))


def report(text: str, brief: bool = False) -> bytes:
    """An answers file's full report, or its board pack (`assess report --brief`)."""
    from ..pipeline import evaluate
    from ..reports import render
    assessment = _assessment(text)
    result = evaluate(assessment)
    from ..actions import tracked_actions
    tracked = tracked_actions(assessment, result)
    if brief:
        from ..reports.brief import render_brief
        return render_brief(result, "pdf", assessment.framework, tracked)
    from ..reports.actions import next_level_plan
    return render(result, "pdf", framework=assessment.framework, plan=next_level_plan(assessment), tracked=tracked)


def board(named_texts: list[tuple[str, str]], as_of: str, title: str) -> bytes:
    """The portfolio board (`assess portfolio`) of several answers files, as at a date."""
    import datetime as dt

    from ..board import render_pdf
    from ..pipeline import evaluate
    reads = [(name, lambda name=name, text=text: (name, evaluate(_assessment(text)))) for name, text in named_texts]
    return render_pdf("portfolio.html.j2", dict(folder_board(reads, dt.date.fromisoformat(as_of)), title=title))


def folder_board(reads: list, as_of) -> dict:
    """A folder's board as the templates take it, from (name, read) pairs: read() gives the
    assessment's Entry or (name, Result); one whose content no longer loads is listed as left out."""
    from ..errors import AssessError
    from ..portfolio import Skipped, board_context, build_portfolio
    evaluated, skipped = [], []
    for name, read in reads:
        try:
            evaluated.append(read())
        except AssessError as exc:
            skipped.append(Skipped(file=name, problems=[f"{name}: {d.message}" for d in exc.diagnostics]))
    return board_context(build_portfolio(evaluated, skipped, as_of=as_of),
                         skipped_named="opening each from this folder's list of assessments says what is wrong with it")


REPORT_INSTEAD = "make the report with `assess report` from an exported answers file"


def run(make, args: tuple, timeout: float, instead: str = REPORT_INSTEAD) -> bytes:
    """make(*args) in a new process, stopped after `timeout` seconds (RenderFailed says why);
    `instead` tells the person the command that makes the same PDF without the time limit."""
    if not _places.acquire(timeout=timeout):
        raise RenderFailed("Reports are busy being made for others. Try again in a minute.")
    try:
        context = multiprocessing.get_context("spawn")   # no copy of the server's threads and sockets
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_in_child, args=(make, args, send), daemon=True)
        child.start()
        send.close()
        try:
            if not receive.poll(timeout):
                raise RenderFailed(f"The PDF took longer than {timeout:g} seconds and was stopped. "
                                   f"Try again later, or {instead}.")
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
