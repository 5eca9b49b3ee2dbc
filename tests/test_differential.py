"""The durable-rules compilation and the reference evaluator agree on generated inputs."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from assess.engine import engine, evaluate_reference
from assess.errors import AssessError
from assess.frameworks import builtin_root, discover, load_framework

from conftest import MINI
from strategies import assessments

FRAMEWORK_FILES = [MINI / "questionnaires" / "mini.yaml"] + sorted(discover().values())


def agree(assessment) -> None:
    facts = assessment.facts()
    durable = engine().evaluate(assessment.framework, facts)
    reference = evaluate_reference(assessment.framework, facts)
    assert durable == reference


def agree_on_generated_answers(file, examples: int) -> None:
    framework = load_framework(file)

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(assessments(framework))
    def check(assessment):
        agree(assessment)

    check()


@pytest.mark.parametrize("file", FRAMEWORK_FILES, ids=lambda f: f.stem)
def test_engine_matches_reference_on_generated_answers(file):
    agree_on_generated_answers(file, 100)    # a quick share on every run; the slow share takes 2,000 each


@pytest.mark.slow
@pytest.mark.parametrize("file", FRAMEWORK_FILES, ids=lambda f: f.stem)
def test_engine_matches_reference_on_many_generated_answers(file):
    agree_on_generated_answers(file, 2000)


# ---------------------------------------------------------------- generated conditions

LEAVES = [
    {"q": "owner", "equals": "named"}, {"q": "owner", "in": ["nobody", "informal"]},
    {"q": "owner", "not_equals": "nobody"}, {"q": "owner", "not_in": ["named_remit"]},
    {"q": "decision_rights", "equals": "yes"}, {"q": "confidence", "ge": 3}, {"q": "confidence", "lt": 2},
    {"q": "org_count", "gt": 2.5}, {"q": "org_count", "le": 1}, {"q": "org_count", "equals": 3},
    {"q": "channels", "contains": "phone"}, {"q": "channels", "contains": ["online", "paper"]},
    {"q": "channels", "contains_any": ["online", "paper"]}, {"q": "practices", "contains_any": ["metrics"]},
    {"q": "pooled_budget", "not_applicable": True}, {"q": "team_size", "answered": True},
    {"q": "team_size", "answered": False}, {"q": "launched", "lt": __import__("datetime").date(2020, 1, 1)},
    {"q": "comment", "answered": True}, {"meta": "scope", "equals": "whole"}, {"meta": "phase", "in": ["beta", "live"]},
    {"q": "forum", "equals": "formal"}, {"q": "anchor", "not_equals": "no"},
    {"q": "launched", "older_than_months": 12}, {"q": "launched", "within_months": 3},
    {"q": "launched", "older_than_months": 0},
]


def conditions(depth: int = 3) -> st.SearchStrategy:
    leaf = st.sampled_from(LEAVES)
    return st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x})), max_leaves=6)


def yaml_of(value, indent: int = 0) -> str:
    import json
    return json.dumps(value)  # JSON is YAML


def generated_rules_settings(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


RULE_SETS = st.lists(conditions(), min_size=2, max_size=4)


@generated_rules_settings(40)   # a quick share on every run
@given(RULE_SETS, st.data())
def test_engine_matches_reference_on_generated_rules(tmp_path_factory, conds, data):
    agree_on_generated_rules(tmp_path_factory, conds, data)


@pytest.mark.slow
@generated_rules_settings(120)
@given(RULE_SETS, st.data())
def test_engine_matches_reference_on_many_generated_rules(tmp_path_factory, conds, data):
    agree_on_generated_rules(tmp_path_factory, conds, data)


def agree_on_generated_rules(tmp_path_factory, conds, data) -> None:
    root = tmp_path_factory.mktemp("gen")
    shutil.copytree(MINI / "questionnaires", root / "questionnaires")
    (root / "rules" / "mini").mkdir(parents=True)
    # the first and last conditions derive a fact that the second condition also looks at (chaining through
    # negation too); with two rules deriving it, the fact is false only when neither holds
    rules = [{"id": "gen-0", "when": conds[0], "derive": "g0"}, {"id": "gen-0b", "when": conds[-1], "derive": "g0"}]
    rules.append({"id": "gen-1", "principle": "accountability", "when": {"any": [{"not": {"fact": "g0"}}, conds[1]]},
                  "finding": {"title": "t", "rationale": "r", "recommendation": "x"}})
    for i, c in enumerate(conds[2:], start=2):
        rules.append({"id": f"gen-{i}", "principle": "funding", "when": {"all": [c, {"fact": "g0"}]},
                      "caps": [{"max_level": 2}]})
    import json
    (root / "rules" / "mini" / "rules.yaml").write_text(json.dumps({"rules": rules}, default=str).replace('"2020-01-01"', "2020-01-01"))
    try:
        framework = load_framework(root / "questionnaires" / "mini.yaml")
    except AssessError as exc:   # only the engine's size limit may refuse a generated rule set
        assert all("alternatives" in d.message for d in exc.diagnostics), exc
        reject()
    for _ in range(15):
        agree(data.draw(assessments(framework)))
