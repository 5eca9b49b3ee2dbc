"""Folders and their portfolio board: the `assess portfolio` board for the assessments in a
folder that the person may read, on the page and as a PDF made off the request thread.

Every view goes through `open_folder`: someone with no role on a folder gets the same "not
found" whether or not it exists; a viewer reads, only owners (and administrators) change it."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from . import auth, folders, records
from .routes_assessment import evaluate, open_assessment, pdf_download
from .routes_people import signed_in
from .service import slug
from .store import AssessmentRow, Change, User
from .store_more import FOLDER_ROLE_NAMES, FOLDER_ROLES, Folder

bp = Blueprint("folders", __name__)
BOARD_INSTEAD = "make the board with `assess portfolio` from the assessments' exported answers files"


def open_folder(fid: int, manage: bool = False) -> tuple[Folder, str]:
    folder = g.db.get(Folder, fid)
    role = folders.folder_role(g.db, g.user, fid) if folder is not None else None
    if role is None:
        abort(404, f"There is no folder {fid}, or you have not been given access to it.")
    if manage and role != "owner":
        abort(403, "As a viewer of this folder you can read it but not change it.")
    return folder, role


def readable(fid: int) -> list[AssessmentRow]:
    """The folder's assessments that this person may read (a folder's own people read them all)."""
    return [row for row in folders.assessments_in(g.db, fid) if auth.role_of(g.db, g.user, row.id) is not None]


def file_name(row: AssessmentRow) -> str:
    """How an assessment is named on the board, as `assess db export` names its file."""
    return f"{row.id:05d}-{slug(str(row.meta.get('service', '')))}.yaml"


def board_title(folder: Folder) -> str:
    return f"Portfolio board: {folder.name}"


def board_html(folder: Folder, rows: list[AssessmentRow]) -> str:
    """The board `assess portfolio` writes, as at today, without its page: for the folder page."""
    from ..board import render_html
    from .board_cache import board_entry_of
    from .pdfjob import folder_board
    reads = [(file_name(row), lambda row=row: board_entry_of(file_name(row), records.load_session(g.db, row), evaluate))
             for row in rows]
    return render_html("portfolio_body.html.j2", dict(folder_board(reads, g.now.date()), title=board_title(folder)),
                       inline_css=False)


@bp.route("/folders", methods=["GET", "POST"])
@signed_in
def index():
    errors: dict[str, str] = {}
    name = request.form.get("name", "")
    if request.method == "POST":
        if (problem := folders.name_problem(name)):
            errors["name"] = problem
        else:
            folder = folders.create_folder(g.db, name, g.user, g.now)
            return redirect(url_for("folders.folder", fid=folder.id))
    return render_template("folders.html", folders=folders.folders_of(g.db, g.user), errors=errors, name=name,
                           role_names=FOLDER_ROLE_NAMES), 400 if errors else 200


@bp.route("/folders/<int:fid>")
@signed_in
def folder(fid: int):
    folder, role = open_folder(fid)
    rows = readable(fid)
    in_folder = {row.id for row in folders.assessments_in(g.db, fid)}
    addable = [a for a, r in auth.visible_assessments(g.db, g.user) if r == "owner" and a.id not in in_folder]
    return render_template("folder.html", folder=folder, role=role, rows=rows, hidden=len(in_folder) - len(rows),
                           board=board_html(folder, rows) if rows else None, addable=addable,
                           members=folders.members(g.db, fid), roles=FOLDER_ROLES, role_names=FOLDER_ROLE_NAMES,
                           as_of=g.now.date())


@bp.route("/folders/<int:fid>/board.pdf")
@signed_in
def board_pdf(fid: int):
    from . import pdfjob
    folder, _role = open_folder(fid)
    rows = readable(fid)
    if not rows:
        abort(400, "There is no assessment you can read in this folder, so there is no board to make yet.")
    texts = [(file_name(row), records.answers_file(g.db, row)) for row in rows]
    return pdf_download(pdfjob.board, (texts, g.now.date().isoformat(), board_title(folder)), f"folder-{fid}-board.pdf",
                        BOARD_INSTEAD)


@bp.route("/folders/<int:fid>/assessments", methods=["POST"])
@signed_in
def assessments(fid: int):
    """Add an assessment you own to the folder, or take one out of it."""
    folder, _role = open_folder(fid, manage=True)
    action, aid_text = request.form.get("action", ""), request.form.get("assessment", "")
    if action not in ("add", "remove") or not aid_text.isdigit():
        abort(400, "Choose an assessment to add or remove.")
    aid = int(aid_text)
    if action == "add":
        open_assessment(aid, "share")      # only an assessment's owner lets a folder's people read it
        folders.add_assessment(g.db, fid, aid, g.user, g.now)
    elif aid in {row.id for row in folders.assessments_in(g.db, fid)}:
        folders.remove_assessment(g.db, fid, aid)
    else:
        abort(404, f"There is no assessment {aid} in this folder.")
    g.db.add(Change(assessment_id=aid, qid="", part="access", before=None,
                    after=f"folder {folder.name}: {'added' if action == 'add' else 'removed'}", user_id=g.user.id, at=g.now))
    g.db.commit()
    return redirect(url_for("folders.folder", fid=fid))


@bp.route("/folders/<int:fid>/members", methods=["POST"])
@signed_in
def share(fid: int):
    open_folder(fid, manage=True)
    username, new_role = request.form.get("username", "").strip(), request.form.get("role", "")
    user = g.db.scalar(select(User).where(User.username == username))
    if user is None or new_role not in (*FOLDER_ROLES, "remove"):
        abort(400, "Give an existing username and one of the roles: " + ", ".join(FOLDER_ROLES) + ".")
    if user.id == g.user.id and not g.user.is_admin:
        abort(400, "You cannot change your own role.")
    folders.set_role(g.db, fid, user, new_role)
    return redirect(url_for("folders.folder", fid=fid))




@bp.route("/folders/<int:fid>/delete", methods=["POST"])
@signed_in
def delete(fid: int):
    """Delete the folder: the assessments stay, the access it gave ends."""
    folder, _role = open_folder(fid, manage=True)
    for row in folders.assessments_in(g.db, fid):
        g.db.add(Change(assessment_id=row.id, qid="", part="access", before=None,
                        after=f"folder {folder.name}: deleted", user_id=g.user.id, at=g.now))
    g.db.delete(folder)
    g.db.commit()
    return redirect(url_for("folders.index"))
