"""`assess plan ANSWERS`: the fewest answer changes that lift each principle a level (or to a target)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import FrameworksDir, SettingsOption, dirs, handle_errors, write_output


class PlanFormat(str, Enum):
    table = "table"
    json = "json"


@handle_errors
def plan(answers: Path = typer.Argument(..., metavar="ANSWERS"),
         target: Optional[int] = typer.Option(None, "--target", help="Level to reach; default: one above the current level."),
         principle: Optional[str] = typer.Option(None, "--principle", help="Plan for this principle id only."),
         format: PlanFormat = typer.Option(PlanFormat.table, "--format", "-f"),
         settings: Optional[Path] = SettingsOption,
         frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """What would lift this level: per principle, which answers must change, from what to what, and what it clears."""
    from ..pipeline import load_assessment
    from ..plan import plan_actions
    result = plan_actions(load_assessment(answers, dirs(frameworks_dir), settings), target=target, principle=principle)
    if format == PlanFormat.json:
        write_output(result.model_dump_json(indent=2) + "\n", None)
    else:
        print_plan(result)


def _now(pp) -> str:
    if pp.level_now is None:
        return "not enough evidence"
    return f"level {pp.level_now} (gated: set by a rule, too little answered to score)" if pp.status_now == "gated" \
        else f"level {pp.level_now}"


def nothing_to_plan(plan) -> str:
    """Why there is no plan: the principle does not apply, or every one is already there."""
    if plan.not_applicable and not plan.at_goal:
        which = ", ".join(plan.not_applicable)
        return (f"{which} does not apply to this assessment, so there is nothing to plan" if len(plan.not_applicable) == 1
                else f"None of the {plan.terms.principles} applies to this assessment ({which})")
    goal = f"level {plan.target}" if plan.target is not None else "the level asked for"
    return f"Every {plan.terms.principle} that applies is already at {goal}."


def print_plan(plan, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    console.print(Text(f"{plan.service}: what would lift each level", style="bold"))
    for note in plan.decisions:
        console.print(Text(note, style="yellow"))
    if not plan.principles:
        console.print(Text(nothing_to_plan(plan)))
    for pp in plan.principles:
        outcome = (f"reaches level {pp.level_reached}" if pp.reached
                   else f"gets to level {pp.level_reached if pp.level_reached is not None else '–'} of {pp.goal}")
        console.print(Text(f"\n{pp.title}: {_now(pp)} → {pp.goal}; {len(pp.changes)} change(s), cost {pp.cost}, {outcome}",
                           style="bold" if pp.reached else "bold yellow"))
        table = Table(show_header=True, box=None, pad_edge=False)
        for col in ("Question", "From", "To", "Cost"):
            table.add_column(col)
        for c in pp.changes:
            table.add_row(c.question, Text(c.from_label), Text(c.to_label), str(c.cost))
        if pp.changes:
            console.print(table)
        cleared = [f"cap {c.rule} (≤{c.max_level})" for c in pp.caps_cleared] + [f"finding {f.rule}" for f in pp.findings_cleared]
        if cleared:
            console.print(Text("  clears: " + ", ".join(cleared)))
        if pp.findings_added:
            console.print(Text("  raises: " + ", ".join(f.rule for f in pp.findings_added), style="yellow"))
        if pp.other_principles:
            console.print(Text("  also moves: " + ", ".join(f"{m.title} {m.from_level}→{m.to_level}" for m in pp.other_principles)))
        if pp.note:
            console.print(Text(f"  {pp.note}", style="dim"))
