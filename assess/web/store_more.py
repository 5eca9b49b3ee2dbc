"""Tables added after the first schema: folders with their people and assessments, and the
answers file's blocks beyond the answers (the panel's decisions, a reassessment, actions).

Kept apart from store.py so each feature's tables sit beside nothing else; they share its Base
and are made only by migration 0003."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .store import Base

FOLDER_ROLES = ("owner", "viewer")
FOLDER_ROLE_NAMES = {"owner": "owner", "viewer": "viewer (reads every assessment in it)"}


class Folder(Base):
    """A group of assessments, such as an organisation's or a programme's, with its own people."""
    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FolderMember(Base):
    __tablename__ = "folder_members"
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))


class FolderItem(Base):
    """An assessment placed in a folder (an assessment may sit in several)."""
    __tablename__ = "folder_items"
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime)


class Blocks(Base):
    """An assessment's `decisions:`, `reassessment:` and `actions:` blocks, as model_dump(mode="json")
    writes them. `version` grows with every save, so a decisions page based on an older one is caught."""
    __tablename__ = "assessment_blocks"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    decisions: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    reassessment: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    actions: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
