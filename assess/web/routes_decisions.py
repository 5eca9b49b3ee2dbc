"""The panel's decisions in the browser: per principle and overall, beside the engine's proposal.

What `assess decide` does in the terminal: owners and assessors record a rating (and optionally
a level) for each principle and overall, with who decided and when; a decision that differs
from the proposal is refused without a reason. Everyone with access reads them. Saved decisions
go into the answers-file export, so `assess evaluate` and `assess report` show the same."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..decisions import OVERALL, differs, level_reader
from ..models import DecisionsBlock, PanelDecision
from ..questionnaire import checked_text, date_problem
from . import auth, blocks, records
from .routes_assessment import evaluate, open_assessment
from .routes_people import signed_in
from .store import ROLE_NAMES, Change

bp = Blueprint("decisions", __name__)
RATINGS = ("green", "amber", "red")
WHO_MOST = 300


@dataclass
class Item:
    """One thing to decide: a principle, or overall, with the engine's proposal for it."""
    key: str
    title: str
    rag: Optional[str]
    level: Optional[int]


def proposal_items(session) -> tuple[list[Item], object]:
    """The applicable principles, then overall, as the engine proposes them (decisions left out)."""
    kept = session.decisions
    session.decisions = None
    try:
        proposal = evaluate(session)
    finally:
        session.decisions = kept
    items = [Item(p.id, p.title, p.rag, p.level) for p in proposal.principles if p.applicable]
    items.append(Item(OVERALL, "Overall", proposal.overall.get("rag"), proposal.overall.get("level")))
    return items, proposal


def entry_of(block: Optional[DecisionsBlock], key: str) -> Optional[PanelDecision]:
    if block is None:
        return None
    return block.overall if key == OVERALL else block.principles.get(key)


def form_of(block: Optional[DecisionsBlock], items: list[Item], today: dt.date) -> dict[str, str]:
    form = {"decided_by": (block.decided_by or "") if block else "",
            "date": (block.date or today).isoformat() if block else today.isoformat()}
    for item in items:
        entry = entry_of(block, item.key)
        form[f"rating-{item.key}"] = entry.rating if entry else ""
        form[f"level-{item.key}"] = str(entry.level) if entry and entry.level is not None else ""
        form[f"reason-{item.key}"] = entry.reason if entry else ""
    return form


def plain(result, rag: Optional[str], level: Optional[int]) -> str:
    if rag is None:
        return "no rating"
    return result.rag_labels.get(rag, rag) + (f", level {level}" if level is not None else "")


def open_items(items: list[Item], reassessment) -> list[Item]:
    """What the form asks about: everything, or in a reassessment only the reopened points and
    overall (as `assess decide` does); the other decisions are carried as they stand."""
    if reassessment is None:
        return items
    return [i for i in items if i.key in reassessment.reopened or i.key == OVERALL]


def read_form(form: dict[str, str], items: list[Item], top: int, old: Optional[DecisionsBlock],
              proposal, rag_of_level: Optional[Callable[[int], str]] = None) -> tuple[Optional[DecisionsBlock], dict[str, str]]:
    """The decisions block a posted form asks for (decisions on points outside `items` kept as
    they are), or field id -> message for what is wrong. `rag_of_level` is given for a framework
    that rates by level: a decision may then be a level alone, and its RAG follows from it."""
    errors: dict[str, str] = {}
    asked = {item.key for item in items}
    principles: dict[str, PanelDecision] = {k: v for k, v in (old.principles if old else {}).items() if k not in asked}
    overall = old.overall if old is not None and OVERALL not in asked else None
    for item in items:
        rating, level_text = form[f"rating-{item.key}"], form[f"level-{item.key}"]
        reason = form[f"reason-{item.key}"].strip()
        before = entry_of(old, item.key)
        if not rating and rag_of_level is not None and level_text.isdigit() and 1 <= int(level_text) <= top:
            rating = decided_rag(item, int(level_text), rag_of_level, before)
        if not rating:
            if level_text or reason:
                field, what = (f"level-{item.key}", "level") if rag_of_level is not None else (f"rating-{item.key}", "rating")
                errors[field] = f"{item.title}: choose a {what}, or clear the level and reason"
            continue
        if rating not in RATINGS:
            errors[f"rating-{item.key}"] = f"{item.title}: choose green, amber or red"
            continue
        level = None
        if level_text:
            if not level_text.isdigit() or not 1 <= int(level_text) <= top:
                errors[f"level-{item.key}"] = f"{item.title}: choose a level from 1 to {top}, or none"
                continue
            level = int(level_text)
        if reason:
            try:
                reason = checked_text(reason, f"{item.title}: the reason", most=20_000)
            except ValueError as exc:
                errors[f"reason-{item.key}"] = str(exc)
                continue
        entry = PanelDecision(rating=rating, level=level, reason=reason)
        if differs(entry, item.rag, item.level) and not reason:
            errors[f"reason-{item.key}"] = (f"{item.title}: the decision ({plain(proposal, rating, level)}) differs from the "
                                            f"engine's proposal ({plain(proposal, item.rag, item.level)}), so give the reason")
            continue
        if before is not None and (before.rating, before.level, before.reason) == (rating, level, reason):
            entry = before        # unchanged: keeps who decided it, when, and whether it was carried
        if item.key == OVERALL:
            overall = entry
        else:
            principles[item.key] = entry
    if overall is None and not principles:
        return None, errors
    who, when = form["decided_by"].strip(), form["date"].strip()
    everyone_named = all(e.decided_by for e in [*principles.values(), *([overall] if overall else [])])
    if not who and not everyone_named:
        errors["decided_by"] = "Say who decided: a panel, a board or a named assessor"
    elif who:
        try:
            who = checked_text(who, "Who decided", most=WHO_MOST)
        except ValueError as exc:
            errors["decided_by"] = str(exc)
    day = None
    if not when:
        errors["date"] = "Enter the date of the decisions, for example 2026-12-02"
    elif (problem := date_problem(when)):
        errors["date"] = f"Date: {problem}"
    else:
        day = dt.date.fromisoformat(when)
    if errors:
        return None, errors
    order = [p.id for p in proposal.principles]      # the framework's order, as the answers file lists them
    principles = dict(sorted(principles.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return DecisionsBlock(decided_by=who or None, date=day, overall=overall, principles=principles), {}


def level_only(by_level, items: list[Item], form: dict[str, str]) -> set[str]:
    """The items whose decision the form asks as a level alone: all of them in a framework rated
    by level, except one that holds a RAG with no level (recorded from an imported file, or
    posted so), which keeps both fields so that nothing recorded or typed is lost."""
    if by_level is None:
        return set()
    return {i.key for i in items if not (form[f"rating-{i.key}"] and not form[f"level-{i.key}"])}


def decided_rag(item: Item, level: int, rag_of_level: Callable[[int], str],
                before: Optional[PanelDecision] = None) -> str:
    """The RAG a decided level reads as. A level saved again keeps the RAG it was recorded with
    (`before`); deciding the proposed level keeps the engine's RAG, which comes from the score
    (as agreeing does in `assess decide`); another level reads as the framework's thresholds put it."""
    if before is not None and before.level == level:
        return before.rating
    return item.rag if item.rag is not None and level == item.level else rag_of_level(level)


def summary(proposal, entry: Optional[PanelDecision]) -> Optional[str]:
    if entry is None:
        return None
    text = plain(proposal, entry.rating, entry.level)
    return f"{text}: {entry.reason}" if entry.reason else text


def record_history(aid: int, items: list[Item], old: Optional[DecisionsBlock], new: Optional[DecisionsBlock],
                   proposal) -> None:
    for item in items:
        before, after = summary(proposal, entry_of(old, item.key)), summary(proposal, entry_of(new, item.key))
        if before != after:
            g.db.add(Change(assessment_id=aid, qid=item.key, part="decision", before=before, after=after,
                            user_id=g.user.id, at=g.now))
    who = lambda b: f"{b.decided_by or ''} on {b.date.isoformat() if b.date else ''}".strip() if b else None
    if who(old) != who(new):
        g.db.add(Change(assessment_id=aid, qid="", part="decided by", before=who(old), after=who(new),
                        user_id=g.user.id, at=g.now))


@bp.route("/a/<int:aid>/decisions", methods=["GET", "POST"])
@signed_in
def decisions(aid: int):
    row, role = open_assessment(aid, "read")
    session = records.load_session(g.db, row)
    items, proposal = proposal_items(session)
    asked = open_items(items, session.reassessment)
    stored = session.decisions
    version = blocks.version(g.db, aid)
    form = form_of(stored, asked, g.now.date())
    by_level = level_reader(session.framework)
    errors: dict[str, str] = {}
    conflict = False
    status = 200
    if request.method == "POST":
        if not auth.allowed(role, "decide"):
            abort(403, f"As {ROLE_NAMES[role]} on this assessment you can read the decisions but not record them.")
        form = {name: request.form.get(name, "") for name in form}
        block, errors = read_form(form, asked, len(proposal.scale), stored, proposal, by_level)
        try:
            based_on = int(request.form.get("version", "0"))
        except ValueError:
            abort(400, "The form's version field is not a number.")
        if not errors:
            if blocks.store_decisions(g.db, aid, block, based_on):
                record_history(aid, items, stored, block, proposal)
                g.db.commit()
                return redirect(url_for("decisions.decisions", aid=aid, saved=1))
            g.db.rollback()
            conflict, status = True, 409
            stored = blocks.decisions_of(g.db, aid)
            version = blocks.version(g.db, aid)
        else:
            status = 400
    recorded = [(item, entry_of(stored, item.key)) for item in items]
    return render_template("decisions.html", row=row, role=role, items=asked, proposal=proposal, form=form,
                           reassessment=session.reassessment,
                           errors=errors, version=version, ratings=RATINGS, recorded=recorded, stored=stored,
                           conflict=conflict, saved=request.args.get("saved") == "1", plain=plain,
                           can_decide=auth.allowed(role, "decide"), role_names=ROLE_NAMES, levels=range(1, len(proposal.scale) + 1),
                           by_level=by_level, decided_rag=decided_rag, level_only=level_only(by_level, asked, form)), status
