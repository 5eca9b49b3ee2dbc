"""`assess run`: the guided assessment in the terminal.

This module only asks and displays (questionary for input, rich for layout); the flow itself
(order, show_if, next and previous question, saving) lives in assess/questionnaire.py.
Every answer is saved atomically before the next question appears, so stopping at any
moment loses at most the answer being typed.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from .common import EXIT_INTERRUPTED, FrameworksDir, dirs, fail, handle_errors

NOT_A_TERMINAL = ("`assess run` asks its questions in a terminal, and there is none here (input is not a TTY). "
                  "Without a terminal: `assess init FRAMEWORK -o answers.yaml`, fill in the file, "
                  "then `assess evaluate answers.yaml`.")

# what a prompt can return besides an answer (option ids never start with ':')
SKIP, NA, EVIDENCE, NOTE, HELP, BACK, RETRY, NONE_OF_THESE = (":skip", ":na", ":evidence", ":note", ":help",
                                                               ":back", ":retry", ":none")
NEXT = ":next"
SCALE_AS_LIST = 11   # scales with more points than this are typed, not picked


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
        if output.exists():
            raise fail(f"{output} already exists; continue it with `assess run {output}`")
        folder = output.parent
        if not folder.is_dir():
            raise fail(f"folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise fail(f"cannot write in {folder}: permission denied")
        framework = find_framework(target, extra)
    if section and review:
        raise fail("use --section or --review, not both")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise fail(NOT_A_TERMINAL)

    guide = Guide(session, extra)
    try:
        if session is None:
            guide.start(framework, output)
            guide.walk_all()
        elif review:
            guide.review()
        elif section:
            guide.walk_section(section)
        else:
            guide.resume()
        guide.finish()
    except (KeyboardInterrupt, EOFError):
        guide.stopped()
        raise typer.Exit(EXIT_INTERRUPTED)


class Guide:
    """The terminal side of one guided run."""

    def __init__(self, session, frameworks_dirs: list[Path]):
        from rich.console import Console
        self.session = session
        self.frameworks_dirs = frameworks_dirs
        self.console = Console(highlight=False)
        self.unsaved = False
        self.shown_section: Optional[str] = None

    # ------------------------------------------------------------ the phases of a run

    def start(self, framework, output: Path) -> None:
        from ..questionnaire import Session
        self.say(f"{framework.info.title} {framework.version}", style="bold")
        if framework.info.description:
            self.say(framework.info.description, style="dim")
        self.say("First, the assessment details. Answers are saved to "
                 f"{output} after every question; press Ctrl-C to stop and continue later.")
        meta = self.ask_meta({})
        self.session = Session.new(framework, meta, output)
        self.save()
        self.say(f"Created {output}.", style="green")

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

    def review(self) -> None:
        from questionary import Choice, Separator
        s = self.session
        while True:
            self.print_answers()
            shown = s.visible()
            choices = [Choice("Assessment details (service, scope, phase ...)", value=":meta")]
            for n, qid in enumerate(s.order, 1):
                if shown[qid]:
                    choices.append(Choice(f"Q{n} {s.question(qid).text} — {self.label(qid)}", value=qid))
            choices += [Separator(), Choice("Done", value=":done")]
            pick = self.select("Change which answer?", choices, shortcuts=False, search=True)
            if pick == ":done":
                return
            before = set(s.unanswered())
            if pick == ":meta":
                s.meta.update(self.ask_meta(s.meta))
                self.save()
            else:
                self.ask(pick, can_back=False)
            self.ask_new_questions(before)

    def ask_new_questions(self, before: set[str]) -> None:
        """A changed answer (or scope) can bring questions into view: ask them straight away."""
        from ..questionnaire import Walk
        new = [q for q in self.session.unanswered() if q not in before]
        if new:
            self.say(f"That change brings {len(new)} more question(s) into the assessment.", style="yellow")
            self.walk(Walk(self.session, new))

    def finish(self) -> None:
        from ..tables import print_result
        s = self.session
        self.console.rule("Summary")
        if s.unanswered():
            self.say(f"{len(s.unanswered())} question(s) still have no answer, so some levels may lack evidence.",
                     style="yellow")
        result = s.evaluate()
        print_result(result, self.console)
        self.offer_report(result)
        self.say(f"Answers are in {s.path}. Evaluate them any time with `assess evaluate {s.path}"
                 f"{self.dirs_flags()}`; change them with `{self.command('--review')}`.")

    def offer_report(self, result) -> None:
        from ..errors import AssessError
        from ..yamlio import atomic_write
        try:
            from ..reports import render
        except ImportError:
            self.say("PDF reports are not available in this installation yet.", style="dim")
            return
        if not self.confirm("Write the PDF report now?", default=True):
            return
        target = Path(self.text("Report file", default=str(self.session.path.with_suffix(".pdf")),
                                validate=lambda t: bool(t.strip()) or "give a file name"))
        if target.exists() and not self.confirm(f"{target} exists. Replace it?", default=False):
            return
        try:
            with self.console.status("Rendering the report ..."):
                data = render(result, "pdf", framework_root=self.session.framework.root)
            atomic_write(target, data)
        except AssessError as exc:
            self.say(f"Could not write the report: {exc}", style="bold red")
            return
        except Exception as exc:  # the answers are safe; a report failure must not end in a traceback
            self.say(f"Could not render the report: {type(exc).__name__}: {exc}", style="bold red")
            return
        self.say(f"Wrote {target}.", style="green")

    def stopped(self) -> None:
        s = self.session
        if s is None:
            self.say("\nStopped before the assessment details were complete; nothing was saved.")
            return
        self.say(f"\nStopped. {self.answered_line()}, saved in {s.path}.")
        if self.unsaved:
            self.say("The latest changes could not be saved (see the error above).", style="bold red")
        self.say(f"Continue with: {self.command()}")

    # ------------------------------------------------------------ one question

    def ask(self, qid: str, can_back: bool) -> str:
        """Ask one question until it is answered, skipped or left by a back-step; returns NEXT or BACK."""
        s = self.session
        q = s.question(qid)
        self.print_header(qid)
        while True:
            choice = self.prompt_value(q, can_back)
            if choice == SKIP:
                return NEXT
            if choice == BACK:
                return BACK
            if choice == HELP:
                self.print_help(q)
            elif choice == EVIDENCE:
                self.ask_evidence(q)
            elif choice == NOTE:
                self.ask_note(q)
            elif choice == NA:
                reason = self.text("Why does this question not apply?", default=s.answer(qid).na_reason,
                                   instruction="(Enter with nothing typed to go back to the question)")
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
            default = NA if current.state == "not-applicable" else value   # Enter keeps what is there
            return self.select(q.text, choices + [Separator()] + self.actions(q, can_back), default=default)
        if q.type == "multi":
            import questionary
            picked = questionary.checkbox(
                q.text, choices=[Choice(o.label, value=o.id, checked=o.id in (value or [])) for o in q.options],
                instruction=f"(space ticks, Enter confirms; nothing ticked: none of these, {_more(q)})",
            ).unsafe_ask()
            if picked:
                return picked
            first = [Choice("None of these", value=NONE_OF_THESE, shortcut_key="0"),
                     Choice("Choose options again", value=RETRY, shortcut_key="c")]
            choice = self.select("Nothing ticked:", first + [Separator()] + self.actions(q, can_back))
            return self.prompt_value(q, can_back) if choice == RETRY else choice
        return self.prompt_typed(q, value, current, can_back)

    def prompt_typed(self, q, value, current, can_back: bool) -> Any:
        from questionary import Choice, Separator
        from ..answers import parse_answer

        def check(text: str):
            t = text.strip()
            if t in ("", "?") or (q.allow_na and t.lower() in ("n/a", "na")):
                return True
            try:
                parse_answer(q, t)
            except ValueError as exc:
                return str(exc)
            return True

        hint = {"number": _range_hint(q), "scale": _range_hint(q), "date": "YYYY-MM-DD", "text": "text"}[q.type]
        default = ("n/a" if current.state == "not-applicable" else "" if value is None
                   else value.isoformat() if q.type == "date" else str(value))
        typed = self.text(q.text, default=default, validate=check,
                          instruction=f"({hint} · ? help · Enter on empty: {_more(q)})").strip()
        if typed == "?":
            return HELP
        if typed.lower() in ("n/a", "na") and q.allow_na:
            return NA
        if typed:
            return typed
        choice = self.select("Nothing typed:", [Choice("Type an answer", value=RETRY, shortcut_key="t"), Separator()]
                             + self.actions(q, can_back), default=None if q.required else SKIP)
        return self.prompt_typed(q, value, current, can_back) if choice == RETRY else choice

    def actions(self, q, can_back: bool) -> list:
        from questionary import Choice
        items = [Choice("Skip for now", value=SKIP, shortcut_key="s")]
        if q.allow_na:
            items.append(Choice("Not applicable (give a reason)", value=NA, shortcut_key="a"))
        count = len(self.session.evidence.get(q.id, []))
        asked = f": {q.evidence_prompt}" if q.evidence_prompt else ""
        so_far = f" ({count} so far)" if count else ""
        items.append(Choice(f"Add evidence{asked}{so_far}", value=EVIDENCE, shortcut_key="e"))
        items.append(Choice("Edit the note" if self.session.notes.get(q.id) else "Add a note", value=NOTE,
                            shortcut_key="n"))
        items.append(Choice("Help", value=HELP, shortcut_key="h"))
        if can_back:
            items.append(Choice("Back to the previous question", value=BACK, shortcut_key="b"))
        return items

    def ask_evidence(self, q) -> None:
        for item in self.session.evidence.get(q.id, []):
            self.say(f"  evidence: {item}", style="dim")
        text = self.text(q.evidence_prompt or "Evidence (a link, a document name or a short description)",
                         validate=_text_check, instruction="(Enter with nothing typed to cancel)")
        if text.strip():
            self.session.add_evidence(q.id, text)
            self.save()
            self.say("Evidence added.", style="green")

    def ask_note(self, q) -> None:
        old = self.session.notes.get(q.id, "")
        text = self.text("Note", default=old, validate=_text_check,
                         instruction="(clear it and press Enter to remove the note)" if old else "")
        if text.strip() != old:
            self.session.set_note(q.id, text)
            self.save()
            self.say("Note saved." if text.strip() else "Note removed.", style="green")

    # ------------------------------------------------------------ metadata

    def ask_meta(self, old: dict) -> dict:
        from questionary import Choice
        from ..questionnaire import meta_error, parse_date

        def field_check(name):
            return lambda t: meta_error(name, t.strip()) or True

        def date_check(t):
            try:
                parse_date(t)
            except ValueError as exc:
                return str(exc)
            return True

        meta = {"service": self.text("Service name", default=old.get("service", ""),
                                     validate=lambda t: bool(t.strip()) and field_check("service")(t) or "a service name is needed").strip(),
                "organisation": self.text("Organisation", default=old.get("organisation", ""),
                                          validate=field_check("organisation")).strip()}
        meta["scope"] = self.select("Scope", [
            Choice("part – one organisation's part of the service", value="part", shortcut_key="1"),
            Choice("whole – the whole service, across organisations", value="whole", shortcut_key="2")],
            default=old.get("scope", "part"))
        phases = ("discovery", "alpha", "beta", "live", "retiring")
        meta["phase"] = self.select("Phase", [Choice(p, value=p, shortcut_key=str(i)) for i, p in enumerate(phases, 1)],
                                    default=old.get("phase", "live"))
        meta["respondent"] = self.text("Respondent (who is answering)", default=old.get("respondent", ""),
                                       validate=field_check("respondent")).strip()
        meta["kind"] = self.select("Kind of assessment", [
            Choice("self – the team assesses itself", value="self", shortcut_key="1"),
            Choice("assessor – an independent assessor", value="assessor", shortcut_key="2")],
            default=old.get("kind", "self"))
        date = old.get("date") or dt.date.today()
        meta["date"] = parse_date(self.text("Date", default=date.isoformat(), validate=date_check,
                                            instruction="(YYYY-MM-DD)"))
        return meta

    # ------------------------------------------------------------ display

    def print_header(self, qid: str) -> None:
        from rich.text import Text
        s = self.session
        q = s.question(qid)
        progress = s.progress(qid)
        if progress.section.id != self.shown_section:
            self.shown_section = progress.section.id
            self.console.rule(Text(progress.section.title))
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
        text = Text(q.help or "No further guidance for this question.")
        for o in q.options:
            if o.help:
                text.append(f"\n• {o.label}: {o.help}")
        if q.type in ("number", "scale"):
            text.append(f"\nAnswer: a number, {_range_hint(q)}.")
        if q.type == "date":
            text.append("\nAnswer: a date written YYYY-MM-DD.")
        if q.evidence_prompt:
            text.append(f"\nEvidence asked for: {q.evidence_prompt}")
        if q.allow_na:
            text.append("\nThis question may be marked not applicable, with a reason.")
        if not q.required:
            text.append("\nThis question is optional.")
        self.console.print(Panel(text, title="Help", expand=False))

    def print_sections(self) -> None:
        from rich.table import Table
        s = self.session
        table = Table(title="Done so far")
        for col in ("Section", "Answered", "Status"):
            table.add_column(col)
        for section, ids in s.visible_sections():
            done = sum(1 for q in ids if s.done(q))
            status = "done" if done == len(ids) else "not started" if done == 0 else "in progress"
            table.add_row(section.title, f"{done} of {len(ids)}", status)
        self.console.print(table)
        inactive = s.inactive()
        if inactive:
            self.say(f"{len(inactive)} answer(s) kept but inactive: their questions are hidden by show_if "
                     f"({', '.join(inactive)}).", style="dim")

    def print_answers(self) -> None:
        from rich.table import Table
        from rich.text import Text
        s = self.session
        shown = s.visible()
        table = Table(title=f"Answers: {s.meta['service']}")
        for col in ("#", "Question", "Answer", "Evidence", "Note"):
            table.add_column(col)
        for n, qid in enumerate(s.order, 1):
            answer = Text(self.label(qid))
            if not shown[qid]:
                if s.answer(qid).state == "unanswered":
                    continue
                answer = Text(f"{self.label(qid)} (inactive: hidden by show_if)", style="dim")
            table.add_row(f"Q{n}", Text(s.question(qid).text), answer,
                          str(len(s.evidence.get(qid, []))) if s.evidence.get(qid) else "",
                          "yes" if s.notes.get(qid) else "")
        self.console.print(table)

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
        return f"{text}: {answer.na_reason}" if answer.state == "not-applicable" else text

    def say(self, message: str, style: str = "") -> None:
        from rich.text import Text
        self.console.print(Text(message, style=style))

    def command(self, extra: str = "") -> str:
        return f"assess run {self.session.path}{self.dirs_flags()}" + (f" {extra}" if extra else "")

    def dirs_flags(self) -> str:
        return "".join(f" -F {d}" for d in self.frameworks_dirs)

    # ------------------------------------------------------------ saving

    def save(self) -> None:
        """Save now; on failure say why, keep the answers in memory and let the user choose."""
        from questionary import Choice
        from ..errors import AssessError
        while True:
            try:
                self.session.save()
            except AssessError as exc:
                self.unsaved = True
                self.say(f"Could not save: {exc}", style="bold red")
                self.say("The file on disk still holds what was saved before; your latest answers are kept "
                         "in memory.", style="yellow")
                choice = self.select("What now?", [
                    Choice("Try again", value="retry", shortcut_key="r"),
                    Choice("Save to another file", value="other", shortcut_key="o"),
                    Choice("Carry on; try again after the next answer", value="later", shortcut_key="c")])
                if choice == "other":
                    other = self.text("Save to", validate=lambda t: bool(t.strip()) or "give a file name")
                    self.session.path = Path(other.strip())
                if choice == "later":
                    return
                continue
            if self.unsaved:
                self.say(f"Saved to {self.session.path}.", style="green")
            self.unsaved = False
            return

    # ------------------------------------------------------------ questionary wrappers (Ctrl-C propagates)

    def select(self, message: str, choices: list, default: Any = None, shortcuts: bool = True,
               search: bool = False) -> Any:
        import questionary
        values = [getattr(c, "value", None) for c in choices]
        return questionary.select(message, choices=choices, default=default if default in values else None,
                                  use_shortcuts=shortcuts, use_search_filter=search, use_jk_keys=not search,
                                  instruction="(arrows or keys, Enter chooses)" if shortcuts
                                  else "(arrows, or type to filter; Enter chooses)",
                                  ).unsafe_ask()

    def text(self, message: str, default: str = "", validate=None, instruction: str = "") -> str:
        import questionary
        return questionary.text(message, default=default, validate=validate,
                                instruction=instruction or None).unsafe_ask()

    def confirm(self, message: str, default: bool) -> bool:
        import questionary
        return questionary.confirm(message, default=default).unsafe_ask()


def _option_keys(q, values: list) -> list:
    """Keys that pick an option: the value itself on a small scale, else 1-9 then 0; none past ten."""
    if q.type == "scale" and all(0 <= v <= 9 for v in values):
        return [str(v) for v in values]
    keys = [str(i) for i in range(1, 10)] + ["0"]
    return [keys[i] if i < len(keys) else False for i in range(len(values))]


def _more(q) -> str:
    """What the 'more choices' menu offers, named in the prompt's hint."""
    return "skip, " + ("n/a, " if q.allow_na else "") + "evidence, note, back"


def _range_hint(q) -> str:
    if q.min is not None and q.max is not None:
        return f"from {q.min:g} to {q.max:g}"
    if q.min is not None:
        return f"at least {q.min:g}"
    if q.max is not None:
        return f"at most {q.max:g}"
    return "a number"


def _text_check(text: str):
    from ..answers import MAX_TEXT
    return len(text.strip()) <= MAX_TEXT or f"at most {MAX_TEXT:,} characters"
