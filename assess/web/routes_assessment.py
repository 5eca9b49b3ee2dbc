"""Assessments: list and create, the guided questions, history, sharing, files and results.

Every view goes through `open_assessment`, which refuses anyone without a role on that
assessment (404, the same page whether or not the id exists) and anyone whose role does not
allow the action (403)."""
from __future__ import annotations

import threading
from typing import Any, Optional

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ..answers import ANSWERED, NA_KEY, NOT_APPLICABLE, UNANSWERED, answer_label
from ..errors import AssessError
from ..questionnaire import META_FIELDS, Walk, date_problem, meta_error
from ..vocabulary import META_VALUES
from . import auth, records
from .records import Conflict, Proposed
from .routes_people import signed_in
from .store import ROLE_NAMES, ROLES, AssessmentRow, Attachment, Change, Entry, Member, User

bp = Blueprint("assessment", __name__)
NONE_OF_THESE = "__none__"
_engine_lock = threading.Lock()     # the rules engine's C code has no locks: one evaluation at a time


def open_assessment(aid: int, action: str) -> tuple[AssessmentRow, str]:
    row, role = auth.assessment_and_role(g.db, g.user, aid)
    if row is None:
        abort(404, f"There is no assessment {aid}, or you have not been given access to it.")
    if not auth.allowed(role, action):
        abort(403, f"As {ROLE_NAMES[role]} on this assessment you cannot do that.")
    return row, role


def meta_problem(name: str, value: str):
    """Why a typed assessment detail is not acceptable; a date that does not exist is named as such."""
    return date_problem(value) if name == "date" else meta_error(name, value)


def evaluate(session, text: Optional[str] = None):
    with _engine_lock:
        return session.evaluate(text)


@bp.route("/")
@signed_in
def home():
    from ..frameworks import load_all
    frameworks, _problems = load_all()
    return render_template("home.html", assessments=auth.visible_assessments(g.db, g.user), frameworks=frameworks,
                           meta_values=META_VALUES, errors={}, form={}, role_names=ROLE_NAMES)


@bp.route("/assessments", methods=["POST"])
@signed_in
def create():
    from ..frameworks import load_all
    frameworks, _problems = load_all()
    by_id = {f.id: f for f in frameworks}
    form = {k: request.form.get(k, "").strip() for k in ("framework", "service", "organisation", "scope", "phase", "date")}
    errors = {}
    if form["framework"] not in by_id:
        errors["framework"] = "Choose a framework"
    meta: dict[str, Any] = {"kind": "self", "respondent": g.user.username}
    for name in ("service", "organisation", "scope", "phase", "date"):
        value = form[name]
        if not value and name in ("organisation", "date"):
            continue
        if not value:
            errors[name] = f"Enter the {name}" if name == "service" else f"Choose the {name}"
            continue
        if (problem := meta_problem(name, value)):
            errors[name] = f"{name.capitalize()}: {problem}"
        meta[name] = value
    if errors:
        return render_template("home.html", assessments=auth.visible_assessments(g.db, g.user), frameworks=frameworks,
                               meta_values=META_VALUES, errors=errors, form=form, role_names=ROLE_NAMES), 400
    row = records.create_assessment(g.db, by_id[form["framework"]], meta, g.user.id, g.now)
    return redirect(url_for("assessment.overview", aid=row.id))


@bp.route("/a/<int:aid>")
@signed_in
def overview(aid: int):
    row, role = open_assessment(aid, "read")
    session = records.load_session(g.db, row)
    sections = []
    for section, ids in session.visible_sections():
        done = sum(1 for q in ids if session.done(q))
        sections.append({"section": section, "ids": ids, "done": done})
    members = g.db.execute(select(User.username, Member.role).join(Member, Member.user_id == User.id)
                           .where(Member.assessment_id == aid).order_by(User.username)).all()
    first = next(iter(session.unanswered()), None)
    return render_template("overview.html", row=row, role=role, session=session, sections=sections,
                           members=members, first=first, roles=ROLES, role_names=ROLE_NAMES,
                           can=lambda action: auth.allowed(role, action), state_of=lambda q: session.answer(q).state,
                           label=lambda q: answer_label(session.question(q), session.answer(q)),
                           import_errors=[], imported=request.args.get("imported"))


# ------------------------------------------------------------ one question

def posted_answer(question, action: str, form) -> Optional[Any]:
    """The raw value a question form posted, as an answers file would hold it (None: no answer)."""
    if action == "na":
        return {NA_KEY: form.get("na_reason", "")}
    if action == "clear":
        return None
    if question.type == "multi":
        chosen = form.getlist("answer")
        if NONE_OF_THESE in chosen:
            return [] if len(chosen) == 1 else chosen   # both: parse_answer names the odd one out
        return chosen or None
    value = form.get("answer", "")
    return value if value.strip() else None


def stored_raw(entry: Optional[Entry]) -> Any:
    return entry.answer["value"] if entry is not None and entry.answer else None


def neighbours(session, qid: str) -> tuple[Optional[str], Optional[str]]:
    walk = Walk(session, skip_done=False)
    walk.current = qid
    back = None if walk.at_first() else walk.back()
    walk.current = qid
    return back, walk.forward()


@bp.route("/a/<int:aid>/q/<qid>", methods=["GET", "POST"])
@signed_in
def question(aid: int, qid: str):
    row, role = open_assessment(aid, "read")
    stored, files = records.entries(g.db, aid), records.attachments(g.db, aid)
    session = records.load_session(g.db, row, stored, files)
    if qid not in session.framework.questions:
        abort(404, f"There is no question {qid} in this assessment.")
    entry = stored.get(qid)
    q = session.question(qid)
    raw = stored_raw(entry)
    evidence = list(entry.evidence) if entry else []
    note = entry.note if entry else ""
    version = entry.version if entry else 0
    errors: dict[str, str] = {}
    conflict = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "skip":
            _back, nxt = neighbours(session, qid)
            return redirect(url_for("assessment.question", aid=aid, qid=nxt) if nxt else url_for("assessment.overview", aid=aid))
        if not auth.allowed(role, "note"):
            abort(403, f"As {ROLE_NAMES[role]} on this assessment you can read it but not change it.")
        posted_evidence = [e for e in request.form.getlist("evidence") if e.strip()]
        proposed = Proposed(posted_answer(q, action, request.form), posted_evidence, request.form.get("note", ""))
        if not auth.allowed(role, "answer"):
            if proposed.answer != raw or proposed.evidence != evidence:
                abort(403, f"As {ROLE_NAMES[role]} you can add notes, but only the team can change answers and evidence.")
        try:
            based_on = int(request.form.get("version", "0"))
        except ValueError:
            abort(400, "The form's version field is not a number.")
        errors = records.check_proposed(session.framework, qid, proposed)
        upload = request.files.get("attachment")
        if upload is not None and upload.filename:
            if not auth.allowed(role, "answer"):
                abort(403, f"As {ROLE_NAMES[role]} you cannot attach files.")
            from .attachments import checked_upload
            data = upload.read()
            try:
                name, content_type = checked_upload(upload.filename, data)
            except ValueError as exc:
                errors["attachment"] = str(exc)
            else:
                if not errors:   # a file adds to the evidence and overwrites nothing: kept even when the answer conflicts
                    records.add_attachment(g.db, aid, qid, name, content_type, data, g.user.id, g.now)
        if not errors:
            outcome = records.save_entry(g.db, aid, qid, based_on, proposed, g.user.id, g.now, current=entry)
            if outcome is None:
                # the next question depends on the answer just saved (show_if): apply it here too
                if proposed.answer is None:
                    session.clear(qid)
                else:
                    session.set_answer(qid, proposed.answer)
                _back, nxt = neighbours(session, qid)
                target = url_for("assessment.question", aid=aid, qid=nxt) if nxt else url_for("assessment.overview", aid=aid)
                return redirect(target)
            conflict = describe_conflict(q, outcome)
            version = outcome.theirs.version if outcome.theirs else 0
            status = 409
        else:
            status = 400
        raw, evidence, note = proposed.answer, proposed.evidence, proposed.note   # what was typed is shown again
    shown = session.visible()[qid]
    back, nxt = neighbours(session, qid)
    progress = session.progress(qid)
    files = records.attachments(g.db, aid).get(qid, []) if request.method == "POST" else files.get(qid, [])
    return render_template("question.html", row=row, role=role, q=q, qid=qid, raw=raw, evidence=evidence, note=note, files=files,
                           version=version, errors=errors, conflict=conflict, shown=shown, back=back, next=nxt,
                           progress=progress, can=lambda action: auth.allowed(role, action), selected=selected,
                           none_of_these=NONE_OF_THESE, na_key=NA_KEY), status


def selected(raw: Any, option: Any) -> bool:
    if isinstance(raw, list):
        return option in raw
    return raw is not None and str(raw) == str(option)


def describe_conflict(q, conflict: Conflict) -> dict[str, Any]:
    theirs = conflict.theirs
    who = g.db.get(User, theirs.updated_by).username if theirs else "someone"
    label = "Not answered"
    if theirs is not None and theirs.answer is not None:
        from ..answers import parse_answer
        label = answer_label(q, parse_answer(q, theirs.answer["value"]))
    return {"who": who, "when": theirs.updated_at if theirs else None, "answer": label,
            "evidence": theirs.evidence if theirs else [], "note": theirs.note if theirs else ""}


def attachment_of(aid: int, fid: int) -> Attachment:
    attachment = g.db.get(Attachment, fid)
    if attachment is None or attachment.assessment_id != aid:
        abort(404, f"There is no file {fid} in this assessment.")
    return attachment


@bp.route("/a/<int:aid>/files/<int:fid>")
@signed_in
def download(aid: int, fid: int):
    open_assessment(aid, "export")
    attachment = attachment_of(aid, fid)
    return Response(attachment.data, mimetype=attachment.content_type.split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"',
                             "Content-Security-Policy": "sandbox; default-src 'none'"})


@bp.route("/a/<int:aid>/files/<int:fid>/delete", methods=["POST"])
@signed_in
def delete_file(aid: int, fid: int):
    open_assessment(aid, "answer")
    attachment = attachment_of(aid, fid)
    qid = attachment.qid
    records.remove_attachment(g.db, attachment, g.user.id, g.now)
    return redirect(url_for("assessment.question", aid=aid, qid=qid))


@bp.route("/a/<int:aid>/details", methods=["GET", "POST"])
@signed_in
def details(aid: int):
    """The answers file's `assessment:` block: service, organisation, scope, phase, and so on."""
    row, role = open_assessment(aid, "read")
    form = {name: str(row.meta.get(name) or "") for name in META_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not auth.allowed(role, "answer"):
            abort(403, f"As {ROLE_NAMES[role]} on this assessment you cannot change its details.")
        form = {name: request.form.get(name, "").strip() for name in META_FIELDS}
        meta = {k: v for k, v in row.meta.items() if k not in META_FIELDS}
        for name, value in form.items():
            if not value:
                if name in ("service", "scope", "phase"):
                    errors[name] = f"Enter the {name}"
                continue
            if (problem := meta_problem(name, value)):
                errors[name] = f"{name.capitalize()}: {problem}"
            meta[name] = value
        if not errors:
            if meta != row.meta:
                g.db.add(Change(assessment_id=aid, qid="", part="details", before=records.shown(row.meta),
                                after=records.shown(meta), user_id=g.user.id, at=g.now))
                row.meta = meta
                g.db.commit()
            return redirect(url_for("assessment.overview", aid=aid))
    return render_template("details.html", row=row, role=role, form=form, errors=errors, meta_values=META_VALUES,
                           can=lambda action: auth.allowed(role, action)), 400 if errors else 200


# ------------------------------------------------------------ history and sharing

@bp.route("/a/<int:aid>/history")
@signed_in
def history(aid: int):
    row, role = open_assessment(aid, "read")
    changes = g.db.execute(select(Change, User.username).join(User, User.id == Change.user_id)
                           .where(Change.assessment_id == aid).order_by(Change.id.desc())).all()
    return render_template("history.html", row=row, role=role, changes=changes)


@bp.route("/a/<int:aid>/members", methods=["POST"])
@signed_in
def share(aid: int):
    row, role = open_assessment(aid, "share")
    username = request.form.get("username", "").strip()
    new_role = request.form.get("role", "")
    user = g.db.scalar(select(User).where(User.username == username))
    if user is None or new_role not in (*ROLES, "remove"):
        abort(400, "Give an existing username and one of the roles: " + ", ".join(ROLE_NAMES[r] for r in ROLES) + ".")
    if user.id == g.user.id:
        abort(400, "You cannot change your own role.")
    member = g.db.get(Member, (aid, user.id))
    if new_role == "remove":
        if member is not None:
            g.db.delete(member)
    elif member is None:
        g.db.add(Member(assessment_id=aid, user_id=user.id, role=new_role))
    else:
        member.role = new_role
    g.db.add(Change(assessment_id=aid, qid="", part="access", before=None, after=f"{username}: {new_role}",
                    user_id=g.user.id, at=g.now))
    g.db.commit()
    return redirect(url_for("assessment.overview", aid=aid))


# ------------------------------------------------------------ files

@bp.route("/a/<int:aid>/import", methods=["POST"])
@signed_in
def import_file(aid: int):
    row, role = open_assessment(aid, "answer")
    upload = request.files.get("answers")
    problems: list[str] = []
    if upload is None or not upload.filename:
        problems = ["Choose an answers file (.yaml) to import"]
    else:
        name = upload.filename.replace("/", "_").replace("\\", "_")[:120]
        try:
            loaded = records.parse_upload(name, upload.read(), records.framework_of(row))
        except AssessError as exc:
            problems = [str(d) for d in exc.diagnostics]
        else:
            changed = records.import_answers(g.db, row, loaded, g.user.id, g.now)
            return redirect(url_for("assessment.overview", aid=aid, imported=changed))
    session = records.load_session(g.db, row)
    return render_template("import_errors.html", row=row, problems=problems, session=session), 400


@bp.route("/a/<int:aid>/answers.yaml")
@signed_in
def export(aid: int):
    row, _role = open_assessment(aid, "export")
    text = records.answers_file(g.db, row)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="assessment-{aid}.yaml"'})


# ------------------------------------------------------------ results

@bp.route("/a/<int:aid>/results")
@signed_in
def results(aid: int):
    row, role = open_assessment(aid, "read")
    session = records.load_session(g.db, row)
    result = evaluate(session)
    from ..reports import charts
    applicable = [p for p in result.principles if p.applicable]
    chart = charts.bars(applicable, len(result.scale), "Bar chart of levels, with the caps that hold them down",
                        result.rag_labels) if applicable else None
    earlier = [(a, r) for a, r in auth.visible_assessments(g.db, g.user) if a.framework == row.framework and a.id != aid]
    comparison = None
    previous = request.args.get("previous", "")
    if previous:
        if not previous.isdigit():
            abort(400, "Choose an earlier assessment from the list.")
        old_row, _old_role = open_assessment(int(previous), "read")
        from ..compare import compare_results
        comparison = compare_results(evaluate(records.load_session(g.db, old_row)), result,
                                     names=(str(old_row.meta.get("service")), str(row.meta.get("service"))),
                                     allow_other_service=True)
    return render_template("results.html", row=row, role=role, result=result, chart=chart, earlier=earlier,
                           comparison=comparison, previous=previous, answered=ANSWERED,
                           not_applicable=NOT_APPLICABLE, unanswered=UNANSWERED)


@bp.route("/a/<int:aid>/report.pdf")
@signed_in
def report_pdf(aid: int):
    return assessment_pdf(aid, brief=False)


@bp.route("/a/<int:aid>/board-pack.pdf")
@signed_in
def board_pack_pdf(aid: int):
    """The short board pack `assess report --brief` makes: the decision, what to fix, the actions."""
    return assessment_pdf(aid, brief=True)


def assessment_pdf(aid: int, brief: bool):
    from . import pdfjob
    row, _role = open_assessment(aid, "export")
    text = records.answers_file(g.db, row)
    return pdf_download(pdfjob.report, (text, brief), f"assessment-{aid}{'-board-pack' if brief else ''}.pdf")


def pdf_download(make, args: tuple, filename: str, instead: Optional[str] = None):
    """A PDF made off the request thread (pdfjob), or a page saying why it could not be made."""
    from flask import current_app

    from .pdfjob import REPORT_INSTEAD, RenderFailed, run
    try:
        data = run(make, args, current_app.config["PDF_TIMEOUT"], instead or REPORT_INSTEAD)
    except RenderFailed as exc:
        return render_template("error.html", code=503, message=str(exc)), 503
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
