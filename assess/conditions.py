"""The one condition language: parse, check, negate, evaluate, and compile to durable-rules.

A condition is `all: [...]`, `any: [...]`, `not: ...` or a leaf:
  {q: <question id>, <op>: <value>}   on an answer
  {meta: scope|phase|kind, <op>: <value>}   on the assessment's metadata
  {fact: <name>}                      on a derived fact (true or false, never missing)

Semantics: a value operator (equals, gt, contains, ...) is true only for an answered,
visible question; `answered` and `not_applicable` test the state itself. A date can also be
compared with the assessment's own date: `older_than_months: 12` holds when at least 12 whole
calendar months separate the answer from the assessment date, `within_months: 12` when fewer
do; with no assessment date neither holds. `not` is plain
logical negation, so `not: {q: x, equals: a}` is also true when x is unanswered or n/a.
Negation is pushed to the leaves before compiling, and every question has exactly one
fact in the engine, so nothing depends on absence or arrival order.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Union

from .models import META_VALUES, Question, plain_number  # noqa: F401  (plain_number used through this module too)

RELATIVE_DATE_OPS = ("older_than_months", "within_months")
VALUE_OPS = ("equals", "not_equals", "in", "not_in", "gt", "ge", "lt", "le", "contains", "contains_any") + RELATIVE_DATE_OPS
STATE_OPS = ("answered", "not_applicable")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "single": ("equals", "not_equals", "in", "not_in") + STATE_OPS,
    "yesno": ("equals", "not_equals", "in", "not_in") + STATE_OPS,
    "multi": ("contains", "contains_any") + STATE_OPS,
    "scale": ("equals", "not_equals", "in", "not_in", "gt", "ge", "lt", "le") + STATE_OPS,
    "number": ("equals", "not_equals", "gt", "ge", "lt", "le") + STATE_OPS,
    "date": ("equals", "not_equals", "gt", "ge", "lt", "le") + RELATIVE_DATE_OPS + STATE_OPS,
    "text": STATE_OPS,
    "meta": ("equals", "not_equals", "in", "not_in"),
}
NUMBER_SCALE = 1000          # numbers enter the engine as integers in thousandths
NUMBER_LIMIT = 10 ** 12      # so every value stays an exact, plain-notation integer
MAX_CONJUNCTS = 64
MAX_MONTHS = 1200            # a century: the widest relative-date comparison

# answer states, shared by the reference evaluator and the engine's facts
ANSWERED, NOT_APPLICABLE, UNANSWERED = "a", "n", "u"


# ---------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Leaf:
    kind: str            # "q", "meta" or "fact"
    ref: str
    op: str              # a VALUE_OPS/STATE_OPS name, or "is" for facts
    value: Any = None    # normalised: str, int, or tuple of str
    negated: bool = False
    path: tuple = ()

    def negate(self) -> "Leaf":
        return Leaf(self.kind, self.ref, self.op, self.value, not self.negated, self.path)


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any_:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


Node = Union[Leaf, All, Any_, Not]


def leaves(node: Node) -> Iterable[Leaf]:
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from leaves(node.item)
    else:
        for item in node.items:
            yield from leaves(item)


# ---------------------------------------------------------------- values

def number_key(value: float) -> int:
    """A number as the exact integer the engine and the evaluator both compare."""
    return int(round(value * NUMBER_SCALE))


def fits_thousandths(value: float) -> bool:
    """True when a number has no more decimal places than the engine compares."""
    import decimal
    return isinstance(value, int) or decimal.Decimal(repr(value)).as_tuple().exponent >= -3


def date_key(value: dt.date) -> int:
    return value.toordinal()


@dataclass(frozen=True)
class DateValue:
    """A date answer as conditions see it: its day number, and the whole calendar months from
    it to the assessment date (None when the assessment has no date)."""
    day: int
    months_old: Optional[int]


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from one date to another (negative when `later` is earlier).

    A month is counted once the same day of the month is reached, or the month's last day
    when it is shorter: 31 January to 28 February is one month."""
    if later < earlier:
        return -months_between(later, earlier)
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if add_months(earlier, months) > later else months


def add_months(day: dt.date, months: int) -> dt.date:
    import calendar
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_value(answer: dt.date, assessed_on: Optional[dt.date]) -> DateValue:
    return DateValue(date_key(answer), months_between(answer, assessed_on) if assessed_on else None)


# ---------------------------------------------------------------- parsing and checks

class ConditionContext:
    """What a condition may refer to, and where to report problems."""

    def __init__(self, questions: dict[str, Question], facts: Optional[set[str]], report: Callable[[tuple, str], None],
                 allow_facts: bool = True, earlier_than: Optional[dict[str, int]] = None, position: Optional[int] = None,
                 dropped: Iterable[str] = ()):
        self.questions = questions
        self.dropped = frozenset(dropped)   # questions that failed validation: already reported, not "unknown"
        self.facts = facts
        self.report = report
        self.allow_facts = allow_facts
        self.earlier_than = earlier_than
        self.position = position


def parse(raw: Any, ctx: ConditionContext, path: tuple) -> Optional[Node]:
    """Parse and check a raw condition; problems go to ctx.report and give None."""
    if not isinstance(raw, dict) or not raw:
        ctx.report(path, "a condition must be a mapping: all, any, not, or a leaf with q, meta or fact")
        return None
    if len(raw) == 1 and next(iter(raw)) in ("all", "any"):
        key = next(iter(raw))
        items = raw[key]
        if not isinstance(items, list) or not items:
            ctx.report(path + (key,), f"`{key}` needs a non-empty list of conditions")
            return None
        parsed = [parse(item, ctx, path + (key, i)) for i, item in enumerate(items)]
        if any(p is None for p in parsed):
            return None
        return All(tuple(parsed)) if key == "all" else Any_(tuple(parsed))
    if len(raw) == 1 and "not" in raw:
        inner = parse(raw["not"], ctx, path + ("not",))
        return Not(inner) if inner is not None else None
    return _parse_leaf(raw, ctx, path)


def _parse_leaf(raw: dict, ctx: ConditionContext, path: tuple) -> Optional[Leaf]:
    subjects = [k for k in ("q", "meta", "fact") if k in raw]
    if len(subjects) != 1:
        known = "all, any, not, q, meta, fact"
        extra = sorted(k for k in raw if k not in ("q", "meta", "fact") + VALUE_OPS + STATE_OPS)
        hint = f"unknown key {extra[0]!r}; expected one of {known}" if extra else "a leaf needs exactly one of q, meta or fact"
        ctx.report(path, hint)
        return None
    kind = subjects[0]
    ref = raw[kind]
    if not isinstance(ref, str):
        ctx.report(path + (kind,), "must be an id")
        return None
    ops = [k for k in raw if k != kind]
    if kind == "fact":
        if ops:
            ctx.report(path + (ops[0],), "a fact leaf takes no operator; use `not:` to negate it")
            return None
        if not ctx.allow_facts:
            ctx.report(path + ("fact",), "derived facts cannot be used here (show_if and applies_if see answers and metadata only)")
            return None
        if ctx.facts is not None and ref not in ctx.facts:
            ctx.report(path + ("fact",), f"unknown derived fact {ref!r}: no rule derives it")
            return None
        return Leaf("fact", ref, "is", True, path=path)
    if len(ops) != 1:
        ctx.report(path, f"a leaf needs exactly one operator, found {len(ops)}: {', '.join(ops) or 'none'}")
        return None
    op = ops[0]
    value = raw[op]
    if op not in VALUE_OPS + STATE_OPS:
        ctx.report(path + (op,), f"unknown operator {op!r}; expected one of {', '.join(VALUE_OPS + STATE_OPS)}")
        return None
    if kind == "meta":
        if ref not in META_VALUES:
            ctx.report(path + ("meta",), f"unknown metadata field {ref!r}; expected one of {', '.join(META_VALUES)}")
            return None
        qtype, choices = "meta", META_VALUES[ref]
    else:
        question = ctx.questions.get(ref)
        if question is None and ref in ctx.dropped:
            return None
        if question is None:
            ctx.report(path + ("q",), f"unknown question {ref!r}{_suggest(ref, ctx.questions)}")
            return None
        if ctx.earlier_than is not None and ctx.position is not None and ctx.earlier_than[ref] >= ctx.position:
            ctx.report(path + ("q",), f"show_if may only refer to questions asked earlier; {ref!r} comes later")
            return None
        qtype = question.type
        choices = tuple(o.id for o in question.options) if qtype in ("single", "multi") else ("yes", "no") if qtype == "yesno" else ()
    if op not in OPS_BY_TYPE[qtype]:
        ctx.report(path + (op,), f"operator {op!r} does not fit a {qtype} {'field' if kind == 'meta' else 'question'}; "
                                 f"use one of {', '.join(OPS_BY_TYPE[qtype])}")
        return None
    if op in STATE_OPS:
        if not isinstance(value, bool):
            ctx.report(path + (op,), "must be true or false")
            return None
        leaf = Leaf(kind, ref, op, None, path=path)
        return leaf if value else leaf.negate()
    norm = _normalise_operand(qtype, op, value, choices, ctx, path + (op,), question if kind == "q" else None)
    if norm is None:
        return None
    return Leaf(kind, ref, op, norm, path=path)


def _normalise_operand(qtype: str, op: str, value: Any, choices: tuple, ctx: ConditionContext, path: tuple,
                       question: Optional[Question]) -> Any:
    listy = op in ("in", "not_in", "contains_any") or (op == "contains" and isinstance(value, list))
    values = value if isinstance(value, list) else [value]
    if listy and (not isinstance(value, list) or not value):
        if op != "contains":
            ctx.report(path, "must be a non-empty list")
            return None
    out = []
    for v in values:
        if qtype in ("single", "multi", "yesno", "meta"):
            if isinstance(v, bool) and qtype == "yesno":
                v = "yes" if v else "no"
            if not isinstance(v, str) or v not in choices:
                ctx.report(path, f"{v!r} is not an option here; expected one of {', '.join(choices)}")
                return None
            out.append(v)
        elif qtype in ("scale", "number"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or abs(v) > NUMBER_LIMIT:
                ctx.report(path, f"{v!r} is not a number (finite, at most {NUMBER_LIMIT:,} in size)")
                return None
            if not fits_thousandths(v):
                ctx.report(path, f"{v!r} has more than {len(str(NUMBER_SCALE)) - 1} decimal places; numbers are compared in thousandths")
                return None
            out.append(number_key(v))
        elif op in RELATIVE_DATE_OPS:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_MONTHS:
                ctx.report(path, f"{v!r} is not a number of months (a whole number from 0 to {MAX_MONTHS})")
                return None
            out.append(v)
        elif qtype == "date":
            if not isinstance(v, dt.date):
                ctx.report(path, f"{v!r} is not a date (YYYY-MM-DD)")
                return None
            out.append(date_key(v))
    return tuple(out) if listy else out[0]


def _suggest(word: str, known: Iterable[str]) -> str:
    import difflib
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def suggest(word: str, known: Iterable[str]) -> str:
    return _suggest(word, known)


# ---------------------------------------------------------------- negation normal form and DNF

def nnf(node: Node, negate: bool = False) -> Node:
    """Push every `not` down to the leaves (De Morgan)."""
    if isinstance(node, Leaf):
        return node.negate() if negate else node
    if isinstance(node, Not):
        return nnf(node.item, not negate)
    items = tuple(nnf(i, negate) for i in node.items)
    if isinstance(node, All):
        return Any_(items) if negate else All(items)
    return All(items) if negate else Any_(items)


class TooManyAlternatives(ValueError):
    """A condition whose expanded form is larger than the bound asked for."""

    def __init__(self, count: int, limit: int):
        self.count, self.limit = count, limit
        super().__init__(f"condition expands to {count:,} alternatives, more than the limit of {limit}; "
                         "simplify it or derive a fact")


def count_alternatives(node: Node) -> int:
    """How many conjunctions dnf() would give for an NNF condition, without building them."""
    if isinstance(node, Leaf):
        return 1
    counts = [count_alternatives(item) for item in node.items]
    if isinstance(node, Any_):
        return sum(counts)
    total = 1
    for c in counts:
        total *= c
    return total


def dnf(node: Node, limit: int = MAX_CONJUNCTS) -> list[tuple[Leaf, ...]]:
    """An NNF condition as a list of conjunctions (each a tuple of leaves), at most `limit` of them."""
    if not isinstance(node, (Leaf, All, Any_)):
        raise TypeError("dnf() needs a condition in negation normal form")
    count = count_alternatives(node)
    if count > limit:
        raise TooManyAlternatives(count, limit)
    return _expand(node)


def _expand(node: Node) -> list[tuple[Leaf, ...]]:
    if isinstance(node, Leaf):
        return [(node,)]
    if isinstance(node, Any_):
        return [conj for item in node.items for conj in _expand(item)]
    if isinstance(node, All):
        out: list[tuple[Leaf, ...]] = [()]
        for item in node.items:
            out = [a + b for a in out for b in _expand(item)]
        return out
    raise TypeError("dnf() needs a condition in negation normal form")


# What the engine compiles. The load-time checks call these same functions, so a framework
# that loads always compiles.

def alternatives(node: Node) -> list[tuple[Leaf, ...]]:
    """The engine rules for a condition: one per alternative of its DNF."""
    return dnf(nnf(node))


def complement_alternatives(nodes: Iterable[Node]) -> list[tuple[Leaf, ...]]:
    """The engine rules that settle a derived fact as false: none of its rules' conditions holds."""
    return dnf(nnf(Any_(tuple(nodes)), negate=True))


# ---------------------------------------------------------------- reference evaluator

class Facts:
    """What conditions are evaluated against: answer states, metadata, derived facts."""

    def __init__(self, answers: dict[str, tuple[str, Any]], meta: dict[str, str], derived: Optional[dict[str, bool]] = None):
        self.answers = answers      # question id -> (state, normalised value or None)
        self.meta = meta
        self.derived = derived if derived is not None else {}


def evaluate(node: Node, facts: Facts) -> bool:
    if isinstance(node, Leaf):
        return _leaf_true(node, facts) != node.negated
    if isinstance(node, Not):
        return not evaluate(node.item, facts)
    if isinstance(node, All):
        return all(evaluate(i, facts) for i in node.items)
    return any(evaluate(i, facts) for i in node.items)


def _leaf_true(leaf: Leaf, facts: Facts) -> bool:
    if leaf.kind == "fact":
        return facts.derived[leaf.ref] is True
    if leaf.kind == "meta":
        state, value = ANSWERED, facts.meta[leaf.ref]
    else:
        state, value = facts.answers.get(leaf.ref, (UNANSWERED, None))
    if leaf.op == "answered":
        return state == ANSWERED
    if leaf.op == "not_applicable":
        return state == NOT_APPLICABLE
    if state != ANSWERED:
        return False
    if isinstance(value, DateValue):
        value = value.months_old if leaf.op in RELATIVE_DATE_OPS else value.day
        if value is None:    # no assessment date to count months to
            return False
    return _value_test(leaf.op, value, leaf.value)


def _value_test(op: str, value: Any, operand: Any) -> bool:
    if op == "equals":
        return value == operand
    if op == "not_equals":
        return value != operand
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    if op == "gt":
        return value > operand
    if op == "ge":
        return value >= operand
    if op == "lt":
        return value < operand
    if op == "le":
        return value <= operand
    if op == "contains":
        wanted = operand if isinstance(operand, tuple) else (operand,)
        return all(w in value for w in wanted)
    if op == "contains_any":
        return any(w in value for w in operand)
    if op == "older_than_months":
        return value >= operand
    if op == "within_months":
        return value < operand
    raise ValueError(op)


# ---------------------------------------------------------------- compiling to durable-rules JSON

def option_field(option_id: str) -> str:
    return f"c_{option_id}"


# a date answer's fact carries its months before the assessment date, and whether they are known
MONTHS_FIELD, MONTHS_KNOWN_FIELD = "mo", "mk"


def value_fields(value: Any) -> dict:
    """The engine fields for an answered question's (non-multi) value."""
    if isinstance(value, DateValue):
        if value.months_old is None:
            return {"v": value.day, MONTHS_KNOWN_FIELD: 0}
        return {"v": value.day, MONTHS_KNOWN_FIELD: 1, MONTHS_FIELD: value.months_old}
    return {"v": value}


def _value_pattern(op: str, operand: Any, negated: bool) -> dict:
    """The engine expression for a value test (or its complement) on field `v`."""
    if op in ("contains", "contains_any"):
        wanted = operand if isinstance(operand, tuple) else (operand,)
        every = op == "contains"
        if negated:  # not all chosen -> any missing; not any chosen -> all missing
            every = not every
            tests = [{option_field(w): 0} for w in wanted]
        else:
            tests = [{option_field(w): 1} for w in wanted]
        return _join("$and" if every else "$or", tests)
    if op in ("in", "not_in"):
        member = (op == "in") != negated
        if member:
            return _join("$or", [{"v": x} for x in operand])
        return _join("$and", [{"$neq": {"v": x}} for x in operand])
    if op in RELATIVE_DATE_OPS:
        at_least = (op == "older_than_months") != negated
        test = {"$gte" if at_least else "$lt": {MONTHS_FIELD: operand}}
        # a test on an absent field is false, so only the complement must also admit "no months
        # counted" (an assessment without a date)
        return {"$or": [{MONTHS_KNOWN_FIELD: 0}, test]} if negated else test
    flipped = {"equals": "not_equals", "not_equals": "equals", "gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}
    op = flipped[op] if negated else op
    if op == "equals":
        return {"v": operand}
    engine_op = {"not_equals": "$neq", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}[op]
    return {engine_op: {"v": operand}}


def _join(kind: str, tests: list[dict]) -> dict:
    return tests[0] if len(tests) == 1 else {kind: tests}


def leaf_pattern(leaf: Leaf) -> list[dict]:
    """Engine tests on one fact (without the fact's identity tests) for a leaf."""
    if leaf.kind == "fact":
        return [{"v": not leaf.negated}]
    if leaf.op in STATE_OPS:
        state = ANSWERED if leaf.op == "answered" else NOT_APPLICABLE
        return [{"$neq": {"st": state}}] if leaf.negated else [{"st": state}]
    if leaf.kind == "meta":
        return [_value_pattern(leaf.op, leaf.value, leaf.negated)]
    if leaf.negated:  # unanswered/n-a, or answered with the complementary value
        return [{"$or": [{"$neq": {"st": ANSWERED}}, _value_pattern(leaf.op, leaf.value, True)]}]
    return [{"st": ANSWERED}, _value_pattern(leaf.op, leaf.value, False)]


def fact_identity(kind: str, ref: str) -> list[dict]:
    if kind == "q":
        return [{"t": "a"}, {"q": ref}]
    if kind == "meta":
        return [{"t": "m"}, {"k": ref}]
    return [{"t": "f"}, {"id": ref}]


SENTINEL_PATTERN = {"m": {"t": "s"}}


def compile_conjunction(conj: tuple[Leaf, ...]) -> dict:
    """One durable-rules `all` clause: one pattern per fact the conjunction looks at."""
    by_fact: dict[tuple[str, str], list[dict]] = {}
    for leaf in conj:
        by_fact.setdefault((leaf.kind, leaf.ref), []).extend(leaf_pattern(leaf))
    if not by_fact:
        return {"all": [SENTINEL_PATTERN]}
    patterns = []
    for i, ((kind, ref), tests) in enumerate(sorted(by_fact.items())):
        patterns.append({f"m{i}": {"$and": fact_identity(kind, ref) + tests}})
    return {"all": patterns}
