"""What would lift a principle's level: the smallest set of answer changes that gets there.

Every candidate is evaluated on a changed copy of the assessment, so caps, derived facts and
rule interactions count exactly as they will when the team re-assesses: candidates by the
reference evaluator, the chosen plan by the engine itself, which must agree (_Evaluations).
The search is a beam search over single-answer changes:

- candidate changes are upgrades of the questions that inform the principle (to options
  with a higher level, or answering what is unanswered), plus any other answer to the
  questions behind a rule that caps the principle below the goal (followed through the
  derived facts that rule uses);
- each round extends the best BEAM_WIDTH plans by one change; the first round in which a
  plan reaches the goal ends the search, and the cheapest such plan wins;
- at most MAX_EVALUATIONS evaluations per principle, and candidates in a fixed order, so the
  same answers always give the same plan.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any, Iterable, Optional

from pydantic import BaseModel

from . import conditions as cond
from .answers import ANSWERED, Answer, Assessment, answer_label
from .errors import AssessError
from .models import CapApplied, PrincipleResult, Question, Result, Terms
from .scoring import answer_level

MAX_EVALUATIONS = 2000
BEAM_WIDTH = 6
MAX_CHANGES = 12


class PlannedChange(BaseModel):
    question: str
    text: str
    from_label: str
    to_label: str
    from_value: Any = None
    to_value: Any = None
    from_level: Optional[float] = None
    to_level: Optional[float] = None
    cost: int                      # 1 per change, plus one per level jumped beyond the first


class FindingRef(BaseModel):
    rule: str
    principle: str
    severity: str
    title: str


class LevelMove(BaseModel):
    principle: str
    title: str
    from_level: Optional[int]
    to_level: Optional[int]


class PrinciplePlan(BaseModel):
    principle: str
    title: str
    lens: str
    level_now: Optional[int]
    status_now: str = "scored"          # "gated": level 1 set by a gate, with too little answered to score
    goal: int
    level_reached: Optional[int]
    reached: bool
    changes: list[PlannedChange]
    cost: int
    caps_cleared: list[CapApplied]
    findings_cleared: list[FindingRef]
    findings_added: list[FindingRef]
    other_principles: list[LevelMove]   # side effects of the same changes elsewhere
    evaluations: int
    note: str


class Plan(BaseModel):
    service: str
    framework: dict[str, str]
    target: Optional[int]
    principles: list[PrinciplePlan]
    not_applicable: list[str] = []      # ids of principles that do not apply to this assessment
    at_goal: list[str] = []             # ids of principles already at the level asked for
    terms: Terms = Terms()              # what the framework calls a principle
    decisions: list[str] = []           # where a recorded decision differs from the level the plan starts from


def plan_actions(assessment: Assessment, target: Optional[int] = None, principle: Optional[str] = None,
                 budget: int = MAX_EVALUATIONS, search: str = "reference") -> Plan:
    """`search="durable"` compares every candidate on the engine: slower, and the same plans."""
    fw = assessment.framework
    top = len(fw.info.scale)
    if principle is not None and principle not in {p.id for p in fw.principles}:
        raise AssessError(f"unknown principle {principle!r}{cond.suggest(principle, [p.id for p in fw.principles])}; "
                          f"known: {', '.join(p.id for p in fw.principles)}")
    if target is not None and not 1 <= target <= top:
        raise AssessError(f"--target must be a level from 1 to {top}")
    evaluations = _Evaluations(assessment, search)
    base = evaluations.full({})
    plans, not_applicable, at_goal = [], [], []
    for p in base.principles:
        if principle is not None and p.id != principle:
            continue
        if not p.applicable and p.status == "not-applicable":
            not_applicable.append(p.id)
            continue
        goal = target if target is not None else min(top, (p.level or 0) + 1)
        if p.level is not None and p.level >= goal:
            at_goal.append(p.id)
            continue
        plan = _Search(assessment, base, p.id, goal, budget, evaluations).run()
        if plan is None:   # the engine did not confirm what the reference evaluator found: search on the engine
            plan = _Search(assessment, base, p.id, goal, budget, _Evaluations(assessment, "durable")).run()
        plans.append(plan)
    return Plan(service=assessment.meta.service, framework=dict(base.framework), target=target, principles=plans,
                terms=fw.info.terms, decisions=_decision_notes(base, principle),
                not_applicable=not_applicable, at_goal=at_goal)


def _decision_notes(base: Result, only: Optional[str]) -> list[str]:
    """A plan moves answers, so it starts from the engine's levels; where a panel decided otherwise, say so."""
    from .decisions import decided_rating, decision_sentence
    notes = []
    for p in base.principles:
        rating = decided_rating(base, p.id)
        if (only is None or p.id == only) and rating.differs:
            notes.append(f"{p.title}: {decision_sentence(base, rating)} The plan starts from the engine's level, "
                         "which answers move; the panel decides again at the next assessment.")
    return notes


def apply_changes(assessment: Assessment, changes: dict[str, Answer]) -> Assessment:
    """The assessment with changed answers; a panel decided on the answers as they were, so its decisions go
    (and stay where nothing changes)."""
    if not changes:
        return assessment
    return dataclasses.replace(assessment, answers={**assessment.answers, **changes}, decisions=None, reassessment=None)


# ---------------------------------------------------------------- the search

class _Evaluations:
    """Each set of changes evaluated once for all principles' searches.

    Candidates are compared by the reference evaluator (the plain-Python twin of the engine,
    held to agree with it by the differential tests), which checks only the rules that cap the
    principle searched for, and only that principle is scored: some thirty times quicker than
    a full evaluation. A chosen plan is always evaluated in full by the engine itself, and a
    search whose outcome the engine does not confirm is run again on the engine alone."""

    def __init__(self, assessment: Assessment, kind: str = "reference"):
        self.assessment, self.kind = assessment, kind
        self.seen: dict[tuple, tuple[Assessment, dict[str, bool], Any]] = {}
        self.scored: dict[tuple, PrincipleResult] = {}
        self.results: dict[tuple, Result] = {}
        fw = assessment.framework
        self.read_by_show_if = {leaf.ref for node in fw.visibility.values() if node is not None
                                for leaf in cond.leaves(node) if leaf.kind == "q"}
        self.capping = {p.id: [r for r in fw.rules if any((c.principle or r.principle) == p.id for c in r.caps)]
                        for p in fw.principles}

    def shown(self, changes: dict[str, Answer]) -> dict[str, bool]:
        return self._changed(changes)[1]

    def _changed(self, changes: dict[str, Answer]) -> tuple[Assessment, dict[str, bool], Any]:
        """The changed assessment, which questions it shows, and its facts."""
        key = _key(changes)
        if key not in self.seen:
            changed = apply_changes(self.assessment, changes)
            if changes and not self.read_by_show_if.intersection(changes):   # every show_if reads what it read before
                shown = self._changed({})[1]
            else:
                shown = changed.visible()
            if not changes:
                facts = changed.facts(shown)
            else:   # the base's facts, but for the questions changed or shown differently
                _, base_shown, base = self._changed({})
                moved = [qid for qid in shown if qid in changes or shown[qid] != base_shown[qid]]
                facts = cond.Facts({**base.answers, **{qid: changed.fact(qid, shown[qid]) for qid in moved}}, base.meta)
            self.seen[key] = (changed, shown, facts)
        return self.seen[key]

    def principle(self, changes: dict[str, Answer], pid: str) -> PrincipleResult:
        from .engine import engine, evaluate_reference
        from .scoring import score_principle
        key = (_key(changes), pid)
        if key not in self.scored:
            changed, shown, facts = self._changed(changes)
            effects = (evaluate_reference(changed.framework, facts, self.capping[pid]) if self.kind == "reference"
                       else engine().evaluate(changed.framework, facts))
            self.scored[key] = score_principle(changed, effects, shown, facts, pid)
        return self.scored[key]

    def full(self, changes: dict[str, Answer]) -> Result:
        from .pipeline import evaluate
        key = _key(changes)
        if key not in self.results:
            self.results[key] = evaluate(apply_changes(self.assessment, changes))
        return self.results[key]

    def confirmed(self, changes: dict[str, Answer], pid: str) -> bool:
        """Whether the engine gives the principle the result the search saw for these changes."""
        if self.kind != "reference" or not changes:   # no changes: the base, evaluated by the engine
            return True
        seen = self.principle(changes, pid).model_dump(exclude={"contributions"})
        return seen == next(p for p in self.full(changes).principles if p.id == pid).model_dump(exclude={"contributions"})


class _Search:
    def __init__(self, assessment: Assessment, base: Result, pid: str, goal: int, budget: int, evaluations: _Evaluations):
        self.assessment, self.base, self.pid, self.goal = assessment, base, pid, goal
        self.budget, self.evaluations_of = budget, evaluations
        self.fw = assessment.framework
        self.top = len(self.fw.info.scale)
        self.evaluations = 0
        self.informing = [qid for qid, q in self.fw.questions.items()
                          if q.scored and any(i.principle == pid for i in q.informs)]

    def run(self) -> Optional[PrinciplePlan]:
        """The plan, or None when the engine does not confirm the outcome the search found."""
        beam: list[tuple[dict[str, Answer], PrincipleResult]] = [({}, self._principle(self.base))]
        seen = {self._key({})}
        best_tried = beam[0]
        for _ in range(MAX_CHANGES):
            grown = []
            for changes, result in beam:
                for qid, answer in self._moves(changes, result):
                    plan = {**changes, qid: answer}
                    key = self._key(plan)
                    if key in seen:
                        continue
                    if self.evaluations >= self.budget:
                        break
                    seen.add(key)
                    self.evaluations += 1
                    grown.append((plan, self.evaluations_of.principle(plan, self.pid)))
            if not grown:
                break
            grown.sort(key=self._rank)
            best_tried = min([best_tried, grown[0]], key=self._rank)
            reached = [g for g in grown if g[1].level is not None and g[1].level >= self.goal]
            if reached:
                return self._outcome(min(reached, key=lambda g: (self._cost(g[0]), self._rank(g))), True)
            beam = grown[:BEAM_WIDTH]
            if self.evaluations >= self.budget:
                break
        return self._outcome(best_tried, False)

    # ---- candidates

    def _moves(self, changes: dict[str, Answer], p: PrincipleResult) -> Iterable[tuple[str, Answer]]:
        current = apply_changes(self.assessment, changes)
        shown = self.evaluations_of.shown(changes)
        blocking = {c.rule for c in p.caps if c.max_level < self.goal}
        behind_caps = self._questions_behind(blocking)
        for qid in dict.fromkeys(self.informing + behind_caps):
            if qid in changes or not shown[qid]:
                continue
            q = self.fw.questions[qid]
            now = current.answer(qid)
            upgrade_only = qid not in behind_caps
            for value in self._values(q, now):
                candidate = Answer(ANSWERED, value)
                if now.state == ANSWERED and _same_value(now.value, value):
                    continue
                if upgrade_only and not self._is_upgrade(q, now, candidate):
                    continue
                yield qid, candidate

    def _questions_behind(self, rule_ids: set[str]) -> list[str]:
        """Questions a rule's condition reads, directly or through the derived facts it uses."""
        out: list[str] = []
        todo, done = sorted(rule_ids), set()
        while todo:
            rid = todo.pop(0)
            if rid in done:
                continue
            done.add(rid)
            for leaf in cond.leaves(self.fw.rule_conditions[rid]):
                if leaf.kind == "q":
                    out.append(leaf.ref)
                elif leaf.kind == "fact":
                    todo.extend(self.fw.derived.get(leaf.ref, []))
        return list(dict.fromkeys(out))

    def _values(self, q: Question, now: Answer) -> list[Any]:
        if q.type == "single":
            return [o.id for o in q.options]
        if q.type == "yesno":
            return ["yes", "no"]
        if q.type == "scale":
            return list(range(int(q.min), int(q.max) + 1))
        if q.type == "multi":
            chosen = list(now.value) if now.state == ANSWERED else []
            ids = [o.id for o in q.options]
            toggled = [[i for i in ids if (i in chosen) != (i == o)] for o in ids]
            return toggled + ([ids] if now.state != ANSWERED else [])
        if q.type in ("number", "date"):
            return self._thresholds(q)
        return []

    def _thresholds(self, q: Question) -> list[Any]:
        """Values either side of every number or date the rules compare this question with."""
        points, out = [], []
        assessed_on = self.assessment.meta.date
        for node in self.fw.rule_conditions.values():
            for leaf in cond.leaves(node):
                if leaf.kind != "q" or leaf.ref != q.id or not isinstance(leaf.value, int) or isinstance(leaf.value, bool):
                    continue
                if leaf.op not in cond.RELATIVE_DATE_OPS:
                    points.append(leaf.value)
                elif assessed_on is not None:   # the assessment date itself, and either side of the month limit
                    edge = cond.add_months(assessed_on, -leaf.value)
                    out += [assessed_on, edge, edge - dt.timedelta(days=1)]
        for point in sorted(set(points)):
            if q.type == "date":
                out += [dt.date.fromordinal(point + d) for d in (-1, 0, 1)]
                continue
            c = point / cond.NUMBER_SCALE
            for v in (c - 1, math.floor(c), c, math.ceil(c), c + 1):
                v = int(v) if float(v).is_integer() else v
                if (q.min is None or v >= q.min) and (q.max is None or v <= q.max):
                    out.append(v)
        return list(dict.fromkeys(out))

    def _is_upgrade(self, q: Question, now: Answer, candidate: Answer) -> bool:
        new = answer_level(q, candidate, self.top)
        if new is None:
            return False
        old = answer_level(q, now, self.top)
        return old is None or new > old

    # ---- ordering

    def _principle(self, result: Result) -> PrincipleResult:
        return next(p for p in result.principles if p.id == self.pid)

    def _rank(self, item: tuple[dict[str, Answer], PrincipleResult]) -> tuple:
        """Most promising first: fewer caps in the way, higher capped then raw score, cheaper."""
        changes, p = item
        blocking = sum(1 for c in p.caps if c.max_level < self.goal)
        return (-(p.level or 0) if (p.level or 0) >= self.goal else 0, blocking, -(p.capped_score or 0),
                -(p.score or 0), self._cost(changes), self._key(changes))

    def _cost(self, changes: dict[str, Answer]) -> int:
        return sum(self._change(qid, ans).cost for qid, ans in changes.items())

    def _key(self, changes: dict[str, Answer]) -> tuple:
        return _key(changes)

    # ---- the outcome

    def _change(self, qid: str, answer: Answer) -> PlannedChange:
        q = self.fw.questions[qid]
        before = self.assessment.answer(qid)
        old, new = answer_level(q, before, self.top), answer_level(q, answer, self.top)
        jump = math.ceil(new - old) if old is not None and new is not None else 1
        return PlannedChange(question=qid, text=q.text, from_label=answer_label(q, before), to_label=answer_label(q, answer),
                             from_value=_plain(before.value), to_value=_plain(answer.value), from_level=old, to_level=new,
                             cost=max(1, jump))

    def _outcome(self, item: tuple[dict[str, Answer], PrincipleResult], reached: bool) -> Optional[PrinciplePlan]:
        changes = item[0]
        if not self.evaluations_of.confirmed(changes, self.pid):
            return None
        result = self.evaluations_of.full(changes)
        before, after = self._principle(self.base), self._principle(result)
        order = list(self.fw.questions)
        planned = [self._change(qid, changes[qid]) for qid in sorted(changes, key=order.index)]
        risks_before = {f.rule: f for f in self.base.findings if f.kind == "risk"}
        risks_after = {f.rule: f for f in result.findings if f.kind == "risk"}
        after_levels = {p.id: p for p in result.principles}
        moved = [LevelMove(principle=p.id, title=p.title, from_level=p.level, to_level=after_levels[p.id].level)
                 for p in self.base.principles if p.id != self.pid and p.level != after_levels[p.id].level]
        if reached:
            note = ""
        elif self.evaluations >= self.budget:
            note = f"level {self.goal} was not reached within {self.budget} evaluations; the best partial plan is shown"
        else:
            note = (f"no set of changes to the answers behind this {self.fw.info.terms.principle} reached level {self.goal}; "
                    "the closest plan found is shown")
        return PrinciplePlan(
            principle=self.pid, title=before.title, lens=before.lens, level_now=before.level,
            status_now=before.status, goal=self.goal,
            level_reached=after.level, reached=reached, changes=planned, cost=sum(c.cost for c in planned),
            caps_cleared=[c for c in before.caps if c.rule not in {x.rule for x in after.caps}],
            findings_cleared=[_ref(f) for rule, f in risks_before.items() if rule not in risks_after],
            findings_added=[_ref(f) for rule, f in risks_after.items() if rule not in risks_before],
            other_principles=moved, evaluations=self.evaluations, note=note)


def _key(changes: dict[str, Answer]) -> tuple:
    return tuple(sorted((qid, repr(_hashable(a.value))) for qid, a in changes.items()))


def _ref(f) -> FindingRef:
    return FindingRef(rule=f.rule, principle=f.principle, severity=f.severity, title=f.title)


def _same_value(a: Any, b: Any) -> bool:
    return _hashable(a) == _hashable(b)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
