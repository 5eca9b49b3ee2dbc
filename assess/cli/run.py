"""`assess run`: the guided assessment in the terminal.

This module only asks and displays (questionary for input, rich for layout); the flow itself
(order, show_if, next and previous question, saving) lives in assess/questionnaire.py. Saving and
stopping with true messages are in run_saving.py, `--review` in run_review.py, and Ctrl-C and
signals in interrupts.py. Every answer is saved atomically
before the next question appears, so stopping at any moment loses at most the answer being
typed. One run at a time holds an answers file (storage.AnswersLock).
"""
from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, List, Optional

import typer

from .common import FrameworksDir, dirs, fail, handle_errors
from .interrupts import Interrupts, Stop
from .run_review import Reviewing
from .run_saving import Saving, new_file_problem
from .. import limits
from ..tables import clip

WITHOUT_A_TERMINAL = ("Without a terminal: `assess init FRAMEWORK -o answers.yaml`, fill in the file, "
                      "then `assess evaluate answers.yaml`.")

# what a prompt can return besides an answer (option ids never start with ':')
SKIP, NA, EVIDENCE, NOTE, HELP, BACK, RETRY, NONE_OF_THESE, CLEAR, MORE = (
    ":skip", ":na", ":evidence", ":note", ":help", ":back", ":retry", ":none", ":clear", ":more")
NEXT, ADD = ":next", ":add"
SCALE_AS_LIST = 11   # scales with more points than this are typed, not picked
TOP_FINDINGS = 5     # risks shown in the end summary; `assess evaluate` lists them all


@handle_errors
def run(target: str = typer.Argument(..., metavar="FRAMEWORK|ANSWERS",
                                     help="A framework id to start an assessment, or an answers file to resume."),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Answers file to create when starting."),
        section: Optional[str] = typer.Option(None, "--section", help="Revisit one section (id or title)."),
        review: bool = typer.Option(False, "--review", help="List every answer and change any of them."),
        frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Answer a questionnaire step by step in the terminal; every answer is saved as you go."""
    from ..frameworks import find_framework
    from ..questionnaire import Session

    extra = dirs(frameworks_dir)
    resuming = Path(target).is_file() or target.endswith((".yaml", ".yml"))
    session = framework = None
    if section and review:
        raise fail("use --section or --review, not both")
    if resuming:
        if output is not None:
            raise fail(f"-o is for starting a new assessment; to continue this one run `assess run {target}`")
        session = Session.load(target, extra)
        if section:
            try:
                session.find_section(section)
            except ValueError as exc:
                raise fail(str(exc)) from None
    else:
        if section or review:
            raise fail("--section and --review work on an existing answers file: `assess run answers.yaml --review`")
        if output is None:
            raise fail(f"name the answers file to create: `assess run {target} -o answers.yaml`")
        problem = new_file_problem(output, f"continue it with `assess run {output}`")
        if problem:
            raise fail(problem)
        framework = find_framework(target, extra)
    problem = terminal_problem()
    if problem:
        raise fail(problem)

    with guiding(Guide, session, session.path if session else output, extra) as guide:
        if session is None:
            if output.exists():   # made by someone else since the check above
                raise fail(f"{output} already exists; continue it with `assess run {output}`")
            guide.start(framework, output)
            guide.walk_all()
        elif not guide.accept_hand_comments():
            return
        elif review:
            guide.review()
        elif section:
            guide.walk_section(section)
        else:
            guide.resume()
        guide.finish()


@contextmanager
def guiding(guide_class, session, path: Path, extra):
    """Hold the answers file and Ctrl-C for one guided command; a stop saves what it can and exits with its code."""
    from ..storage import AnswersLock
    lock = AnswersLock(path)
    lock.acquire()
    interrupts = Interrupts()
    interrupts.install()   # also when SIGINT came in ignored: Ctrl-C must stop a prompt and the gaps alike
    guide = guide_class(session, extra, lock, interrupts)
    try:
        yield guide
    except Stop as stop:
        guide.stopped(stop)
        raise typer.Exit(stop.exit_code)
    finally:
        interrupts.restore()
        guide.lock.release()


def terminal_problem(command: str = "assess run", without: str = WITHOUT_A_TERMINAL) -> Optional[str]:
    """Why this process cannot hold a guided run (input or output not a terminal), or None."""
    missing = [name for name, stream in (("input", sys.stdin), ("output", sys.stdout)) if not stream.isatty()]
    if not missing:
        return None
    what = "its input and output are not terminals" if len(missing) == 2 else f"its {missing[0]} is not a terminal"
    return f"`{command}` asks its questions in a terminal, but {what} (piped or redirected). {without}"


class Guide(Saving, Reviewing):
    """The terminal side of one guided run."""

    def __init__(self, session, frameworks_dirs: list[Path], lock, interrupts: Interrupts):
        from rich.console import Console
        self.session = session
        self.frameworks_dirs = frameworks_dirs
        self.lock = lock
        self.interrupts = interrupts
        self.console = Console(highlight=False)
        self.shown_section: Optional[str] = None
        self.draft: Optional[list] = None   # ticks of a multi question kept while its menu is open
        # what the answers file holds: the progress line at the last save (None: nothing saved there yet)
        self.on_disk: Optional[str] = self.answered_line() if session is not None else None
        self.unsaved = False
        self.changed_outside = False
        self.framework_id = session.framework.id if session is not None else ""

    # ------------------------------------------------------------ the phases of a run

    def start(self, framework, output: Path) -> None:
        from ..questionnaire import Session
        self.framework_id = framework.id
        self.say(f"{framework.info.title} {framework.version}", style="bold")
        if framework.info.description:
            self.say(framework.info.description, style="dim")
        self.say("First, the assessment details. Answers are saved to "
                 f"{output} after every question; press Ctrl-C to stop and continue later.")
        meta = self.ask_meta({})
        self.session = Session.new(framework, meta, output)
        if self.save():
            self.say(f"Created {output}.", style="green")

    def accept_hand_comments(self) -> bool:
        """A resumed file with comments written by hand: say they will go, and let the user keep them."""
        from ..yamlio import read_text
        s = self.session
        comments = s.hand_comments(read_text(s.path))
        if not comments:
            return True
        shown = "; ".join(f"line {line}: # {clip(text, 40)}" for line, text in comments[:3]) + (" ..." if len(comments) > 3 else "")
        self.say(f"{s.path} has {len(comments)} comment(s) written by hand ({shown}). `assess run` rewrites the "
                 "whole file after every answer and does not keep comments; put remarks under `notes:`.",
                 style="yellow")
        if self.confirm("Carry on and drop the comments at the first save?", default=False):
            return True
        self.say(f"Nothing was changed in {s.path}.")
        return False

    def resume(self) -> None:
        from ..questionnaire import Walk
        s = self.session
        self.say(f"Continuing {s.meta['service']} ({s.framework.info.title}) from {s.path}: "
                 f"{self.answered_line()}", style="bold")
        self.print_sections()
        if s.unanswered():
            self.walk(Walk(s), offer_skipped=True)
        else:
            self.say("Every question that applies has an answer. Change one with "
                     f"`{self.command('--review')}`, or a section with `{self.command('--section NAME')}`.")

    def walk_all(self) -> None:
        from ..questionnaire import Walk
        self.walk(Walk(self.session), offer_skipped=True)

    def walk_section(self, name: str) -> None:
        from ..questionnaire import Walk
        section = self.session.find_section(name)
        ids = [q.id for q in section.questions]
        if not any(self.session.visible()[q] for q in ids):
            self.say(f"No question in {section.title} applies to this assessment (show_if).", style="yellow")
            return
        self.walk(Walk(self.session, ids, skip_done=False))

    def walk(self, walk, offer_skipped: bool = False) -> None:
        """Ask questions until the walk runs out; then, if asked to, offer the skipped ones once."""
        from ..questionnaire import Walk
        qid = walk.start()
        while qid is not None:
            step = self.ask(qid, can_back=not walk.at_first())
            qid = walk.back() if step == BACK else walk.forward()
        skipped = self.session.unanswered()
        if offer_skipped and skipped and self.confirm(
                f"{len(skipped)} question(s) that apply have no answer yet. Answer them now?", default=False):
            self.walk(Walk(self.session, skipped))

    def finish(self) -> None:
        from ..tables import print_summary
        s = self.session
        self.console.rule("Summary")
        if s.unanswered():
            self.say(f"{len(s.unanswered())} question(s) still have no answer, so some levels may lack evidence.",
                     style="yellow")
        result = s.evaluate()
        evaluate = f"assess evaluate {s.path}{self.dirs_flags()}"
        print_summary(result, self.console, top=TOP_FINDINGS, full_list=f"`{evaluate}` or the report")
        self.offer_report(result)
        self.say(f"Answers are in {s.path}. Evaluate them any time with `{evaluate}`; "
                 f"change them with `{self.command('--review')}`.")

    def offer_report(self, result) -> None:
        from ..errors import AssessError
        from ..yamlio import atomic_write
        try:
            from ..actions import tracked_actions
            from ..reports import render
        except ImportError:
            self.say("PDF reports are not available in this installation yet.", style="dim")
            return
        if not self.confirm("Write the PDF report now?", default=True):
            return
        target = Path(self.text("Report file", default=str(self.session.path.with_suffix(".pdf")),
                                validate=lambda t: bool(t.strip()) or "give a file name",
                                instruction="(Enter confirms)"))
        from .common import same_file
        if same_file(target, self.session.path):
            self.say(f"{target} is the answers file; the report was not written (run `assess report` to write it elsewhere).",
                     style="bold red")
            return
        if target.exists() and not self.confirm(f"{target} exists. Replace it?", default=False):
            return
        try:
            with self.console.status("Rendering the report ..."):
                data = render(result, "pdf", framework_root=self.session.framework.root,
                              tracked=tracked_actions(self.session.assessment(), result))
            atomic_write(target, data)
        except AssessError as exc:
            self.say(f"Could not write the report: {exc}", style="bold red")
            return
        except Exception as exc:  # the answers are safe; a report failure must not end in a traceback
            self.say(f"Could not render the report: {type(exc).__name__}: {exc}", style="bold red")
            return
        self.say(f"Wrote {target}.", style="green")

    # ------------------------------------------------------------ one question

    def ask(self, qid: str, can_back: bool) -> str:
        """Ask one question until it is answered, skipped or left by a back-step; returns NEXT or BACK."""
        s = self.session
        q = s.question(qid)
        self.print_header(qid)
        self.draft = None
        while True:
            choice = self.prompt_value(q, can_back)
            if choice == SKIP:
                self.say("Skipped for now.", style="dim")
                return NEXT
            if choice == BACK:
                return BACK
            if choice == HELP:
                self.print_help(q)
            elif choice == EVIDENCE:
                self.ask_evidence(q)
            elif choice == NOTE:
                self.ask_note(q)
            elif choice == CLEAR:
                was = self.label(qid)
                s.clear(qid)
                self.save()
                self.say(f"Cleared ({was}); the question has no answer now.", style="green")
            elif choice == NA:
                reason = self.text("Why does this question not apply?", default=s.answer(qid).na_reason,
                                   validate=_text_check(limits.NA_REASON_CHARS), instruction="(Enter with nothing typed to go back to the question)")
                if reason.strip():
                    s.mark_na(qid, reason)
                    self.save()
                    return NEXT
            else:
                try:
                    s.set_answer(qid, [] if choice == NONE_OF_THESE else choice)
                except ValueError as exc:   # the prompt checks first; this is a last line of defence
                    self.say(f"Not saved: {exc}", style="bold red")
                    continue
                if q.type == "multi":   # the checkbox echoes only a count; say what was chosen
                    self.say(f"  {self.label(qid)}", style="dim")
                self.draft = None
                self.save()
                return NEXT

    def prompt_value(self, q, can_back: bool) -> Any:
        """The answer (as the file would hold it) or one of the action markers."""
        from questionary import Choice, Separator
        current = self.session.answer(q.id)
        value = current.value if current.state == "answered" else None
        if q.type in ("single", "yesno") or (q.type == "scale" and q.max - q.min < SCALE_AS_LIST):
            if q.type == "single":
                options = [(o.label, o.id) for o in q.options]
            elif q.type == "yesno":
                options = [("Yes", "yes"), ("No", "no")]
            else:
                options = [(f"{v} – {q.scale_labels[v]}" if v in q.scale_labels else str(v), v)
                           for v in range(int(q.min), int(q.max) + 1)]
            keys = _option_keys(q, [v for _, v in options])
            choices = [Choice(label, value=v, shortcut_key=k) for (label, v), k in zip(options, keys)]
            # Enter keeps what is there; with nothing there the pointer starts on Skip, so a stray Enter records nothing
            default = NA if current.state == "not-applicable" else value if value is not None else SKIP
            return self.select(q.text, choices + [Separator()] + self.actions(q, can_back), default=default)
        if q.type == "multi":
            return self.prompt_multi(q, value, can_back)
        return self.prompt_typed(q, value, current, can_back)

    def prompt_multi(self, q, value, can_back: bool) -> Any:
        from questionary import Choice, Separator
        ticked = self.draft if self.draft is not None else (value or [])
        picked = self.checkbox(q.text, [Choice(o.label, value=o.id, checked=o.id in ticked) for o in q.options]
                               + [Separator(), Choice(f"More: {_more(q, can_back)} (ticks are kept)", value=MORE)],
                               instruction=f"(space ticks, Enter confirms; tick More for {_more(q, can_back)})")
        ticks = [p for p in picked if p != MORE]
        if ticks and MORE not in picked:
            return ticks
        self.draft = ticks
        first = [Choice("Back to ticking", value=RETRY, shortcut_key="t")]
        if MORE in picked and ticks:
            first.append(Choice(f"Save the {len(ticks)} ticked", value=":save", shortcut_key="v"))
            title = f"{len(ticks)} ticked; more for this question:"
        else:
            first.append(Choice("None of these", value=NONE_OF_THESE, shortcut_key="0"))
            title = "Nothing ticked:"
        default = NONE_OF_THESE if (value == [] and not ticks) else RETRY   # Enter twice never records "none"
        choice = self.select(title, first + [Separator()] + self.actions(q, can_back), default=default)
        if choice == RETRY:
            return self.prompt_multi(q, value, can_back)
        if choice == ":save":
            return ticks
        return choice

    def prompt_typed(self, q, value, current, can_back: bool) -> Any:
        from questionary import Choice, Separator
        from ..answers import parse_answer
        from ..questionnaire import date_problem

        def check(text: str):
            t = text.strip()
            if t in ("", "?") or (q.allow_na and t.lower() in ("n/a", "na")):
                return True
            if q.type == "date" and date_problem(t):
                return date_problem(t)
            try:
                parse_answer(q, t)
            except ValueError as exc:
                return str(exc)
            return True

        hint = {"number": _range_hint(q), "scale": _range_hint(q), "date": "YYYY-MM-DD", "text": "text"}[q.type]
        default = ("n/a" if current.state == "not-applicable" else "" if value is None
                   else value.isoformat() if q.type == "date" else str(value))
        typed = self.text(q.text, default=default, validate=check,
                          instruction=f"({hint} · ? help · Enter on empty: {_more(q, can_back)})").strip()
        if typed == "?":
            return HELP
        if typed.lower() in ("n/a", "na") and q.allow_na:
            return NA
        if typed:
            return typed
        choice = self.select("Nothing typed:", [Choice("Type an answer", value=RETRY, shortcut_key="t"), Separator()]
                             + self.actions(q, can_back), default=RETRY if q.required else SKIP)
        return self.prompt_typed(q, value, current, can_back) if choice == RETRY else choice

    def actions(self, q, can_back: bool) -> list:
        from questionary import Choice
        s = self.session
        state = s.answer(q.id).state
        items = [Choice("Skip for now", value=SKIP, shortcut_key="s")]
        if q.allow_na:
            items.append(Choice("Change the n/a reason" if state == "not-applicable" else "Not applicable (give a reason)",
                                value=NA, shortcut_key="a"))
        if state != "unanswered":
            items.append(Choice("Clear the n/a" if state == "not-applicable" else "Clear the answer", value=CLEAR,
                                shortcut_key="c"))
        count = len(s.evidence.get(q.id, []))
        asked = f": {q.evidence_prompt}" if q.evidence_prompt else ""
        items.append(Choice(f"Evidence ({count}): add, correct or remove" if count else f"Add evidence{asked}",
                            value=EVIDENCE, shortcut_key="e"))
        items.append(Choice("Edit or remove the note" if s.notes.get(q.id) else "Add a note", value=NOTE,
                            shortcut_key="n"))
        items.append(Choice("Help", value=HELP, shortcut_key="h"))
        if can_back:
            items.append(Choice("Back to the previous question", value=BACK, shortcut_key="b"))
        return items

    def ask_evidence(self, q) -> None:
        from questionary import Choice, Separator
        s = self.session
        items = s.evidence.get(q.id, [])
        if items:
            keys = iter("123456789")
            pick = self.select("Evidence for this question:", [Choice("Add evidence", value=ADD, shortcut_key="a")]
                               + [Choice(f"Correct or remove: {clip(item)}", value=i, shortcut_key=next(keys, False))
                                  for i, item in enumerate(items)]
                               + [Separator(), Choice("Back to the question", value=BACK, shortcut_key="b")], default=ADD)
            if pick == BACK:
                return
            if pick != ADD:
                old = items[pick]
                text = self.text("Evidence", default=old, validate=_text_check(limits.EVIDENCE_ITEM_CHARS),
                                 instruction="(edit it, or clear it and press Enter to remove it)")
                if text.strip() != old:
                    s.change_evidence(q.id, pick, text)
                    self.save()
                    self.say("Evidence corrected." if text.strip() else "Evidence removed.", style="green")
                return
        text = self.text(q.evidence_prompt or "Evidence (a link, a document name or a short description)",
                         validate=_text_check(limits.EVIDENCE_ITEM_CHARS), instruction="(Enter with nothing typed to cancel)")
        if text.strip():
            try:
                s.add_evidence(q.id, text)
            except ValueError as exc:   # the most evidence items a question or file may hold
                self.say(f"Not added: {exc}.", style="red")
                return
            self.save()
            self.say("Evidence added.", style="green")

    def ask_note(self, q) -> None:
        old = self.session.notes.get(q.id, "")
        text = self.text("Note", default=old, validate=_text_check(limits.NOTE_CHARS),
                         instruction="(clear it and press Enter to remove the note)" if old
                         else "(Enter with nothing typed to cancel)")
        if text.strip() != old:
            self.session.set_note(q.id, text)
            self.save()
            self.say("Note saved." if text.strip() else "Note removed.", style="green")

    # ------------------------------------------------------------ metadata

    def ask_meta(self, old: dict) -> dict:
        from questionary import Choice
        from ..questionnaire import date_problem, meta_error, parse_date

        def field_check(name, needed: str = ""):
            return lambda t: (needed if needed and not t.strip() else meta_error(name, t.strip())) or True

        meta = {"service": self.text("Service name", default=old.get("service", ""),
                                     validate=field_check("service", "a service name is needed"),
                                     instruction="(one line; Enter confirms)").strip(),
                "organisation": self.text("Organisation", default=old.get("organisation", ""),
                                          validate=field_check("organisation"),
                                          instruction="(may be left empty; Enter confirms)").strip()}
        meta["scope"] = self.select("Scope", [
            Choice("part – one organisation's part of the service", value="part", shortcut_key="1"),
            Choice("whole – the whole service, across organisations", value="whole", shortcut_key="2")],
            default=old.get("scope", "part"))
        phases = ("discovery", "alpha", "beta", "live", "retiring")
        meta["phase"] = self.select("Phase", [Choice(p, value=p, shortcut_key=str(i)) for i, p in enumerate(phases, 1)],
                                    default=old.get("phase", "live"))
        meta["respondent"] = self.text("Respondent (who is answering)", default=old.get("respondent", ""),
                                       validate=field_check("respondent"),
                                       instruction="(may be left empty; Enter confirms)").strip()
        meta["kind"] = self.select("Kind of assessment", [
            Choice("self – the team assesses itself", value="self", shortcut_key="1"),
            Choice("assessor – an independent assessor", value="assessor", shortcut_key="2")],
            default=old.get("kind", "self"))
        date = old.get("date") or dt.date.today()
        meta["date"] = parse_date(self.text("Date", default=date.isoformat(), validate=lambda t: date_problem(t) or True,
                                            instruction="(YYYY-MM-DD; Enter confirms)"))
        return meta

    # ------------------------------------------------------------ display

    def print_header(self, qid: str) -> None:
        from rich.text import Text
        s = self.session
        q = s.question(qid)
        progress = s.progress(qid)
        if progress.section.id != self.shown_section:
            self.shown_section = progress.section.id
            self.console.rule(Text(self.clean(progress.section.title)))
            if progress.section.description:
                self.say(progress.section.description, style="dim")
        self.say(progress.line(), style="cyan")
        facts = [f"Q{s.order.index(qid) + 1} {qid}"]
        if not q.required:
            facts.append("optional")
        if s.answer(qid).state != "unanswered":
            facts.append(f"current answer: {self.label(qid)}")
        if s.evidence.get(qid):
            facts.append(f"evidence: {len(s.evidence[qid])}")
        if s.notes.get(qid):
            facts.append("has a note")
        if q.help:
            facts.append("help available")
        self.say(" · ".join(facts), style="dim")

    def print_help(self, q) -> None:
        from rich.panel import Panel
        from rich.text import Text
        text = Text(self.clean(q.help or "No further guidance for this question.", lines=True))
        for o in q.options:
            if o.help:
                text.append(self.clean(f"\n• {o.label}: {o.help}", lines=True))
        if q.type in ("number", "scale"):
            text.append(f"\nAnswer: {_range_hint(q)}.")
        if q.type == "date":
            text.append("\nAnswer: a date written YYYY-MM-DD.")
        if q.evidence_prompt:
            text.append(self.clean(f"\nEvidence asked for: {q.evidence_prompt}"))
        if q.allow_na:
            text.append("\nThis question may be marked not applicable, with a reason.")
        if not q.required:
            text.append("\nThis question is optional.")
        self.console.print(Panel(text, title="Help", expand=False))

    def print_sections(self) -> None:
        from rich.table import Table
        from rich.text import Text
        s = self.session
        table = Table(title="Done so far")
        for col in ("Section", "Answered", "Status"):
            table.add_column(col)
        for section, ids in s.visible_sections():
            done = sum(1 for q in ids if s.done(q))
            status = "done" if done == len(ids) else "not started" if done == 0 else "in progress"
            table.add_row(Text(self.clean(section.title)), f"{done} of {len(ids)}", status)   # Text: no markup
        self.console.print(table)
        inactive = s.inactive()
        if inactive:
            self.say(f"{len(inactive)} answer(s) kept but inactive: their questions are hidden by show_if "
                     f"({', '.join(inactive)}).", style="dim")

    def marks(self, qid: str) -> str:
        s = self.session
        count = len(s.evidence.get(qid, []))
        return (f" · evidence {count}" if count else "") + (" · note" if s.notes.get(qid) else "")

    def answered_line(self) -> str:
        s = self.session
        shown = s.visible()
        visible = [q for q in s.order if shown[q]]
        return f"{sum(1 for q in visible if s.done(q))} of {len(visible)} questions answered"

    def label(self, qid: str) -> str:
        from ..answers import answer_label
        s = self.session
        answer = s.answer(qid)
        text = answer_label(s.question(qid), answer)
        return self.clean(f"{text}: {answer.na_reason}" if answer.state == "not-applicable" else text)

    @staticmethod
    def clean(text: str, lines: bool = False) -> str:
        from ..tables import clean
        return clean(text, lines=lines)

    def say(self, message: str, style: str = "") -> None:
        from rich.text import Text
        self.console.print(Text(self.clean(message, lines=True), style=style))

    def command(self, extra: str = "") -> str:
        return f"assess run {self.session.path}{self.dirs_flags()}" + (f" {extra}" if extra else "")

    def dirs_flags(self) -> str:
        return "".join(f" -F {d}" for d in self.frameworks_dirs)

    # ------------------------------------------------------------ questionary wrappers (Ctrl-C and signals stop)

    def select(self, message: str, choices: list, default: Any = None) -> Any:
        import questionary
        for c in choices:
            if isinstance(getattr(c, "title", None), str):
                c.title = self.clean(c.title)
        values = [getattr(c, "value", None) for c in choices]
        return self.interrupts.ask(questionary.select(
            self.clean(message), choices=choices, default=default if default in values else None,
            use_shortcuts=True, instruction="(arrows or keys, Enter chooses)"))

    def checkbox(self, message: str, choices: list, instruction: str) -> list:
        import questionary
        for c in choices:
            if isinstance(getattr(c, "title", None), str):
                c.title = self.clean(c.title)
        return self.interrupts.ask(questionary.checkbox(self.clean(message), choices=choices, instruction=instruction))

    def text(self, message: str, default: str = "", validate=None, instruction: str = "") -> str:
        import questionary
        return self.interrupts.ask(questionary.text(self.clean(message), default=self.clean(default, lines=True),
                                                    validate=validate, instruction=instruction or None))

    def confirm(self, message: str, default: bool) -> bool:
        import questionary
        return self.interrupts.ask(questionary.confirm(self.clean(message), default=default))


def _option_keys(q, values: list) -> list:
    """Keys that pick an option: the value itself on a small scale, else 1-9 then 0; none past ten."""
    if q.type == "scale" and all(0 <= v <= 9 for v in values):
        return [str(v) for v in values]
    keys = [str(i) for i in range(1, 10)] + ["0"]
    return [keys[i] if i < len(keys) else False for i in range(len(values))]


def _more(q, can_back: bool) -> str:
    """What the 'more choices' menu offers, named in the prompt's hint."""
    return "skip, " + ("n/a, " if q.allow_na else "") + "evidence, note, help" + (", back" if can_back else "")


def _range_hint(q) -> str:
    from ..conditions import plain_number
    what = "a whole number" if q.type == "scale" or getattr(q, "whole_number", False) else "a number"
    if q.min is not None and q.max is not None:
        return f"{what} from {plain_number(q.min)} to {plain_number(q.max)}"
    if q.min is not None:
        return f"{what}, at least {plain_number(q.min)}"
    if q.max is not None:
        return f"{what}, at most {plain_number(q.max)}"
    return what


def _text_check(most: int):
    """A prompt validator for free text of at most `most` characters."""
    from ..questionnaire import checked_text

    def check(text: str):
        if not text.strip():
            return True
        try:
            checked_text(text, "the text", most)
        except ValueError as exc:
            return str(exc)
        return True
    return check
