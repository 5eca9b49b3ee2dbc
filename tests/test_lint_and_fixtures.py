"""`assess lint` finds each kind of problem; `assess test-rules` fails on a wrong or missing fixture."""
from __future__ import annotations

import shutil

import pytest

from conftest import run_cli
from test_authoring_guide import write_guide_framework


@pytest.fixture
def guide_copy(tmp_path):
    return write_guide_framework(tmp_path / "fw")


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_lint_reports_every_kind_of_problem(guide_copy):
    q = guide_copy / "questionnaires" / "waste-collection.yaml"
    # an unused question; a text reference to an unknown question
    edit(q, "      - id: rounds\n", "      - id: depots\n        type: number\n        text: How many depots?\n"
                                      "      - id: rounds\n")
    edit(q, "help: Good looks like one named manager", "help: See {answer:round_count}. Good looks like one named manager")
    # a thin principle: measurement loses a scored question
    edit(q, "        informs: [{principle: measurement}]\n      - id: confidence", "      - id: confidence")
    # a cap that no answer can lift; and a rule without any fixture that fires
    rules = guide_copy / "rules" / "waste-collection" / "extra.yaml"
    rules.write_text("rules:\n  - id: wc-live-cap\n    principle: measurement\n    when: {meta: phase, equals: retiring}\n"
                     "    caps: [{max_level: 2}]\n")
    (guide_copy / "tests" / "rules" / "wc-live-cap").mkdir()
    (guide_copy / "tests" / "rules" / "wc-live-cap" / "silent.yaml").write_text("answers: {}\n")
    (guide_copy / "tests" / "rules" / "wc-live-cap" / "fires.yaml").write_text("assessment: {phase: live}\n")
    r = run_cli("lint", str(guide_copy))
    assert r.returncode == 1
    codes = {line.split(": ")[1] + ":" + line.split(": ")[2] for line in r.stdout.splitlines()}
    assert codes == {"unused-question:depots", "unknown-reference:owner", "thin-principle:measurement",
                     "never-fires:wc-live-cap", "cap-never-lifts:wc-live-cap"}


def test_test_rules_fails_on_a_wrong_fixture_and_a_missing_one(guide_copy):
    fixtures = guide_copy / "tests" / "rules"
    (fixtures / "wc-large-service" / "silent.yaml").write_text("answers:\n  rounds: 41\n")
    shutil.rmtree(fixtures / "wc-repeat-misses-fixed")
    (fixtures / "wc-ghost").mkdir()
    r = run_cli("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "wc-large-service: expected the rule to stay silent, it fired" in r.stderr
    assert "MISSING wc-repeat-misses-fixed: no fires*.yaml fixture" in r.stderr
    assert "MISSING wc-ghost: fixture folder for a rule that does not exist" in r.stderr


def test_a_broken_fixture_names_its_line(guide_copy):
    (guide_copy / "tests" / "rules" / "wc-large-service" / "fires.yaml").write_text("answers:\n  rounds: many\n")
    r = run_cli("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "fires.yaml:2: answers.rounds: 'many' is not a number" in r.stderr
