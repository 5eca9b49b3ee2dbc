"""Conditions in plain words, for templates and reports: "asked when phase is beta or live"."""
from __future__ import annotations

import datetime as dt

from . import conditions as cond

_PHRASES = {
    "equals": ("is {v}", "is not {v}"),
    "not_equals": ("is not {v}", "is {v}"),
    "in": ("is {v}", "is not {v}"),
    "not_in": ("is not {v}", "is {v}"),
    "gt": ("is more than {v}", "is at most {v}"),
    "ge": ("is at least {v}", "is less than {v}"),
    "lt": ("is less than {v}", "is at least {v}"),
    "le": ("is at most {v}", "is more than {v}"),
    "contains": ("includes {v}", "does not include {v}"),
    "contains_any": ("includes {v}", "includes none of {v}"),
    "answered": ("is answered", "is not answered"),
    "not_applicable": ("is marked n/a", "is not marked n/a"),
    "older_than_months": ("is {v} or more months before the assessment", "is less than {v} months before the assessment"),
    "within_months": ("is less than {v} months before the assessment", "is {v} or more months before the assessment"),
}


def describe(node: cond.Node, framework=None) -> str:
    """One phrase for a parsed condition; `not` is pushed to the leaves first."""
    return _phrase(cond.nnf(node), framework)


def _phrase(node, framework) -> str:
    if isinstance(node, cond.Leaf):
        return _leaf(node, framework)
    joiner = " and " if isinstance(node, cond.All) else " or "
    parts = [_phrase(item, framework) for item in node.items]
    return joiner.join(f"({p})" if (" and " in p or " or " in p) and len(parts) > 1 else p for p in parts)


def _leaf(leaf: cond.Leaf, framework) -> str:
    if leaf.kind == "fact":
        return f"{leaf.ref.replace('_', ' ')} is {'false' if leaf.negated else 'true'}"
    positive, negative = _PHRASES[leaf.op]
    template = negative if leaf.negated else positive
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    words = [_value_words(leaf, v, framework) for v in values]
    either = " and " if leaf.op == "contains" else " or "
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + either + words[-1]
    return f"{leaf.ref} {template.format(v=listed)}"


def _value_words(leaf: cond.Leaf, value, framework) -> str:
    question = framework.questions.get(leaf.ref) if framework is not None and leaf.kind == "q" else None
    if question is not None and question.type in ("number", "scale") and isinstance(value, int):
        return cond.plain_number(value / cond.NUMBER_SCALE)
    if question is not None and question.type == "date" and isinstance(value, int) and leaf.op not in cond.RELATIVE_DATE_OPS:
        return dt.date.fromordinal(value).isoformat()
    return str(value)
