"""A web app on a throwaway SQLite database with a pinned clock, and clients that sign in."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import uuid

import pytest

from sqlalchemy.orm import Session as Db

from assess.web import auth
from assess.web.app import create_app

START = dt.datetime(2026, 11, 28, 9, 0, 0)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    def __init__(self, now: dt.datetime = START):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


POSTGRES_ENV = "ASSESS_TEST_POSTGRES_URL"    # set by scripts/with-postgres.sh
DATABASES = ["sqlite", "postgresql"]


@contextlib.contextmanager
def database(kind: str, tmp_path):
    """A new, empty database of `kind` for one test, dropped after it."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'web.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"no PostgreSQL server: run the tests under scripts/with-postgres.sh (sets {POSTGRES_ENV})")
    from sqlalchemy import create_engine, text
    name = f"assess_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        from sqlalchemy.orm import close_all_sessions
        close_all_sessions()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, clock: Clock):
    app = create_app(url, clock=clock, pdf_timeout=120)
    app.config["TESTING"] = True
    app.config["PREFERRED_URL_SCHEME"] = "https"   # test requests go to https://localhost: cookies are Secure
    return app


def client(app):
    return app.test_client()


def csrf_of(page) -> str:
    match = CSRF.search(page.get_data(as_text=True))
    assert match, "the page has no CSRF field"
    return match.group(1)


def post(c, url: str, data: dict, page_url: str | None = None, **kwargs):
    """Post a form as a browser does: with the CSRF token from the page it was on."""
    token = csrf_of(c.get(page_url or url))
    return c.post(url, data={"csrf": token, **data}, **kwargs)


def add_user(app, username: str, admin: bool = False) -> None:
    with Db(app.config["ENGINE"]) as db:
        auth.create_user(db, username, PASSWORD, START, is_admin=admin)
        db.commit()


def signed_in(app, username: str):
    c = client(app)
    response = post(c, "/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


def new_assessment(c, service: str = "Find a place to live") -> int:
    response = post(c, "/assessments", {"framework": "service-ownership", "service": service, "organisation": "Council",
                                         "scope": "whole", "phase": "live", "date": "2026-11-28"}, page_url="/")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def share(owner, aid: int, username: str, role: str) -> None:
    response = post(owner, f"/a/{aid}/members", {"username": username, "role": role}, page_url=f"/a/{aid}")
    assert response.status_code == 302, response.get_data(as_text=True)


# fixtures shared by the web test files (imported by name into each)

@pytest.fixture
def clock():
    return Clock()


def quick_hasher():
    """Argon2 at its lowest cost. The real cost is meant to make each hash slow, and these tests
    hash and verify a password for every user they add and every sign-in; what they check is who
    may do what, which does not depend on the cost. The browser tests keep the real hasher."""
    from argon2 import PasswordHasher
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(params=DATABASES)
def app(request, tmp_path, clock, monkeypatch):
    """The app on each database in turn: SQLite always, PostgreSQL under scripts/with-postgres.sh."""
    monkeypatch.setattr(auth, "_hasher", quick_hasher)
    with database(request.param, tmp_path) as url:
        app = make_app(url, clock)
        yield app
        app.config["ENGINE"].dispose()


@pytest.fixture
def owner(app):
    """A signed-in administrator, olive."""
    add_user(app, "olive", admin=True)
    return signed_in(app, "olive")
