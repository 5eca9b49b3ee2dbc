"""The engine's fast fact encoding gives exactly the facts engine_facts() describes."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from assess.engine import FactEncoder, engine_facts, referenced_questions
from assess.frameworks import discover, load_framework

from conftest import MINI
from strategies import assessments

FRAMEWORK_FILES = [MINI / "questionnaires" / "mini.yaml"] + sorted(discover().values())


def encoding_agrees_on_generated_answers(file, examples: int) -> None:
    framework = load_framework(file)
    questions = referenced_questions(framework)
    encoder = FactEncoder(framework, questions)

    @settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(assessments(framework))
    def check(assessment):
        facts = assessment.facts()
        assert json.loads(encoder.encode(facts, "17")) == engine_facts(framework, facts, "17", questions)

    check()


@pytest.mark.parametrize("file", FRAMEWORK_FILES, ids=lambda f: f.stem)
def test_encoded_facts_equal_the_described_facts(file):
    encoding_agrees_on_generated_answers(file, 60)    # a quick share on every run


@pytest.mark.slow
@pytest.mark.parametrize("file", FRAMEWORK_FILES, ids=lambda f: f.stem)
def test_encoded_facts_equal_the_described_facts_on_many_answers(file):
    encoding_agrees_on_generated_answers(file, 400)
