"""Folders: groups of assessments (an organisation's, a programme's) and who may see them.

A folder's viewer reads every assessment in it (a board member reading the portfolio); its
owners manage it: they add the assessments they own, remove any, and give people a role.
Administrators manage every folder. An assessment joins a folder only through one of its own
owners, because joining lets the folder's people read it."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import exists, select
from sqlalchemy.orm import Session as Db

from .store import AssessmentRow, User
from .store_more import Folder, FolderItem, FolderMember

NAME_MOST = 120


def folder_role(db: Db, user: User, folder_id: int) -> Optional[str]:
    """The person's role on the folder; an administrator manages every folder as its owner."""
    member = db.get(FolderMember, (folder_id, user.id))
    if member is not None:
        return member.role
    if user.is_admin and db.get(Folder, folder_id) is not None:
        return "owner"
    return None


def reads_through_folder(db: Db, user_id: int, assessment_id: int) -> bool:
    """True when the assessment sits in a folder the person has a role on."""
    return bool(db.scalar(select(exists().where(FolderItem.assessment_id == assessment_id,
                                                FolderItem.folder_id == FolderMember.folder_id,
                                                FolderMember.user_id == user_id))))


def folders_of(db: Db, user: User) -> list[tuple[Folder, str]]:
    """Every folder the person may open, by name, with their role."""
    roles = {m.folder_id: m.role for m in db.scalars(select(FolderMember).where(FolderMember.user_id == user.id))}
    query = select(Folder).order_by(Folder.name, Folder.id)
    if not user.is_admin:
        query = query.where(Folder.id.in_(roles) if roles else Folder.id.is_(None))
    return [(f, roles.get(f.id, "owner")) for f in db.scalars(query)]


def assessments_in(db: Db, folder_id: int) -> list[AssessmentRow]:
    return list(db.scalars(select(AssessmentRow).join(FolderItem, FolderItem.assessment_id == AssessmentRow.id)
                           .where(FolderItem.folder_id == folder_id).order_by(AssessmentRow.id)))


def name_problem(name: str) -> Optional[str]:
    from ..questionnaire import checked_text
    try:
        checked_text(name, "The folder's name", most=NAME_MOST)
    except ValueError as exc:
        return str(exc)
    return None


def create_folder(db: Db, name: str, user: User, now: dt.datetime) -> Folder:
    folder = Folder(name=name.strip(), created_by=user.id, created_at=now)
    db.add(folder)
    db.flush()
    db.add(FolderMember(folder_id=folder.id, user_id=user.id, role="owner"))
    db.commit()
    return folder


def add_assessment(db: Db, folder_id: int, assessment_id: int, user: User, now: dt.datetime) -> None:
    if db.get(FolderItem, (folder_id, assessment_id)) is None:
        db.add(FolderItem(folder_id=folder_id, assessment_id=assessment_id, added_by=user.id, added_at=now))
    db.commit()


def remove_assessment(db: Db, folder_id: int, assessment_id: int) -> None:
    item = db.get(FolderItem, (folder_id, assessment_id))
    if item is not None:
        db.delete(item)
    db.commit()


def set_role(db: Db, folder_id: int, user: User, role: str) -> None:
    """Give `role` (one of FOLDER_ROLES) on the folder, or take access away with "remove"."""
    member = db.get(FolderMember, (folder_id, user.id))
    if role == "remove":
        if member is not None:
            db.delete(member)
    elif member is None:
        db.add(FolderMember(folder_id=folder_id, user_id=user.id, role=role))
    else:
        member.role = role
    db.commit()


def members(db: Db, folder_id: int) -> list[tuple[str, str]]:
    return list(db.execute(select(User.username, FolderMember.role).join(FolderMember, FolderMember.user_id == User.id)
                           .where(FolderMember.folder_id == folder_id).order_by(User.username)).all())


