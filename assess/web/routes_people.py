"""First-run setup, signing in and out, and accounts (administrators create them)."""
from __future__ import annotations

import functools

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from sqlalchemy import delete, func, select

from . import auth
from .app import SESSION_COOKIE, set_cookie
from .store import Setting, User

bp = Blueprint("people", __name__)


def signed_in(view):
    """Views for signed-in people; others go to the sign-in page (or setup on a new service)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("people.setup" if auth.needs_setup(g.db) else "people.login"))
        return view(*args, **kwargs)
    return wrapper


def client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if not auth.needs_setup(g.db):
        return redirect(url_for("people.login"))
    errors: dict[str, str] = {}
    form = {"username": request.form.get("username", "")}
    if request.method == "POST":
        address = client_address()
        if auth.throttled(g.db, "setup", address, g.now):
            errors["token"] = "Too many wrong setup tokens. Wait 15 minutes and try again."
        elif not auth.setup_token_matches(g.db, request.form.get("token", "")):
            auth.record_failure(g.db, "setup", address, g.now)
            errors["token"] = "The setup token is not right: copy it from the terminal where `assess serve` started"
        username, password = request.form.get("username", ""), request.form.get("password", "")
        if (problem := auth.username_problem(g.db, username)):
            errors["username"] = problem
        if (problem := auth.password_problem(password, username)):
            errors["password"] = problem
        if not errors:
            user = auth.create_user(g.db, username, password, g.now, is_admin=True)
            g.db.execute(delete(Setting).where(Setting.key == "setup_token"))
            return _sign_in(user)
    return render_template("setup.html", errors=errors, form=form), 400 if errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if auth.needs_setup(g.db):
        return redirect(url_for("people.setup"))
    errors: dict[str, str] = {}
    username = request.form.get("username", "")
    if request.method == "POST":
        address = client_address()
        if auth.throttled(g.db, username, address, g.now):
            errors["username"] = "Too many failed sign-ins for this account. Wait 15 minutes and try again."
            return render_template("login.html", errors=errors, username=username), 429
        user = g.db.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
        if auth.check_password(user, request.form.get("password", "")):
            auth.clear_failures(g.db, username)
            return _sign_in(user)
        auth.record_failure(g.db, username, address, g.now)
        errors["username"] = "The username or password is not right"
    return render_template("login.html", errors=errors, username=username), 400 if errors else 200


def _sign_in(user: User):
    token = auth.start_session(g.db, user, g.now)
    response = redirect(url_for("assessment.home"))
    set_cookie(response, SESSION_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    auth.end_session(g.db, request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("people.login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@bp.route("/people", methods=["GET", "POST"])
@signed_in
def people():
    if not g.user.is_admin:
        abort(403, "Only an administrator can create accounts.")
    errors: dict[str, str] = {}
    created = None
    form = {"username": request.form.get("username", ""), "is_admin": bool(request.form.get("is_admin"))}
    if request.method == "POST":
        username, password = form["username"], request.form.get("password", "")
        if (problem := auth.username_problem(g.db, username)):
            errors["username"] = problem
        if (problem := auth.password_problem(password, username)):
            errors["password"] = problem
        if not errors:
            created = auth.create_user(g.db, username, password, g.now, is_admin=form["is_admin"]).username
            g.db.commit()
            form = {"username": "", "is_admin": False}
    users = g.db.scalars(select(User).order_by(User.username)).all()
    return render_template("people.html", errors=errors, form=form, users=users, created=created), 400 if errors else 200
