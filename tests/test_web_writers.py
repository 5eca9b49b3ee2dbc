"""The database engine the web service uses: writers in one process queue on a lock (SQLite),
and the pool keeps as many connections as the server has threads."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session as Db

from assess.web.store import Setting, connect, upgrade

WAIT = 10.0      # generous: only reached when the behaviour under test is broken


@pytest.fixture
def engine(tmp_path):
    """SQLite's own wait turned off, so only the process's queue can make a second writer wait
    (without it the second writer fails at once with "database is locked")."""
    engine = connect(f"sqlite:///{tmp_path / 'writers.db'}")

    @event.listens_for(engine, "connect")
    def _no_sqlite_wait(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=0")
    upgrade(engine)
    yield engine
    engine.dispose()


def write_in_thread(engine, key: str, started: threading.Event, done: threading.Event, failures: list) -> threading.Thread:
    def run():
        try:
            with Db(engine) as db:
                started.set()
                db.execute(insert(Setting).values(key=key, value="second"))
                db.commit()
            done.set()
        except Exception as exc:   # reported by the test, not lost in the thread
            failures.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(engine):
    started, done, failures = threading.Event(), threading.Event(), []
    with Db(engine) as first:
        first.execute(insert(Setting).values(key="a", value="first"))     # holds the write, not committed
        thread = write_in_thread(engine, "b", started, done, failures)
        assert started.wait(WAIT)
        assert not done.wait(0.3), "the second writer wrote while the first had not committed"
        first.commit()
    thread.join(WAIT)
    assert done.is_set() and not failures
    with Db(engine) as db:
        assert dict(db.execute(select(Setting.key, Setting.value)).all()) == {"a": "first", "b": "second"}


def test_the_next_writer_is_woken_only_once_the_commit_is_made(engine):
    """The engine's commit event comes before SQLite commits; a writer woken there would find the
    file still locked (and, with SQLite's wait off, fail)."""
    started, done, failures, early = threading.Event(), threading.Event(), [], []
    with Db(engine) as first:
        first.execute(insert(Setting).values(key="a", value="first"))
        thread = write_in_thread(engine, "b", started, done, failures)
        assert started.wait(WAIT)

        @event.listens_for(engine, "commit")
        def _while_committing(_connection):
            early.append(done.wait(0.3) or bool(failures))    # time for a writer woken too soon to try
        first.commit()
    thread.join(WAIT)
    assert early and not any(early)
    assert done.is_set() and not failures


@pytest.mark.parametrize("ending", ["rollback", "close"])
def test_a_writer_that_rolls_back_or_is_closed_lets_the_next_one_write(engine, ending):
    started, done, failures = threading.Event(), threading.Event(), []
    first = Db(engine)
    first.execute(insert(Setting).values(key="a", value="first"))
    thread = write_in_thread(engine, "b", started, done, failures)
    assert started.wait(WAIT)
    if ending == "rollback":
        first.rollback()
    else:
        first.close()       # as after an error mid-request: the connection goes back to the pool
    thread.join(WAIT)
    assert done.is_set() and not failures
    with Db(engine) as db:
        assert dict(db.execute(select(Setting.key, Setting.value)).all()) == {"b": "second"}


def test_the_pool_keeps_one_connection_per_server_thread(tmp_path):
    from assess.web.app import create_app
    app = create_app(f"sqlite:///{tmp_path / 'pool.db'}", clock=lambda: dt.datetime(2026, 11, 28), threads=12)
    assert app.config["ENGINE"].pool.size() == 12


def test_serve_moves_what_startup_made_out_of_the_collector():
    import gc

    from assess.cli.serve import keep_startup_out_of_gc
    try:
        keep_startup_out_of_gc()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
