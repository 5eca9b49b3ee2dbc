"""`assess run --review`: pick a part, then a question in it; short lists that fit a small terminal.

After each change the run says which answers it hid (kept in the file, inactive) and asks the
questions it brought into view.
"""
from __future__ import annotations

from ..tables import clip

DETAILS, DONE, SECTIONS = ":details", ":done", ":sections"


class Reviewing:
    """The review part of a Guide (assess/cli/run.py): it asks and saves through the Guide's methods."""

    def review(self) -> None:
        """Pick a section, then a question in it: short lists that fit a small terminal."""
        from questionary import Choice, Separator
        s = self.session
        self.say(f"Reviewing {s.meta['service']}: {self.answered_line()}.", style="bold")
        last = None
        while True:
            choices = [Choice(f"Assessment details: scope {s.meta['scope']}, phase {s.meta['phase']}, "
                              f"{s.meta['kind']}", value=DETAILS, shortcut_key="0")]
            keys = iter("123456789abcefghilmnopqrstuvwxyz")
            shown = s.visible()
            for section in s.framework.sections:
                ids = [q.id for q in section.questions]
                visible = [q for q in ids if shown[q]]
                kept = [q for q in ids if not shown[q] and s.answer(q).state != "unanswered"]
                extra = f", {len(kept)} kept inactive" if kept else ""
                if visible:
                    done = sum(1 for q in visible if s.done(q))
                    choices.append(Choice(f"{section.title} — {done} of {len(visible)} answered{extra}",
                                          value=section.id, shortcut_key=next(keys, False)))
                else:
                    choices.append(Choice(section.title, value=section.id,
                                          disabled=f"hidden by show_if{extra}", shortcut_key=False))
            choices += [Separator(), Choice("Done", value=DONE, shortcut_key="d")]
            last = self.select("Review which part?", choices, default=last)
            if last == DONE:
                return
            if last == DETAILS:
                self.change(lambda: self.change_meta())
            else:
                self.review_section(last)

    def review_section(self, section_id: str) -> None:
        from questionary import Choice, Separator
        s = self.session
        section = next(x for x in s.framework.sections if x.id == section_id)
        last = None
        while True:
            shown = s.visible()
            keys = iter("1234567890")
            choices = []
            for q in section.questions:
                title = f"Q{s.order.index(q.id) + 1} {clip(q.text, 60)} — {self.label(q.id)}{self.marks(q.id)}"
                if shown[q.id]:
                    choices.append(Choice(title, value=q.id, shortcut_key=next(keys, False)))
                elif s.answer(q.id).state != "unanswered":
                    choices.append(Choice(title, value=q.id, disabled="inactive: hidden by show_if", shortcut_key=False))
            if not any(not c.disabled for c in choices):
                return
            choices += [Separator(), Choice("Back to the sections", value=SECTIONS, shortcut_key="b")]
            last = self.select(f"Change which answer in {section.title}?", choices, default=last)
            if last == SECTIONS:
                return
            self.change(lambda: self.ask(last, can_back=False))

    def change(self, edit) -> None:
        """Make one change, then say what it hid and ask what it brought into view."""
        from ..questionnaire import Walk
        s = self.session
        before_open, before_hidden = set(s.unanswered()), set(s.inactive())
        edit()
        for qid in s.inactive():
            if qid not in before_hidden:
                self.say(f"Q{s.order.index(qid) + 1} {qid}: {self.label(qid)} (inactive: hidden by show_if; kept in "
                         "the file, left out of scoring)", style="yellow")
        new = [q for q in s.unanswered() if q not in before_open]
        if new:
            self.say(f"That change brings {len(new)} more question(s) into the assessment.", style="yellow")
            self.walk(Walk(s, new))

    def change_meta(self) -> None:
        s = self.session
        s.meta.update(self.ask_meta(s.meta))
        self.save()
