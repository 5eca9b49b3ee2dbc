"""The guided flow without a terminal: order, show_if, navigation, saving, resuming and guarding the
answers file; and the tables a run prints."""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess.answers import NOT_APPLICABLE, load_answers, parse_answer, text_problem
from assess.errors import AssessError
from assess.pipeline import evaluate_file, result_json
from assess.questionnaire import INACTIVE, REWRITTEN, Session, Walk, date_problem, meta_error, parse_date
from assess.storage import AnswersLock, ChangedOnDisk, lock_file
from assess.tables import clean, print_result, print_summary

from conftest import MINI

META = {"service": "Test service", "organisation": "Council", "scope": "whole", "phase": "live",
        "respondent": "Ann", "kind": "self", "date": dt.date(2026, 1, 2)}


@pytest.fixture
def session(mini, tmp_path):
    return Session.new(mini, dict(META), tmp_path / "answers.yaml")


def walk_ids(walk: Walk) -> list[str]:
    seen = [walk.start()]
    while (nxt := walk.forward()) is not None:
        seen.append(nxt)
    return seen


def test_walk_follows_questionnaire_order_and_skips_hidden(session):
    # team_size is shown only when funding is not project by project; unanswered funding hides it
    assert walk_ids(Walk(session)) == ["org_count", "channels", "launched", "owner", "decision_rights", "confidence",
                                       "practices", "funding_model", "pooled_budget", "comment", "forum", "anchor"]


def test_show_if_is_read_live_while_walking(session):
    walk = Walk(session)
    qid = walk.start()
    while qid != "funding_model":
        qid = walk.forward()
    session.set_answer("funding_model", "annual")
    assert walk.forward() == "pooled_budget"
    assert walk.forward() == "team_size"          # appeared because of the answer just given
    walk.back()
    walk.back()
    session.set_answer("funding_model", "project")
    assert walk.forward() == "pooled_budget"
    assert walk.forward() == "comment"            # gone again


def test_visibility_is_remembered_but_follows_every_change(session):
    assert session.visible()["team_size"] is False
    shown = session.visible()
    shown["team_size"] = True                      # a caller's copy: changing it changes nothing
    assert session.visible()["team_size"] is False
    session.answers["funding_model"] = parse_answer(session.question("funding_model"), "annual")   # as the web store fills it
    assert session.visible()["team_size"] is True
    session.clear("funding_model")
    assert session.visible()["team_size"] is False
    assert session.visible()["forum"] is True
    session.set_meta("scope", "part")
    assert session.visible()["forum"] is False


def test_part_scope_hides_the_whole_service_section(mini, tmp_path):
    session = Session.new(mini, dict(META, scope="part"), tmp_path / "a.yaml")
    assert [s.id for s, _ in session.visible_sections()] == ["context", "ownership", "money"]
    assert "forum" not in walk_ids(Walk(session))
    progress = session.progress("owner")
    assert (progress.section_number, progress.section_count, progress.visible) == (2, 3, 10)


def test_back_goes_to_the_previous_visible_question_and_stops_at_the_first(session):
    walk = Walk(session)
    assert walk.start() == "org_count" and walk.at_first()
    assert walk.back() == "org_count"
    walk.forward()
    walk.forward()
    assert walk.back() == "channels"
    assert not walk.at_first()


def test_resume_starts_at_first_unanswered_and_replays_questions_stepped_back_to(session):
    for qid, value in (("org_count", 3), ("channels", ["online"]), ("launched", "2020-01-01")):
        session.set_answer(qid, value)
    walk = Walk(session)
    assert walk.start() == "owner"
    assert walk.back() == "launched"
    assert walk.back() == "channels"
    # both were answered before this run, but the user walked back over them: show them again
    assert walk.forward() == "launched"
    assert walk.forward() == "owner"


def test_section_walk_covers_answered_questions_too(session):
    session.set_answer("owner", "named")
    ids = [q.id for q in session.find_section("Ownership").questions]
    assert walk_ids(Walk(session, ids, skip_done=False)) == ["owner", "decision_rights", "confidence", "practices"]


def test_find_section_by_id_or_title_and_unknown_names_the_known_ones(session):
    assert session.find_section("money").title == "Money"
    assert session.find_section("whole SERVICE").id == "whole"
    with pytest.raises(ValueError, match="known sections: context, ownership, money, whole"):
        session.find_section("finance")


@pytest.mark.parametrize("qid, raw", [("org_count", "0"), ("org_count", "many"), ("confidence", 9),
                                      ("owner", "someone"), ("launched", "01/02/2020"),
                                      ("decision_rights", {"n/a": "x"}), ("pooled_budget", {"n/a": " "})])
def test_invalid_answers_are_refused_with_the_loaders_message(session, mini, qid, raw):
    with pytest.raises(ValueError) as from_loader:
        parse_answer(mini.questions[qid], raw)
    with pytest.raises(ValueError) as from_session:
        session.set_answer(qid, raw)
    assert str(from_session.value) == str(from_loader.value)
    assert qid not in session.answers


def test_meta_is_checked_by_the_answers_model():
    assert meta_error("scope", "everything")
    assert meta_error("service", "") and meta_error("service", "x" * 301)
    assert meta_error("phase", "beta") is None


def test_hidden_answer_is_kept_inactive_and_left_out_of_scoring(session):
    session.set_answer("funding_model", "annual")
    session.set_answer("team_size", 12)
    session.set_answer("funding_model", "project")
    session.save()
    text = session.path.read_text()
    assert f"  # {INACTIVE}\n  team_size: 12\n" in text
    loaded = load_answers(session.path, [MINI])
    assert loaded.answers["team_size"].value == 12
    result = evaluate_file(session.path, [MINI])
    record = next(r for r in result.answers if r.question == "team_size")
    assert record.active is False
    # showing it again makes the kept answer count again
    session.set_answer("funding_model", "annual")
    session.save()
    assert INACTIVE not in session.path.read_text()


def test_saved_file_round_trips_and_resumes_identically(session):
    session.set_answer("org_count", "4")
    session.set_answer("channels", ["paper", "online"])
    session.mark_na("pooled_budget", "One funder only")
    session.add_evidence("owner", "https://example.org/remit")
    session.add_evidence("owner", "Board minutes, May")
    session.set_note("forum", 'Meets "when needed": rarely')
    session.save()
    loaded = load_answers(session.path, [MINI])
    assert loaded.answers["org_count"].value == 4
    assert loaded.answers["channels"].value == ["online", "paper"]
    assert loaded.answers["pooled_budget"].state == NOT_APPLICABLE
    assert loaded.evidence["owner"] == ["https://example.org/remit", "Board minutes, May"]
    assert loaded.notes["forum"] == 'Meets "when needed": rarely'
    resumed = Session.load(session.path, [MINI])
    assert resumed.to_yaml() == session.to_yaml()


def test_in_memory_result_equals_evaluating_the_saved_file(session):
    for qid, value in (("owner", "named"), ("decision_rights", "no"), ("forum", "informal"), ("anchor", "no")):
        session.set_answer(qid, value)
    session.save()
    assert result_json(session.evaluate()) == result_json(evaluate_file(session.path, [MINI]))


def test_failed_save_keeps_the_previous_file(session, monkeypatch):
    session.set_answer("org_count", 2)
    session.save()
    before = session.path.read_bytes()
    session.set_answer("org_count", 3)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(AssessError, match="No space left on device; the previous file is unchanged"):
        session.save()
    assert session.path.read_bytes() == before
    assert [p.name for p in session.path.parent.iterdir()] == ["answers.yaml"]   # no temp file left behind


def test_evidence_and_notes_must_have_text(session):
    with pytest.raises(ValueError):
        session.add_evidence("owner", "   ")
    session.set_note("owner", "first")
    session.set_note("owner", "  ")
    assert "owner" not in session.notes


def typed_text(**size):
    """Text the prompts accept: control characters and unbalanced bidi controls are refused."""
    return st.text(**size).filter(lambda t: text_problem(t) is None)


# every sequence of edits the prompts can make leaves a file `assess evaluate` accepts
VALUES = {
    "org_count": st.integers(1, 500), "channels": st.lists(st.sampled_from(["online", "phone", "paper"]), unique=True),
    "launched": st.dates().map(dt.date.isoformat), "owner": st.sampled_from(["nobody", "informal", "named", "named_remit"]),
    "decision_rights": st.sampled_from(["yes", "no"]), "confidence": st.integers(1, 5),
    "practices": st.lists(st.sampled_from(["roadmap", "metrics", "research", "retros"]), unique=True),
    "funding_model": st.sampled_from(["project", "annual", "multi_year"]), "pooled_budget": st.sampled_from(["yes", "no"]),
    "team_size": st.integers(0, 1000), "comment": typed_text(min_size=1, max_size=40).filter(str.strip),
    "forum": st.sampled_from(["none", "informal", "formal"]), "anchor": st.sampled_from(["yes", "no"]),
}
EDIT = st.one_of(
    st.sampled_from(sorted(VALUES)).flatmap(lambda q: st.tuples(st.just("answer"), st.just(q), VALUES[q])),
    st.tuples(st.just("na"), st.just("pooled_budget"), typed_text(min_size=1, max_size=30).filter(str.strip)),
    st.tuples(st.just("evidence"), st.sampled_from(sorted(VALUES)), typed_text(min_size=1, max_size=30).filter(str.strip)),
    st.tuples(st.just("note"), st.sampled_from(sorted(VALUES)), typed_text(max_size=30)),
    st.tuples(st.just("clear"), st.sampled_from(sorted(VALUES)), st.none()),
    st.tuples(st.just("scope"), st.none(), st.sampled_from(["part", "whole"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, max_size=25))
def test_any_edit_sequence_saves_a_loadable_file(mini, tmp_path, edits):
    path = tmp_path / "prop.yaml"
    path.unlink(missing_ok=True)   # one tmp_path for all examples; each starts a new file, as `-o` does
    session = Session.new(mini, dict(META), path)
    session.save()   # as the guided run does once the assessment details are in
    for kind, qid, value in edits:
        if kind == "answer":
            session.set_answer(qid, value)
        elif kind == "na":
            session.mark_na(qid, value)
        elif kind == "evidence":
            session.add_evidence(qid, value)
        elif kind == "note":
            session.set_note(qid, value)
        elif kind == "clear":
            session.clear(qid)
        else:
            session.set_meta("scope", value)
        session.save()
    loaded = load_answers(session.path, [MINI])
    assert {q: a.value for q, a in loaded.answers.items()} == {q: a.value for q, a in session.answers.items()}
    assert set(loaded.answers) == set(session.answers)
    assert Session.load(session.path, [MINI]).to_yaml() == session.to_yaml()


# ---------------------------------------------------------------- the answers file while a run has it open

def test_a_second_lock_on_one_file_is_refused_and_released_locks_are_free(tmp_path):
    path = tmp_path / "answers.yaml"
    first = AnswersLock(path)
    first.acquire()
    with pytest.raises(AssessError, match=rf"is open in another `assess run` \(process {os.getpid()}, since .*\); "
                                          r"finish that run first \(if none is running, delete .*\.answers\.yaml\.lock\)"):
        AnswersLock(path).acquire()
    first.release()
    assert not lock_file(path).exists()
    again = AnswersLock(path)
    again.acquire()
    again.release()


def test_a_lock_left_by_a_killed_run_is_free(tmp_path):
    path = tmp_path / "answers.yaml"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from assess.storage import AnswersLock; "
                               f"AnswersLock({str(path)!r}).acquire(); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(AssessError, match=f"process {holder.pid}"):
        AnswersLock(path).acquire()
    holder.kill()
    holder.wait()
    assert lock_file(path).exists()                 # left behind, as SIGKILL leaves it
    lock = AnswersLock(path)
    lock.acquire()                                  # ... but nobody holds it
    lock.release()


def test_taking_the_lock_removes_temp_files_a_killed_save_left(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("kept\n")
    stale = [tmp_path / ".answers.yaml.ab12cd34.tmp", tmp_path / ".answers.yaml.x_9y8z7w.tmp"]
    others = [tmp_path / ".other.yaml.ab12cd34.tmp", tmp_path / ".answers.yaml.lockish.tmp.bak"]
    for p in stale + others:
        p.write_text("partial")
    lock = AnswersLock(path)
    lock.acquire()
    lock.release()
    assert not any(p.exists() for p in stale) and all(p.exists() for p in others)
    assert path.read_text() == "kept\n"


def test_a_folder_that_refuses_files_is_named_for_what_failed(tmp_path):
    with pytest.raises(AssessError, match="folder .*/nowhere does not exist"):
        AnswersLock(tmp_path / "nowhere" / "a.yaml").acquire()
    if Path("/proc").is_dir() and os.geteuid() == 0:
        with pytest.raises(AssessError, match="cannot create files in /proc"):
            AnswersLock("/proc/a.yaml").acquire()


def test_a_file_changed_on_disk_is_not_overwritten(session):
    session.save()
    session.set_answer("owner", "named")
    session.save()
    edited = session.path.read_text().replace('"named"', '"nobody"')
    session.path.write_text(edited)
    session.set_answer("forum", "formal")
    with pytest.raises(ChangedOnDisk, match="was changed by hand or by another program"):
        session.save()
    assert session.path.read_text() == edited
    session.path.unlink()
    with pytest.raises(ChangedOnDisk, match="was deleted or moved"):
        session.save()


def test_a_new_session_never_overwrites_a_file_that_appeared(session):
    session.path.write_text("someone else's\n")
    with pytest.raises(ChangedOnDisk, match="was created by another program"):
        session.save()
    assert session.path.read_text() == "someone else's\n"


def test_a_resumed_session_saves_over_the_file_it_loaded(session):
    session.save()
    resumed = Session.load(session.path, [MINI])
    resumed.set_answer("owner", "named")
    resumed.save()
    assert load_answers(session.path, [MINI]).answers["owner"].value == "named"


def test_hand_comments_are_found_but_the_tools_own_are_not(session, mini):
    from assess.template import answers_template
    session.set_answer("owner", "named")
    session.set_answer("funding_model", "annual")
    session.set_answer("team_size", 3)
    session.set_answer("funding_model", "project")    # team_size is kept inactive, with its comment
    written = session.to_yaml()
    assert REWRITTEN.split(":")[0] in written         # the header says the file is rewritten
    assert session.hand_comments(written) == []
    assert session.hand_comments(answers_template(mini)) == []
    edited = written.replace("  owner:", "  # check with finance\n  owner:").replace(
        'funding_model: "project"', 'funding_model: "project"  # until April')
    found = session.hand_comments(edited)
    assert [text for _, text in found] == ["check with finance", "until April"]
    for line, text in found:
        assert text in edited.splitlines()[line - 1]


def test_evidence_is_corrected_or_removed_by_position(session):
    session.add_evidence("owner", "one")
    session.add_evidence("owner", "two")
    session.change_evidence("owner", 0, "one, corrected")
    assert session.evidence["owner"] == ["one, corrected", "two"]
    session.change_evidence("owner", 1, "  ")
    session.change_evidence("owner", 0, "")
    assert "owner" not in session.evidence
    with pytest.raises(ValueError):
        session.change_evidence("owner", 0, "x")


@pytest.mark.parametrize("text, message", [
    ("2026-02-30", "2026-02-30 is not a date: February 2026 has 28 days"),
    ("2024-02-30", "2024-02-30 is not a date: February 2024 has 29 days"),
    ("2026-13-01", "2026-13-01 is not a date: there is no month 13"),
    ("2026-04-31", "2026-04-31 is not a date: April 2026 has 30 days"),
    ("31/01/2026", "'31/01/2026' is not a date; write it as YYYY-MM-DD"),
])
def test_a_date_that_does_not_exist_is_named_as_such(text, message):
    assert date_problem(text) == message
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_date(text)
    assert date_problem("2024-02-29") is None


def test_a_misspelt_section_gets_a_suggestion(session):
    with pytest.raises(ValueError, match=r"no section 'onwership' in mini \(did you mean 'ownership'\?\); known"):
        session.find_section("onwership")


# ---------------------------------------------------------------- what the terminal shows

def printed(show, result) -> str:
    from rich.console import Console
    out = io.StringIO()
    show(result, Console(file=out, width=120, force_terminal=False, color_system=None))
    return out.getvalue()


def hostile_result(mini, tmp_path):
    meta = dict(META, service="Evil\x1b]0;owned\x07 \x1b[31mred\x1b[0m\x07 service", respondent="Ann\x1b[2J")
    s = Session.new(mini, meta, tmp_path / "hostile.yaml")
    for qid, value in (("owner", "named"), ("decision_rights", "no"), ("forum", "informal"), ("anchor", "no"),
                       ("funding_model", "project"), ("channels", ["phone"]), ("confidence", 1)):
        s.set_answer(qid, value)
    return s.evaluate()


def test_terminal_tables_carry_no_control_characters(mini, tmp_path):
    result = hostile_result(mini, tmp_path)
    for show in (print_result, print_summary):
        text = printed(show, result)
        assert "Evil red service" in text and "Ann" in text
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert clean("a\x1b[31mb\x9b1mc\x07d\te\nf") == "abcd e f"
    assert clean("one\nt\x1bcwo", lines=True) == "one\ntwo"


def test_evaluate_lists_every_finding_and_the_summary_the_top_ones(mini, tmp_path):
    result = hostile_result(mini, tmp_path)
    risks = [f for f in result.findings if f.kind == "risk"]
    assert len(risks) >= 3
    full, short = printed(print_result, result), printed(lambda r, c: print_summary(r, c, top=2), result)
    assert all(f.title in full for f in risks)
    assert [f.title in short for f in risks] == [True, True] + [False] * (len(risks) - 2)   # most severe first
    assert f"Top 2 of {len(risks)} findings" in short
    assert f"{len(risks) - 2} more finding(s)" in short and "assess evaluate" in short
    labels = result.rag_labels
    assert any(label in short for label in labels.values())   # RAG in the framework's own words, e.g. "Amber"


def test_terminal_tables_show_square_brackets_literally(mini, tmp_path):
    # a framework is shared content: text like "[/]" or "[personal]" in it is words, not terminal markup
    result = hostile_result(mini, tmp_path)
    result.framework["title"] = "Checks [/] one"
    for p in result.principles:
        p.title = f"Data [personal] {p.id} [/]"
    for f in result.findings:
        f.title, f.rule = "A [b] risk", f"{f.rule}[/]"
    for show in (print_result, print_summary):
        text = printed(show, result)
        assert "Checks [/] one" in text
        assert all(f"Data [personal] {p.id} [/]" in text for p in result.principles if p.applicable)
    full = printed(print_result, result)
    assert all(f.rule in full for f in result.findings if f.kind == "risk")   # strengths show no rule
