"""The terminal view of a Result (rich tables)."""
from __future__ import annotations

from .models import Result

RAG_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red", None: "dim"}
SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "green"}


def print_result(result: Result, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    meta = result.assessment
    console.print(Text(f"{meta['service']} — {result.framework['title']} {result.framework['version']}", style="bold"))
    console.print(Text(f"scope {meta['scope']}, phase {meta['phase']}, {meta['kind']} assessment"
                       + (f" by {meta['respondent']}" if meta['respondent'] else "")
                       + (f" on {meta['date']}" if meta['date'] else "")))
    overall = result.overall
    console.print(Text.assemble("Overall: ", (f"{overall['level'] or '–'} {overall['level_name'] or 'not enough evidence'}",
                                              RAG_STYLE[overall['rag']]),
                                f"  ({overall['rag_label'] or 'no rating'})"))
    table = Table(title="Principles", show_lines=False)
    for col in ("Lens", "Principle", "Level", "RAG", "Capped by"):
        table.add_column(col)
    for p in result.principles:
        if not p.applicable:
            continue
        level = f"{p.level} {p.level_name}" if p.level else ("not enough evidence" if p.status == "not-enough-evidence" else "–")
        table.add_row(p.lens, p.title, level, Text(p.rag or "–", style=RAG_STYLE[p.rag]),
                      ", ".join(f"{c.rule} (≤{c.max_level})" for c in p.caps))
    console.print(table)
    for lens in result.lenses:
        if lens.applicable:
            console.print(Text.assemble(f"{lens.title}: ", (f"{lens.level or '–'} {lens.level_name or ''}", RAG_STYLE[lens.rag])))
    risks = [f for f in result.findings if f.kind == "risk"]
    strengths = [f for f in result.findings if f.kind == "strength"]
    if risks:
        ft = Table(title=f"Findings ({len(risks)})")
        ft.add_column("Severity")
        ft.add_column("Finding")
        ft.add_column("Rule")
        for f in risks:
            ft.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), Text(f.title), f.rule)
        console.print(ft)
    if strengths:
        console.print(Text(f"Strengths ({len(strengths)}):", style="bold green"))
        for f in strengths:
            console.print(Text(f"  + {f.title}"))
    c = result.confidence
    console.print(Text(f"Confidence: {c.answered_share:.0%} of {c.applicable_questions} applicable questions answered, "
                       f"{c.evidenced_share:.0%} of scored answers evidenced", style="dim"))
