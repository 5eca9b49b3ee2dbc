"""The plain-language reading of a result: one paragraph, built from the numbers.

Every sentence is chosen by the data (levels, spread, caps, findings, confidence, who
answered), so two different results read differently; nothing here is a fixed summary. The
framework's own word for what it scores ("point" in the Service Standard) is used throughout.
What users typed (the service name, finding titles with answers filled in) is marked as
UserText, so HTML can isolate it.
"""
from __future__ import annotations

from typing import Optional

from ..models import Result, Terms
from .actions import Action
from .bidi import Parts, UserText
from .filters import binding_caps, pct

WORDS = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
Sentence = list[str]          # plain str and UserText pieces


def count(n: int, singular: str, plural: Optional[str] = None) -> str:
    return f"{WORDS.get(n, str(n))} {singular if n == 1 else (plural or singular + 's')}"


def agree(n: int, singular: str, plural: str) -> str:
    """The verb form that goes with n things: agree(1, "remains", "remain")."""
    return singular if n == 1 else plural


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reading(result: Result, actions: list[Action], terms: Optional[Terms] = None) -> Parts:
    t = terms or Terms()
    sentences = (_headline(result, t), _lenses(result), _spread(result, t), _risks(actions),
                 _caps(result, actions, t), _gated(result, t), _confidence(result))
    parts: list[str] = []
    for sentence in sentences:
        if sentence:
            parts += ([" "] if parts else []) + sentence
    return Parts(parts)


def _quoted(title: str) -> Sentence:
    return ["“", UserText(title.rstrip(".")), "”"]


def _headline(result: Result, t: Terms) -> Sentence:
    meta, overall = result.assessment, result.overall
    who = "a self-assessment" if meta.get("kind") == "self" else "an independent assessment"
    service = UserText(meta["service"])
    if overall.get("level") is None:
        waiting = [p for p in result.principles if p.applicable and p.level is None]
        if any(p.level is not None for p in result.principles if p.applicable):
            n = len(waiting)
            return [service, f" has no overall level yet in {who}: {count(n, t.principle, t.principles)} "
                             f"{agree(n, 'has', 'have')} too few answers to score, and the overall level waits for "
                             f"{agree(n, 'it', 'them')}."]
        return [service, f" could not be given an overall level: too few questions were answered in {who} "
                         f"for any {t.principle} to be scored."]
    rating = overall.get("rag_label")
    return [f"In {who}, ", service, f" reaches level {overall['level']} ({overall['level_name']}) overall"
            + (f", rated “{rating}”." if rating else ".")]


def _lenses(result: Result) -> Sentence:
    scored = [l for l in result.lenses if l.applicable and l.level is not None]
    if len(scored) < 2:
        return []
    levels = {l.level for l in scored}
    if len(levels) == 1:
        both = "Both lenses" if len(scored) == 2 else f"All {count(len(scored), 'lens', 'lenses')}"
        return [f"{both} agree at level {scored[0].level}."]
    hi = max(scored, key=lambda l: (l.score, l.id))
    lo = min(scored, key=lambda l: (l.score, l.id))
    return [f"The {hi.title} view is stronger (level {hi.level}) than the {lo.title} view (level {lo.level})."]


def _spread(result: Result, t: Terms) -> Sentence:
    scored = [p for p in result.principles if p.applicable and p.status == "scored"]
    missing = [p.title for p in result.principles if p.status == "not-enough-evidence"]
    parts = []
    if len(scored) >= 2:
        best = max(scored, key=lambda p: (p.capped_score, p.id))
        worst = min(scored, key=lambda p: (p.capped_score, p.id))
        if best.level == worst.level:
            parts.append(f"Every scored {t.principle} sits at level {best.level}, so no single area stands out.")
        else:
            parts.append(f"{best.title} is the strongest {t.principle} (level {best.level}, score {best.capped_score:.1f}) "
                         f"and {worst.title} the weakest (level {worst.level}, score {worst.capped_score:.1f}).")
    if missing:
        parts.append(f"{join(missing)} could not be scored for lack of answers.")
    return [" ".join(parts)] if parts else []


def _risks(actions: list[Action]) -> Sentence:
    high = [a for a in actions if a.finding.severity == "high"]
    if high:
        rest = f" and {count(len(high) - 1, 'other')}" if len(high) > 1 else ""
        return [f"The most urgent {'risk is' if len(high) == 1 else 'risks are'} "] + _quoted(high[0].finding.title) + [f"{rest}."]
    if actions:
        n = len(actions)
        return [f"No high-severity risks were found; {count(n, 'lesser risk')} {agree(n, 'remains', 'remain')} to address."]
    return ["No risks were found."]


def _caps(result: Result, actions: list[Action], t: Terms) -> Sentence:
    """Only caps that hold a level down are news; a cap the answers already sit below is not."""
    held = [p for p in result.principles if p.applicable and p.status == "scored" and binding_caps(p)]
    if not held:
        return []
    n = len(held)
    sentence = [f"Rules hold {count(n, t.principle, t.principles)} below the level {agree(n, 'its', 'their')} "
                f"answers alone would give"]
    unlocking = [a for a in actions if a.levels_unlocked]
    if unlocking:
        best = max(unlocking, key=lambda a: (a.levels_unlocked, a.finding.rule))
        sentence += ["; resolving "] + _quoted(best.finding.title) + [f" alone would lift {count(best.levels_unlocked, 'level')}"]
    return sentence + ["."]


def _gated(result: Result, t: Terms) -> Sentence:
    gated = [p.title for p in result.principles if p.applicable and p.status == "gated"]
    if not gated:
        return []
    n = len(gated)
    return [f"{join(gated)} {agree(n, 'is', 'are')} set at level 1 by a rule, although too few questions were "
            f"answered to score {agree(n, 'it', 'them')}."]


def _confidence(result: Result) -> Sentence:
    c = result.confidence
    if c.applicable_questions == 0:
        return []
    if c.answered_share >= 0.9 and c.evidenced_share >= 0.6:
        strength = "well supported"
    elif c.answered_share >= 0.7 and c.evidenced_share >= 0.3:
        strength = "reasonably supported"
    else:
        strength = "thinly supported"
    return [f"With {pct(c.answered_share)} of applicable questions answered and {pct(c.evidenced_share)} "
            f"backed by evidence, the result is {strength}."]
