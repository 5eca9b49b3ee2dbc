"""`assess decide`: record a panel's decisions in the terminal, beside the engine's proposal.

Built on the `assess run` machinery: the same lock on the answers file, the same atomic save
after every decision (and the same refusal to overwrite a file changed on disk), the same
Ctrl-C handling with a last chance to save, and the same refusal without a terminal. Running it
again resumes: it asks only about what has no decision yet (in a reassessment, the reopened
points). A decision that differs from the engine's proposal is not accepted without a reason.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, dirs, fail, handle_errors
from .run import Guide, guiding, terminal_problem

OVERALL = "overall"
AGREE, SKIP = ":agree", ":skip"


@handle_errors
def decide(answers: Path = typer.Argument(..., metavar="ANSWERS", help="The answers file to record decisions in."),
           again: bool = typer.Option(False, "--again", help="Ask about every principle, also those already decided."),
           frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Record the panel's decisions, per principle (point) and overall, guided in the terminal; saved as you go."""
    from ..questionnaire import Session
    if not answers.is_file():
        raise fail(f"{answers}: no such answers file")
    extra = dirs(frameworks_dir)
    session = Session.load(answers, extra)
    problem = terminal_problem("assess decide", "Without a terminal, write the decisions: block in the answers file "
                                                "by hand (docs/decisions.md).")
    if problem:
        raise fail(problem)
    with guiding(Deciding, session, session.path, extra) as guide:
        if guide.accept_hand_comments():
            guide.decide_all(again)


class Deciding(Guide):
    """A Guide whose steps are decisions rather than answers."""

    def answered_line(self) -> str:
        todo = self.to_decide(again=False)
        total = len(self.proposal_items())
        return f"{total - len(todo)} of {total} decisions recorded"

    def command(self, extra: str = "") -> str:
        return f"assess decide {self.session.path}{self.dirs_flags()}" + (f" {extra}" if extra else "")

    # ------------------------------------------------------------ what there is to decide

    def proposal(self):
        """The engine's proposal for the answers as they stand (decisions are not applied here)."""
        from ..pipeline import effects_of
        from ..scoring import score
        if getattr(self, "_proposal", None) is None:
            assessment = self.session.assessment()
            self._proposal = score(assessment, effects_of(assessment))
        return self._proposal

    def proposal_items(self) -> list[tuple[str, str, Optional[str], Optional[int]]]:
        """(id, title, proposed RAG, proposed level) for each applicable principle, then overall."""
        r = self.proposal()
        items = [(p.id, p.title, p.rag, p.level) for p in r.principles if p.applicable]
        return items + [(OVERALL, "Overall", r.overall.get("rag"), r.overall.get("level"))]

    def to_decide(self, again: bool) -> list:
        block, re = self.session.decisions, self.session.reassessment
        decided = set(block.principles) if block is not None else set()
        if block is not None and block.overall is not None:
            decided.add(OVERALL)
        items = self.proposal_items()
        if re is not None:   # a reassessment re-decides only what it reopened, and overall
            items = [i for i in items if i[0] in re.reopened or i[0] == OVERALL]
        return items if again else [i for i in items if i[0] not in decided]

    # ------------------------------------------------------------ asking

    def decide_all(self, again: bool) -> None:
        from ..models import DecisionsBlock
        s = self.session
        labels = self.proposal().rag_labels
        todo = self.to_decide(again)
        self.say(f"Decisions for {s.meta['service']} ({s.framework.info.title}), saved to {s.path} after each one; "
                 "Ctrl-C stops, and running this again carries on.", style="bold")
        if not todo:
            self.say("Every decision is recorded. Ask again about all of them with "
                     f"`{self.command('--again')}`, or edit the decisions: block by hand.")
            return self.summary()
        if s.decisions is None or not s.decisions.decided_by or not s.decisions.date:
            block = s.decisions or DecisionsBlock()
            block.decided_by = block.decided_by or self.text(
                "Who decided (a panel, a board, a named assessor)?",
                validate=lambda t: bool(t.strip()) or "say who decided", instruction="(Enter confirms)").strip()
            block.date = block.date or self.ask_date()
            s.decisions = block
            self.unsaved = True
            self.save()
        for pid, title, rag, level in todo:
            if self.ask_one(pid, title, rag, level, labels) == SKIP:
                self.say("Skipped; the engine's proposal stands until it is decided.", style="dim")
        self.summary()

    def ask_date(self) -> dt.date:
        def valid(text: str):
            try:
                dt.date.fromisoformat(text.strip())
                return True
            except ValueError:
                return "write the date as YYYY-MM-DD"
        default = str(self.session.meta.get("date") or "")
        return dt.date.fromisoformat(self.text("Date of the decisions (YYYY-MM-DD)", default=default, validate=valid,
                                                instruction="(Enter confirms)").strip())

    def ask_one(self, pid: str, title: str, rag: Optional[str], level: Optional[int], labels: dict) -> str:
        from ..models import PanelDecision
        s = self.session
        by_level = s.framework.info.ratings == "level"
        proposed = f"{labels.get(rag, rag)}, level {level}" if rag else "no rating (too little answered)"
        earlier = s.reassessment.earlier.principles.get(pid) if s.reassessment is not None and pid != OVERALL else None
        self.console.rule(title)
        self.say(f"Engine's proposal: {proposed}" + (f"; earlier decision: {labels.get(earlier.rating, earlier.rating)}"
                                                     + (f", level {earlier.level}" if earlier.level is not None else "")
                                                     if earlier else ""))
        choices = self.level_choices(rag, level, labels) if by_level else self.rag_choices(rag, labels)
        choice = self.select(f"Decision on {title}:", choices, default=AGREE)
        if choice == SKIP:
            return SKIP
        if choice == AGREE:
            decided, decided_level = rag, (level if by_level else None)
        elif by_level:
            decided, decided_level = self.rag_of_level(choice), choice
        else:
            decided, decided_level = choice, None
        reason = ""
        if decided != rag or (decided_level is not None and decided_level != level):
            reason = self.text(f"Why does the decision differ from the engine's proposal ({proposed})?",
                               validate=lambda t: bool(t.strip()) or "a decision that differs from the proposal needs a reason",
                               instruction="(Enter confirms)").strip()
        entry = PanelDecision(rating=decided, level=decided_level, reason=reason)
        if pid == OVERALL:
            s.decisions.overall = entry
        else:
            s.decisions.principles[pid] = entry
        self.unsaved = True
        self.save()
        return decided

    def rag_choices(self, rag: Optional[str], labels: dict) -> list:
        """A framework that rates by RAG: agree, another RAG, or skip."""
        from questionary import Choice
        return ([Choice(f"Agree: {labels.get(rag, rag)}", value=AGREE, shortcut_key="y")] if rag else []) + \
            [Choice(labels.get(r, r), value=r, shortcut_key=r[0]) for r in ("green", "amber", "red") if r != rag] + \
            [Choice("Skip for now", value=SKIP, shortcut_key="s")]

    def level_choices(self, rag: Optional[str], level: Optional[int], labels: dict) -> list:
        """A framework that rates by level: agree, another level of the scale (with the RAG it
        reads as), or skip. Agreeing keeps the engine's RAG, which comes from the score."""
        from questionary import Choice
        scale = self.session.framework.info.scale
        agree = [Choice(f"Agree: level {level} – {scale[level - 1].name} ({labels.get(rag, rag)})", value=AGREE, shortcut_key="y")] \
            if rag and level is not None else []
        return agree + [Choice(f"Level {s.level} – {s.name} ({labels.get(self.rag_of_level(s.level))})", value=s.level,
                               shortcut_key=str(s.level)) for s in scale if s.level != level] + \
            [Choice("Skip for now", value=SKIP, shortcut_key="s")]

    def rag_of_level(self, level: int) -> str:
        from ..decisions import level_reader
        return level_reader(self.session.framework)(level)

    def summary(self) -> None:
        from ..errors import AssessError
        from ..tables import print_summary
        self.console.rule("Summary")
        try:
            print_summary(self.session.evaluate(), self.console, top=3, full_list=f"`assess report {self.session.path}`")
        except AssessError as exc:   # a hand-edited decision without its reason
            self.say(f"The decisions are saved, but one needs attention: {exc}", style="bold red")
        self.say(f"Decisions are in {self.session.path}; change one with `{self.command('--again')}` or by hand.")
