"""`assess run` in a real terminal (pexpect): the way an assessor uses it.

Each test types into a pseudo-terminal, waits for what the screen shows, and then checks the
answers file with the same loader `assess evaluate` uses. Keys are sent only once the prompt
that takes them has drawn its own instruction: the prompt is then reading the keyboard, so
Enter is a key press and Ctrl-C a key, not a line ending or a signal for whatever runs before.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from assess.answers import NOT_APPLICABLE, load_answers

from conftest import MINI, ROOT, run_cli

GUIDED = ROOT / "tests" / "frameworks" / "guided"
DOWN, UP, CTRL_C, CTRL_U = "\x1b[B", "\x1b[A", "\x03", "\x15"
WAIT = 60   # seconds for any one screen: generous, for a loaded two-core machine
# the instruction every prompt draws once it reads keys: "(... Enter ...)" or a confirm's "(Y/n)"
PROMPT_READY = re.compile(r"Enter(?:[^()\r\n\x1b]|\x1b\[\d*C)*\)|\([yY]/[nN]\)")


class Screen:
    """What the terminal shows now, kept up from everything the process writes (as a terminal would).

    prompt_toolkit redraws only what changed, so a message drawn over an earlier one may skip the
    letters that are already on screen: such messages are checked here, not in the byte stream.
    """
    CONTROL = re.compile(r"\x1b\[([?0-9;]*)([@-~])|\x1b\][^\x07]*\x07|\x1b.|[\r\n\b]|[^\x1b\r\n\b]+")

    def __init__(self, rows: int, columns: int):
        self.height, self.width = rows, columns
        self.lines = [[" "] * columns for _ in range(rows)]
        self.row = self.col = 0
        self.pending = ""

    def write(self, data: str) -> None:
        data, self.pending = self.pending + data, ""
        tail = data.rfind("\x1b")
        if tail != -1 and not self.CONTROL.match(data, tail):   # an escape cut in two by a read
            data, self.pending = data[:tail], data[tail:]
        for m in self.CONTROL.finditer(data):
            text = m.group()
            if m.group(2):
                self._csi(m.group(1), m.group(2))
            elif text == "\r":
                self.col = 0
            elif text == "\n":
                self._down()
            elif text == "\b":
                self.col = max(0, self.col - 1)
            elif not text.startswith("\x1b"):
                for ch in text:
                    if self.col >= self.width:
                        self.col = 0
                        self._down()
                    self.lines[self.row][self.col] = ch
                    self.col += 1

    def flush(self) -> None:
        pass

    def _down(self) -> None:
        if self.row == self.height - 1:
            self.lines = self.lines[1:] + [[" "] * self.width]
        else:
            self.row += 1

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return
        n = int(params.split(";")[0] or 1) if final in "ABCDG" else 0
        if final == "A":
            self.row = max(0, self.row - n)
        elif final == "B":
            self.row = min(self.height - 1, self.row + n)
        elif final == "C":
            self.col = min(self.width - 1, self.col + n)
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "G":
            self.col = n - 1
        elif final == "H":
            row, _, col = params.partition(";")
            self.row, self.col = int(row or 1) - 1, int(col or 1) - 1
        elif final == "K":
            self.lines[self.row][self.col:] = [" "] * (self.width - self.col)
        elif final == "J":
            self.lines[self.row][self.col:] = [" "] * (self.width - self.col)
            for line in self.lines[self.row + 1:]:
                line[:] = [" "] * self.width

    def text(self) -> str:
        return "\n".join("".join(line).rstrip() for line in self.lines)


def screen_text(text: str) -> re.Pattern:
    """`text` as drawn: a space may be a cursor move, or a line break where the text wraps (a styled
    line is closed and reopened around the break, so colour codes may sit beside it)."""
    style = "(?:\x1b\\[[\\d;]*m)*"
    gap = f"{style}(?:\\s|\x1b\\[\\d*C)(?:\\s|\x1b\\[\\d*C|\x1b\\[[\\d;]*m)*"
    return re.compile(gap.join(re.escape(word) for word in text.split(" ")))


class Terminal:
    """One `assess run` process in a pseudo-terminal."""

    def __init__(self, *args: str, python_code: str | None = None, argv: list[str] | None = None,
                 timeout: float = WAIT, columns: int = 200):
        env = dict(os.environ, NO_COLOR="1", TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        if argv is None:
            argv = [sys.executable, "-c", python_code, *args] if python_code else [sys.executable, "-m", "assess", "run", *args]
        self.child = pexpect.spawn(argv[0], argv[1:], cwd=str(ROOT), env=env, encoding="utf-8",
                                   dimensions=(50, columns), timeout=timeout)
        self.screen = Screen(50, columns)
        self.child.logfile_read = self.screen

    def expect(self, text: str) -> None:
        """Wait for `text` on screen; a space may be drawn as a cursor move over one already there."""
        self.child.expect(screen_text(text))

    def shows(self, text: str) -> None:
        """Wait until `text` is on the screen now (e.g. a prompt's message under what is typed)."""
        deadline = time.monotonic() + self.child.timeout
        while " ".join(text.split()) not in " ".join(self.screen.text().split()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen:\n{self.screen.text()}")
            try:
                self.child.buffer += self.child.read_nonblocking(100_000, timeout=0.2)   # kept for expect
            except pexpect.TIMEOUT:
                pass

    def ready(self) -> None:
        """Wait until the next prompt is drawn and reading keys."""
        self.child.expect(PROMPT_READY)

    def pick(self, key: str) -> None:
        """At the next prompt, choose from the list by its key (1, 2, ... or s, a, e, n, h, b), then Enter."""
        self.ready()
        self.child.send(key)
        self.child.send("\r")

    def choose(self, key: str, *shown: str) -> None:
        """At the next prompt, check that its list shows each of `shown`, then pick `key`."""
        self.ready()
        for text in shown:
            self.expect(text)
        self.child.send(key + "\r")

    def type(self, text: str) -> None:
        """At the next prompt, type `text` and press Enter."""
        self.ready()
        self.child.send(text + "\r")

    def send(self, keys: str) -> None:
        """Keys for the prompt already on screen."""
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
            self.pick("n")
        self.expect("Principles")
        index = self.child.expect_exact(["Write the PDF report now?", "PDF reports are not available"])
        if index == 0:
            self.pick("n")
        return self.wait()

    def wait(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + self.child.signalstatus

    def kill(self) -> None:
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.expect(pexpect.EOF)
        self.child.close()


def at_second_question(term: "Terminal", key: str) -> None:
    """Fill in the details of a guided run, answer its first question with `key`, wait for the second."""
    term.meta()
    term.question("q01_owner")
    term.pick(key)
    term.question("q02_deputy")


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


def leftovers(path: Path) -> list[str]:
    """Lock and temp files a run may leave next to an answers file."""
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}."))


def evaluated(path: Path, dirs: list[Path]):
    from assess.pipeline import evaluate_file
    return evaluate_file(path, dirs)


def assert_valid(path: Path, dirs: list[Path]) -> None:
    for command in ("validate", "evaluate"):
        proc = run_cli(command, str(path), *[a for d in dirs for a in ("-F", str(d))])
        assert proc.returncode in (0, 1), proc.stderr


TYPED = """\
framework:
  id: typed
  title: Typed answers
  version: 1.0.0
  scale: [{level: 1, name: Initial}, {level: 2, name: Emerging}, {level: 3, name: Defined},
          {level: 4, name: Managed}, {level: 5, name: Leading}]
  lenses: [{id: owner, title: Owner lens}]
principles: [{id: ownership, title: Ownership, lens: owner}]
sections:
  - id: only
    title: Only section
    questions:
      - {id: staff, type: number, text: How many staff work on it?, min: 0, max: 100000000, whole_number: true}
      - {id: score, type: scale, text: How would you rate it?, min: 0, max: 20}
      - {id: reviewed, type: date, text: When was it last reviewed?}
      - {id: owner, type: yesno, text: Is there an owner?, levels: {yes: 4, no: 1}, informs: [{principle: ownership}]}
"""
TYPED_RULES = """\
rules:
  - id: typed-no-owner
    principle: ownership
    when: {q: owner, equals: "no"}
    finding: {severity: high, title: No owner, rationale: Nobody owns it., recommendation: Name one.}
"""


@pytest.fixture
def typed(tmp_path) -> Path:
    """A framework of typed answers: a whole number, a 0-20 scale (typed, not picked) and a date."""
    root = tmp_path / "frameworks"
    (root / "questionnaires").mkdir(parents=True)
    (root / "rules" / "typed").mkdir(parents=True)
    (root / "questionnaires" / "typed.yaml").write_text(TYPED)
    (root / "rules" / "typed" / "rules.yaml").write_text(TYPED_RULES)
    return root


# ---------------------------------------------------------------- whole runs

def test_whole_mini_assessment_with_back_step_na_evidence_note_and_show_if(tmp_path):
    out = tmp_path / "answers.yaml"
    term = Terminal("mini", "-F", str(MINI), "-o", str(out))
    term.meta(scope="2")                                    # whole service: the Whole service section is asked
    term.question("org_count")
    term.type("abc")
    term.shows("'abc' is not a number")                    # checked at the prompt with the loader's message
    term.send(CTRL_U + "n/a\r")
    term.shows("this question cannot be marked n/a")       # org_count does not allow n/a
    term.send(CTRL_U + "5\r")
    term.question("channels")
    term.ready()
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
    term.ready()
    term.send("\r")                                         # nothing ticked: a menu whose Enter goes back to ticking
    term.expect("Nothing ticked:")
    term.ready()
    term.send("\r")
    term.expect("Which practices are in place?")            # the checkbox again: Enter twice recorded nothing
    term.ready()
    term.send("\r")
    term.expect("Nothing ticked:")
    term.pick("0")                                          # None of these, chosen on purpose
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
    assert leftovers(out) == []                              # lock released, no temp file
    assert_valid(out, [MINI])


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
            term.type(" ")                                   # first option ticked
        else:
            answer(term, step)
    term.expect("Summary")                                  # straight to the end: no forum, anchor or team_size
    assert term.finish() == 0
    got = values(out, [MINI])
    assert "team_size" not in got and "forum" not in got and got["funding_model"] == "project"


def test_a_stray_enter_on_a_new_question_records_nothing(tmp_path):
    out = tmp_path / "stray.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    term.meta()
    term.question("q01_owner")
    term.type("")                                           # Enter alone: the pointer starts on Skip
    term.expect("Skipped for now.")
    term.question("q02_deputy")
    term.type("")
    term.expect("Skipped for now.")
    term.question("q03_team")
    term.send(CTRL_C)
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {}


def test_service_ownership_answered_end_to_end(tmp_path):
    """The built-in framework, every question that applies to a whole-service assessment, in a terminal."""
    from assess.frameworks import find_framework
    from assess.questionnaire import Session
    out = tmp_path / "so.yaml"
    fw = find_framework("service-ownership")
    term = Terminal("service-ownership", "-o", str(out), columns=400)
    term.meta(scope="2")
    probe = Session.new(fw, {"service": "x", "scope": "whole", "phase": "live"}, tmp_path / "probe.yaml")
    asked = []
    while (pending := probe.unanswered()):
        qid = pending[0]
        q = fw.questions[qid]
        term.question(qid)
        asked.append(qid)
        if q.type == "multi":
            term.type(" ")                                   # the first option
            probe.set_answer(qid, [q.options[0].id])
        elif q.type in ("number", "scale") and not (q.type == "scale" and q.max - q.min < 11):
            value = int(q.min if q.min is not None else 1) + 1
            term.type(str(value))
            probe.set_answer(qid, value)
        elif q.type in ("date", "text"):
            term.type("2025-04-01" if q.type == "date" else "Written in the terminal")
            probe.set_answer(qid, "2025-04-01" if q.type == "date" else "Written in the terminal")
        else:                                               # single, yesno or a short scale: the last option
            ids = [o.id for o in q.options] if q.type == "single" else ["yes", "no"] if q.type == "yesno" \
                else list(range(int(q.min), int(q.max) + 1))
            key = str(ids[-1]) if q.type == "scale" else str(len(ids) % 10)
            term.pick(key)
            probe.set_answer(qid, ids[-1])
    term.expect("─ Summary ─")
    term.child.expect(r"Write the PDF report now\?|PDF reports are not available")
    summary = term.child.before
    if "Write" in term.child.after:
        term.pick("n")
    assert term.wait() == 0
    assert len(asked) > 40
    assert values(out, []) == {q: a.value for q, a in probe.answers.items()}
    # a summary that fits a 40-line terminal, pointing to the full list
    assert len(summary.strip().splitlines()) <= 40, summary
    risks = [f for f in evaluated(out, []).findings if f.kind == "risk"]
    if len(risks) > 5:
        assert f"Top 5 of {len(risks)} findings" in summary and f"{len(risks) - 5} more finding(s)" in summary
    assert f"assess evaluate {out}" in summary and "Confidence:" in summary
    assert_valid(out, [])


# ---------------------------------------------------------------- stopping and resuming

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

    resumed = Terminal(str(out), "-F", str(GUIDED))         # the killed run's lock is free again
    resumed.expect("Done so far")
    resumed.expect("Section 3 of 3: Running the service · 10 of 15 questions answered")
    for qid, step, _ in steps[10:]:
        resumed.question(qid)
        answer(resumed, step)
    assert resumed.finish() == 0
    assert values(out, [GUIDED]) == {qid: value for qid, _, value in steps}
    assert leftovers(out) == []


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    out = tmp_path / "stop.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    at_second_question(term, "1")
    term.ready()
    term.send(CTRL_C)
    term.expect("Stopped. 1 of 15 questions answered")
    term.expect(f"Continue with: assess run {out} -F {GUIDED}")
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "nobody"}
    assert leftovers(out) == []


def test_stopping_right_after_the_details_leaves_a_valid_file(tmp_path):
    out = tmp_path / "empty.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    term.meta(service="Nothing answered yet")
    term.question("q01_owner")
    term.ready()
    term.send(CTRL_C)
    assert term.wait() == 130
    loaded = load_answers(out, [GUIDED])
    assert loaded.answers == {} and loaded.meta.service == "Nothing answered yet"


IGNORING_SIGINT = "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); sys.argv = ['assess', 'run', *sys.argv[1:]]; from assess.cli import main; main()"


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_ctrl_c_in_the_gap_between_two_prompts_always_stops(tmp_path, inherited):
    """Ctrl-C as soon as a question's header is out: it lands before, or while, its prompt starts
    reading keys, so the terminal turns it into SIGINT (which may have come in ignored)."""
    for attempt in range(4):
        out = tmp_path / f"gap{attempt}.yaml"
        args = ("guided", "-F", str(GUIDED), "-o", str(out))
        term = Terminal(*args, python_code=IGNORING_SIGINT) if inherited == "ignored" else Terminal(*args)
        term.meta()
        term.question("q01_owner")
        term.ready()
        term.child.delaybeforesend = None
        term.send("2\r")
        time.sleep(0.005 * attempt)                        # while saving, drawing the header, starting the prompt
        term.send(CTRL_C)                                   # deliberately not waiting for the next prompt
        # the terminal may raise SIGINT before the prompt has read the Enter typed just before it:
        # then that answer was still being typed, and is the one answer a Ctrl-C may lose
        term.child.expect(re.compile(screen_text("Stopped. N of 15 questions answered").pattern.replace("N", "([01])")))
        answered = int(term.child.match.group(1))
        assert term.wait() == 130
        if answered:
            assert values(out, [GUIDED]) == {"q01_owner": "named"}
        assert leftovers(out) == []


SIGINT_AS_A_PROMPT_STARTS = """
import os, signal, sys, questionary
from assess.cli.interrupts import Interrupts, Stop
if sys.argv[1] == "ignored":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
interrupts = Interrupts()
interrupts.install()
question = questionary.text("Name", instruction="(Enter confirms)")
# runs once the prompt's own SIGINT handling is on, before it reads keys: where a Ctrl-C used to vanish
question.application.pre_run_callables.append(lambda: os.kill(os.getpid(), signal.SIGINT))
try:
    interrupts.ask(question)
    print("ANSWERED")
except Stop:
    print("STOPPED")
try:
    os.kill(os.getpid(), signal.SIGINT)   # and in the gap after it
    print("NOT STOPPED")
except Stop:
    print("STOPPED IN THE GAP")
"""


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_sigint_while_a_prompt_starts_or_between_prompts_stops(inherited):
    term = Terminal(inherited, python_code=SIGINT_AS_A_PROMPT_STARTS)
    index = term.child.expect_exact(["STOPPED", pexpect.TIMEOUT], timeout=10)
    if index == 1:                                      # the prompt carried on as if nothing happened
        term.send("\r")
    term.child.expect_exact(["STOPPED IN THE GAP", "NOT STOPPED"])
    assert (index, term.child.after) == (0, "STOPPED IN THE GAP")
    term.wait()


SIGINT_AS_A_PROMPT_ENDS = """
import asyncio, os, signal, sys, questionary
from assess.cli.interrupts import Interrupts, Stop
if sys.argv[1] == "ignored":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
interrupts = Interrupts()
interrupts.install()
question = questionary.text("Name")
app = question.application
def answer_then_interrupt():
    app.exit(result="typed")              # the answer is in ...
    os.kill(os.getpid(), signal.SIGINT)   # ... and Ctrl-C lands while the prompt winds down
app.pre_run_callables.append(lambda: asyncio.get_running_loop().call_soon(answer_then_interrupt))
try:
    print("ANSWERED", interrupts.ask(question))
except Stop:
    print("STOPPED")
"""


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_sigint_while_a_prompt_winds_down_stops_after_its_answer(inherited):
    """A signal queued as a prompt ends used to be dropped with the prompt's own handler:
    the run then sat at the next question as if Ctrl-C had never been pressed."""
    term = Terminal(inherited, python_code=SIGINT_AS_A_PROMPT_ENDS)
    term.child.expect_exact(["STOPPED", "ANSWERED"], timeout=10)
    assert term.child.after == "STOPPED"
    term.wait()


def test_sigterm_and_sighup_stop_like_ctrl_c_and_restore_the_terminal(tmp_path):
    for signum, code in ((signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        out = tmp_path / f"{signum.name}.yaml"
        shell = (f"{sys.executable} -m assess run guided -F {GUIDED} -o {out}; echo exit=$?; "
                 "echo raw=$(stty -a | tr -s ' ;' '\\n\\n' | grep -c -x -e -echo -e -icanon)")
        term = Terminal(argv=["/bin/sh", "-c", shell])
        at_second_question(term, "2")
        term.ready()
        python = next(p for p in _children(term.child.pid))
        os.kill(python, signum)
        if signum == signal.SIGTERM:
            term.expect(f"Stopped (SIGTERM). 1 of 15 questions answered, saved in {out}")
            term.expect("Continue with: assess run")
        term.expect(f"exit={code}")
        term.expect("raw=0")                                # the shell after it has echo and line editing back
        term.wait()
        assert values(out, [GUIDED]) == {"q01_owner": "named"}
        assert leftovers(out) == []


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (the assess process under the test's shell)."""
    for _ in range(100):
        kids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == pid]
        if kids:
            return kids
        time.sleep(0.05)
    raise AssertionError(f"no child of {pid}")


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


# ---------------------------------------------------------------- one file, one run

def test_a_second_run_on_the_same_file_is_refused(tmp_path):
    out = tmp_path / "shared.yaml"
    first = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    at_second_question(first, "1")
    second = Terminal(str(out), "-F", str(GUIDED))
    second.expect("is open in another `assess run` (process")
    assert second.wait() == 2
    again = Terminal("guided", "-F", str(GUIDED), "-o", str(out))   # starting it afresh is refused too
    again.expect("already exists")
    assert again.wait() == 2
    first.ready()
    first.send(CTRL_C)
    assert first.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "nobody"}


def test_a_hand_edit_while_the_run_is_open_is_not_overwritten(tmp_path):
    out = tmp_path / "edited.yaml"
    term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
    at_second_question(term, "1")
    edited = out.read_text().replace("q01_owner: \"nobody\"", "q01_owner: \"named\"")
    out.write_text(edited)
    term.pick("1")
    term.expect("was changed by hand or by another program since this run last read or saved it; it was not overwritten")
    term.expect("What now?")
    term.pick("q")
    term.expect(f"{out} was changed outside this run and was left as it is")
    assert term.wait() == 130
    assert out.read_text() == edited


def test_hand_written_comments_are_not_dropped_without_asking(tmp_path):
    out = tmp_path / "commented.yaml"
    text = (MINI / "whole.yaml").read_text().replace("  owner: named\n", "  # ask finance about this\n  owner: named\n")
    out.write_text(text)
    term = Terminal(str(out), "-F", str(MINI), "--review")
    term.expect("1 comment(s) written by hand (line 14: # ask finance about this)")
    term.expect("Carry on and drop the comments at the first save?")
    term.pick("")                                           # the default is no
    term.expect(f"Nothing was changed in {out}.")
    assert term.wait() == 0
    assert out.read_text() == text


# ---------------------------------------------------------------- review and sections

def test_review_changes_an_answer_and_keeps_the_hidden_one_inactive(tmp_path):
    out = tmp_path / "review.yaml"
    out.write_text((MINI / "whole.yaml").read_text().replace("funding_model: project", "funding_model: annual"))
    term = Terminal(str(out), "-F", str(MINI), "--review")
    term.expect("Review which part?")
    term.choose("3", "Money — 3 of 4 answered")
    term.expect("Change which answer in Money?")
    term.choose("1", "Q8 How is the service funded? — Annual budget")
    term.question("funding_model")
    term.pick("1")                                          # project by project hides team_size
    term.expect("Q10 team_size: 3 (inactive: hidden by show_if; kept in the file, left out of scoring)")
    term.expect("Change which answer in Money?")
    term.choose("b", "- Q10 How many people are in the team? — 3 (inactive: hidden by show_if)")
    term.choose("d", "Money — 2 of 3 answered, 1 kept inactive")
    assert term.finish() == 0
    text = out.read_text()
    assert "  # inactive: hidden by show_if\n  team_size: 3\n" in text
    got = values(out, [MINI])
    assert got["funding_model"] == "project" and got["team_size"] == 3
    assert_valid(out, [MINI])


def test_scope_changed_in_review_hides_answers_but_keeps_them(tmp_path):
    out = tmp_path / "scope.yaml"
    out.write_text((MINI / "whole.yaml").read_text())
    before = values(out, [MINI])
    term = Terminal(str(out), "-F", str(MINI), "--review")
    term.expect("Review which part?")
    term.pick("0")                                          # the assessment details
    for field in ("Service name", "Organisation"):
        term.expect(field)
        term.type("")                                       # Enter keeps the current text
    term.expect("Scope")
    term.pick("1")                                          # part: the Whole service section goes
    for field in ("Phase", "Respondent", "Kind of assessment", "Date"):
        term.expect(field)
        term.type("")
    term.expect("Q12 forum: Informal (inactive: hidden by show_if")
    term.expect("Q13 anchor: No (inactive: hidden by show_if")
    term.choose("d", "- Whole service (hidden by show_if, 2 kept inactive)")
    assert term.finish() == 0
    assert values(out, [MINI]) == before                    # nothing deleted
    text = out.read_text()
    assert "scope: \"part\"" in text
    assert "  # inactive: hidden by show_if\n  forum: \"informal\"\n" in text
    assert "  # inactive: hidden by show_if\n  anchor: \"no\"\n" in text
    assert_valid(out, [MINI])


def revisit(tmp_path: Path, section: str) -> tuple[Path, Terminal]:
    """A copy of the mini whole-service answers, with `assess run --section` on it."""
    out = tmp_path / "revisit.yaml"
    out.write_text((MINI / "whole.yaml").read_text())
    return out, Terminal(str(out), "-F", str(MINI), "--section", section)


def test_section_revisit_asks_answered_questions_with_their_current_answer(tmp_path):
    out, term = revisit(tmp_path, "Whole service")
    term.expect("forum · current answer: Informal")
    term.pick("3")
    term.expect("anchor · current answer: No")
    term.pick("1")
    assert term.finish() == 0
    got = values(out, [MINI])
    assert (got["forum"], got["anchor"], got["owner"]) == ("formal", "yes", "named")


def test_evidence_is_corrected_and_removed_and_an_answer_cleared(tmp_path):
    out, term = revisit(tmp_path, "ownership")
    term.question("owner")
    term.pick("e")
    term.expect("Evidence for this question:")
    term.pick("a")                                          # add a second item
    term.type("Board minutes")
    term.expect("Evidence added")
    term.pick("e")
    term.choose("1", "1) Correct or remove: Terms of reference", "2) Correct or remove: Board minutes")
    term.ready()
    term.send(CTRL_U + "Terms of reference, 2026\r")
    term.expect("Evidence corrected")
    term.pick("e")
    term.pick("2")                                          # Board minutes
    term.ready()
    term.send(CTRL_U + "\r")                                # cleared: removed
    term.expect("Evidence removed")
    term.pick("")                                           # Enter keeps the current answer
    term.question("decision_rights")
    term.pick("c")
    term.expect("Cleared (No); the question has no answer now.")
    term.pick("s")
    term.question("confidence")
    term.ready()
    term.send(CTRL_C)
    assert term.wait() == 130
    loaded = load_answers(out, [MINI])
    assert loaded.evidence["owner"] == ["Terms of reference, 2026"]
    assert "decision_rights" not in loaded.answers and loaded.answers["owner"].value == "named"
    assert_valid(out, [MINI])


def test_an_na_is_cleared_from_its_question(tmp_path):
    out, term = revisit(tmp_path, "money")
    term.question("funding_model")
    term.pick("")
    term.question("pooled_budget")
    term.pick("c")
    term.expect("Cleared (Not applicable: Only one funder)")
    term.pick("1")
    term.question("comment")
    term.ready()
    term.send(CTRL_C)
    assert term.wait() == 130
    assert values(out, [MINI])["pooled_budget"] == "yes"


# ---------------------------------------------------------------- typed answers

def test_date_number_and_scale_are_checked_at_the_prompt(tmp_path, typed):
    out = tmp_path / "typed.yaml"
    term = Terminal("typed", "-F", str(typed), "-o", str(out))
    term.expect("Service name")
    term.ready()
    term.send("\x1b[200~Line one\nline two\x1b[201~\r")   # pasted: a line break reaches the prompt
    term.shows("must be one line without tabs (it contains a line break)")
    term.send(CTRL_U + "\x7f" + CTRL_U + "Checked service\r")   # clear both pasted lines
    term.expect("Organisation")
    term.type("")
    term.pick("1")
    term.pick("4")
    term.type("")
    term.pick("1")
    term.expect("Date")
    term.ready()
    term.send(CTRL_U + "2026-02-30\r")
    term.shows("2026-02-30 is not a date: February 2026 has 28 days")
    term.send(CTRL_U + "2026-01-05\r")
    refusals = {"staff": [("2.5", "2.5 is not a whole number")],
                "score": [("21", "21 is outside the range 0 to 20"), ("7.5", "7.5 is not a whole number from 0 to 20"),
                          ("n/a", "this question cannot be marked n/a")],
                "reviewed": [("2025-13-01", "2025-13-01 is not a date: there is no month 13"),
                             ("1 May", "'1 May' is not a date; write it as YYYY-MM-DD")]}
    accepted = {"staff": "12", "score": "15", "reviewed": "2025-05-01"}
    for qid, tries in refusals.items():
        term.question(qid)
        term.ready()
        if qid == "staff":   # plain numbers; no back on the first question
            term.shows("(a whole number from 0 to 100000000 · ? help · Enter on empty: skip, evidence, note, help)")
        for typed_text, message in tries:
            term.send(CTRL_U + typed_text + "\r")
            term.shows(message)
        term.send(CTRL_U + accepted[qid] + "\r")
    term.question("owner")
    term.pick("1")
    assert term.finish() == 0
    assert values(out, [typed]) == {"staff": 12, "score": 15, "reviewed": dt.date(2025, 5, 1), "owner": "yes"}
    assert load_answers(out, [typed]).meta.date == dt.date(2026, 1, 5)
    assert_valid(out, [typed])


# ---------------------------------------------------------------- saving fails

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
    at_second_question(term, "2")
    before = out.read_bytes()
    flag.touch()
    term.pick("1")
    term.expect("No space left on device; the previous file is unchanged")
    term.expect(f"{out} still holds what was saved before (1 of 15 questions answered)")
    term.expect("What now?")
    assert out.read_bytes() == before                       # the old file is intact
    assert values(out, [GUIDED]) == {"q01_owner": "named"}
    flag.unlink()
    term.pick("r")
    term.expect(f"Saved to {out}")
    term.question("q03_team")
    term.ready()
    term.send(CTRL_C)
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "named", "q02_deputy": "yes"}
    assert leftovers(out) == []


def disk_fills_at_first_answer(tmp_path: Path) -> tuple[Path, Path, Terminal]:
    """A guided run whose disk is full from its first answer on; it waits at "What now?"."""
    out, flag = tmp_path / "full.yaml", tmp_path / "disk-is-full"
    term = Terminal(str(flag), "guided", "-F", str(GUIDED), "-o", str(out), python_code=FAILING_DISK)
    term.meta()
    term.question("q01_owner")
    flag.touch()
    term.pick("2")
    term.expect("What now?")
    return out, flag, term


def test_saving_to_another_file_never_overwrites_one(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("keep me\n")
    out, flag, term = disk_fills_at_first_answer(tmp_path)
    term.pick("o")
    term.expect("Save to (a new file)")
    term.type(str(other))
    term.shows(f"{other} already exists; choose another name (it is not overwritten)")
    term.send(CTRL_U + str(tmp_path) + "\r")
    term.shows(f"{tmp_path} is a folder; name a file in it")
    flag.unlink()
    moved = tmp_path / "moved.yaml"
    term.send(CTRL_U + str(moved) + "\r")
    term.expect(f"Saved to {moved}; from now on answers are saved there ({out} is left as it was)")
    term.question("q02_deputy")
    term.pick("1")
    term.question("q03_team")
    term.ready()
    term.send(CTRL_C)
    term.expect(f"Continue with: assess run {moved}")
    assert term.wait() == 130
    assert other.read_text() == "keep me\n"
    assert values(moved, [GUIDED]) == {"q01_owner": "named", "q02_deputy": "yes"}
    assert values(out, [GUIDED]) == {}                       # the first file: the details only
    assert leftovers(out) == [] and leftovers(moved) == []


def test_a_first_save_that_fails_is_never_reported_as_saved(tmp_path):
    out, flag = tmp_path / "never.yaml", tmp_path / "disk-is-full"
    flag.touch()
    term = Terminal(str(flag), "guided", "-F", str(GUIDED), "-o", str(out), python_code=FAILING_DISK)
    term.meta()
    term.expect("Could not save")
    term.expect(f"Nothing has been saved to {out} yet; your latest answers are kept in memory.")
    term.pick("c")                                          # carry on
    term.question("q01_owner")
    assert "Created" not in term.child.before
    term.pick("2")
    term.expect("What now?")
    term.pick("c")
    term.question("q02_deputy")
    term.ready()
    term.send(CTRL_C)
    term.expect("The latest answers are not saved yet.")
    term.expect("Before stopping:")
    term.pick("q")
    term.expect(f"Nothing was saved: {out} was never written.")
    term.expect(f"Start again with: assess run guided -o {out} -F {GUIDED}")
    assert "Continue with" not in term.child.before
    assert term.wait() == 130
    assert not out.exists() and leftovers(out) == []


def test_the_last_chance_after_ctrl_c_saves_what_was_not(tmp_path):
    out, flag, term = disk_fills_at_first_answer(tmp_path)
    term.pick("c")
    term.question("q02_deputy")
    term.ready()
    term.send(CTRL_C)
    term.expect("Before stopping:")
    flag.unlink()
    term.pick("r")
    term.expect(f"Saved to {out}")
    term.expect(f"Stopped. 1 of 15 questions answered, saved in {out}.")
    assert term.wait() == 130
    assert values(out, [GUIDED]) == {"q01_owner": "named"}


# ---------------------------------------------------------------- refusals

def test_without_a_terminal_it_refuses_at_once(tmp_path):
    out = tmp_path / "never.yaml"
    for args in (("mini", "-F", str(MINI), "-o", str(out)), (str(MINI / "whole.yaml"), "-F", str(MINI))):
        proc = subprocess.run([sys.executable, "-m", "assess", "run", *args], cwd=ROOT, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=WAIT)
        assert proc.returncode == 2
        assert "its input and output are not terminals" in proc.stderr
        assert "assess init" in proc.stderr and "assess evaluate" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_output_piped_from_a_terminal_is_named_as_the_problem(tmp_path):
    out = tmp_path / "piped.yaml"
    term = Terminal(argv=["/bin/sh", "-c", f"{sys.executable} -m assess run mini -F {MINI} -o {out} | cat; "
                                           "echo status=$(( $? ))"])
    term.expect("its output is not a terminal (piped or redirected)")
    term.wait()
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (("mini", "-F", str(MINI)), "name the answers file to create"),
    (("mini", "-F", str(MINI), "-o", str(MINI / "whole.yaml")), "already exists; continue it with"),
    (("mini", "-F", str(MINI), "-o", "/no/such/folder/a.yaml"), "folder /no/such/folder does not exist"),
    (("mini", "-F", str(MINI), "-o", str(MINI)), "is a folder; name a file in it"),
    (("mini", "-F", str(MINI), "-o", ""), "give a file name for the answers"),
    (("nosuch", "-F", str(MINI), "-o", "x.yaml"), "unknown framework 'nosuch'"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "--section", "finance"), "known sections: context, ownership"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "--section", "ownrship"), "(did you mean 'ownership'?)"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "--section", "Whole servce"), "(did you mean 'whole'?)"),
    (("missing.yaml", "-F", str(MINI)), "file not found"),
    ((str(MINI / "whole.yaml"), "-F", str(MINI), "-o", "x.yaml"), "-o is for starting a new assessment"),
])
def test_bad_arguments_are_one_line_errors(args, message):
    proc = run_cli("run", *args, input="")
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_a_folder_that_refuses_new_files_is_named_correctly(tmp_path):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    term = Terminal("guided", "-F", str(GUIDED), "-o", "/proc/answers.yaml")
    term.child.expect_exact(["cannot create files in /proc", "cannot write in /proc: permission denied"])
    assert "does not exist" not in term.child.before
    assert term.wait() == 2


@pytest.mark.slow
def test_hundred_random_kills_lose_nothing():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "kill_resume.py"), "--trials", "100"],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed: 0" in proc.stdout and "lost: 0," in proc.stdout


def test_end_of_run_writes_the_pdf_report(tmp_path):
    pytest.importorskip("assess.reports").render   # the report renderer ships separately
    out, term = revisit(tmp_path, "money")
    term.question("funding_model")
    term.pick("")                                           # Enter keeps the current answer ...
    term.question("pooled_budget")
    term.pick("")                                           # ... and the current n/a with its reason
    term.expect("Why does this question not apply?")
    term.type("")
    term.question("comment")
    term.type("")
    term.pick("s")
    term.expect("Write the PDF report now?")
    term.pick("y")
    term.expect("Report file")
    term.type("")
    term.expect(f"Wrote {out.with_suffix('.pdf')}")
    assert term.wait() == 0
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
    assert values(out, [MINI]) == values(MINI / "whole.yaml", [MINI])
