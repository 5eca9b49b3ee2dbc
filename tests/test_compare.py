"""assess compare: level changes, findings new/resolved/persisting, caps, and the answers behind them."""
from __future__ import annotations

import json

import pytest

from assess.compare import compare_results, result_from_file
from assess.errors import AssessError
from assess.pipeline import evaluate_file, result_json

from conftest import MINI, mini_doc, run_cli

DIRS = [MINI]

# Before: a named owner without decision rights (finding + cap on accountability), annual funding.
OLD = mini_doc("""  owner: named
  decision_rights: "no"
  confidence: 4
  practices: [roadmap, metrics, research]
  funding_model: annual
  pooled_budget: "no"
  team_size: 2
""")
# After: decision rights granted (finding resolved, cap lifted); funding fell back to projects (new finding).
NEW = mini_doc("""  owner: named
  decision_rights: "yes"
  confidence: 4
  practices: [roadmap, metrics, research]
  funding_model: project
  pooled_budget: "no"
""")


@pytest.fixture
def pair(mini_answers):
    return mini_answers(OLD, "old.yaml"), mini_answers(NEW, "new.yaml")


def _principle(result, pid):
    return next(p for p in result.principles if p.id == pid)


def test_levels_match_each_evaluation_and_changes_are_explained(pair):
    old, new = (evaluate_file(p, DIRS) for p in pair)
    c = compare_results(old, new)
    for lc in c.principles:
        assert lc.old_level == _principle(old, lc.id).level
        assert lc.new_level == _principle(new, lc.id).level
    acc = next(lc for lc in c.principles if lc.id == "accountability")
    assert acc.old_level < acc.new_level and acc.movement == "up" and acc.delta == acc.new_level - acc.old_level
    assert [cap.rule for cap in acc.caps_lifted] == ["mini-no-rights"] and not acc.caps_added
    # decision_rights changed and informs accountability; owner and confidence did not change
    assert [d.ref for d in acc.drivers] == ["decision_rights"]
    assert acc.drivers[0].old_label == "No" and acc.drivers[0].new_label == "Yes"
    funding = next(lc for lc in c.principles if lc.id == "funding")
    assert "funding_model" in [d.ref for d in funding.drivers]
    assert "decision_rights" not in [d.ref for d in funding.drivers]
    assert c.overall.old_level == old.overall["level"] and c.overall.new_level == new.overall["level"]


def test_findings_new_resolved_persisting(pair):
    old, new = (evaluate_file(p, DIRS) for p in pair)
    c = compare_results(old, new)
    status = {fc.finding.rule: fc.status for fc in c.findings}
    old_rules, new_rules = {f.rule for f in old.findings}, {f.rule for f in new.findings}
    assert {r for r, s in status.items() if s == "new"} == new_rules - old_rules
    assert {r for r, s in status.items() if s == "resolved"} == old_rules - new_rules
    assert {r for r, s in status.items() if s == "persisting"} == old_rules & new_rules
    assert status["mini-no-rights"] == "resolved" and status["mini-project-funded"] == "new"
    resolved = next(fc for fc in c.findings if fc.finding.rule == "mini-no-rights")
    assert [d.ref for d in resolved.drivers] == ["decision_rights"]
    new_finding = next(fc for fc in c.findings if fc.finding.rule == "mini-project-funded")
    assert [d.ref for d in new_finding.drivers] == ["funding_model"]


def test_same_assessment_twice_changes_nothing(pair):
    result = evaluate_file(pair[0], DIRS)
    c = compare_results(result, result)
    assert all(lc.movement == "same" and not lc.drivers for lc in c.principles + c.lenses)
    assert not c.answers_changed and not c.facts_changed and not c.warnings
    assert {fc.status for fc in c.findings} <= {"persisting"}


def test_hidden_answer_counts_as_unanswered(mini_answers):
    # team_size is only asked when funding is not project-based: the same number typed in
    # both files is "changed" from what scoring saw once the question is hidden
    old = evaluate_file(mini_answers(mini_doc("  funding_model: annual\n  team_size: 5\n"), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  funding_model: project\n  team_size: 5\n"), "b.yaml"), DIRS)
    changed = {a.ref: a for a in compare_results(old, new).answers_changed}
    assert changed["team_size"].new_label == "Not asked"


def test_result_json_and_answers_file_compare_alike(pair, tmp_path):
    saved = tmp_path / "old-result.json"
    saved.write_text(result_json(evaluate_file(pair[0], DIRS)))
    from_json = compare_results(result_from_file(saved, DIRS), result_from_file(pair[1], DIRS))
    from_yaml = compare_results(result_from_file(pair[0], DIRS), result_from_file(pair[1], DIRS))
    assert from_json == from_yaml


def test_bad_result_json_is_a_clear_error(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text('{"schema_version": "1.0"')
    with pytest.raises(AssessError) as err:
        result_from_file(bad)
    assert "r.json" in str(err.value) and "invalid JSON" in str(err.value)


def test_warns_about_order_and_service(mini_answers):
    old = evaluate_file(mini_answers(mini_doc("  owner: named\n").replace("phase: live", "phase: live\n  date: 2026-05-01"), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  owner: named\n").replace("phase: live", "phase: live\n  date: 2025-05-01")
                                     .replace("Test service", "Other service"), "b.yaml"), DIRS)
    warnings = " ".join(compare_results(old, new).warnings)
    assert "service differs" in warnings and "dated after" in warnings


def test_cli_formats(pair):
    js = run_cli("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "json")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert {f["finding"]["rule"] for f in data["findings"] if f["status"] == "resolved"} >= {"mini-no-rights"}
    md = run_cli("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "md")
    assert md.returncode == 0 and "## Resolved findings" in md.stdout and "Can the owner make decisions?: No → Yes" in md.stdout
    table = run_cli("compare", str(pair[0]), str(pair[1]), "-F", str(MINI))
    assert table.returncode == 0 and "Accountability" in table.stdout


def test_cli_pdf(pair, tmp_path):
    out = tmp_path / "compare.pdf"
    done = run_cli("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "pdf", "-o", str(out))
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Owner without decision rights" in text and "Accountability" in text


def test_cli_bad_input_exits_2(pair, tmp_path):
    missing = run_cli("compare", str(pair[0]), str(tmp_path / "nope.yaml"), "-F", str(MINI))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
    other = run_cli("compare", str(pair[0]), "examples/service-ownership/live-no-team.yaml", "-F", str(MINI))
    assert other.returncode == 2 and "cannot compare" in other.stderr
