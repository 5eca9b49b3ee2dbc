"""Run a framework's rules on one assessment: durable-rules, or the plain-Python reference.

Both give the same Effects: which rules fired and the value of every derived fact. The
durable-rules side keeps one Host per process with no background threads, registers one
ruleset per framework content hash, and drives the engine's action loop directly so that
each action costs one small JSON message instead of a round trip of the session state.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Callable, Optional

from . import conditions as cond
from .errors import EngineError

SENTINEL = "$sentinel"


@dataclass(frozen=True)
class Effects:
    fired: tuple[str, ...]          # ids of rules whose condition held, sorted
    derived: dict[str, bool]        # every derived fact, true or false


# ---------------------------------------------------------------- reference evaluator

def evaluate_reference(framework, facts: cond.Facts, rules: Optional[list] = None) -> Effects:
    """Every derived fact, and which of the framework's rules (or of `rules`, a subset) fire."""
    derived: dict[str, bool] = {}
    facts = cond.Facts(facts.answers, facts.meta, derived)
    for name in framework.fact_order:
        derived[name] = any(cond.evaluate(framework.rule_conditions[r], facts) for r in framework.derived[name])
    fired = tuple(sorted(r.id for r in (framework.rules if rules is None else rules)
                         if cond.evaluate(framework.rule_conditions[r.id], facts)))
    return Effects(fired, dict(sorted(derived.items())))


# ---------------------------------------------------------------- facts for the engine

def referenced_questions(framework) -> list[str]:
    """Questions some rule looks at; only these need a fact, the rest would match nothing."""
    used = {leaf.ref for node in framework.rule_conditions.values() for leaf in cond.leaves(node) if leaf.kind == "q"}
    return [qid for qid in framework.questions if qid in used]


def engine_facts(framework, facts: cond.Facts, sid: str, questions: Optional[list[str]] = None) -> list[dict]:
    """Exactly one fact per question (answered or not), one per metadata field, one sentinel."""
    out: list[dict] = [{"sid": sid, "t": "s"}]
    for key, value in sorted(facts.meta.items()):
        out.append({"sid": sid, "t": "m", "k": key, "v": value})
    for qid in (framework.questions if questions is None else questions):
        question = framework.questions[qid]
        state, value = facts.answers.get(qid, (cond.UNANSWERED, None))
        fact = {"sid": sid, "t": "a", "q": qid, "st": state}
        if state == cond.ANSWERED and value is not None:
            if question.type == "multi":
                for option in question.options:
                    fact[cond.option_field(option.id)] = 1 if option.id in value else 0
            else:
                fact.update(cond.value_fields(value))
        out.append(fact)
    return out


class FactEncoder:
    """engine_facts() as JSON text, from fragments encoded once per ruleset.

    Encoding the facts is the largest Python cost of an evaluation; joining pre-encoded
    pieces gives the same JSON as json.dumps(engine_facts(...)) at a fraction of the cost."""

    def __init__(self, framework, questions: list[str]):
        self._items = []
        for qid in questions:
            question = framework.questions[qid]
            prefix = '"t":"a","q":' + json.dumps(qid) + ',"st":'
            fields = None
            if question.type == "multi":
                fields = tuple((o.id, "," + json.dumps(cond.option_field(o.id)) + ":") for o in question.options)
            self._items.append((qid, prefix, fields))

    def encode(self, facts: cond.Facts, sid: str) -> str:
        head = '{"sid":' + json.dumps(sid) + ","
        parts = [head + '"t":"s"}']
        for key, value in sorted(facts.meta.items()):
            parts.append(head + '"t":"m","k":' + json.dumps(key) + ',"v":' + json.dumps(value) + "}")
        answers = facts.answers
        for qid, prefix, fields in self._items:
            state, value = answers.get(qid, (cond.UNANSWERED, None))
            body = prefix + json.dumps(state)
            if state == cond.ANSWERED and value is not None:
                if fields is not None:
                    body += "".join(field + ("1" if oid in value else "0") for oid, field in fields)
                elif type(value) is int:
                    body += ',"v":' + str(value)
                else:
                    body += "," + json.dumps(cond.value_fields(value), separators=(",", ":"))[1:-1]
            parts.append(head + body + "}")
        return "[" + ",".join(parts) + "]"


# ---------------------------------------------------------------- compiling a framework

Action = Callable[["_Session"], None]


def compile_ruleset(framework) -> tuple[dict, dict[str, tuple[Optional[str], Action]]]:
    """The JSON ruleset and, per engine rule name, (framework rule id or None, action)."""
    definition: dict[str, dict] = {SENTINEL: {"all": [cond.SENTINEL_PATTERN], "run": SENTINEL}}
    actions: dict[str, tuple[Optional[str], Action]] = {SENTINEL: (None, _no_op)}
    for rule in framework.rules:
        action = _derive_action(rule.derive, True, rule.id) if rule.derive else _fire_action(rule.id)
        for i, conj in enumerate(cond.alternatives(framework.rule_conditions[rule.id])):
            name = f"{rule.id}#{i}"
            definition[name] = dict(cond.compile_conjunction(conj), run=name)
            actions[name] = (rule.id, action)
    for fact, rule_ids in sorted(framework.derived.items()):
        # the fact is false exactly when no rule deriving it holds: compile that complement
        for i, conj in enumerate(cond.complement_alternatives(framework.rule_conditions[r] for r in rule_ids)):
            name = f"!{fact}#{i}"
            definition[name] = dict(cond.compile_conjunction(conj), run=name)
            actions[name] = (None, _derive_action(fact, False, None))
    return definition, actions


def _no_op(session: "_Session") -> None:
    return None


def _fire_action(rule_id: str) -> Action:
    def fire(session: "_Session") -> None:
        session.fired.add(rule_id)
    return fire


def _derive_action(fact: str, value: bool, rule_id: Optional[str]) -> Action:
    tail = ',"t":"f","id":' + json.dumps(fact) + ',"v":' + json.dumps(value) + "}"

    def derive(session: "_Session") -> None:
        if rule_id is not None:
            session.fired.add(rule_id)
        if fact not in session.derived:
            session.derived[fact] = value
            session.assert_fact('{"sid":' + json.dumps(session.sid) + tail)
    return derive


class _Session:
    __slots__ = ("sid", "fired", "derived", "assert_fact")

    def __init__(self, sid: str, assert_fact: Callable[[str], None]):
        self.sid = sid
        self.fired: set[str] = set()
        self.derived: dict[str, bool] = {}
        self.assert_fact = assert_fact


# ---------------------------------------------------------------- the durable-rules adapter

class DurableEngine:
    """One per process: a quiet Host and one registered ruleset per framework content hash."""

    def __init__(self) -> None:
        import durable_rules_engine
        from durable.engine import Host

        class QuietHost(Host):
            def _run(self) -> None:       # no timer threads: we drive every action ourselves
                return None

            def get_action(self, action_name: str):
                return _no_op

        self._dre = durable_rules_engine
        self._host = QuietHost()
        self._rulesets: dict[str, tuple[int, dict, FactEncoder]] = {}
        self._sids = itertools.count(1)

    @staticmethod
    def ruleset_name(framework) -> str:
        return f"{framework.id}-{framework.version}-{framework.hash[:16]}"

    def _ruleset(self, framework) -> tuple[int, dict, FactEncoder]:
        name = self.ruleset_name(framework)
        if name not in self._rulesets:
            definition, actions = compile_ruleset(framework)
            # set_rulesets strips the `run` keys from what it is given: hand it a copy
            self._host.set_rulesets({name: json.loads(json.dumps(definition))})
            encoder = FactEncoder(framework, referenced_questions(framework))
            self._rulesets[name] = (self._host.get_ruleset(name)._handle, actions, encoder)
        return self._rulesets[name]

    def evaluate(self, framework, facts: cond.Facts) -> Effects:
        handle, actions, encoder = self._ruleset(framework)
        dre = self._dre
        sid = str(next(self._sids))

        def assert_fact(fact_json: str) -> None:
            dre.assert_fact(handle, fact_json)

        session = _Session(sid, assert_fact)
        acted = False
        try:
            _, state = dre.assert_facts(handle, encoder.encode(facts, sid))
            result = dre.start_action_for_state(handle, state)
            message = result[1] if result else None
            while message:
                acted = True
                name = message[2:message.index('"', 2)]   # {"<rule name>":{...}}
                rule_id, action = actions[name]
                try:
                    action(session)
                except Exception as exc:
                    dre.abandon_action(handle, state)
                    raise EngineError(rule_id or name, exc) from exc
                message = dre.complete_and_start_action(handle, state)
        finally:
            if acted:   # deleting a session in which no action ran crashes the engine
                dre.delete_state(handle, sid)
        missing = set(framework.derived) - set(session.derived)
        if missing:
            raise EngineError(sorted(missing)[0], "derived fact was never settled")
        return Effects(tuple(sorted(session.fired)), dict(sorted(session.derived.items())))


_engine: Optional[DurableEngine] = None


def engine() -> DurableEngine:
    global _engine
    if _engine is None:
        _engine = DurableEngine()
    return _engine
