"""The Flask app: one database session per request, the signed-in user, CSRF on every post,
and security headers (a Content Security Policy without inline script) on every response."""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Callable, Optional

from flask import Flask, abort, g, request
from jinja2 import StrictUndefined
from sqlalchemy.orm import sessionmaker

from . import auth
from .store import POOL_SIZE, User, connect, upgrade

SESSION_COOKIE = "assess_session"
PRE_SESSION_COOKIE = "assess_pre"
MAX_UPLOAD = 11 * 1024 * 1024       # an attachment (10 MB) and the rest of its form
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def create_app(database_url: str, clock: Callable[[], dt.datetime] = utc_now, pdf_timeout: float = 120.0,
               migrate: bool = True, proxy_user_header: Optional[str] = None,
               trusted_proxies: tuple[str, ...] = (), threads: int = POOL_SIZE) -> Flask:
    """The app over one database; `clock` gives naive UTC times (tests pin it).

    With `proxy_user_header`, a request that comes from one of `trusted_proxies` is signed in
    as the existing account that header names (single sign-on done by the proxy); the header
    is ignored on requests from anywhere else. Off by default. `threads`: how many requests the
    server handles at once; the database pool keeps that many connections open."""
    engine = connect(database_url, pool_size=threads)
    if migrate:
        upgrade(engine)
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.autoescape = True
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD, DB=sessionmaker(engine, expire_on_commit=False),
                      ENGINE=engine, CLOCK=clock, PDF_TIMEOUT=pdf_timeout, PROXY_USER_HEADER=proxy_user_header,
                      TRUSTED_PROXIES=frozenset(trusted_proxies))

    with app.config["DB"]() as db:
        auth.secret_key(db)         # made before the first request, not by two at once

    from . import routes_assessment, routes_decisions, routes_folders, routes_people
    app.register_blueprint(routes_people.bp)
    app.register_blueprint(routes_assessment.bp)
    app.register_blueprint(routes_decisions.bp)
    app.register_blueprint(routes_folders.bp)

    @app.before_request
    def _open():
        g.db = app.config["DB"]()
        g.now = app.config["CLOCK"]()
        g.session, g.user = auth.session_for(g.db, request.cookies.get(SESSION_COOKIE), g.now)
        if g.session is None:
            g.user = proxy_user(g.db)
        g.new_pre_session = None
        if g.session is not None:
            g.csrf = g.session.csrf
        else:
            pre = request.cookies.get(PRE_SESSION_COOKIE)
            if not pre or len(pre) > 100:
                pre = g.new_pre_session = secrets.token_urlsafe(24)
            g.csrf = auth.anonymous_csrf(auth.secret_key(g.db), pre)
        if request.method == "POST" and not auth.csrf_ok(g.csrf, request.form.get("csrf")):
            abort(400, "This form has expired or did not come from this site. Go back, reload the page and try again.")

    @app.teardown_request
    def _close(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if getattr(g, "new_pre_session", None):
            set_cookie(response, PRE_SESSION_COOKIE, g.new_pre_session)
        return response

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def _error(exc):
        from flask import render_template

        from .attachments import MAX_ATTACHMENT
        message = exc.description
        if exc.code == 413:
            message = f"The file is larger than the {MAX_ATTACHMENT // 1048576} MB limit. Nothing was saved; go back and choose a smaller file."
        return render_template("error.html", code=exc.code, message=message), exc.code

    @app.errorhandler(500)
    def _failed(_exc):
        from flask import render_template
        return render_template("error.html", code=500,
                               message="Something went wrong on the server. Anything saved before this page is kept."), 500

    from ..errors import AssessError

    @app.errorhandler(AssessError)
    def _content_problem(exc):
        # e.g. an assessment whose framework is no longer installed, or content that no longer loads
        from flask import render_template
        return render_template("error.html", code=400, message="; ".join(str(d) for d in exc.diagnostics)), 400

    app.jinja_env.globals.update(csrf=lambda: g.csrf, current_user=lambda: g.get("user"))
    return app


def compile_templates(app: Flask) -> None:
    """Compile every page template now: the first compile of the question page alone takes a
    quarter of a second, which after a restart every waiting user would otherwise queue behind."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def proxy_user(db) -> Optional[User]:
    """The account a trusted proxy vouches for, if that mode is on and the request came through it."""
    from flask import current_app
    from sqlalchemy import select
    header = current_app.config["PROXY_USER_HEADER"]
    if not header or request.remote_addr not in current_app.config["TRUSTED_PROXIES"]:
        return None
    name = request.headers.get(header, "").strip()
    return db.scalar(select(User).where(User.username == name)) if name else None


def cookie_secure() -> bool:
    """Secure cookies over HTTPS, and on loopback, where browsers accept them over plain HTTP."""
    return request.is_secure or request.host.rsplit(":", 1)[0] in LOOPBACK


def set_cookie(response, name: str, value: str, max_age: Optional[int] = None) -> None:
    response.set_cookie(name, value, max_age=max_age, secure=cookie_secure(), httponly=True, samesite="Lax", path="/")


def current_user() -> User:
    if g.user is None:
        abort(403)
    return g.user
