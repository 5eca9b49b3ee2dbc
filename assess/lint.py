"""`assess lint`: content that loads but is probably wrong.

Each check that depends on what answers are possible asks the exact search in
satisfiable.py, once per combination of the assessment's metadata (scope, phase, kind).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import conditions as cond
from .fixtures import FixtureReport
from .frameworks import Framework
from .placeholders import FINDING_TEXTS, META_PLACEHOLDERS, references
from .satisfiable import Solver, TooLarge, applies, describe, meta_combinations

MIN_SCORED = 3


@dataclass(frozen=True, order=True)
class LintIssue:
    file: str
    line: int
    code: str
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.code}: {self.subject}: {self.message}"


def lint(framework: Framework, fixtures: FixtureReport) -> list[LintIssue]:
    issues: list[LintIssue] = []
    for check in (_unused_questions, _thin_principles, _caps_that_never_lift, _unanswered_placeholders, _text_references):
        issues.extend(check(framework))
    for rule in framework.rules:
        if not fixtures.fired_somewhere.get(rule.id):
            issues.append(_at_rule(framework, rule.id, "never-fires", "fires on no fixture"))
    return sorted(set(issues))


def _at_rule(fw: Framework, rule_id: str, code: str, message: str) -> LintIssue:
    file, line = fw.rule_sources[rule_id]
    return LintIssue(file, line, code, rule_id, message)


def _at_question(fw: Framework, qid: str, code: str, message: str) -> LintIssue:
    file, line = fw.question_sources[qid]
    return LintIssue(file, line, code, qid, message)


def _unused_questions(fw: Framework) -> list[LintIssue]:
    used: set[str] = set()
    for node in list(fw.rule_conditions.values()) + [n for n in fw.visibility.values() if n is not None]:
        used |= {leaf.ref for leaf in cond.leaves(node) if leaf.kind == "q"}
    return [_at_question(fw, qid, "unused-question", "no principle and no rule uses this question")
            for qid, q in fw.questions.items() if not q.informs and qid not in used]


def _thin_principles(fw: Framework) -> list[LintIssue]:
    """Fewer than three scored questions can be shown, in some scope/phase where the principle applies."""
    solver = Solver(fw, strict=False)
    out = []
    for p in fw.principles:
        scored = [qid for qid, q in fw.questions.items() if q.scored and any(i.principle == p.id for i in q.informs)]
        thin: dict[int, list[dict]] = {}
        try:
            for meta in meta_combinations():
                if not applies(fw, solver, p.id, meta):
                    continue
                shown = [qid for qid in scored if fw.visibility.get(qid) is None or solver.can_hold(fw.visibility[qid], meta)]
                if len(shown) < MIN_SCORED:
                    thin.setdefault(len(shown), []).append(meta)
        except TooLarge as exc:
            out.append(_at_principle(fw, p.id, "check-too-large", f"cannot tell which questions can be shown: {exc}"))
            continue
        for count, combos in sorted(thin.items()):
            where = "" if count == len(scored) else f" can be shown {describe(combos)}"
            out.append(_at_principle(fw, p.id, "thin-principle",
                                     f"only {count} scored question(s){where}; at least {MIN_SCORED} give a fair level"))
    return out


def _at_principle(fw: Framework, principle_id: str, code: str, message: str) -> LintIssue:
    file, line = fw.principle_sources[principle_id]
    return LintIssue(file, line, code, principle_id, message)


def _caps_that_never_lift(fw: Framework) -> list[LintIssue]:
    """A cap lifts only if some full set of answers makes its rule's condition false.

    Considered: each metadata combination under which the rule can fire and a capped principle
    applies; answers that a team could give in full (a shown required question is answered)."""
    loose, strict = Solver(fw, strict=False), Solver(fw, strict=True)
    out = []
    for rule in fw.rules:
        if not rule.caps:
            continue
        node = fw.rule_conditions[rule.id]
        targets = {cap.principle or rule.principle for cap in rule.caps}
        stuck = []
        try:
            for meta in meta_combinations():
                if not any(applies(fw, loose, t, meta) for t in targets) or not loose.can_hold(node, meta):
                    continue
                if not strict.can_fail(node, meta):
                    stuck.append(meta)
        except TooLarge as exc:
            out.append(_at_rule(fw, rule.id, "check-too-large", f"cannot tell whether its cap can lift: {exc}"))
            continue
        if stuck:
            out.append(_at_rule(fw, rule.id, "cap-never-lifts",
                                f"{describe(stuck)}, no answers make its condition false, so nothing a team does can lift the cap"))
    return out


def _unanswered_placeholders(fw: Framework) -> list[LintIssue]:
    """{answer:q} in a finding reads 'Not answered' when the rule can fire without an answer to q."""
    solver = Solver(fw, strict=False)
    out = []
    for rule in fw.rules:
        if not rule.finding:
            continue
        node = fw.rule_conditions[rule.id]
        quoted = sorted({ref for key in FINDING_TEXTS for kind, ref in references(getattr(rule.finding, key)) if kind == "answer"})
        for qid in quoted:
            without = cond.All((node, cond.Leaf("q", qid, "answered", negated=True)))
            try:
                loose = [meta for meta in meta_combinations() if solver.can_hold(without, meta)]
            except TooLarge as exc:
                out.append(_at_rule(fw, rule.id, "check-too-large", f"cannot tell whether {qid!r} is always answered when it fires: {exc}"))
                continue
            if loose:
                state = "unanswered or n/a" if fw.questions[qid].allow_na else "unanswered"
                out.append(_at_rule(fw, rule.id, "placeholder-unanswered",
                                    f"the finding quotes {{answer:{qid}}}, but the rule can fire while {qid!r} is {state} "
                                    f"({describe(loose)}); require it in the condition, e.g. {{q: {qid}, answered: true}}, "
                                    "or reword the text"))
    return out


def _text_references(fw: Framework) -> list[LintIssue]:
    """Placeholders in every text field: unknown ids, and placeholders where nothing fills them in."""
    out = []
    for site in fw.text_sites:
        for kind, ref in references(site.text):
            known = fw.questions if kind == "answer" else META_PLACEHOLDERS
            if ref not in known:
                what = "question" if kind == "answer" else "metadata field"
                out.append(LintIssue(site.file, site.line, "unknown-reference", site.subject,
                                     f"{site.field} refers to unknown {what} {ref!r}{cond.suggest(ref, known)}"))
            elif not site.filled:
                out.append(LintIssue(site.file, site.line, "placeholder-not-filled", site.subject,
                                     f"{site.field} has {{{kind}:{ref}}}, but only finding texts fill placeholders; "
                                     "it would print as written"))
    return out
