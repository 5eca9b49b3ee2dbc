"""Run a framework's rules on one assessment: durable-rules, or the plain-Python reference.

Both give the same Effects: which rules fired and the value of every derived fact. The
durable-rules side calls the C engine directly (no durable Host, so no background threads),
registers one ruleset per framework content hash from the plan kept with the framework, and
drives the engine's action loop itself so that each action costs one small JSON message
instead of a round trip of the session state.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

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

    def encode(self, facts: cond.Facts, sid: str, extra: Iterable[str] = ()) -> str:
        head = '{"sid":' + json.dumps(sid) + ","
        parts = [head + '"t":"s"}', *extra]
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
SENTINEL_RULE = {SENTINEL: {"all": [cond.SENTINEL_PATTERN], "run": SENTINEL}}


@dataclass
class RuleGroup:
    """Engine rules that must share a ruleset: every rule deriving one fact together with the
    rules settling it as false, or one rule that derives nothing."""
    rules: dict[str, dict]                              # engine rule name -> definition
    actions: dict[str, tuple[Optional[str], "Action"]]  # engine rule name -> (framework rule id, action)
    derives: Optional[str]                              # the fact it settles, if any
    uses: frozenset                                     # derived facts its conditions look at
    questions: frozenset                                # questions its conditions look at
    rule_ids: tuple[str, ...]                           # the framework rules it holds


def compile_groups(framework) -> list[RuleGroup]:
    """Every framework rule compiled, grouped, facts first and each after the facts it uses."""
    groups = []
    for fact in framework.fact_order:
        rule_ids = framework.derived[fact]
        group = _group(framework, rule_ids, fact)
        # the fact is false exactly when no rule deriving it holds: compile that complement
        for i, conj in enumerate(cond.complement_alternatives(framework.rule_conditions[r] for r in rule_ids)):
            name = f"!{fact}#{i}"
            group.rules[name] = dict(cond.compile_conjunction(conj), run=name)
            group.actions[name] = (None, _Derive(fact, False, None))
        groups.append(group)
    groups += [_group(framework, (rule.id,), None) for rule in framework.rules if not rule.derive]
    return groups


def _group(framework, rule_ids, fact: Optional[str]) -> RuleGroup:
    rules: dict[str, dict] = {}
    actions: dict[str, tuple[Optional[str], Action]] = {}
    leaves = [leaf for r in rule_ids for leaf in cond.leaves(framework.rule_conditions[r])]
    for rule_id in rule_ids:
        action = _Derive(fact, True, rule_id) if fact else _Fire(rule_id)
        for i, conj in enumerate(cond.alternatives(framework.rule_conditions[rule_id])):
            name = f"{rule_id}#{i}"
            rules[name] = dict(cond.compile_conjunction(conj), run=name)
            actions[name] = (rule_id, action)
    return RuleGroup(rules, actions, fact, frozenset(leaf.ref for leaf in leaves if leaf.kind == "fact"),
                     frozenset(leaf.ref for leaf in leaves if leaf.kind == "q"), tuple(rule_ids))


def compile_ruleset(framework) -> tuple[dict, dict[str, tuple[Optional[str], Action]]]:
    """All of a framework's engine rules as one JSON ruleset, and per engine rule name
    (framework rule id or None, action)."""
    return _ruleset_of(compile_groups(framework))


def _ruleset_of(groups: list[RuleGroup]) -> tuple[dict, dict[str, tuple[Optional[str], Action]]]:
    """Groups as one ruleset: rules that fire before those settling facts as false, which the
    engine then meets with fewer partial matches, as before large frameworks were split."""
    definition: dict[str, dict] = dict(SENTINEL_RULE)
    actions: dict[str, tuple[Optional[str], Action]] = {SENTINEL: (None, _no_op)}
    for group in groups:
        actions.update(group.actions)
    ordered = sorted((name for g in groups for name in g.rules), key=lambda name: name.startswith("!"))
    rules = {name: rule for g in groups for name, rule in g.rules.items()}
    definition.update((name, rules[name]) for name in ordered)
    return definition, actions


@dataclass
class Part:
    """One ruleset of a framework too large for one: its rules, the questions they look at,
    and the derived facts an earlier part settles that they look at. Planned once when the
    framework loads and kept with it (in the framework cache too), so a command starts
    without compiling and packing the rules again."""
    definition: dict
    actions: dict[str, tuple[Optional[str], Action]]
    questions: list[str]
    inputs: tuple[str, ...]
    engine_json: str = ""    # the definition as the engine takes it: without the `run` keys (actions are ours)

    def __post_init__(self) -> None:
        if not self.engine_json:
            self.engine_json = json.dumps({name: {k: v for k, v in rule.items() if k != "run"}
                                           for name, rule in self.definition.items()}, ensure_ascii=False)


class TooLarge(ValueError):
    """Rule groups that do not fit in a ruleset even alone: (group, why) each."""

    def __init__(self, refused: list[tuple[RuleGroup, str]]):
        self.refused = refused
        super().__init__("; ".join(f"{g.rule_ids[0]}: {why}" for g, why in refused))


def plan_parts(framework) -> list[Part]:
    """The framework's rules split into as few rulesets as the engine's limits allow (one for
    any framework of ordinary size), in the order they must run."""
    from . import capacity
    groups = compile_groups(framework)
    placed, refused = capacity.pack([g.rules for g in groups], SENTINEL_RULE)
    if refused:
        raise TooLarge([(groups[i], why) for i, why in sorted(refused.items())])
    parts = []
    for indexes in placed:
        members = [groups[i] for i in indexes]
        definition, actions = _ruleset_of(members)
        asked = set().union(*(g.questions for g in members))
        inputs = set().union(*(g.uses for g in members)) - {g.derives for g in members}
        parts.append(Part(definition, actions, [q for q in framework.questions if q in asked],
                          tuple(f for f in framework.fact_order if f in inputs)))
    return parts


# Actions are plain module-level callables and small classes, so a planned Part pickles.

def _no_op(session: "_Session") -> None:
    return None


class _Fire:
    def __init__(self, rule_id: str):
        self.rule_id = rule_id

    def __call__(self, session: "_Session") -> None:
        session.fired.add(self.rule_id)


class _Derive:
    def __init__(self, fact: str, value: bool, rule_id: Optional[str]):
        self.fact, self.value, self.rule_id = fact, value, rule_id

    def __call__(self, session: "_Session") -> None:
        if self.rule_id is not None:
            session.fired.add(self.rule_id)
        if self.fact not in session.derived:
            session.derived[self.fact] = self.value
            session.assert_fact('{"sid":' + json.dumps(session.sid) + ',"t":"f","id":' + json.dumps(self.fact)
                                + ',"v":' + json.dumps(self.value) + "}")


class _Session:
    __slots__ = ("sid", "fired", "derived", "assert_fact")

    def __init__(self, sid: str, assert_fact: Callable[[str], None]):
        self.sid = sid
        self.fired: set[str] = set()
        self.derived: dict[str, bool] = {}
        self.assert_fact = assert_fact


# ---------------------------------------------------------------- the durable-rules adapter

class DurableEngine:
    """One per process, with one registered ruleset per framework content hash."""

    def __init__(self) -> None:
        # The C engine is driven directly: no durable Host (whose timer threads we never
        # want), and a ruleset is created from JSON planned when the framework loaded.
        import durable_rules_engine

        self._dre = durable_rules_engine
        self._rulesets: dict[str, list[tuple[int, dict, FactEncoder, tuple[str, ...]]]] = {}
        self._sids = itertools.count(1)

    @staticmethod
    def ruleset_name(framework) -> str:
        return f"{framework.id}-{framework.version}-{framework.hash[:16]}"

    def _ruleset(self, framework) -> list[tuple[int, dict, FactEncoder, tuple[str, ...]]]:
        """The framework's registered rulesets, in the order they run (one unless it is large)."""
        name = self.ruleset_name(framework)
        if name not in self._rulesets:
            registered = []
            for i, part in enumerate(framework.engine_parts or plan_parts(framework)):
                part_name = name if i == 0 else f"{name}.{i}"
                try:
                    handle = self._dre.create_ruleset(part_name, part.engine_json)
                except self._dre.error as exc:   # load-time checks make this a bug, reported without a traceback
                    raise EngineError(part_name, exc) from exc
                registered.append((handle, dict(part.actions), FactEncoder(framework, part.questions), part.inputs))
            self._rulesets[name] = registered
        return self._rulesets[name]

    def evaluate(self, framework, facts: cond.Facts) -> Effects:
        sid = str(next(self._sids))
        session = _Session(sid, None)
        for handle, actions, encoder, inputs in self._ruleset(framework):
            # facts settled by an earlier ruleset enter this one like answers do
            settled = ['{"sid":' + json.dumps(sid) + ',"t":"f","id":' + json.dumps(fact) + ',"v":'
                       + json.dumps(session.derived[fact]) + "}" for fact in inputs]
            self._run(handle, actions, encoder.encode(facts, sid, settled), session)
        missing = set(framework.derived) - set(session.derived)
        if missing:
            raise EngineError(sorted(missing)[0], "derived fact was never settled")
        return Effects(tuple(sorted(session.fired)), dict(sorted(session.derived.items())))

    def _run(self, handle: int, actions: dict, facts_json: str, session: "_Session") -> None:
        """Assert one assessment's facts in one ruleset and run every action that follows."""
        dre = self._dre
        sid = session.sid

        def assert_fact(fact_json: str) -> None:
            dre.assert_fact(handle, fact_json)

        session.assert_fact = assert_fact
        acted = False
        try:
            try:
                _, state = dre.assert_facts(handle, facts_json)
            except dre.error as exc:   # a limit of the engine the load-time checks did not foresee
                raise EngineError("(engine)", f"the rules engine could not take this assessment's answers: {exc}") from exc
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


_engine: Optional[DurableEngine] = None


def engine() -> DurableEngine:
    global _engine
    if _engine is None:
        _engine = DurableEngine()
    return _engine
