"""What one durable-rules ruleset can hold, counted in Python before the engine sees it.

The C engine (durable-rules 2.0.28) builds one shared network of tests per ruleset and keeps
fixed-size tables in it. Measured limits, each with what happens past it:
  - one test links to at most 256 rule patterns that end on it (error 108, "Could not create
    ruleset"); a gate shared by every rule, such as `phase equals live`, reaches it first;
  - one test has at most 512 distinct follow-on tests (the 513th makes ruleset creation loop
    forever), e.g. 512 distinct questions looked at, or 512 values of one question;
  - at most 128 `$or` groups start from one test (error 107), e.g. negated leaves on a question;
  - at most 4,096 engine rules (error 106);
  - at most 15 `$and`/`$or` groups in one pattern (error 113);
  - when a fact is matched, every test it passes queues the tests after it that it also
    passes, and at most 64 may wait at once (error 303, "Could not assert facts"): 65 rules
    on `{q: x, gt: 1}`, `{q: x, gt: 2}`, ... fail for a large answer. Tests on one field's
    value exclude each other; comparisons and either-or groups do not.
Usage mirrors how the engine shares tests, so a framework is split into rulesets that each stay
safely below those limits, and what cannot fit even alone is a load-time error.
"""
from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Optional

# working limits, a margin below the measured ones
PATTERNS_PER_TEST = 240      # 256
TESTS_AFTER_TEST = 480       # 512
OR_GROUPS_PER_TEST = 120     # 128
RULES_PER_RULESET = 4000     # 4,096
GROUPS_PER_PATTERN = 15      # 15
PASSED_TOGETHER = 60         # 64 in all along a chain of tests; the tests above a wide one pass one or two

_ROOT = ()


class Usage:
    """The tables of one ruleset under construction; add() takes a group of rules or says why not."""

    def __init__(self) -> None:
        self._nodes: set = {_ROOT}
        self._equality_fields: set = set()
        self._counts: Counter = Counter()
        self.rules = 0
        self._forward = itertools.count()

    def add(self, rules: dict[str, dict]) -> Optional[str]:
        """Count `rules` (name -> durable-rules definition) in, or return why they do not fit."""
        new: set = set()
        delta: Counter = Counter()
        fields: set = set()
        for rule in rules.values():
            for pattern in rule["all"]:
                (expression,) = pattern.values()
                groups = Counter()
                end = self._walk(_ROOT, expression, new, delta, groups, fields)
                if groups["n"] > GROUPS_PER_PATTERN:
                    return (f"one fact is tested through {groups['n']} and/or groups in one condition, more than the "
                            f"engine's {GROUPS_PER_PATTERN}: split the condition or derive a fact")
                delta[("patterns", end)] += 1
        over = self._over(delta, len(rules))
        if over:
            return over
        self._nodes |= new
        self._equality_fields |= fields
        self._counts.update(delta)
        self.rules += len(rules)
        return None

    def _walk(self, parent, expression: dict, new: set, delta: Counter, groups: Counter, fields: set):
        """The test a (sub)expression ends on, creating tests the way the engine does."""
        if "$and" in expression:
            groups["n"] += 1
            for item in expression["$and"]:
                parent = self._walk(parent, item, new, delta, groups, fields)
            return parent
        if "$or" in expression:
            groups["n"] += 1
            forward = ("or", next(self._forward))    # never shared
            new.add(forward)
            for item in expression["$or"]:
                end = self._walk(parent, item, new, delta, groups, fields)
                delta[("or", end)] += 1
                delta[("together", end)] += 1
            return forward
        node = (parent, json.dumps(expression, sort_keys=True))
        if node not in self._nodes and node not in new:
            new.add(node)
            delta[("tests", parent)] += 1
            (key, value), = expression.items()
            if not key.startswith("$"):       # equality: one per field can pass
                field = (parent, key)
                if field in self._equality_fields or field in fields:
                    return node
                fields.add(field)
            delta[("together", parent)] += 1
        return node

    def _over(self, delta: Counter, rules: int) -> Optional[str]:
        if self.rules + rules > RULES_PER_RULESET:
            return f"more than {RULES_PER_RULESET:,} engine rules"
        limits = {"patterns": PATTERNS_PER_TEST, "tests": TESTS_AFTER_TEST, "or": OR_GROUPS_PER_TEST,
                  "together": PASSED_TOGETHER}
        for key, added in delta.items():
            kind, node = key
            total = self._counts[key] + added
            if total > limits[kind]:
                return _describe(kind, node, total, limits[kind])
        return None


def _describe(kind: str, node, total: int, limit: int) -> str:
    test = describe_test(node)
    if kind == "patterns":
        return f"{total} conditions share the test {test}, more than the {limit} the engine links to one test"
    if kind == "tests":
        return f"{total} different tests follow {test}, more than the engine's {limit}"
    if kind == "or":
        return f"{total} either-or groups start from the test {test}, more than the engine's {limit}"
    return f"one answer can pass {total} tests after the test {test} at once, more than the engine can queue ({limit})"


def describe_test(node) -> str:
    """A test node as the chain of field tests that leads to it, e.g. t="a" q="owner" st="a"."""
    parts = []
    while node and node[0] != "or":
        node, test = node
        parts.append(test)
    return " ".join(reversed(parts)) or "(start)"


def pack(groups: list[dict[str, dict]], base: dict[str, dict]) -> tuple[list[list[int]], dict[int, str]]:
    """Groups of engine rules, in dependency order, packed into as few rulesets as that order
    allows, each ruleset also holding `base`: the indexes of the groups in each ruleset, and
    why a group fits in none."""
    parts: list[list[int]] = []
    refused: dict[int, str] = {}
    usage: Optional[Usage] = None
    for index, rules in enumerate(groups):
        if usage is not None and usage.add(rules) is None:
            parts[-1].append(index)
            continue
        fresh = Usage()
        fresh.add(base)
        why = fresh.add(rules)
        if why is not None:
            refused[index] = why
            continue
        usage = fresh
        parts.append([index])
    return parts, refused
