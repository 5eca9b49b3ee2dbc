"""Folders and their portfolio board through Flask's test client: who may read and change a
folder, what the board counts, the PDF's time limit, and the migration that adds the tables."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from web_helpers import (DATABASES, add_user, app, clock, database, new_assessment, owner, post,  # noqa: F401 (fixtures)
                         share, signed_in)

EXAMPLES = Path(__file__).parent.parent / "examples" / "service-ownership"


def imported(c, example: str = "whole-service-housing.yaml") -> int:
    aid = new_assessment(c, example)
    response = post(c, f"/a/{aid}/import", {"answers": ((EXAMPLES / example).open("rb"), example)}, page_url=f"/a/{aid}",
                    content_type="multipart/form-data")
    assert response.status_code == 302
    return aid


def make_folder(c, name: str = "Northshire programme") -> int:
    response = post(c, "/folders", {"name": name})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def add(c, fid: int, aid: int):
    return post(c, f"/folders/{fid}/assessments", {"action": "add", "assessment": str(aid)}, page_url="/folders")


def give(c, fid: int, username: str, role: str):
    return post(c, f"/folders/{fid}/members", {"username": username, "role": role}, page_url="/folders")


@pytest.fixture
def programme(app, owner):
    """olive's folder with two assessments in it, and bea given it as a viewer (a board member)."""
    fid = make_folder(owner)
    aids = [imported(owner, "whole-service-housing.yaml"), imported(owner, "health-pathway-unanchored.yaml")]
    for aid in aids:
        assert add(owner, fid, aid).status_code == 302
    add_user(app, "bea")
    assert give(owner, fid, "bea", "viewer").status_code == 302
    return fid, aids


def test_a_folder_viewer_reads_the_board_and_every_assessment_in_it_but_changes_nothing(app, owner, programme):
    fid, aids = programme
    bea = signed_in(app, "bea")
    page = bea.get(f"/folders/{fid}").get_data(as_text=True)
    assert "Portfolio board: Northshire programme" in page and "2 assessments of 2 services" in page
    assert "Northshire programme" in bea.get("/folders").get_data(as_text=True)
    for aid in aids:
        assert bea.get(f"/a/{aid}/results").status_code == 200
        assert bea.get(f"/a/{aid}/answers.yaml").status_code == 200
        assert post(bea, f"/a/{aid}/details", {"service": "Renamed", "scope": "whole", "phase": "live"}).status_code == 403
        assert post(bea, f"/a/{aid}/decisions", {"rating-overall": "green"}).status_code == 403
    assert add(bea, fid, aids[0]).status_code == 403
    assert post(bea, f"/folders/{fid}/assessments", {"action": "remove", "assessment": str(aids[0])},
                page_url="/folders").status_code == 403
    assert give(bea, fid, "bea", "owner").status_code == 403
    assert "2 assessments of 2 services" in owner.get(f"/folders/{fid}").get_data(as_text=True)


def test_a_stranger_gets_not_found_for_every_folder_url_whether_or_not_it_exists(app, owner, programme):
    fid, aids = programme
    add_user(app, "mallory")
    mallory = signed_in(app, "mallory")
    for url in (f"/folders/{fid}", f"/folders/{fid}/board.pdf", f"/folders/{fid + 1}", f"/folders/{fid + 1}/board.pdf",
                f"/a/{aids[0]}/results"):
        response = mallory.get(url)
        assert response.status_code == 404, url
    for target in (fid, fid + 1):       # the same words whether the folder exists or not
        assert f"There is no folder {target}, or you have not been given access to it." in \
            mallory.get(f"/folders/{target}").get_data(as_text=True)
    mine = new_assessment(mallory, "Mallory's own")
    for target in (fid, fid + 1):
        assert add(mallory, target, mine).status_code == 404
        assert give(mallory, target, "mallory", "owner").status_code == 404
    assert "Northshire" not in mallory.get("/folders").get_data(as_text=True)


def test_only_an_assessments_owner_can_put_it_in_a_folder(app, owner, programme):
    fid, aids = programme
    add_user(app, "ash")
    share(owner, aids[0], "ash", "assessor")
    ash = signed_in(app, "ash")
    own_fid = make_folder(ash, "Ash's folder")
    assert add(ash, own_fid, aids[0]).status_code == 403          # an assessor cannot let others read it
    assert add(ash, own_fid, aids[1]).status_code == 404          # nor can someone with no role on it
    history = owner.get(f"/a/{aids[0]}/history").get_data(as_text=True)
    assert "folder Northshire programme: added" in history


def test_taking_an_assessment_out_of_a_folder_or_a_person_off_it_ends_their_access(app, owner, programme):
    fid, aids = programme
    bea = signed_in(app, "bea")
    response = post(owner, f"/folders/{fid}/assessments", {"action": "remove", "assessment": str(aids[0])},
                    page_url="/folders")
    assert response.status_code == 302
    assert bea.get(f"/a/{aids[0]}").status_code == 404 and bea.get(f"/a/{aids[1]}").status_code == 200
    assert "1 assessment of 1 service" in bea.get(f"/folders/{fid}").get_data(as_text=True)
    assert give(owner, fid, "bea", "remove").status_code == 302
    assert bea.get(f"/folders/{fid}").status_code == 404 and bea.get(f"/a/{aids[1]}").status_code == 404


def test_the_board_shows_only_the_assessments_the_person_may_read(app, owner, programme):
    fid, aids = programme
    add_user(app, "root", admin=True)       # an administrator manages the folder but was given no assessment
    root = signed_in(app, "root")
    page = root.get(f"/folders/{fid}").get_data(as_text=True)
    assert "no assessment you can read" in page and "2 more assessments in this folder are not shown" in page
    share(owner, aids[1], "root", "viewer")
    page = root.get(f"/folders/{fid}").get_data(as_text=True)
    assert "1 assessment of 1 service" in page and "1 more assessment in this folder is not shown" in page


def test_the_board_uses_recorded_decisions(app, owner, programme):
    fid, aids = programme
    before = owner.get(f"/folders/{fid}").get_data(as_text=True)
    assert ", decided" not in before
    response = post(owner, f"/a/{aids[0]}/decisions", {"decided_by": "Panel", "date": "2026-12-02", "version": "0",
                                                       "rating-overall": "red", "reason-overall": "Too early to say"})
    assert response.status_code == 302
    assert ", decided" in owner.get(f"/folders/{fid}").get_data(as_text=True)


def test_the_board_evaluates_only_assessments_changed_since_it_was_last_shown(app, owner, programme, monkeypatch):
    from assess.web import board_cache, routes_folders
    fid, aids = programme
    board_cache.forget_all()
    evaluated = []

    def counted(session, text=None):
        evaluated.append(session.meta["service"])
        return real(session, text)
    real = routes_folders.evaluate
    monkeypatch.setattr(routes_folders, "evaluate", counted)
    first = owner.get(f"/folders/{fid}").get_data(as_text=True)
    assert len(evaluated) == 2
    assert owner.get(f"/folders/{fid}").get_data(as_text=True) == first and len(evaluated) == 2
    response = post(owner, f"/a/{aids[0]}/details", {"service": "Renamed housing", "scope": "whole", "phase": "live",
                                                     "date": "2026-11-30"})
    assert response.status_code == 302
    renamed = owner.get(f"/folders/{fid}").get_data(as_text=True)
    assert evaluated[2:] == ["Renamed housing"] and "Renamed housing" in renamed
    board_cache.forget_all()                      # what was kept shows exactly what evaluating afresh shows
    assert owner.get(f"/folders/{fid}").get_data(as_text=True) == renamed and len(evaluated) == 5


def test_an_undated_assessment_is_listed_as_undated(app, owner, programme):
    """The date is optional: clearing it must not break the pages that list assessments by date."""
    fid, aids = programme
    response = post(owner, f"/a/{aids[0]}/details", {"service": "Housing", "scope": "whole", "phase": "live", "date": ""})
    assert response.status_code == 302
    page = owner.get(f"/folders/{fid}")
    assert page.status_code == 200 and "<td>undated</td>" in page.get_data(as_text=True)
    other = make_folder(owner, "Another programme")
    page = owner.get(f"/folders/{other}").get_data(as_text=True)     # offered for adding, without a date
    assert f'<option value="{aids[0]}">Housing</option>' in page
    results = owner.get(f"/a/{aids[1]}/results")                    # offered as the assessment to compare with
    assert results.status_code == 200 and f'<option value="{aids[0]}" >Housing</option>' in results.get_data(as_text=True)


def test_folder_names_are_checked(owner):
    response = post(owner, "/folders", {"name": "   "})
    assert response.status_code == 400 and 'href="#name"' in response.get_data(as_text=True)


def test_the_board_pdf_past_its_time_limit_is_stopped_with_a_message(app, owner, programme):
    fid, _aids = programme
    app.config["PDF_TIMEOUT"] = 0.01
    response = owner.get(f"/folders/{fid}/board.pdf")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and "took longer than 0.01 seconds" in text and "assess portfolio" in text


@pytest.mark.slow
def test_the_board_pdf_downloads_for_a_folder_viewer(app, programme, tmp_path):
    fid, _aids = programme
    response = signed_in(app, "bea").get(f"/folders/{fid}/board.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f'attachment; filename="folder-{fid}-board.pdf"'
    from report_helpers import pdf_pages_text
    (tmp_path / "board.pdf").write_bytes(response.data)
    text = " ".join(pdf_pages_text(tmp_path / "board.pdf"))
    assert "Portfolio board: Northshire programme" in text and "Heatmap" in text


# ------------------------------------------------------------ the migration

@pytest.mark.parametrize("kind", DATABASES)
def test_migration_0003_adds_the_tables_to_a_database_in_use_and_can_be_undone(kind, tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    from assess.web.store import connect
    with database(kind, tmp_path) as url:
        engine = connect(url)
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent.parent / "assess" / "web" / "migrations"))

        def migrate(step, target):
            with engine.begin() as connection:
                cfg.attributes["connection"] = connection
                step(cfg, target)
        migrate(command.upgrade, "0002")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO users (id, username, password_hash, is_admin, created_at) "
                                    "VALUES (1, 'olive', 'x', false, '2026-11-28 09:00:00')"))
            connection.execute(text("INSERT INTO assessments (id, framework, meta, created_by, created_at) "
                                    "VALUES (1, 'service-ownership', '{}', 1, '2026-11-28 09:00:00')"))
        migrate(command.upgrade, "head")
        new = {"folders", "folder_members", "folder_items", "assessment_blocks"}
        assert new <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO folders (id, name, created_by, created_at) VALUES (1, 'F', 1, '2026-11-28')"))
            connection.execute(text("INSERT INTO folder_items VALUES (1, 1, 1, '2026-11-28')"))
            assert connection.execute(text("SELECT count(*) FROM assessments")).scalar() == 1
        migrate(command.downgrade, "0002")
        assert not new & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM assessments")).scalar() == 1
        engine.dispose()


def test_deleting_a_folder_ends_the_access_it_gave_and_keeps_the_assessments(app, owner, programme):
    fid, aids = programme
    bea = signed_in(app, "bea")
    assert post(bea, f"/folders/{fid}/delete", {}, page_url="/folders").status_code == 403
    assert post(owner, f"/folders/{fid}/delete", {}, page_url="/folders").status_code == 302
    assert bea.get(f"/folders/{fid}").status_code == 404 and bea.get(f"/a/{aids[0]}").status_code == 404
    assert owner.get(f"/a/{aids[0]}").status_code == 200
    assert "folder Northshire programme: deleted" in owner.get(f"/a/{aids[0]}/history").get_data(as_text=True)


def test_hostile_names_show_literally_on_the_folder_and_its_board(app, owner):
    fid = make_folder(owner, "<b>Board</b>")
    aid = new_assessment(owner, "<script>alert(1)</script>")
    assert add(owner, fid, aid).status_code == 302
    page = owner.get(f"/folders/{fid}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>Board" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Portfolio board: &lt;b&gt;Board&lt;/b&gt;" in page


# ---------------------------------------------------------------- styles under the pages' CSP

WEB_TEMPLATES = [*(ROOT / "assess" / "web" / "templates").glob("*.html"), *(ROOT / "report_templates" / "board").glob("*.j2")]


def test_no_template_of_a_web_page_has_a_style_attribute():
    # the CSP's style-src 'self' makes the browser ignore style attributes: widths and looks go in classes
    found = [f"{path.relative_to(ROOT)}:{number}" for path in WEB_TEMPLATES
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if re.search(r"<[^>]*\sstyle\s*=", line)]
    assert "folder.html" in {p.name for p in WEB_TEMPLATES} and found == []


def test_the_boards_column_widths_are_set_by_the_served_stylesheet_as_in_print(owner, programme):
    from assess.reports.templates import base_dir
    fid, _ = programme
    response = owner.get(f"/folders/{fid}")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    served = owner.get("/static/board.css").get_data(as_text=True)
    printed = (base_dir() / "board" / "board.css").read_text(encoding="utf-8")
    widths = set(re.findall(r'<col class="w(\d+)">', page))
    assert widths >= {"7", "8", "10", "11", "15"}            # the table of services ranked by risk is always there
    assert re.search(r"\.board table\.fixed \{ table-layout: fixed; \}", served)
    for n in widths:
        assert re.search(rf"\.board col\.w{n} {{ width: {n}%; }}", served), f"col.w{n} is not in the served board.css"
        assert re.search(rf"(?<![.\w])col\.w{n} {{ width: {n}%; }}", printed), f"col.w{n} is not in the print board.css"
