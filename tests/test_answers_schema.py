"""`assess schema answers --framework ID`: editors catch misspelt ids and options, and agree with the loader."""
from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from assess.answers import load_answers
from assess.errors import AssessError
from assess.frameworks import discover, load_framework
from assess.yamlio import load_yaml

from conftest import MINI, ROOT, mini_doc, run_cli

def as_json(value):
    """What a YAML editor hands the schema: dates are text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


@pytest.fixture(scope="module")
def mini_validator():
    r = run_cli("schema", "answers", "--framework", "mini", "-F", str(MINI))
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator, text: str) -> list[str]:
    return [e.message for e in validator.iter_errors(as_json(load_yaml("a.yaml", text=text).data))]


def test_a_good_answers_file_passes(mini_validator):
    assert problems(mini_validator, (MINI / "whole.yaml").read_text()) == []


@pytest.mark.parametrize("answer", [
    "ownr: named",                       # misspelt question id
    "owner: chief",                      # an option the question does not have
    "channels: [online, fax]",
    "channels: [online, online]",
    "decision_rights: maybe",
    "confidence: 6",                     # above the scale
    "confidence: 2.5",                   # a scale takes whole numbers
    "org_count: 0",                      # below min
    "launched: 1st May",
    "owner: {n/a: no owner}",            # n/a where the question does not allow it
    "pooled_budget: {n/a: ''}",          # n/a needs a reason
    "pooled_budget: {na: one funder}",
])
def test_each_mistake_is_caught_by_the_schema_and_by_the_loader(mini_validator, mini_answers, answer):
    text = mini_doc(f"  {answer}\n")
    assert problems(mini_validator, text), answer
    with pytest.raises(AssessError):
        load_answers(mini_answers(text), [MINI])


@pytest.mark.parametrize("answer", ["owner: named", "channels: [online, paper]", "channels: phone", "channels: []",
                                    "decision_rights: 'yes'", "decision_rights: false", "confidence: 5", "org_count: 2.5",
                                    "launched: 2020-02-29", "pooled_budget: {n/a: One funder}", "owner:", "comment: 42",
                                    "team_size: '12'"])
def test_what_the_loader_accepts_the_schema_accepts(mini_validator, mini_answers, answer):
    text = mini_doc(f"  {answer}\n")
    load_answers(mini_answers(text), [MINI])
    assert problems(mini_validator, text) == []


def test_evidence_and_notes_are_keyed_by_question_ids(mini_validator):
    text = mini_doc("  owner: named\n") + "evidence:\n  ownr: The remit\nnotes:\n  owner: [not, text]\n"
    assert len(problems(mini_validator, text)) == 2


def test_every_built_in_example_passes_its_framework_schema():
    from assess.schemas import answers_schema
    for fid, file in sorted(discover().items()):
        validator = jsonschema.Draft202012Validator(answers_schema(load_framework(file)))
        examples = sorted((ROOT / "examples" / fid).glob("*.yaml"))
        assert examples, fid
        for example in examples:
            assert [e.message for e in validator.iter_errors(as_json(load_yaml(example).data))] == [], example


def test_the_plain_answers_schema_stays_and_framework_applies_to_answers_only():
    plain = json.loads(run_cli("schema", "answers").stdout)
    assert plain["properties"]["answers"]["type"] == "object" and "properties" not in plain["properties"]["answers"]
    r = run_cli("schema", "rules", "--framework", "mini", "-F", str(MINI))
    assert r.returncode == 2 and "--framework applies to `assess schema answers` only" in r.stderr
    r = run_cli("schema", "answers", "--framework", "minni", "-F", str(MINI))
    assert r.returncode == 2 and "did you mean 'mini'" in r.stderr
