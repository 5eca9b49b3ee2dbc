"""Decisions in the browser: who may record them, the reason a differing one needs, the history,
and the answers-file export that `assess evaluate` reads the same way."""
from __future__ import annotations

import re

import pytest
from pathlib import Path

from web_helpers import add_user, app, clock, new_assessment, owner, post, share, signed_in  # noqa: F401 (fixtures)

EXAMPLE = Path(__file__).parent.parent / "examples" / "service-ownership" / "whole-service-housing.yaml"


def imported(c) -> int:
    aid = new_assessment(c)
    response = post(c, f"/a/{aid}/import", {"answers": (EXAMPLE.open("rb"), "housing.yaml")}, page_url=f"/a/{aid}",
                    content_type="multipart/form-data")
    assert response.status_code == 302
    return aid


def proposed(c, aid: int, key: str) -> tuple[str, int]:
    """The engine's proposed rating and level for one principle (or overall), as the decisions form shows them."""
    page = c.get(f"/a/{aid}/decisions").get_data(as_text=True)
    block = page.split(f'id="level-{key}"')[0].rsplit("<legend>", 1)[1]
    found = re.search(r"engine.s proposal: (\w+), level (\d)", block)
    return found.group(1).lower(), int(found.group(2))


def proposal(c, aid: int, key: str) -> str:
    return proposed(c, aid, key)[0]


def decide(c, aid: int, fields: dict, version: str | None = None):
    page = c.get(f"/a/{aid}/decisions").get_data(as_text=True)
    version = version or page.split('name="version" value="')[1].split('"')[0]
    data = {"decided_by": "Assessment panel", "date": "2026-12-02", "version": version, **fields}
    return post(c, f"/a/{aid}/decisions", data)


def decisions_of(c, aid: int) -> dict:
    """The decisions block of the assessment's answers-file export."""
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(c.get(f"/a/{aid}/answers.yaml").get_data(as_text=True))["decisions"]


def other(rag: str) -> str:
    return "red" if rag != "red" else "green"


def test_an_assessor_records_decisions_that_export_and_evaluate_the_same(app, owner, tmp_path):
    from assess.decisions import decided_overall, decided_rating
    from assess.pipeline import evaluate_file
    aid = imported(owner)
    add_user(app, "ash")
    share(owner, aid, "ash", "assessor")
    ash = signed_in(app, "ash")
    proposed = proposal(ash, aid, "clear-accountability")
    response = decide(ash, aid, {"rating-clear-accountability": other(proposed), "level-clear-accountability": "2",
                                 "reason-clear-accountability": "The named owner has no budget.",
                                 "rating-overall": proposal(ash, aid, "overall")})
    assert response.status_code == 302, response.get_data(as_text=True)
    exported = tmp_path / "exported.yaml"
    exported.write_bytes(owner.get(f"/a/{aid}/answers.yaml").data)
    assert "\ndecisions:" in exported.read_text() and "decided_by: \"Assessment panel\"" in exported.read_text()
    result = evaluate_file(exported)
    rating = decided_rating(result, "clear-accountability")
    assert rating.decided and rating.rag == other(proposed) and rating.level == 2 and rating.differs
    assert rating.reason == "The named owner has no budget." and str(rating.date) == "2026-12-02"
    assert decided_overall(result).decided and not decided_overall(result).differs
    history = owner.get(f"/a/{aid}/history").get_data(as_text=True)
    assert "The named owner has no budget." in history and "ash" in history


def test_a_differing_decision_without_a_reason_is_refused_with_what_was_typed_kept(owner):
    aid = imported(owner)
    proposed = proposal(owner, aid, "shared-vision")
    response = decide(owner, aid, {"rating-shared-vision": other(proposed), "reason-shared-vision": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "differs from the engine&#39;s proposal" in text and 'href="#reason-shared-vision"' in text
    assert f'<option value="{other(proposed)}" selected>' in text
    assert "\ndecisions:" not in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)


def test_who_decided_and_a_real_date_are_required(owner):
    aid = imported(owner)
    response = decide(owner, aid, {"rating-overall": proposal(owner, aid, "overall"), "decided_by": "",
                                   "date": "2026-02-30"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Say who decided" in text and "February 2026 has 28 days" in text


def test_team_members_and_viewers_read_decisions_but_cannot_record_them_and_strangers_get_not_found(app, owner):
    aid = imported(owner)
    for name, role in (("mo", "member"), ("vera", "viewer")):
        add_user(app, name)
        share(owner, aid, name, role)
        c = signed_in(app, name)
        page = c.get(f"/a/{aid}/decisions")
        assert page.status_code == 200 and "Save decisions" not in page.get_data(as_text=True)
        assert decide(c, aid, {"rating-overall": "green", "reason-overall": "x"}, version="0").status_code == 403
    add_user(app, "mallory")
    mallory = signed_in(app, "mallory")
    assert mallory.get(f"/a/{aid}/decisions").status_code == 404
    assert post(mallory, f"/a/{aid}/decisions", {"rating-overall": "green"}, page_url="/").status_code == 404
    assert "\ndecisions:" not in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)


def test_a_save_based_on_older_decisions_writes_nothing_and_says_so(app, owner):
    aid = imported(owner)
    add_user(app, "ash")
    share(owner, aid, "ash", "assessor")
    ash = signed_in(app, "ash")
    overall = proposal(owner, aid, "overall")
    stale = owner.get(f"/a/{aid}/decisions").get_data(as_text=True).split('name="version" value="')[1].split('"')[0]
    assert decide(ash, aid, {"rating-overall": overall, "reason-overall": "Ash's view"}).status_code == 302
    response = decide(owner, aid, {"rating-overall": overall, "reason-overall": "Olive's view"}, version=stale)
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else saved decisions" in text
    assert "Olive&#39;s view" in text and "Ash&#39;s view" in text
    exported = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert "Ash's view" in exported and "Olive's view" not in exported


def test_an_imported_files_decisions_are_kept(owner, tmp_path):
    aid = imported(owner)
    assert decide(owner, aid, {"rating-overall": proposal(owner, aid, "overall")}).status_code == 302
    text = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    other_aid = new_assessment(owner, "Second")
    upload = {"answers": (__import__("io").BytesIO(text.encode()), "with-decisions.yaml")}
    assert post(owner, f"/a/{other_aid}/import", upload, page_url=f"/a/{other_aid}",
                content_type="multipart/form-data").status_code == 302
    again = owner.get(f"/a/{other_aid}/answers.yaml").get_data(as_text=True)
    assert again.split("\ndecisions:", 1)[1] == text.split("\ndecisions:", 1)[1]
    assert "decisions" in owner.get(f"/a/{other_aid}/history").get_data(as_text=True)


def test_a_framework_rated_by_level_asks_for_a_level_whose_rag_follows(owner):
    aid = imported(owner)                               # service-ownership: the panel decides levels
    rag, level = proposed(owner, aid, "shared-vision")
    page = owner.get(f"/a/{aid}/decisions").get_data(as_text=True)
    assert 'id="level-shared-vision"' in page and 'id="rating-shared-vision"' not in page
    assert re.search(r"Level 1 – [^<(]+\(Red\)</option>", page)
    assert re.search(rf"Level {level} – [^<(]+\({rag.capitalize()}\)</option>", page)   # the proposed level keeps the engine's RAG

    assert decide(owner, aid, {"level-shared-vision": str(level)}).status_code == 302        # agreeing needs no reason
    assert decisions_of(owner, aid)["principles"]["shared-vision"] == {"rating": rag, "level": level}

    lower = 1 if level > 1 else 2
    reads_as = re.search(rf"Level {lower} – [^<(]+\((\w+)\)</option>", page).group(1).lower()
    refused = decide(owner, aid, {"level-shared-vision": str(lower)})
    assert refused.status_code == 400 and "so give the reason" in refused.get_data(as_text=True)
    assert f'<option value="{lower}" selected>' in refused.get_data(as_text=True)                # what was chosen stays
    assert decide(owner, aid, {"level-shared-vision": str(lower), "reason-shared-vision": "No agreed vision yet."}).status_code == 302
    assert decisions_of(owner, aid)["principles"]["shared-vision"] == {"rating": reads_as, "level": lower,
                                                                       "reason": "No agreed vision yet."}


def test_a_decision_recorded_without_a_level_keeps_both_fields_in_a_level_framework(owner):
    aid = imported(owner)
    rag = proposal(owner, aid, "overall")
    assert decide(owner, aid, {"rating-overall": rag}).status_code == 302                    # as an imported file may hold
    page = owner.get(f"/a/{aid}/decisions").get_data(as_text=True)
    assert 'id="rating-overall"' in page and f'<option value="{rag}" selected>' in page
    assert decide(owner, aid, {"rating-overall": rag}).status_code == 302
    assert decisions_of(owner, aid)["overall"] == {"rating": rag}


# ------------------------------------------------------------ the board pack

def test_board_pack_past_its_time_limit_is_stopped_with_a_message(app, owner):
    aid = new_assessment(owner)
    app.config["PDF_TIMEOUT"] = 0.01
    response = owner.get(f"/a/{aid}/board-pack.pdf")
    assert response.status_code == 503 and "took longer than 0.01 seconds and was stopped" in response.get_data(as_text=True)


def test_board_pack_is_offered_beside_the_report_and_refused_to_strangers(app, owner):
    aid = new_assessment(owner)
    results = owner.get(f"/a/{aid}/results").get_data(as_text=True)
    assert f'href="/a/{aid}/report.pdf"' in results and f'href="/a/{aid}/board-pack.pdf"' in results
    add_user(app, "mallory")
    assert signed_in(app, "mallory").get(f"/a/{aid}/board-pack.pdf").status_code == 404


@pytest.mark.slow
def test_board_pack_downloads_for_a_viewer_and_shows_the_recorded_decision(app, owner, tmp_path):
    aid = imported(owner)
    overall = proposal(owner, aid, "overall")
    assert decide(owner, aid, {"rating-overall": overall, "reason-overall": "Agreed by the panel"}).status_code == 302
    add_user(app, "vera")
    share(owner, aid, "vera", "viewer")
    response = signed_in(app, "vera").get(f"/a/{aid}/board-pack.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f'attachment; filename="assessment-{aid}-board-pack.pdf"'
    from report_helpers import pdf_pages_text
    (tmp_path / "pack.pdf").write_bytes(response.data)
    assert "Assessment panel" in " ".join(pdf_pages_text(tmp_path / "pack.pdf"))


def test_the_results_page_shows_the_decision_beside_the_proposal(owner):
    aid = imported(owner)
    proposed = proposal(owner, aid, "networked-leadership")
    response = decide(owner, aid, {"rating-networked-leadership": other(proposed),
                                   "reason-networked-leadership": "Leaders meet only at the board."})
    assert response.status_code == 302
    results = owner.get(f"/a/{aid}/results").get_data(as_text=True)
    row = results.split("<td>Networked leadership</td>")[1].split("</tr>")[0]
    assert f"<td>{other(proposed).capitalize()}</td>" in row and f"<td>{proposed.capitalize()}</td>" in row


def test_a_reassessment_asks_only_about_the_reopened_points_and_keeps_the_carried_decisions(owner):
    example = Path(__file__).parent.parent / "examples" / "service-standard" / "reassessment" / "childcare-beta-2027-02.yaml"
    response = post(owner, "/assessments", {"framework": "service-standard", "service": "Childcare", "scope": "part",
                                            "phase": "beta"}, page_url="/")
    aid = int(response.headers["Location"].rsplit("/", 1)[1])
    assert post(owner, f"/a/{aid}/import", {"answers": (example.open("rb"), example.name)}, page_url=f"/a/{aid}",
                content_type="multipart/form-data").status_code == 302
    page = owner.get(f"/a/{aid}/decisions").get_data(as_text=True)
    assert 'id="rating-everyone-can-use"' in page and 'id="rating-overall"' in page
    assert 'id="rating-understand-users"' not in page and "(carried)" in page
    from assess.yamlio import load_yaml
    decided = lambda: dict(load_yaml("a.yaml", owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True))
                           .data["decisions"]["principles"])
    before = decided()
    response = decide(owner, aid, {"rating-everyone-can-use": "green", "rating-overall": "amber",
                                   "reason-everyone-can-use": "Widened research plan seen by the panel.",
                                   "decided_by": "Beta reassessment panel (lead assessor Amara Nwosu)", "date": "2027-02-25"})
    assert response.status_code == 302, response.get_data(as_text=True)
    after = decided()
    assert after.pop("everyone-can-use")["reason"] == "Widened research plan seen by the panel."
    before.pop("everyone-can-use")
    assert after == before and all(entry.get("carried") for entry in after.values())
