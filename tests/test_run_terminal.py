"""`assess run` in a real terminal (pexpect): the way an assessor uses it.

Each test types into a pseudo-terminal, waits for what the screen shows, and then checks the
answers file with the same loader `assess evaluate` uses.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from assess.answers import NOT_APPLICABLE, load_answers

from conftest import MINI, ROOT, run_cli

GUIDED = ROOT / "tests" / "frameworks" / "guided"
DOWN, CTRL_C, CTRL_U = "\x1b[B", "\x03", "\x15"


class Terminal:
    """One `assess run` process in a pseudo-terminal."""

    def __init__(self, *args: str, python_code: str | None = None, timeout: float = 30):
        env = dict(os.environ, NO_COLOR="1", TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        argv = ["-c", python_code, *args] if python_code else ["-m", "assess", "run", *args]
        self.child = pexpect.spawn(sys.executable, argv, cwd=str(ROOT), env=env, encoding="utf-8",
                                   dimensions=(50, 200), timeout=timeout)

    def expect(self, text: str) -> None:
        self.child.expect_exact(text)

    def pick(self, key: str) -> None:
        """Choose from a list by its key (1, 2, ... or s, a, e, n, h, b), then Enter."""
        self.child.send(key)
        self.child.send("\r")

    def type(self, text: str) -> None:
        self.child.send(text + "\r")

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def meta(self, service: str = "Find a place", scope: str = "1", kind: str = "1") -> None:
        """Fill in the assessment details: scope and kind by key, date left at today."""
        self.expect("Service name")
        self.type(service)
        self.expect("Organisation")
        self.type("Test council")
        self.expect("Scope")
        self.pick(scope)
        self.expect("Phase")
        self.pick("4")      # live
        self.expect("Respondent")
        self.type("Ann Example")
        self.expect("Kind of assessment")
        self.pick(kind)
        self.expect("Date")
        self.type("")

    def question(self, qid: str) -> None:
        """Wait until question `qid` is on screen (its header names the id)."""
        self.expect(f" {qid}")

    def finish(self, skipped_prompt: bool = False) -> int:
        """Walk through the end of a run: skipped questions, summary, report offer; the exit status."""
        if skipped_prompt:
            self.expect("Answer them now?")
            self.send("n")
        self.expect("Principles")
        index = self.child.expect_exact(["Write the PDF report now?", "PDF reports are not available"])
        if index == 0:
            self.send("n")
        return self.wait()

    def wait(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    def kill(self) -> None:
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.expect(pexpect.EOF)
        self.child.close()


def guided_answers() -> list[tuple[str, str, object]]:
    """The guided framework's 15 questions: (id, what to press or type, the value the file must hold)."""
    return [("q01_owner", "pick:2", "named"), ("q02_deputy", "pick:1", "yes"), ("q03_team", "type:6", 6),
            ("q04_budget", "pick:2", "no"), ("q05_confidence", "pick:4", 4), ("q06_roadmap", "pick:1", "yes"),
            ("q07_releases", "pick:3", "weekly"), ("q08_metrics", "pick:1", "yes"), ("q09_research", "pick:2", "no"),
            ("q10_backlog", "pick:1", "yes"), ("q11_incidents", "pick:2", "no"), ("q12_support", "pick:1", "yes"),
            ("q13_costs", "type:250", 250), ("q14_review", "type:2026-03-01", dt.date(2026, 3, 1)),
            ("q15_risks", "pick:1", "yes")]


def answer(term: Terminal, step: str) -> None:
    how, _, what = step.partition(":")
    term.pick(what) if how == "pick" else term.type(what)


def values(path: Path, dirs: list[Path]) -> dict:
    loaded = load_answers(path, dirs)
    return {q: (a.value if a.state != NOT_APPLICABLE else ("n/a", a.na_reason)) for q, a in loaded.answers.items()}


def test_whole_mini_assessment_with_back_step_na_evidence_note_and_show_if(tmp_path):
    out = tmp_path / "answers.yaml"
    term = Terminal("mini", "-F", str(MINI), "-o", str(out))
    term.meta(scope="2")                                    # whole service: the Whole service section is asked
    term.question("org_count")
    term.type("abc")
    term.expect("'abc' is not a number")                    # checked at the prompt with the loader's message
    term.send(CTRL_U)
    term.type("5")
    term.question("channels")
    term.send(" " + DOWN + DOWN + " ")                      # tick online and paper
    term.send("\r")
    term.question("launched")
    term.type("2019-05-01")
    term.expect("Section 2 of 4: Ownership")
    term.question("owner")
    term.pick("e")
    term.expect("Link to the remit")                        # the question's evidence prompt
    term.type("https://example.org/remit")
    term.expect("Evidence added")
    term.pick("3")
    term.question("decision_rights")
    term.pick("1")
    term.question("confidence")
    term.pick("b")                                          # back to decision_rights and change the answer
    term.expect("decision_rights · current answer: Yes")
    term.pick("2")
    term.question("confidence")
    term.pick("4")
    term.question("practices")
    term.send("\r")                                         # nothing ticked: more choices
    term.expect("None of these")
    term.pick("0")
    term.question("funding_model")
    term.pick("2")                                          # annual: team_size now applies
    term.question("pooled_budget")
    term.pick("a")
    term.expect("Why does this question not apply?")
    term.type("Only one funder")
    term.question("team_size")
    term.type("")
    term.expect("Nothing typed")
    term.pick("n")
    term.expect("Note")
    term.type("Two of them part-time")
    term.expect("Note saved")
    term.type("7")
    term.question("comment")
    term.type("?")
    term.expect("No further guidance for this question.")
    term.expect("This question is optional.")
    term.type("")
    term.pick("s")
    term.expect("Section 4 of 4: Whole service")
    term.question("forum")
    term.pick("2")
    term.question("anchor")
    term.pick("2")
    assert term.finish(skipped_prompt=True) == 0

    assert values(out, [MINI]) == {
        "org_count": 5, "channels": ["online", "paper"], "launched": dt.date(2019, 5, 1), "owner": "named",
        "decision_rights": "no", "confidence": 4, "practices": [], "funding_model": "annual",
        "pooled_budget": ("n/a", "Only one funder"), "team_size": 7, "forum": "informal", "anchor": "no"}
    loaded = load_answers(out, [MINI])
    assert loaded.evidence == {"owner": ["https://example.org/remit"]}
    assert loaded.notes == {"team_size": "Two of them part-time"}
    assert loaded.meta.scope == "whole" and loaded.meta.kind == "self" and loaded.meta.date == dt.date.today()
    evaluated = run_cli("evaluate", str(out), "-F", str(MINI))
    assert evaluated.returncode == 0, evaluated.stderr


def test_part_scope_never_asks_the_whole_service_section(tmp_path):
    out = tmp_path / "part.yaml"
    term = Terminal("mini", "-F", str(MINI), "-o", str(out))
    term.meta(scope="1")
    for qid, step in (("org_count", "type:2"), ("channels", None), ("launched", "type:2020-02-02"),
                      ("owner", "pick:1"), ("decision_rights", "pick:1"), ("confidence", "pick:3"),
                      ("practices", None), ("funding_model", "pick:1"), ("pooled_budget", "pick:1"),
                      ("comment", "type:none")):
        term.question(qid)
        if step is None:
            term.send(" \r")                                 # first option ticked
        else:
            answer(term, step)
    term.expect("Summary")                                  # straight to the end: no forum, anchor or team_size
    assert term.finish() == 0
    got = values(out, [MINI])
    assert "team_size" not in got and "forum" not in got and got["funding_model"] == "project"


def test_sigkill_after_tenth_answer_then_resume_from_the_eleventh(tmp_path):
    out = tmp_path / "guided.yaml"
    steps = guided_answers()
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    term.meta()
    for qid, step, _ in steps[:10]:
        term.question(qid)
        answer(term, step)
    term.question(steps[10][0])                             # the 11th is on screen: the 10th was saved before it
    term.kill()
    assert values(out, [GUIDED]) == {qid: value for qid, _, value in steps[:10]}

    resumed = Terminal(str(out), "-F", str(GUIDED))
    resumed.expect("Done so far")
    resumed.expect("Section 3 of 3: Running the service · 10 of 15 questions answered")
    for qid, step, _ in steps[10:]:
        resumed.question(qid)
        answer(resumed, step)
    assert resumed.finish() == 0
    assert values(out, [GUIDED]) == {qid: value for qid, _, value in steps}


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    out = tmp_path / "stop.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    term.meta()
    term.question("q01_owner")
    term.pick("1")
    term.question("q02_deputy")
    term.send(CTRL_C)
    term.expect("Stopped. 1 of 15 questions answered")
    term.expect(f"Continue with: assess run {out} -F {GUIDED}")
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "nobody"}


def test_stopping_right_after_the_details_leaves_a_valid_file(tmp_path):
    out = tmp_path / "empty.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    term.meta(service="Nothing answered yet")
    term.question("q01_owner")
    term.send(CTRL_C)
    assert term.wait() == 130
    loaded = load_answers(out, [GUIDED])
    assert loaded.answers == {} and loaded.meta.service == "Nothing answered yet"


def test_review_changes_an_answer_and_keeps_the_hidden_one_inactive(tmp_path):
    out = tmp_path / "review.yaml"
    out.write_text((MINI / "whole.yaml").read_text().replace("funding_model: project", "funding_model: annual"))
    term = Terminal(str(out), "-F", str(MINI), "--review")
    term.expect("Change which answer?")
    term.send("funded")                                     # type to filter the list
    term.expect("Q8 How is the service funded?")
    term.send("\r")
    term.question("funding_model")
    term.pick("1")                                          # project by project hides team_size
    term.expect("(inactive: hidden by show_if)")
    term.expect("Change which answer?")
    term.send("\x1b[A\r")                                   # Up wraps to Done
    assert term.finish() == 0
    text = out.read_text()
    assert "  # inactive: hidden by show_if\n  team_size: 3\n" in text
    got = values(out, [MINI])
    assert got["funding_model"] == "project" and got["team_size"] == 3


def test_section_revisit_asks_answered_questions_with_their_current_answer(tmp_path):
    out = tmp_path / "section.yaml"
    out.write_text((MINI / "whole.yaml").read_text())
    term = Terminal(str(out), "-F", str(MINI), "--section", "Whole service")
    term.expect("forum · current answer: Informal")
    term.pick("3")
    term.expect("anchor · current answer: No")
    term.pick("1")
    assert term.finish() == 0
    got = values(out, [MINI])
    assert (got["forum"], got["anchor"], got["owner"]) == ("formal", "yes", "named")


FAILING_DISK = """
import errno, os, sys
real_fsync, flag = os.fsync, sys.argv[1]
def fsync(fd):
    if os.path.exists(flag):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real_fsync(fd)
os.fsync = fsync
sys.argv = ["assess", "run", *sys.argv[2:]]
from assess.cli import main
main()
"""


def test_disk_full_while_saving_keeps_the_file_and_lets_the_user_retry(tmp_path):
    out, flag = tmp_path / "full.yaml", tmp_path / "disk-is-full"
    term = Terminal(str(flag), "guided", "-F", str(GUIDED), "-o", str(out), python_code=FAILING_DISK)
    term.meta()
    term.question("q01_owner")
    term.pick("2")
    term.question("q02_deputy")
    before = out.read_bytes()
    flag.touch()
    term.pick("1")
    term.expect("No space left on device; the previous file is unchanged")
    term.expect("What now?")
    assert out.read_bytes() == before                       # the old file is intact
    assert values(out, [GUIDED]) == {"q01_owner": "named"}
    flag.unlink()
    term.pick("r")
    term.expect(f"Saved to {out}")
    term.question("q03_team")
    term.send(CTRL_C)
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "named", "q02_deputy": "yes"}


def test_without_a_terminal_it_refuses_at_once(tmp_path):
    out = tmp_path / "never.yaml"
    for args in (("mini", "-F", str(MINI), "-o", str(out)), (str(MINI / "whole.yaml"), "-F", str(MINI))):
        proc = subprocess.run([sys.executable, "-m", "assess", "run", *args], cwd=ROOT, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert proc.returncode == 2
        assert "assess init" in proc.stderr and "assess evaluate" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (("mini", "-F", str(MINI)), "name the answers file to create"),
    (("mini", "-F", str(MINI), "-o", str(MINI / "whole.yaml")), "already exists; continue it with"),
    (("mini", "-F", str(MINI), "-o", "/no/such/folder/a.yaml"), "folder /no/such/folder does not exist"),
    (("nosuch", "-F", str(MINI), "-o", "x.yaml"), "unknown framework 'nosuch'"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "--section", "finance"), "known sections: context, ownership"),
    (("missing.yaml", "-F", str(MINI)), "file not found"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "-o", "x.yaml"), "-o is for starting a new assessment"),
])
def test_bad_arguments_are_one_line_errors(args, message):
    proc = run_cli("run", *args, input="")
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_hundred_random_kills_lose_nothing():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "kill_resume.py"), "--trials", "100"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed: 0" in proc.stdout and "lost: 0," in proc.stdout


def test_end_of_run_writes_the_pdf_report(tmp_path):
    pytest.importorskip("assess.reports").render   # the report renderer ships separately
    out = tmp_path / "report.yaml"
    out.write_text((MINI / "whole.yaml").read_text())
    term = Terminal(str(out), "-F", str(MINI), "--section", "money", timeout=120)
    term.question("funding_model")
    term.send("\r")                                        # Enter keeps the current answer ...
    term.question("pooled_budget")
    term.send("\r")                                        # ... and the current n/a with its reason
    term.expect("Why does this question not apply?")
    term.send("\r")
    term.question("comment")
    term.send("\r")
    term.pick("s")
    term.expect("Write the PDF report now?")
    term.send("y")
    term.expect("Report file")
    term.send("\r")
    term.expect(f"Wrote {out.with_suffix('.pdf')}")
    assert term.wait() == 0
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
    assert values(out, [MINI]) == values(MINI / "whole.yaml", [MINI])
