"""The web service in a real headless Chromium: first-run setup, a team member answering with a
back-step, an n/a and an upload, an assessor's note and PDF, a viewer refused, two browsers on
one answer, the flow with JavaScript off; axe-core checks every page visited."""
from __future__ import annotations

import time

import pytest
from sqlalchemy.orm import Session as Db

from assess.web import auth
from browser import LiveServer, accessibility_problems, chrome, need_browser
from web_helpers import PASSWORD, Clock, add_user, database, make_app, new_assessment, share, signed_in

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(scope="module")
def browsers():
    need_browser()
    drivers = [chrome(), chrome()]
    yield drivers
    for driver in drivers:
        driver.quit()


@pytest.fixture
def live(tmp_path):
    with database("sqlite", tmp_path) as url:
        app = make_app(url, Clock())
        server = LiveServer(app)
        yield app, server
        server.stop()
        app.config["ENGINE"].dispose()


@pytest.fixture
def browser(browsers):
    driver = browsers[0]
    driver.delete_all_cookies()
    return driver


def has_left_document(element) -> bool:
    """True once the element's page has been replaced. Mid-navigation Chromium may answer with an
    inspector error rather than a stale reference; both mean the node is no longer in the page."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in (error.msg or ""):
            return True
        raise
    return False


class Visit:
    """A person in a browser: every page it lands on is checked with axe-core."""

    def __init__(self, driver, base: str):
        self.driver, self.base, self.problems = driver, base, []

    def check(self) -> None:
        self.problems += accessibility_problems(self.driver)

    def go(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.check()

    def by_id(self, element_id: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.ID, element_id)

    def type(self, element_id: str, text: str) -> None:
        field = self.by_id(element_id)
        field.clear()
        field.send_keys(text)

    def click(self, element, navigates: bool = True) -> None:
        """Click, and wait for the next page to replace this one before looking at it."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        if navigates:
            WebDriverWait(self.driver, 60).until(lambda driver: has_left_document(page))
            self.check()

    def press(self, label: str, navigates: bool = True) -> None:
        from selenium.webdriver.common.by import By
        self.click(self.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']"), navigates)

    def follow(self, text: str, navigates: bool = True) -> None:
        from selenium.webdriver.common.by import By
        self.click(self.driver.find_element(By.LINK_TEXT, text), navigates)

    def sign_in(self, username: str) -> None:
        self.go("/login")
        self.type("username", username)
        self.type("password", PASSWORD)
        self.press("Sign in")

    @property
    def text(self) -> str:
        return self.driver.page_source


def team(app):
    """olive owns a new assessment shared with tom (member), ash (assessor) and vera (viewer)."""
    for name in ("olive", "tom", "ash", "vera"):
        add_user(app, name)
    owner = signed_in(app, "olive")
    aid = new_assessment(owner)
    for name, role in (("tom", "member"), ("ash", "assessor"), ("vera", "viewer")):
        share(owner, aid, name, role)
    return owner, aid


def test_first_run_setup(live, browser):
    app, server = live
    with Db(app.config["ENGINE"]) as db:
        token = auth.new_setup_token(db)
    me = Visit(browser, server.url)
    me.go("/")
    assert browser.current_url.endswith("/setup")
    me.type("token", token)
    me.type("username", "admin")
    me.type("password", PASSWORD)
    me.press("Create administrator")
    assert "Your assessments" in me.text and "Signed in as admin" in me.text
    me.follow("People")
    assert me.problems == []


def test_team_member_answers_with_a_back_step_an_na_and_an_upload(live, browser, tmp_path):
    app, server = live
    owner, aid = team(app)
    me = Visit(browser, server.url)
    me.sign_in("tom")
    me.go(f"/a/{aid}")
    me.follow("Continue with the next unanswered question")
    me.type("answer", "2")
    me.press("Save and continue")
    assert "What kinds of organisation are involved?" in me.text
    me.follow("Previous question")                     # the back-step shows the saved answer
    assert me.by_id("answer").get_attribute("value") == "2"
    me.type("answer", "3")
    me.press("Save and continue")
    me.by_id("answer-1").click()
    me.press("Save and continue")
    me.go(f"/a/{aid}/q/data_sharing")
    from selenium.webdriver.common.by import By
    browser.find_element(By.XPATH, "//summary[normalize-space()='This question does not apply']").click()
    me.type("na_reason", "One council delivers the whole journey")
    me.press("Mark not applicable")
    me.go(f"/a/{aid}/q/named_owner")
    browser.find_element(By.CSS_SELECTOR, "input[value=named_written]").click()
    me.type("evidence", "Remit letter signed by the chief executive")
    letter = tmp_path / "remit.pdf"
    letter.write_bytes(PDF)
    me.by_id("attachment").send_keys(str(letter))
    me.press("Save and continue")
    exported = owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert "org_count: 3" in exported and 'org_kinds: ["council"]' in exported
    assert '"One council delivers the whole journey"' in exported
    assert '"Remit letter signed by the chief executive"' in exported and '"attachment: remit.pdf"' in exported
    me.go(f"/a/{aid}/history")
    me.go(f"/a/{aid}/results")
    me.go(f"/a/{aid}/details")
    bad = tmp_path / "bad.yaml"
    bad.write_text("assessment:\n  framework: service-ownership\n  service: X\n  scope: whole\n  phase: live\n"
                   "answers:\n  org_count: many\n")
    me.go(f"/a/{aid}")
    me.by_id("answers-file").send_keys(str(bad))
    me.press("Import")
    assert "bad.yaml:7: answers.org_count:" in me.text
    me.go(f"/a/{aid + 100}")                          # the not-found page
    assert me.problems == []


def test_viewer_is_refused_an_edit(live, browser):
    app, server = live
    _owner, aid = team(app)
    me = Visit(browser, server.url)
    me.sign_in("vera")
    me.go(f"/a/{aid}/q/org_count")
    assert "Save and continue" not in me.text and me.by_id("answer").get_attribute("disabled")
    # a viewer who re-enables the form by hand is still refused by the server
    browser.execute_script("for (const e of document.querySelectorAll('[disabled]')) e.disabled = false;"
                           "const b = document.createElement('button'); b.name = 'action'; b.value = 'save';"
                           "b.textContent = 'Forced save'; document.forms[1].appendChild(b);")
    me.type("answer", "5")
    me.press("Forced save")
    assert "Not allowed" in me.text
    me.go(f"/a/{aid}")
    assert me.problems == []


def test_two_browsers_editing_the_same_answer(live, browsers):
    app, server = live
    owner, aid = team(app)
    olive, tom = (Visit(d, server.url) for d in browsers)
    for visit in (olive, tom):
        visit.driver.delete_all_cookies()
    olive.sign_in("olive")
    tom.sign_in("tom")
    olive.go(f"/a/{aid}/q/org_count")
    tom.go(f"/a/{aid}/q/org_count")
    olive.type("answer", "4")
    olive.press("Save and continue")
    tom.type("answer", "7")
    tom.press("Save and continue")
    assert "olive saved this question while you were editing it" in tom.text and "<dd>4</dd>" in tom.text
    assert tom.by_id("answer").get_attribute("value") == "7"
    tom.press("Save and continue")                     # a knowing overwrite
    assert "org_count: 7" in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)
    assert olive.problems == [] and tom.problems == []


def test_the_form_flow_works_with_javascript_off(live):
    need_browser()
    app, server = live
    owner, aid = team(app)
    driver = chrome(javascript=False)
    try:
        me = Visit(driver, server.url)
        me.check = lambda: None                        # axe needs script; the other tests check these pages
        me.sign_in("tom")
        me.go(f"/a/{aid}/q/org_count")
        me.type("answer", "6")
        me.press("Save and continue")
        assert "What kinds of organisation are involved?" in me.text
    finally:
        driver.quit()
    assert "org_count: 6" in owner.get(f"/a/{aid}/answers.yaml").get_data(as_text=True)


@pytest.mark.slow
def test_assessor_adds_a_note_and_downloads_the_pdf(live, browser, tmp_path):
    app, server = live
    _owner, aid = team(app)
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    me = Visit(browser, server.url)
    me.sign_in("ash")
    me.go(f"/a/{aid}/q/named_owner")
    me.type("note", "Panel: ask for the signed remit")
    me.press("Save and continue")
    me.go(f"/a/{aid}/history")
    assert "Panel: ask for the signed remit" in me.text
    me.follow("PDF report", navigates=False)   # a download: the page stays
    deadline = time.monotonic() + 180
    target = tmp_path / f"assessment-{aid}.pdf"
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert target.read_bytes().startswith(b"%PDF")
    assert me.problems == []
