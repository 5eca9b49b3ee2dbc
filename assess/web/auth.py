"""Accounts, signed-in sessions, login throttling, CSRF tokens and roles per assessment.

Passwords are hashed with Argon2. A session cookie carries a random token; the database keeps
only its SHA-256, so a copied database cannot be used to sign in. Every form carries a CSRF
token tied to the session (or, before sign-in, to a random pre-session cookie). The clock is
passed in, so throttling and expiry are tested without the wall clock.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as Db

from .store import AssessmentRow, LoginFailure, LoginSession, Member, Setting, User

SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5      # wrong passwords for one name within the window
MAX_FAILURES_PER_ADDRESS = 20  # wrong passwords from one address within the window
MIN_PASSWORD = 12

# what each role may do; every view asks for one of these
CAN = {
    "read": {"owner", "member", "assessor", "viewer"},
    "answer": {"owner", "member"},
    "note": {"owner", "member", "assessor"},
    "export": {"owner", "member", "assessor", "viewer"},
    "share": {"owner"},
    "decide": {"owner", "assessor"},      # record the panel's decisions
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hasher():
    from argon2 import PasswordHasher
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_problem(password: str, username: str) -> Optional[str]:
    if len(password) < MIN_PASSWORD:
        return f"Password must be at least {MIN_PASSWORD} characters"
    if password.strip().lower() == username.strip().lower():
        return "Password must not be the username"
    return None


def check_password(user: Optional[User], password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError
    hasher = _hasher()
    if user is None:
        # spend the same time as for a real account, so timing does not tell which names exist
        hasher.hash(password)
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# ------------------------------------------------------------ service-wide secrets

def setting(db: Db, key: str) -> Optional[str]:
    row = db.get(Setting, key)
    return row.value if row else None


def secret_key(db: Db) -> str:
    """The key pre-session CSRF tokens are signed with, made once and kept in the database."""
    value = setting(db, "secret_key")
    if value is None:
        from sqlalchemy.exc import IntegrityError
        db.add(Setting(key="secret_key", value=secrets.token_hex(32)))
        try:
            db.commit()
        except IntegrityError:      # another process made it first: use theirs
            db.rollback()
        value = setting(db, "secret_key")
    return value


def needs_setup(db: Db) -> bool:
    return db.scalar(select(func.count()).select_from(User)) == 0


def new_setup_token(db: Db) -> str:
    """A fresh one-time token for creating the first administrator (only its hash is kept)."""
    token = secrets.token_urlsafe(18)
    db.merge(Setting(key="setup_token", value=sha256(token)))
    db.commit()
    return token


def setup_token_matches(db: Db, token: str) -> bool:
    stored = setting(db, "setup_token")
    return stored is not None and hmac.compare_digest(stored, sha256(token.strip()))


def create_user(db: Db, username: str, password: str, now: datetime, is_admin: bool = False) -> User:
    user = User(username=username.strip(), password_hash=hash_password(password), is_admin=is_admin, created_at=now)
    db.add(user)
    db.flush()
    return user


def username_problem(db: Db, username: str) -> Optional[str]:
    name = username.strip()
    if not name:
        return "Enter a username"
    if len(name) > 80 or not all(c.isalnum() or c in "._-@" for c in name):
        return "Username must be up to 80 letters, digits or . _ - @"
    if db.scalar(select(User).where(func.lower(User.username) == name.lower())) is not None:
        return f"The username {name} is taken"
    return None


# ------------------------------------------------------------ throttling

def throttled(db: Db, username: str, address: str, now: datetime) -> bool:
    since = now - THROTTLE_WINDOW
    by_user = db.scalar(select(func.count()).select_from(LoginFailure)
                        .where(LoginFailure.username == username.strip().lower(), LoginFailure.at > since))
    by_address = db.scalar(select(func.count()).select_from(LoginFailure)
                           .where(LoginFailure.address == address, LoginFailure.at > since))
    return by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS


def record_failure(db: Db, username: str, address: str, now: datetime) -> None:
    db.add(LoginFailure(username=username.strip().lower()[:80], address=address[:64], at=now))
    db.execute(delete(LoginFailure).where(LoginFailure.at <= now - THROTTLE_WINDOW))
    db.commit()


def clear_failures(db: Db, username: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.username == username.strip().lower()))


# ------------------------------------------------------------ sessions

def start_session(db: Db, user: User, now: datetime) -> str:
    """A new session for `user`; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    db.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    db.add(LoginSession(token_hash=sha256(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                        expires_at=now + SESSION_LIFETIME))
    db.commit()
    return token


def session_for(db: Db, token: Optional[str], now: datetime) -> tuple[Optional[LoginSession], Optional[User]]:
    """The live session a cookie names and its account (one query: every request asks), or Nones."""
    if not token:
        return None, None
    found = db.execute(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                       .where(LoginSession.token_hash == sha256(token), LoginSession.expires_at > now)).first()
    return (found[0], found[1]) if found else (None, None)


def end_session(db: Db, token: Optional[str]) -> None:
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == sha256(token)))
        db.commit()


def anonymous_csrf(secret: str, pre_session: str) -> str:
    return hmac.new(secret.encode(), f"pre-session:{pre_session}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(expected: Optional[str], given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


# ------------------------------------------------------------ roles

def assessment_and_role(db: Db, user: User, assessment_id: int) -> tuple[Optional[AssessmentRow], Optional[str]]:
    """The assessment and the user's role on it, in one query; Nones when they have no role
    (whether or not it exists)."""
    found = db.execute(select(AssessmentRow, Member.role).join(Member, Member.assessment_id == AssessmentRow.id)
                       .where(AssessmentRow.id == assessment_id, Member.user_id == user.id)).first()
    if found:
        return found[0], found[1]
    from .folders import reads_through_folder   # no role of their own: a folder holding it may make them a viewer
    if reads_through_folder(db, user.id, assessment_id):
        return db.get(AssessmentRow, assessment_id), "viewer"
    return None, None


def role_of(db: Db, user: User, assessment_id: int) -> Optional[str]:
    """The person's role on the assessment; without one, a role on a folder holding it makes them a viewer."""
    member = db.get(Member, (assessment_id, user.id))
    if member is not None:
        return member.role
    from .folders import reads_through_folder
    return "viewer" if reads_through_folder(db, user.id, assessment_id) else None


def allowed(role: Optional[str], action: str) -> bool:
    return role is not None and role in CAN[action]


def visible_assessments(db: Db, user: User) -> list[tuple[AssessmentRow, str]]:
    rows = db.execute(select(AssessmentRow, Member.role).join(Member, Member.assessment_id == AssessmentRow.id)
                      .where(Member.user_id == user.id).order_by(AssessmentRow.id)).all()
    return [(a, r) for a, r in rows]
