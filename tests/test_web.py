"""The web service through Flask's test client: setup, sign-in, roles, CSRF, the guided
questions, stale writes, history, import and export."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session as Db

from assess.web import auth
from web_helpers import (PASSWORD, add_user, app, client, clock, csrf_of, new_assessment, owner,  # noqa: F401 (fixtures)
                         post, share, signed_in)

EXAMPLE = Path(__file__).parent.parent / "examples" / "service-ownership" / "whole-service-housing.yaml"


def answer(c, aid: int, qid: str, data: dict, version: int | None = None):
    page = c.get(f"/a/{aid}/q/{qid}")
    text = page.get_data(as_text=True)
    if version is None:
        version = int(text.split('name="version" value="')[1].split('"')[0])
    return c.post(f"/a/{aid}/q/{qid}", data={"csrf": csrf_of(page), "version": str(version), **data})


# ------------------------------------------------------------ setup and sign-in

def test_nothing_is_open_before_setup_and_the_token_works_once(app):
    c = client(app)
    assert c.get("/").headers["Location"].endswith("/setup")
    with Db(app.config["ENGINE"]) as db:
        token = auth.new_setup_token(db)
    wrong = post(c, "/setup", {"token": "guess", "username": "admin", "password": PASSWORD})
    assert wrong.status_code == 400 and "setup token is not right" in wrong.get_data(as_text=True)
    ok = post(c, "/setup", {"token": token, "username": "admin", "password": PASSWORD})
    assert ok.status_code == 302
    assert "Your assessments" in c.get("/").get_data(as_text=True)
    again = client(app)
    assert again.get("/setup").headers["Location"].endswith("/login")
    with Db(app.config["ENGINE"]) as db:
        assert auth.setting(db, "setup_token") is None


def test_login_is_throttled_after_repeated_failures_and_lifts_later(app, clock):
    add_user(app, "olive")
    c = client(app)
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert post(c, "/login", {"username": "olive", "password": "wrong password!"}).status_code == 400
    refused = post(c, "/login", {"username": "olive", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.get_data(as_text=True)
    clock.now += auth.THROTTLE_WINDOW + dt.timedelta(seconds=1)
    assert post(c, "/login", {"username": "olive", "password": PASSWORD}).status_code == 302


def test_session_cookie_is_secure_httponly_and_expires(app, clock):
    add_user(app, "olive")
    c = client(app)
    response = post(c, "/login", {"username": "olive", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert c.get("/").status_code == 200
    clock.now += auth.SESSION_LIFETIME
    assert c.get("/").status_code == 302


def test_security_headers_and_csp_without_inline_script(owner):
    response = owner.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.get_data(as_text=True)


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(app, owner):
    aid = new_assessment(owner)
    for data in ({}, {"csrf": "forged"}):
        response = owner.post(f"/a/{aid}/q/org_count", data={"version": "0", "answer": "3", **data})
        assert response.status_code == 400
    assert "not answered" in owner.get(f"/a/{aid}").get_data(as_text=True).lower()
    anonymous = client(app)
    assert anonymous.post("/login", data={"username": "olive", "password": PASSWORD}).status_code == 400


def test_logout_ends_the_session_on_the_server(app, owner):
    cookie = owner.get_cookie("assess_session").value
    post(owner, "/logout", {}, page_url="/")
    thief = client(app)
    thief.set_cookie("assess_session", cookie, domain="localhost")
    assert thief.get("/").status_code == 302


# ------------------------------------------------------------ roles

def test_guessing_another_users_assessment_or_export_is_refused(app, owner):
    aid = new_assessment(owner)
    add_user(app, "mallory")
    mallory = signed_in(app, "mallory")
    for url in (f"/a/{aid}", f"/a/{aid}/q/org_count", f"/a/{aid}/answers.yaml", f"/a/{aid}/results",
                f"/a/{aid}/history", f"/a/{aid}/report.pdf", f"/a/{aid + 1}"):
        assert mallory.get(url).status_code == 404, url
    response = post(mallory, f"/a/{aid}/members", {"username": "mallory", "role": "owner"}, page_url="/")
    assert response.status_code == 404
    assert "Find a place to live" not in mallory.get("/").get_data(as_text=True)


def test_a_viewer_reads_but_cannot_edit_and_an_assessor_only_adds_notes(app, owner):
    aid = new_assessment(owner)
    add_user(app, "vera")
    add_user(app, "ash")
    share(owner, aid, "vera", "viewer")
    share(owner, aid, "ash", "assessor")
    vera, ash = signed_in(app, "vera"), signed_in(app, "ash")
    assert vera.get(f"/a/{aid}/q/org_count").status_code == 200
    assert vera.get(f"/a/{aid}/answers.yaml").status_code == 200
    assert answer(vera, aid, "org_count", {"answer": "3"}).status_code == 403
    assert answer(ash, aid, "org_count", {"answer": "3"}).status_code == 403
    assert answer(ash, aid, "org_count", {"note": "Checked with the panel"}).status_code == 302
    assert post(vera, f"/a/{aid}/members", {"username": "vera", "role": "owner"}, page_url=f"/a/{aid}").status_code == 403
    exported = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert "org_count: \"Checked with the panel\"" in exported and "answers: {}" in exported


# ------------------------------------------------------------ answering

def test_answers_save_at_once_move_on_and_apply_show_if(owner):
    aid = new_assessment(owner)
    response = answer(owner, aid, "org_count", {"answer": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/a/{aid}/q/org_kinds")
    answer(owner, aid, "data_sharing", {"action": "na", "na_reason": "One council delivers it all"})
    exported = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert "org_count: 1" in exported and '"n/a": "One council delivers it all"' in exported.replace("n/a:", '"n/a":')


def test_bad_answers_are_shown_with_what_was_typed_kept(owner):
    aid = new_assessment(owner)
    response = answer(owner, aid, "org_count", {"answer": "lots", "note": "my careful note"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in text and "is not a number" in text
    assert 'value="lots"' in text and "my careful note" in text
    na = answer(owner, aid, "data_sharing", {"action": "na", "na_reason": ""})
    assert na.status_code == 400 and "n/a needs a reason" in na.get_data(as_text=True)


def test_hostile_text_shows_literally(owner):
    aid = new_assessment(owner, service='<script>alert("s")</script>')
    hostile = '<img src=x onerror=alert(1)> & "quotes"'
    assert answer(owner, aid, "org_count", {"answer": "2", "note": hostile, "evidence": hostile}).status_code == 302
    for url in (f"/a/{aid}", f"/a/{aid}/q/org_count", f"/a/{aid}/history", "/"):
        text = owner.get(url).get_data(as_text=True)
        assert "<img src=x" not in text and '<script>alert("s")' not in text, url
    page = owner.get(f"/a/{aid}/q/org_count").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;" in page


def test_two_sessions_editing_one_answer_the_later_is_told_and_shown_both(app, owner):
    aid = new_assessment(owner)
    add_user(app, "tom")
    share(owner, aid, "tom", "member")
    tom = signed_in(app, "tom")
    olive_page, tom_page = owner.get(f"/a/{aid}/q/org_count"), tom.get(f"/a/{aid}/q/org_count")
    first = owner.post(f"/a/{aid}/q/org_count", data={"csrf": csrf_of(olive_page), "version": "0", "answer": "4"})
    assert first.status_code == 302
    later = tom.post(f"/a/{aid}/q/org_count", data={"csrf": csrf_of(tom_page), "version": "0", "answer": "7"})
    text = later.get_data(as_text=True)
    assert later.status_code == 409 and "olive saved this question while you were editing it" in text
    assert "<dd>4</dd>" in text and 'value="7"' in text
    assert "org_count: 4" in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    # saving again from the conflict page is a knowing overwrite
    again = tom.post(f"/a/{aid}/q/org_count", data={"csrf": csrf_of(later), "version": "1", "answer": "7"})
    assert again.status_code == 302
    history = owner.get(f"/a/{aid}/history").get_data(as_text=True)
    assert "<td>tom</td><td>org_count</td><td>answer</td>\n      <td>4</td><td>7</td>" in history


# ------------------------------------------------------------ files

def test_export_round_trips_to_the_same_result_as_assess_evaluate(owner, tmp_path):
    from assess.pipeline import evaluate_file, result_json
    aid = new_assessment(owner)
    upload = {"answers": (EXAMPLE.open("rb"), "housing.yaml")}
    response = post(owner, f"/a/{aid}/import", upload, page_url=f"/a/{aid}", content_type="multipart/form-data")
    assert response.status_code == 302
    exported = tmp_path / "exported.yaml"
    exported.write_bytes(owner.get(f"/a/{aid}/answers.yaml").data)
    original, round_trip = evaluate_file(EXAMPLE), evaluate_file(exported)
    strip = lambda r: {k: v for k, v in r.model_dump(mode="json").items() if k != "answers_hash"}
    assert strip(original) == strip(round_trip)
    results = owner.get(f"/a/{aid}/results").get_data(as_text=True)
    assert all(f.title.replace("'", "&#39;").replace('"', "&#34;") in results for f in original.findings)


def test_import_shows_line_numbered_errors_and_changes_nothing(owner):
    aid = new_assessment(owner)
    bad = (b"assessment:\n  framework: service-ownership\n  service: X\n  scope: whole\n  phase: live\n"
           b"answers:\n  org_count: many\n  no_such_question: yes\n")
    response = post(owner, f"/a/{aid}/import", {"answers": (__import__("io").BytesIO(bad), "bad.yaml")},
                    page_url=f"/a/{aid}", content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "bad.yaml:7: answers.org_count:" in text and "bad.yaml:8: answers.no_such_question: unknown question" in text
    assert "answers: {}" in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)


def test_db_export_writes_every_assessment(app, owner, tmp_path):
    from assess.web.service import export_all
    new_assessment(owner, "One")
    new_assessment(owner, "Two / second")
    written = export_all(app.config["ENGINE"], tmp_path / "out")
    assert [p.name for p in written] == ["00001-one.yaml", "00002-two-second.yaml"]
    assert 'service: "Two / second"' in written[1].read_text()


def test_show_if_skips_hidden_questions_and_back_steps_to_the_answer_that_hid_them(owner):
    aid = new_assessment(owner)
    response = answer(owner, aid, "named_owner", {"answer": "nobody"})
    target = response.headers["Location"]
    assert response.status_code == 302 and not target.endswith("/owner_decision_rights")
    page = owner.get(target).get_data(as_text=True)
    assert f'href="/a/{aid}/q/named_owner">Previous question' in page
    hidden = owner.get(f"/a/{aid}/q/owner_decision_rights").get_data(as_text=True)
    assert "This question is not asked" in hidden and 'name="answer"' not in hidden
    answer(owner, aid, "named_owner", {"answer": "named_written"})
    shown = owner.get(f"/a/{aid}/q/owner_decision_rights").get_data(as_text=True)
    assert 'name="answer"' in shown


def test_pdf_past_its_time_limit_is_stopped_with_a_message(app, owner):
    aid = new_assessment(owner)
    app.config["PDF_TIMEOUT"] = 0.01
    response = owner.get(f"/a/{aid}/report.pdf")
    assert response.status_code == 503 and "took longer than 0.01 seconds and was stopped" in response.get_data(as_text=True)


@pytest.mark.slow
def test_pdf_report_downloads_for_a_viewer(app, owner):
    aid = new_assessment(owner)
    add_user(app, "vera")
    share(owner, aid, "vera", "viewer")
    response = signed_in(app, "vera").get(f"/a/{aid}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f'attachment; filename="assessment-{aid}.pdf"'


# ------------------------------------------------------------ attachments

def attach(c, aid: int, qid: str, name: str, data: bytes, **fields):
    import io
    page = c.get(f"/a/{aid}/q/{qid}")
    version = page.get_data(as_text=True).split('name="version" value="')[1].split('"')[0]
    return c.post(f"/a/{aid}/q/{qid}", data={"csrf": csrf_of(page), "version": version,
                                               "attachment": (io.BytesIO(data), name), **fields},
                  content_type="multipart/form-data")


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_an_attachment_is_kept_listed_exported_and_downloadable_only_by_members(app, owner):
    aid = new_assessment(owner)
    assert attach(owner, aid, "named_owner", "remit letter.pdf", PDF, answer="named_written").status_code == 302
    page = owner.get(f"/a/{aid}/q/named_owner").get_data(as_text=True)
    assert "remit_letter.pdf" in page
    fid = int(page.split(f"/a/{aid}/files/")[1].split('"')[0])
    download = owner.get(f"/a/{aid}/files/{fid}")
    assert download.data == PDF and download.headers["Content-Disposition"] == 'attachment; filename="remit_letter.pdf"'
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert 'named_owner: "attachment: remit_letter.pdf"' in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    other = new_assessment(owner, "Another service")
    assert owner.get(f"/a/{other}/files/{fid}").status_code == 404        # the id belongs to another assessment
    add_user(app, "mallory")
    assert signed_in(app, "mallory").get(f"/a/{aid}/files/{fid}").status_code == 404


def test_an_oversized_or_wrongly_typed_upload_is_refused_with_a_message(owner):
    aid = new_assessment(owner)
    fake = attach(owner, aid, "named_owner", "report.pdf", b"MZ\x90\x00 not a pdf", answer="named_written")
    assert fake.status_code == 400 and "report.pdf is not a real PDF file" in fake.get_data(as_text=True)
    script = attach(owner, aid, "named_owner", "run.exe", b"MZ\x90\x00")
    assert script.status_code == 400 and "not a type that can be attached" in script.get_data(as_text=True)
    from assess.web.attachments import MAX_ATTACHMENT
    big = attach(owner, aid, "named_owner", "big.pdf", PDF + b"0" * MAX_ATTACHMENT)
    assert big.status_code in (400, 413) and "10 MB" in big.get_data(as_text=True)
    assert "named_owner" not in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)   # nothing half-saved


def test_reimporting_an_export_does_not_copy_attachment_names_into_evidence(owner):
    import io
    aid = new_assessment(owner)
    attach(owner, aid, "named_owner", "remit.pdf", PDF, answer="named_written", evidence="Board minutes")
    exported = owner.get(f"/a/{aid}/answers.yaml").data
    post(owner, f"/a/{aid}/import", {"answers": (io.BytesIO(exported), "back.yaml")}, page_url=f"/a/{aid}",
         content_type="multipart/form-data")
    assert owner.get(f"/a/{aid}/answers.yaml").data == exported


def test_trusted_proxy_header_signs_in_only_from_the_proxy(tmp_path, clock):
    from assess.web.app import create_app
    app = create_app(f"sqlite:///{tmp_path / 'proxy.db'}", clock=clock, proxy_user_header="X-Remote-User",
                     trusted_proxies=("10.0.0.5",))
    app.config["PREFERRED_URL_SCHEME"] = "https"
    add_user(app, "olive")
    via_proxy = app.test_client()
    via_proxy.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert "Signed in as olive" in via_proxy.get("/", headers={"X-Remote-User": "olive"}).get_data(as_text=True)
    assert via_proxy.get("/", headers={"X-Remote-User": "nobody"}).status_code == 302
    direct = app.test_client()
    direct.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert direct.get("/", headers={"X-Remote-User": "olive"}).status_code == 302


def test_proxy_mode_is_off_by_default(owner):
    owner.delete_cookie("assess_session")
    assert owner.get("/", headers={"X-Remote-User": "olive"}).status_code == 302


def test_an_assessment_whose_framework_is_gone_shows_a_message_not_a_traceback(app, owner):
    from assess.web.store import AssessmentRow
    aid = new_assessment(owner)
    with Db(app.config["ENGINE"]) as db:
        db.get(AssessmentRow, aid).framework = "retired-framework"
        db.commit()
    response = owner.get(f"/a/{aid}/q/org_count")
    assert response.status_code == 400 and "retired-framework" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_details_change_with_history_and_checks(app, owner):
    aid = new_assessment(owner)
    form = {"service": "Find a home", "organisation": "Council", "scope": "part", "phase": "beta", "kind": "self",
            "respondent": "", "date": "2026-02-30"}
    bad = post(owner, f"/a/{aid}/details", form)
    assert bad.status_code == 400 and "February 2026 has 28 days" in bad.get_data(as_text=True)
    assert post(owner, f"/a/{aid}/details", {**form, "date": "2026-02-27"}).status_code == 302
    exported = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert 'service: "Find a home"' in exported and "phase: \"beta\"" in exported and "date: 2026-02-27" in exported
    assert "<td>details</td>" in owner.get(f"/a/{aid}/history").get_data(as_text=True)
    add_user(app, "vera")
    share(owner, aid, "vera", "viewer")
    assert post(signed_in(app, "vera"), f"/a/{aid}/details", form).status_code == 403


def test_an_owner_removes_access(app, owner):
    aid = new_assessment(owner)
    add_user(app, "tom")
    share(owner, aid, "tom", "member")
    tom = signed_in(app, "tom")
    assert tom.get(f"/a/{aid}").status_code == 200
    share(owner, aid, "tom", "remove")
    assert tom.get(f"/a/{aid}").status_code == 404 and tom.get(f"/a/{aid}/answers.yaml").status_code == 404


def test_results_compare_with_an_earlier_assessment_the_user_can_read(app, owner):
    earlier, later = new_assessment(owner, "Housing 2025"), new_assessment(owner, "Housing 2026")
    post(owner, f"/a/{later}/import", {"answers": (EXAMPLE.open("rb"), "housing.yaml")}, page_url=f"/a/{later}",
         content_type="multipart/form-data")
    page = owner.get(f"/a/{later}/results?previous={earlier}").get_data(as_text=True)
    assert "Since Housing 2025" in page and "<td>–</td><td>4</td><td>new</td>" in page
    add_user(app, "mallory")
    mallory = signed_in(app, "mallory")
    theirs = new_assessment(mallory, "Mallory's")
    assert mallory.get(f"/a/{theirs}/results?previous={earlier}").status_code == 404
