"""Folders, their portfolio board and the decisions page in a real headless Chromium, each page
checked with axe-core: an owner makes a folder and adds assessments, a board member given the
folder reads the board, and an assessor records a decision."""
from __future__ import annotations

from pathlib import Path

from test_web_browser import Visit, browser, browsers, live  # noqa: F401 (fixtures)
from web_helpers import add_user, new_assessment, post, share, signed_in

EXAMPLES = Path(__file__).parent.parent / "examples" / "service-ownership"


def imported(c, example: str) -> int:
    aid = new_assessment(c, example)
    response = post(c, f"/a/{aid}/import", {"answers": ((EXAMPLES / example).open("rb"), example)}, page_url=f"/a/{aid}",
                    content_type="multipart/form-data")
    assert response.status_code == 302
    return aid


def test_a_board_member_reads_the_folder_board_an_owner_built(live, browser):
    from selenium.webdriver.support.ui import Select
    app, server = live
    for name in ("olive", "bea"):
        add_user(app, name)
    olive = signed_in(app, "olive")
    housing = imported(olive, "whole-service-housing.yaml")
    health = imported(olive, "health-pathway-unanchored.yaml")
    me = Visit(browser, server.url)
    me.sign_in("olive")
    me.follow("Folders")
    me.type("name", "Northshire programme")
    me.press("Make the folder")
    for aid in (housing, health):
        Select(me.by_id("add-assessment")).select_by_value(str(aid))
        me.press("Add to the folder")
    me.type("share-username", "bea")
    Select(me.by_id("share-role")).select_by_value("viewer")
    me.press("Give or change access")
    assert "Portfolio board: Northshire programme" in me.text and "Heatmap" in me.text
    browser.delete_all_cookies()
    me.sign_in("bea")
    me.follow("Folders")
    me.follow("Northshire programme")
    text = me.text
    assert "Portfolio board: Northshire programme" in text and "2 assessments of 2 services" in text
    assert "Add to the folder" not in text and "Give or change access" not in text
    # the CSP refuses style attributes, so the column widths must come from the stylesheet
    shares = browser.execute_script(
        "const table = [...document.querySelectorAll('table')].find(t => t.caption && t.caption.textContent.includes('ranked by risk'));"
        "return [...table.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().width / table.getBoundingClientRect().width);")
    assert [round(share * 100) for share in shares] == [7, 42, 15, 8, 10, 11, 7]   # the service column takes the rest
    me.go(f"/a/{housing}")                                  # the folder lets her read its assessments
    me.follow("Decisions")
    assert "Save decisions" not in me.text
    assert me.problems == []


def test_an_assessor_records_a_decision_in_the_browser(live, browser):
    from selenium.webdriver.support.ui import Select
    app, server = live
    for name in ("olive", "ash"):
        add_user(app, name)
    olive = signed_in(app, "olive")
    aid = imported(olive, "whole-service-housing.yaml")
    share(olive, aid, "ash", "assessor")
    me = Visit(browser, server.url)
    me.sign_in("ash")
    me.go(f"/a/{aid}/decisions")
    Select(me.by_id("level-clear-accountability")).select_by_value("1")   # rated by level: the RAG follows
    me.press("Save decisions")                                      # refused: a different rating needs a reason
    assert "There is a problem" in me.text and "so give the reason" in me.text
    me.type("reason-clear-accountability", "Nobody holds the budget for the whole service.")
    me.type("decided_by", "Northshire assessment panel")
    me.press("Save decisions")
    assert "The decisions are saved" in me.text and "Nobody holds the budget for the whole service." in me.text
    assert me.problems == []
