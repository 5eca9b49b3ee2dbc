"""Saving a guided run, and stopping it, with every message true to what is on disk.

A save that fails keeps the answers in memory and offers to try again, to save to a new file
(never over an existing one: the same check as `-o`) or to carry on. A file changed on disk
since the run read it is never overwritten. On Ctrl-C with answers not yet saved there is one
last chance to save them; the resume hint names a file only if one was written.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .interrupts import Stop


def new_file_problem(path: Path, if_exists: str) -> Optional[str]:
    """Why `path` cannot become a new answers file, or None; `if_exists` says what to do instead."""
    if str(path).strip() in ("", "."):
        return "give a file name for the answers, e.g. answers.yaml"
    if path.is_dir():
        return f"{path} is a folder; name a file in it, e.g. {path / 'answers.yaml'}"
    if path.exists() or path.is_symlink():
        return f"{path} already exists; {if_exists}"
    folder = path.parent
    if not folder.is_dir():
        return f"folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"cannot write in {folder}: permission denied"
    return None


class Saving:
    """The saving part of a Guide (assess/cli/run.py): `session`, `lock`, `interrupts`, `on_disk`,
    `unsaved` and `changed_outside` are the Guide's; so are `say`, `select` and `text`."""

    def stopped(self, stop: Stop) -> None:
        """Say truthfully what is on disk and how to go on; after Ctrl-C, offer to save what is not."""
        from ..errors import AssessError
        why = "" if stop.signum == 2 else f" ({stop})"
        try:
            if self.session is None:
                self.say(f"\nStopped{why} before the assessment details were complete; nothing was saved.")
                return
            if self.unsaved and not self.changed_outside:
                if stop.signum == 2:
                    self.last_chance()
                else:   # no one to ask: one more quiet attempt
                    try:
                        with self.interrupts.holding():
                            self.session.save()
                            self.saved()
                    except (AssessError, Stop):
                        pass
            self.say(f"\nStopped{why}. " + self.disk_summary())
            if self.on_disk is not None or self.changed_outside:
                self.say(f"Continue with: {self.command()}")
            else:
                self.say(f"Start again with: assess run {self.framework_id} -o {self.session.path}{self.dirs_flags()}")
        except OSError:   # the terminal is gone (hang-up): the file is all there is to leave
            pass

    def disk_summary(self) -> str:
        s = self.session
        if self.changed_outside:
            return (f"{s.path} was changed outside this run and was left as it is; this run's changes since it "
                    "last saved are not in it.")
        if self.on_disk is None:
            return f"Nothing was saved: {s.path} was never written."
        if self.unsaved:
            return f"The latest changes are not saved; {s.path} holds what was saved before: {self.on_disk}."
        return f"{self.answered_line()}, saved in {s.path}."

    def last_chance(self) -> None:
        """Before stopping with unsaved answers: try again, save elsewhere, or stop without them."""
        from questionary import Choice
        from ..errors import AssessError
        self.interrupts.forget()
        self.say("\nThe latest answers are not saved yet.", style="bold yellow")
        try:
            while self.unsaved:
                choice = self.select("Before stopping:", [
                    Choice("Try saving again", value="retry", shortcut_key="r"),
                    Choice("Save to another file", value="other", shortcut_key="o"),
                    Choice("Stop without saving them", value="quit", shortcut_key="q")], default="retry")
                if choice == "quit":
                    return
                if choice == "other":
                    self.save_elsewhere()
                    continue
                try:
                    with self.interrupts.holding():
                        self.session.save()
                        self.saved()
                except AssessError as exc:
                    self.say(f"Could not save: {exc}", style="bold red")
        except Stop:
            return   # a second Ctrl-C: stop now

    def saved(self) -> None:
        """Bookkeeping after a save went through: the file now holds everything."""
        if self.unsaved:
            self.say(f"Saved to {self.session.path}.", style="green")
        self.unsaved = False
        self.on_disk = self.answered_line()

    def save(self) -> bool:
        """Save now: True when it went through first time. On failure say truthfully what the file
        holds, keep the answers in memory and let the user choose."""
        from questionary import Choice
        from ..errors import AssessError
        from ..storage import ChangedOnDisk
        first = True
        while True:
            try:
                with self.interrupts.holding():
                    self.session.save()
                    self.saved()
                return first
            except ChangedOnDisk as exc:
                problem, self.changed_outside = exc, True
            except AssessError as exc:
                problem = exc
            first, self.unsaved = False, True
            self.say(f"Could not save: {problem}", style="bold red")
            if self.changed_outside:
                self.say("This run's latest answers are kept in memory; save them to another file, or stop and "
                         "look at the file first.", style="yellow")
                choices = [Choice("Save to another file", value="other", shortcut_key="o"),
                           Choice("Stop here", value="stop", shortcut_key="q")]
            else:
                where = (f"Nothing has been saved to {self.session.path} yet" if self.on_disk is None
                         else f"{self.session.path} still holds what was saved before ({self.on_disk})")
                self.say(f"{where}; your latest answers are kept in memory.", style="yellow")
                choices = [Choice("Try again", value="retry", shortcut_key="r"),
                           Choice("Save to another file", value="other", shortcut_key="o"),
                           Choice("Carry on; try again after the next answer", value="later", shortcut_key="c")]
            choice = self.select("What now?", choices)
            if choice == "stop":
                raise Stop()
            if choice == "later":
                return False
            if choice == "other" and self.save_elsewhere():
                return False

    def save_elsewhere(self) -> bool:
        """Ask for a new file and save there; from then on the run saves to it. False if given up."""
        from ..errors import AssessError
        from ..storage import AnswersLock
        s = self.session

        def check(text: str):
            return not text.strip() or new_file_problem(Path(text.strip()).expanduser(),
                                                        "choose another name (it is not overwritten)") or True

        while True:
            typed = self.text("Save to (a new file)", validate=check,
                              instruction="(Enter with nothing typed to go back)").strip()
            if not typed:
                return False
            path = Path(typed).expanduser()
            lock = AnswersLock(path)
            try:
                lock.acquire()
                problem = new_file_problem(path, "choose another name (it is not overwritten)")
                if problem:   # appeared since the prompt checked it
                    raise AssessError(problem)
            except AssessError as exc:
                lock.release()
                self.say(f"Not saved: {exc}", style="bold red")
                continue
            old_path, old_hash = s.path, s.disk_hash
            s.path, s.disk_hash = path, None
            try:
                with self.interrupts.holding():
                    s.save()
            except AssessError as exc:
                s.path, s.disk_hash = old_path, old_hash
                lock.release()
                self.say(f"Could not save: {exc}", style="bold red")
                continue
            except Stop:
                s.path, s.disk_hash = old_path, old_hash   # the save finished, but on old terms: keep the new lock too
                self.lock.release()
                self.lock = lock
                raise
            self.lock.release()
            self.lock, self.changed_outside, self.unsaved = lock, False, False
            self.on_disk = self.answered_line()
            self.say(f"Saved to {path}; from now on answers are saved there ({old_path} is left as it was).",
                     style="green")
            return True
