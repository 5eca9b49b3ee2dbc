"""What the web commands do, without Flask: open the database, first-run setup, export."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from ..errors import AssessError
from . import auth, records
from .store import AssessmentRow, connect, database_url, upgrade


def open_database(url: Optional[str], data_dir: Optional[Path]):
    """An upgraded database engine; a bad URL or an unreachable server is an AssessError."""
    from sqlalchemy.exc import ArgumentError, OperationalError
    target = database_url(url, data_dir)
    try:
        engine = connect(target)
        upgrade(engine)
    except ArgumentError as exc:
        raise AssessError(f"--database: not a database URL ({exc})") from None
    except ModuleNotFoundError as exc:
        raise AssessError(f"--database: the driver for this database is not installed ({exc.name})") from None
    except OperationalError as exc:
        raise AssessError(f"cannot open the database: {str(exc.orig).strip().splitlines()[0]}") from None
    return engine, target


def first_run_token(engine) -> Optional[str]:
    """A new one-time setup token while no account exists, else None."""
    with Db(engine) as db:
        return auth.new_setup_token(db) if auth.needs_setup(db) else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "assessment"


def export_all(engine, folder: Path) -> list[Path]:
    """Every assessment as an answers file in `folder`, named by id and service."""
    from ..yamlio import atomic_write
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with Db(engine) as db:
        for row in db.scalars(select(AssessmentRow).order_by(AssessmentRow.id)):
            path = folder / f"{row.id:05d}-{slug(str(row.meta.get('service', '')))}.yaml"
            atomic_write(path, records.answers_file(db, row))
            written.append(path)
    return written
