"""The schema, the database connection and its migrations.

SQLite in a local data folder by default, PostgreSQL by URL. Alembic migrations are the only
way the schema is made or changed; `upgrade` runs them to the newest revision.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Optional

from sqlalchemy import (JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, create_engine,
                        event)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_ENV = "ASSESS_DATABASE_URL"
DEFAULT_DATA_DIR = Path("assess-data")
ROLES = ("owner", "member", "assessor", "viewer")
ROLE_NAMES = {"owner": "owner", "member": "team member", "assessor": "assessor", "viewer": "viewer"}


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoginSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its hash."""
    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Setting(Base):
    """Service-wide values: the cookie-signing secret and the one-time setup token's hash."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AssessmentRow(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework: Mapped[str] = mapped_column(String(80))
    meta: Mapped[dict] = mapped_column(JSON)          # the answers file's `assessment:` block
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Member(Base):
    __tablename__ = "members"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))


class Entry(Base):
    """One question of one assessment: its answer (as the answers file writes it), evidence
    and note. `version` grows with every save, so a save based on an older page is caught."""
    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("assessment_id", "qid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    qid: Mapped[str] = mapped_column(String(80))
    answer: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)   # {"value": ...} or None
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Change(Base):
    """History: who changed which part of which answer, when, from what to what."""
    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    qid: Mapped[str] = mapped_column(String(80))
    part: Mapped[str] = mapped_column(String(20))     # answer | evidence | note | import | meta
    before: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    after: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


def database_url(given: Optional[str], data_dir: Optional[Path] = None) -> str:
    """--database, else the environment variable, else SQLite in the data folder (created)."""
    url = given or os.environ.get(DATABASE_ENV)
    if url:
        return url
    folder = Path(data_dir or DEFAULT_DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'assess.db').resolve()}"


POOL_SIZE = 8           # connections kept open: one per request handled at once (assess serve --threads)
WRITER_WAIT = 30.0      # seconds a save waits for another save's write, as SQLite's own timeout


def connect(url: str, pool_size: int = POOL_SIZE) -> Engine:
    """An engine whose pool keeps `pool_size` connections open, so a server with that many threads
    never opens and closes connections per request (a new PostgreSQL connection costs more than a save)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": WRITER_WAIT, "check_same_thread": False},
                               pool_size=pool_size)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # WAL lets readers and one writer work together; synchronous=NORMAL syncs at checkpoints,
            # not at each commit: a committed save survives a killed process, though not a power cut
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
        one_writer_at_a_time(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size)


def one_writer_at_a_time(engine: Engine) -> None:
    """Make this process's SQLite writers queue on a lock. SQLite lets one connection write at a
    time; a second one that finds the file locked sleeps in growing steps (up to 100 ms) before
    it looks again, so under load a save that needed to wait 2 ms waited 20 to 100 ms. A lock
    wakes the next writer as soon as the last one commits. Other processes still meet SQLite's
    own wait."""
    lock = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection, _cursor, statement, _parameters, _context, _executemany):
        info = connection.info
        if not info.get("writing") and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            info["writing"] = lock.acquire(timeout=WRITER_WAIT)   # on a timeout SQLite's own wait takes over

    def _release(info: dict) -> None:
        if info.pop("writing", False):
            lock.release()

    # released once SQLite has committed or rolled back: the engine's commit and rollback events
    # come before that, and a writer woken then would find the file still locked
    dialect = engine.dialect

    def then_release(step):
        def finish(connection) -> None:
            try:
                step(connection)
            finally:
                try:
                    info = connection.info
                except NotImplementedError:     # the engine's first-connect probe, which never writes
                    return
                _release(info)
        return finish
    dialect.do_commit = then_release(dialect.do_commit)
    dialect.do_rollback = then_release(dialect.do_rollback)
    # a connection given back without commit or rollback (an error mid-request) releases it too
    event.listen(engine, "checkin", lambda _dbapi, record: _release(record.info))


def upgrade(engine: Engine) -> None:
    """Run every migration not yet applied."""
    from alembic import command
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Attachment(Base):
    """A file given as evidence for one question, kept in the database (never under the web root)."""
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    qid: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
