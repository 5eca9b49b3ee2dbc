"""Framework content problems are load-time errors naming file, line and field, all at once."""
from __future__ import annotations

import shutil

import pytest

from assess.errors import AssessError
from assess.frameworks import frameworks_in

from conftest import MINI


@pytest.fixture
def broken(tmp_path):
    """A copy of the mini framework whose rules file each test replaces."""
    root = tmp_path / "fw"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("*.yaml.bak"))

    def with_rules(text: str, questionnaire_edit=None):
        (root / "rules" / "mini" / "rules.yaml").write_text(text, encoding="utf-8")
        if questionnaire_edit:
            q = root / "questionnaires" / "mini.yaml"
            q.write_text(questionnaire_edit(q.read_text(encoding="utf-8")), encoding="utf-8")
        with pytest.raises(AssessError) as exc:
            frameworks_in(root)
        return exc.value.diagnostics
    return with_rules


def rule(rid: str, when: str, extra: str = "") -> str:
    return (f"  - id: {rid}\n    principle: accountability\n    when: {when}\n"
            f"    finding: {{title: T, rationale: R, recommendation: Do it}}\n{extra}")


def test_all_condition_errors_in_one_file_with_lines(broken):
    text = "rules:\n" + rule("a-one", "{q: ownr, equals: named}") + rule("a-two", "{q: owner, gt: 3}") \
        + rule("a-three", "{q: owner, equals: chief}") + rule("a-four", "{q: org_count, frobnicate: 3}") \
        + rule("a-five", "{fact: nowhere}") + rule("a-six", "{q: org_count, lt: 2.4996}")
    diags = broken(text)
    got = {(d.line, d.field): d.message for d in diags}
    assert "unknown question 'ownr' (did you mean 'owner'?)" == got[(4, "rules[0].when.q")]
    assert got[(8, "rules[1].when.gt")].startswith("operator 'gt' does not fit a single question")
    assert got[(12, "rules[2].when.equals")].startswith("'chief' is not an option here")
    assert got[(16, "rules[3].when.frobnicate")].startswith("unknown operator 'frobnicate'")
    assert got[(20, "rules[4].when.fact")] == "unknown derived fact 'nowhere': no rule derives it"
    assert got[(24, "rules[5].when.lt")].startswith("2.4996 has more than 3 decimal places")
    assert all(d.file.endswith("rules.yaml") for d in diags)


def test_duplicate_rule_ids(broken):
    text = "rules:\n" + rule("same", "{q: owner, equals: named}") + rule("same", "{q: owner, equals: nobody}")
    messages = [f"{d.line}:{d.field}:{d.message}" for d in broken(text)]
    assert any(m.startswith("6:rules[1].id:duplicate rule id 'same'") for m in messages)


def test_schema_errors_all_reported(broken):
    text = "rules:\n  - id: Bad_Id\n    when: {q: owner, answered: true}\n    finding: {title: T, rationale: R}\n    severity: huge\n"
    messages = [f"{d.line}:{d.field}:{d.message}" for d in broken(text)]
    assert any(m.startswith("2:rules[0].id:String should match pattern") for m in messages)
    assert "4:rules[0].finding:a risk finding needs a recommendation" in messages
    assert "5:rules[0].severity:unknown field 'severity'" in messages


def test_derived_fact_nobody_uses_and_cycles(broken):
    text = ("rules:\n  - id: d-one\n    when: {fact: two}\n    derive: one\n"
            "  - id: d-two\n    when: {fact: one}\n    derive: two\n"
            "  - id: d-lonely\n    when: {q: owner, answered: true}\n    derive: lonely\n")
    messages = [d.message for d in broken(text)]
    assert "derived fact 'lonely' is used by no condition" in messages
    assert any(m.startswith("derived facts form a cycle: one -> two -> one") for m in messages)


def test_questionnaire_cross_checks(broken):
    def edit(text: str) -> str:
        text = text.replace("informs: [{principle: funding}]\n      - id: pooled_budget",
                            "informs: [{principle: fundng}]\n      - id: pooled_budget")
        text = text.replace("show_if: {q: funding_model, not_equals: project}", "show_if: {q: comment, answered: true}")
        return text.replace("  - id: whole\n", "  - id: money\n")
    diags = broken("rules:\n" + rule("ok-rule", "{q: owner, equals: named}"), edit)
    messages = {d.message for d in diags}
    assert "unknown principle 'fundng' (did you mean 'funding'?)" in messages
    assert "show_if may only refer to questions asked earlier; 'comment' comes later" in messages
    assert "duplicate section id 'money'" in messages
    assert all(d.line > 0 for d in diags)


def test_principle_without_questions(broken):
    def edit(text: str) -> str:
        return text.replace("  - {id: funding, title: Funding, lens: owner}\n",
                            "  - {id: funding, title: Funding, lens: owner}\n  - {id: empty, title: Empty, lens: owner}\n")
    diags = broken("rules:\n" + rule("ok-rule", "{q: owner, equals: named}"), edit)
    assert any(d.message == "principle 'empty' has no scored questions informing it" and d.line == 17 for d in diags)


def test_show_if_cannot_use_derived_facts(broken):
    def edit(text: str) -> str:
        return text.replace("show_if: {q: funding_model, not_equals: project}", "show_if: {fact: multi_organisation}")
    diags = broken(open(MINI / "rules" / "mini" / "rules.yaml").read(), edit)
    assert any("derived facts cannot be used here" in d.message for d in diags)
