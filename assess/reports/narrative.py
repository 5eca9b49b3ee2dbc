"""The plain-language reading of a result: one paragraph, built from the numbers.

Every sentence is chosen by the data (levels, spread, caps, findings, confidence, who
answered), so two different results read differently; nothing here is a fixed summary.
"""
from __future__ import annotations

from ..models import Result
from .actions import Action
from .filters import pct

WORDS = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{WORDS.get(n, str(n))} {singular if n == 1 else (plural or singular + 's')}"


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reading(result: Result, actions: list[Action]) -> str:
    return " ".join(s for s in (_headline(result), _lenses(result), _spread(result), _risks(actions),
                                _caps(result, actions), _confidence(result)) if s)


def _headline(result: Result) -> str:
    meta, overall = result.assessment, result.overall
    who = "a self-assessment" if meta.get("kind") == "self" else "an independent assessment"
    if overall.get("level") is None:
        return (f"{meta['service']} could not be given an overall level: too few questions were answered "
                f"in {who} for any principle to be scored.")
    rag = (overall.get("rag_label") or "").lower()
    return (f"In {who}, {meta['service']} reaches level {overall['level']} ({overall['level_name']}) overall"
            + (f", rated {rag}." if rag else "."))


def _lenses(result: Result) -> str:
    scored = [l for l in result.lenses if l.applicable and l.level is not None]
    if len(scored) < 2:
        return ""
    levels = {l.level for l in scored}
    if len(levels) == 1:
        both = "Both lenses" if len(scored) == 2 else f"All {count(len(scored), 'lens', 'lenses')}"
        return f"{both} agree at level {scored[0].level}."
    hi = max(scored, key=lambda l: (l.score, l.id))
    lo = min(scored, key=lambda l: (l.score, l.id))
    return f"The {hi.title} view is stronger (level {hi.level}) than the {lo.title} view (level {lo.level})."


def _spread(result: Result) -> str:
    scored = [p for p in result.principles if p.applicable and p.level is not None]
    missing = [p.title for p in result.principles if p.status == "not-enough-evidence"]
    parts = []
    if len(scored) >= 2:
        best = max(scored, key=lambda p: (p.capped_score, p.id))
        worst = min(scored, key=lambda p: (p.capped_score, p.id))
        if best.level == worst.level:
            parts.append(f"Every scored principle sits at level {best.level}, so no single area stands out.")
        else:
            parts.append(f"{best.title} is the strongest principle (level {best.level}, score {best.capped_score:.1f}) and "
                         f"{worst.title} the weakest (level {worst.level}, score {worst.capped_score:.1f}).")
    if missing:
        parts.append(f"{join(missing)} could not be scored for lack of answers.")
    return " ".join(parts)


def _risks(actions: list[Action]) -> str:
    high = [a for a in actions if a.finding.severity == "high"]
    if high:
        first = high[0].finding.title.rstrip(".")
        rest = f" and {count(len(high) - 1, 'other')}" if len(high) > 1 else ""
        return f"The most urgent {'risk is' if len(high) == 1 else 'risks are'} “{first}”{rest}."
    if actions:
        return f"No high-severity risks were found; {count(len(actions), 'lesser risk')} remain to address."
    return "No risks were found."


def _caps(result: Result, actions: list[Action]) -> str:
    held = [a for a in actions if a.levels_unlocked]
    capped = [p for p in result.principles if p.applicable and p.score is not None and p.capped_score < p.score]
    if not capped:
        return ""
    sentence = f"Rules hold {count(len(capped), 'principle')} below what the answers alone would give"
    if held:
        best = max(held, key=lambda a: (a.levels_unlocked, a.finding.rule))
        sentence += (f"; resolving “{best.finding.title.rstrip('.')}” alone would lift "
                     f"{count(best.levels_unlocked, 'level')}")
    return sentence + "."


def _confidence(result: Result) -> str:
    c = result.confidence
    if c.applicable_questions == 0:
        return ""
    if c.answered_share >= 0.9 and c.evidenced_share >= 0.6:
        strength = "well supported"
    elif c.answered_share >= 0.7 and c.evidenced_share >= 0.3:
        strength = "reasonably supported"
    else:
        strength = "thinly supported"
    return (f"With {pct(c.answered_share)} of applicable questions answered and {pct(c.evidenced_share)} "
            f"backed by evidence, the result is {strength}.")
