"""Can a condition hold for some answers? A bounded, exact search used by lint.

Derived facts are replaced by the conditions of the rules that derive them, metadata is
fixed to one combination of values, and the condition is put in DNF. An alternative (a
conjunction of leaves) can hold when, for every question it mentions, some state of that
question satisfies all its leaves, and the question can be shown whenever that state
needs it to be. Candidate values are the question's options, or numbers and dates at and
around the thresholds the leaves compare with, so the search is exact, not sampled.
Leaves are judged by the reference evaluator itself, so the semantics cannot drift.

In strict mode a required question that is shown must be answered (as the guided run
insists); otherwise any question may be left unanswered. Too large a search raises
TooLarge rather than guessing.
"""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Iterable, Union

from . import conditions as cond
from .models import META_VALUES, Question

MAX_ALTERNATIVES = 4096      # conjunctions per condition once facts are expanded
MAX_STEPS = 200_000          # conjunctions visited in one search
MAX_MULTI_MENTIONED = 12     # options of one multi question that leaves name (2^12 subsets)
Const = bool
Tree = Union[cond.Node, Const]


class TooLarge(Exception):
    """The search would be too large to finish quickly; say so rather than guess."""


def meta_combinations() -> list[dict[str, str]]:
    fields = sorted(META_VALUES)
    return [dict(zip(fields, values)) for values in itertools.product(*(META_VALUES[f] for f in fields))]


class Solver:
    def __init__(self, framework, strict: bool):
        self.fw = framework
        self.strict = strict
        self.position = {qid: i for i, qid in enumerate(framework.questions)}
        self._facts: dict[str, cond.Node] = {}
        self._steps = 0

    # ------------------------------------------------------------ public

    def can_hold(self, node: cond.Node, meta: dict[str, str]) -> bool:
        """True when some answers make `node` true under this metadata."""
        self._steps = 0
        return any(self._conjunction(list(conj), meta) for conj in self._alternatives(node, meta))

    def can_fail(self, node: cond.Node, meta: dict[str, str]) -> bool:
        return self.can_hold(cond.Not(node), meta)

    # ------------------------------------------------------------ expansion

    def expand(self, node: cond.Node) -> cond.Node:
        """The condition with every derived fact replaced by the conditions that derive it."""
        if isinstance(node, cond.Leaf):
            if node.kind != "fact":
                return node
            definition = self._fact(node.ref)
            return cond.Not(definition) if node.negated else definition
        if isinstance(node, cond.Not):
            return cond.Not(self.expand(node.item))
        return type(node)(tuple(self.expand(i) for i in node.items))

    def _fact(self, name: str) -> cond.Node:
        if name not in self._facts:
            rules = self.fw.derived[name]
            self._facts[name] = cond.Any_(tuple(self.expand(self.fw.rule_conditions[r]) for r in rules))
        return self._facts[name]

    def _alternatives(self, node: cond.Node, meta: dict[str, str]) -> list[tuple[cond.Leaf, ...]]:
        tree = _fix_meta(cond.nnf(self.expand(node)), meta)
        if tree is True:
            return [()]
        if tree is False:
            return []
        try:
            return cond.dnf(tree, MAX_ALTERNATIVES)
        except cond.TooManyAlternatives as exc:
            raise TooLarge(f"it expands to {exc.count:,} alternatives once derived facts are spelt out "
                           f"(the check stops at {MAX_ALTERNATIVES:,})") from None

    # ------------------------------------------------------------ search

    def _conjunction(self, leaves: list[cond.Leaf], meta: dict[str, str]) -> bool:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise TooLarge(f"the search through questions shown only in some cases passes {MAX_STEPS:,} steps")
        by_question: dict[str, list[cond.Leaf]] = {}
        for leaf in leaves:
            by_question.setdefault(leaf.ref, []).append(leaf)
        if not by_question:
            return True
        # the question asked last first: its show_if looks only at earlier ones
        qid = max(by_question, key=self.position.__getitem__)
        own = by_question.pop(qid)
        rest = [leaf for group in by_question.values() for leaf in group]
        question = self.fw.questions[qid]
        shown = self.fw.visibility.get(qid)
        unanswered_fits = _fits(own, question, cond.UNANSWERED, None, meta)
        if unanswered_fits and not (self.strict and question.required):
            return self._conjunction(rest, meta)
        answer_fits = any(_fits(own, question, state, value, meta) for state, value in _candidates(question, own))
        if answer_fits:
            if shown is None:
                return self._conjunction(rest, meta)
            if self._with(shown, rest, meta):
                return True
        if unanswered_fits and shown is not None:   # strict, required: left unanswered only when hidden
            return self._with(cond.Not(shown), rest, meta)
        return False

    def _with(self, extra: cond.Node, rest: list[cond.Leaf], meta: dict[str, str]) -> bool:
        return any(self._conjunction(rest + list(conj), meta) for conj in self._alternatives(extra, meta))


def _fix_meta(node: cond.Node, meta: dict[str, str]) -> Tree:
    """Evaluate metadata leaves and simplify; True or False when nothing else is left."""
    if isinstance(node, cond.Leaf):
        return cond.evaluate(node, cond.Facts({}, meta)) if node.kind == "meta" else node
    items = [_fix_meta(i, meta) for i in node.items]
    absorbing, neutral = (False, True) if isinstance(node, cond.All) else (True, False)
    if absorbing in items:
        return absorbing
    kept = tuple(i for i in items if i is not neutral)
    if not kept:
        return neutral
    return kept[0] if len(kept) == 1 else type(node)(kept)


def _fits(leaves: Iterable[cond.Leaf], question: Question, state: str, value, meta: dict[str, str]) -> bool:
    facts = cond.Facts({question.id: (state, value)}, meta)
    return all(cond.evaluate(leaf, facts) for leaf in leaves)


def _candidates(question: Question, leaves: list[cond.Leaf]) -> Iterable[tuple[str, object]]:
    if question.allow_na:
        yield cond.NOT_APPLICABLE, None
    for value in _values(question, leaves):
        yield cond.ANSWERED, value


def _values(question: Question, leaves: list[cond.Leaf]) -> Iterable[object]:
    t = question.type
    if t == "single":
        return [o.id for o in question.options]
    if t == "yesno":
        return ["yes", "no"]
    if t == "multi":
        named = sorted({v for leaf in leaves if leaf.value is not None
                        for v in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))})
        if len(named) > MAX_MULTI_MENTIONED:
            raise TooLarge(f"{question.id!r} has {len(named)} options named in one alternative")
        return [frozenset(c) for n in range(len(named) + 1) for c in itertools.combinations(named, n)]
    if t == "text":
        return [None]
    if t == "date":
        return _dates(question, leaves)
    return _numbers(question, leaves)


def _dates(question: Question, leaves: list[cond.Leaf]) -> list[cond.DateValue]:
    """Days either side of every fixed date, each with month counts either side of every
    relative limit, and with none counted (an assessment without a date)."""
    relative = [leaf for leaf in leaves if leaf.op in cond.RELATIVE_DATE_OPS]
    days = _numbers(question, [leaf for leaf in leaves if leaf.op not in cond.RELATIVE_DATE_OPS])
    months: list = [None, 0] + sorted({leaf.value + d for leaf in relative for d in (-1, 0, 1)})
    return [cond.DateValue(day, m) for day in days for m in dict.fromkeys(months)]


def _numbers(question: Question, leaves: list[cond.Leaf]) -> list[int]:
    """Values at and either side of every threshold, within the question's range."""
    if question.type == "date":
        step, low, high = 1, dt.date.min.toordinal(), dt.date.max.toordinal()
        anchor = [dt.date(2000, 1, 1).toordinal()]
    else:
        whole = question.type == "scale" or question.whole_number
        step = cond.NUMBER_SCALE if whole else 1
        low = cond.number_key(question.min) if question.min is not None else -cond.number_key(cond.NUMBER_LIMIT)
        high = cond.number_key(question.max) if question.max is not None else cond.number_key(cond.NUMBER_LIMIT)
        anchor = [low, high, 0]
    thresholds = {v for leaf in leaves if leaf.value is not None
                  for v in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))}
    values = set(anchor)
    for t in thresholds:
        below = (t // step) * step
        values |= {t, below - step, below, below + step, below + 2 * step}
    return sorted(v for v in values if low <= v <= high and v % step == 0)


def describe(combos: list[dict[str, str]]) -> str:
    """A list of metadata combinations in words: 'whatever the metadata', 'when phase is live', ..."""
    every = meta_combinations()
    if len(combos) == len(every):
        return "whatever the assessment's scope, phase and kind"
    fields = sorted(META_VALUES)
    values = {f: sorted({c[f] for c in combos}, key=META_VALUES[f].index) for f in fields}
    product = [dict(zip(fields, vs)) for vs in itertools.product(*(values[f] for f in fields))]
    if len(product) == len(combos):
        parts = [f"{f} is {' or '.join(values[f])}" for f in fields if len(values[f]) < len(META_VALUES[f])]
        return "when " + " and ".join(parts)
    shown = [", ".join(f"{f} {c[f]}" for f in fields) for c in combos[:4]]
    more = f", and {len(combos) - 4} more" if len(combos) > 4 else ""
    return "when " + "; ".join(shown) + more


def applies(framework, solver: Solver, principle_id: str, meta: dict[str, str]) -> bool:
    """Whether a principle (and its lens) can apply under this metadata."""
    principle = framework.principle(principle_id)
    for node in (framework.lens_applies.get(principle.lens), framework.principle_applies.get(principle_id)):
        if node is not None and not solver.can_hold(node, meta):
            return False
    return True

