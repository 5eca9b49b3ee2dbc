"""Frameworks larger than one engine ruleset holds: split, evaluated, and agreeing with the reference.

durable-rules refuses a ruleset in which more than 256 conditions end on the same test
("error code: 108"); a framework whose rules share a gate such as `phase equals live` meets
that near 260 rules. The engine adapter splits such a framework over several rulesets.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from assess import capacity
from assess.engine import compile_groups, engine, evaluate_reference, plan_parts
from assess.frameworks import load_framework
from assess.pipeline import load_assessment

from conftest import MINI, ROOT, mini_doc, run_cli_here
from generate import large_framework, meta_for, random_answers, write_answers
from strategies import assessments

HOSTILE = ROOT / "tests" / "hostile" / "frameworks"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A generated 1,000-rule framework and one answers file for it (a live service)."""
    root = tmp_path_factory.mktemp("large")
    file = large_framework(root / "fw", 1000)
    framework = load_framework(file)
    rng = random.Random(7)
    meta = dict(meta_for(rng, 1, dt.date(2026, 11, 1)), phase="live")
    answers = write_answers(root / "answers.yaml", framework, random_answers(framework, rng, lean=2.0), meta)
    return root / "fw", framework, answers


def test_a_thousand_rules_are_split_and_chains_cross_the_split(large):
    _, framework, _ = large
    parts = plan_parts(framework)
    assert len(parts) > 1
    assert sum(len(p.definition) - 1 for p in parts) == sum(len(g.rules) for g in compile_groups(framework))
    # facts settled in one ruleset reach the later ones that look at them
    assert any(p.inputs for p in parts[1:])


def test_a_thousand_rules_agree_with_the_reference_evaluator(large):
    _, framework, _ = large

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(assessments(framework))
    def check(assessment):
        facts = assessment.facts()
        assert engine().evaluate(framework, facts) == evaluate_reference(framework, facts)

    check()


def test_evaluate_command_on_a_thousand_rules(large):
    root, framework, answers = large
    done = run_cli_here("validate", str(root))
    assert done.returncode == 0, done.stderr
    assert "1000 rules" in done.stdout
    done = run_cli_here("evaluate", str(answers), "-F", str(root), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assessment = load_assessment(answers, [root])
    expected = evaluate_reference(framework, assessment.facts())
    finding_rules = {r.id for r in framework.rules if r.finding}
    assert {f["rule"] for f in result["findings"]} == set(expected.fired) & finding_rules
    assert len(result["findings"]) > 20
    assert result["derived_facts"] == expected.derived


@pytest.mark.slow
def test_report_lint_and_test_rules_on_a_thousand_rules(large, tmp_path):
    root, _, answers = large
    done = run_cli_here("report", str(answers), "-F", str(root), "--format", "md", "-o", str(tmp_path / "r.md"))
    assert done.returncode == 0, done.stderr
    assert "Finding" in (tmp_path / "r.md").read_text(encoding="utf-8")
    done = run_cli_here("lint", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli_here("test-rules", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2000 of 2000 fixtures passed" in done.stdout


@pytest.mark.slow
def test_report_pdf_on_a_thousand_rules(large, tmp_path):
    root, _, answers = large
    done = run_cli_here("report", str(answers), "-F", str(root), "-o", str(tmp_path / "r.pdf"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_five_thousand_rules_agree_with_the_reference_evaluator(tmp_path):
    framework = load_framework(large_framework(tmp_path / "fw", 5000, rules_per_file=500))
    assert len(plan_parts(framework)) >= 10
    rng = random.Random(11)
    for _ in range(5):
        facts = load_assessment(write_answers(tmp_path / "a.yaml", framework, random_answers(framework, rng),
                                              dict(meta_for(rng, 1, dt.date(2026, 11, 1)), phase="live")), [tmp_path / "fw"]).facts()
        assert engine().evaluate(framework, facts) == evaluate_reference(framework, facts)


# ---------------------------------------------------------------- the counting agrees with the engine

_names = itertools.count()


def _engine_accepts(rules: dict) -> bool:
    import durable_rules_engine
    try:
        durable_rules_engine.create_ruleset(f"capacity-probe-{next(_names)}", json.dumps(rules))
        return True
    except Exception as exc:      # the engine's only report is "Could not create ruleset, error code: N"
        assert "Could not create ruleset" in str(exc)
        return False


def _gated(n: int) -> dict:
    gate = {"$and": [{"t": "m"}, {"k": "phase"}, {"v": "live"}]}
    return {f"r{i}": {"all": [{"m0": gate}, {"m1": {"$and": [{"t": "a"}, {"q": f"q{i % 50}"}, {"st": "a"}]}}]}
            for i in range(n)}


def _negated(n: int) -> dict:
    return {f"r{i}": {"all": [{"m": {"$and": [{"t": "a"}, {"q": "x"}, {"$or": [{"$neq": {"st": "a"}}, {"v": i}]}]}}]}
            for i in range(n)}


def _grouped(n: int) -> dict:
    return {"r": {"all": [{"m": {"$and": [{"t": "a"}, *[{"$and": [{"v": 1}, {"w": j}]} for j in range(n)]]}}]}}


@pytest.mark.parametrize("make, fits, too_many", [(_gated, 240, 300), (_negated, 50, 140), (_grouped, 14, 16)],
                         ids=["conditions-sharing-a-test", "either-or-groups-on-a-test", "groups-in-a-pattern"])
def test_what_usage_accepts_the_engine_holds_and_what_it_refuses_the_engine_refuses(make, fits, too_many):
    assert capacity.Usage().add(make(fits)) is None
    assert _engine_accepts(make(fits))
    assert capacity.Usage().add(make(too_many)) is not None
    assert not _engine_accepts(make(too_many))


def test_usage_keeps_what_one_answer_passes_at_once_below_what_the_engine_queues():
    import durable_rules_engine

    def ranges(n: int) -> dict:
        rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "a"}, {"q": "x"}, {"$gt": {"v": i}}]}}]} for i in range(n)}
        return {"s": {"all": [{"m": {"t": "s"}}]}, **rules}

    def passes(rules: dict) -> bool:
        handle = durable_rules_engine.create_ruleset(f"capacity-probe-{next(_names)}", json.dumps(rules))
        try:
            durable_rules_engine.assert_facts(handle, json.dumps([{"sid": "1", "t": "s"}, {"sid": "1", "t": "a", "q": "x", "v": 1000}]))
            return True
        except Exception as exc:
            assert "error code: 303" in str(exc)
            return False
    assert capacity.Usage().add(ranges(capacity.PASSED_TOGETHER)) is None and passes(ranges(capacity.PASSED_TOGETHER))
    assert capacity.Usage().add(ranges(70)) is not None and not passes(ranges(70))


def test_packed_rulesets_are_each_accepted_by_the_engine():
    groups = [{name: rule} for name, rule in _gated(700).items()]
    parts, refused = capacity.pack(groups, {})
    assert not refused and len(parts) == 3
    for indexes in parts:
        assert _engine_accepts({name: rule for i in indexes for name, rule in groups[i].items()})


# ---------------------------------------------------------------- refused at load time, and hostile files

def test_a_derived_fact_too_large_for_any_ruleset_is_refused_at_load_time(tmp_path, mini_answers):
    import shutil
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    gates = "".join(f"  - id: gate-{i:03d}\n    when: {{meta: phase, equals: live}}\n    derive: live_service\n" for i in range(300))
    consumer = ("  - id: live-finding\n    principle: funding\n    when: {fact: live_service}\n"
                "    finding: {title: Live, rationale: Live., recommendation: Watch.}\n")
    (root / "rules" / "mini" / "gates.yaml").write_text("rules:\n" + gates + consumer, encoding="utf-8")
    for args in (("validate", str(root)), ("evaluate", str(mini_answers(mini_doc())), "-F", str(root))):
        done = run_cli_here(*args)
        assert done.returncode == 2, done.stdout
        assert "Traceback" not in done.stderr
        assert (f"{root / 'rules' / 'mini' / 'gates.yaml'}:4: rules[0].derive: derived fact 'live_service' with its 300 "
                "rule(s) is too large for the rules engine: ") in done.stderr
        assert "conditions share the test" in done.stderr


def test_a_number_question_with_min_above_max_is_refused_naming_line_and_field():
    done = run_cli_here("validate", str(HOSTILE / "minmax"))
    assert done.returncode == 2
    file = HOSTILE / "minmax" / "questionnaires" / "minmax.yaml"
    assert done.stderr.strip().splitlines() == [
        f"error: {file}:25: sections[0].questions[1].max: max 1 is below min 5000: no answer could be in range"]


def test_a_duplicate_option_gives_one_message_with_both_lines():
    done = run_cli_here("validate", str(HOSTILE / "duplicate-option"))
    assert done.returncode == 2
    file = HOSTILE / "duplicate-option" / "questionnaires" / "dupopt.yaml"
    assert done.stderr.strip().splitlines() == [
        f"error: {file}:27: sections[0].questions[1].options[2].id: duplicate option id 'cloud' (first at line 25)"]


def test_one_question_compared_with_600_values_is_split_rather_than_hanging(tmp_path, mini_answers):
    """Past 512 different tests after one test, the engine's ruleset creation loops forever; and an
    answer that passes more than 64 of them at once fails in the engine (error 303)."""
    import shutil
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    rules = "".join(f"  - id: orgs-{i:03d}\n    principle: governance\n    when: {{q: org_count, gt: {i}}}\n"
                    f"    caps: [{{max_level: 4}}]\n" for i in range(600))
    (root / "rules" / "mini" / "orgs.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    framework = load_framework(root / "questionnaires" / "mini.yaml")
    assert len(plan_parts(framework)) >= 10
    answers = mini_answers(mini_doc("  org_count: 300\n", scope="whole"))
    facts = load_assessment(answers, [root]).facts()
    effects = engine().evaluate(framework, facts)
    assert effects == evaluate_reference(framework, facts)
    assert sum(1 for r in effects.fired if r.startswith("orgs-")) == 300
