"""assess compare: level changes, findings new/resolved/persisting, caps, and the answers behind them."""
from __future__ import annotations

import json

import pytest

from assess.compare import compare_results, result_from_file
from assess.errors import AssessError
from assess.pipeline import evaluate_file, result_json

from conftest import MINI, ROOT, mini_doc, run_cli_here, run_cli_here
from generate import VARIANT_LABELS, labelled_gated_mini, random_answers, write_answers

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


def test_another_service_is_refused_unless_allowed(mini_answers):
    old = evaluate_file(mini_answers(mini_doc("  owner: named\n").replace("phase: live", "phase: live\n  date: 2026-05-01"), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  owner: named\n").replace("phase: live", "phase: live\n  date: 2025-05-01")
                                     .replace("Test service", "Other service"), "b.yaml"), DIRS)
    with pytest.raises(AssessError) as err:
        compare_results(old, new, names=("a.yaml", "b.yaml"))
    message = str(err.value)
    assert "a.yaml" in message and "b.yaml" in message and "not the same service" in message
    assert "--allow-other-service" in message
    warnings = " ".join(compare_results(old, new, allow_other_service=True).warnings)
    assert "service differs" in warnings and "dated after" in warnings


def test_same_service_despite_case_and_spacing(mini_answers):
    old = evaluate_file(mini_answers(mini_doc("  owner: named\n"), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  owner: named\n").replace("Test service", "test   Service"), "b.yaml"), DIRS)
    assert compare_results(old, new).principles


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    with pytest.raises(AssessError) as err:
        result_from_file(deep)
    assert "deep.json" in str(err.value) and "nested too deeply" in str(err.value)


def test_framework_labels_and_gated_status(tmp_path):
    variant = labelled_gated_mini(tmp_path / "fw", MINI)
    before = tmp_path / "before.yaml"
    before.write_text(mini_doc("  funding_model: project\n  owner: named\n"), encoding="utf-8")
    after = tmp_path / "after.yaml"
    after.write_text(mini_doc("  funding_model: multi_year\n  pooled_budget: \"yes\"\n  owner: named\n"), encoding="utf-8")
    c = compare_results(evaluate_file(before, [variant]), evaluate_file(after, [variant]))
    funding = next(lc for lc in c.principles if lc.id == "funding")
    assert (funding.old_status, funding.old_level, funding.new_status) == ("gated", 1, "scored")
    assert c.rag_labels == VARIANT_LABELS
    md = run_cli_here("compare", str(before), str(after), "-F", str(variant), "-f", "md")
    assert md.returncode == 0, md.stderr
    assert "1 (gated) →" in md.stdout and "Not met to Met" in md.stdout
    assert "Green" not in md.stdout and "Red" not in md.stdout and "Amber" not in md.stdout
    # the board template the PDF is printed from (test_cli_pdf renders a comparison PDF itself)
    import re

    from assess.board import render_html
    html = render_html("compare.html.j2", {"c": c, "title": "comparison"})
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Not met to" in text and "(gated)" in text and "Green" not in text


def test_answers_listed_only_for_principles_that_moved(mini_answers):
    # confidence 4 -> 5 changes an answer that informs accountability, but not its level
    old = evaluate_file(mini_answers(mini_doc("  owner: named\n  decision_rights: \"yes\"\n  confidence: 4\n"), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  owner: named\n  decision_rights: \"yes\"\n  confidence: 5\n"), "b.yaml"), DIRS)
    c = compare_results(old, new)
    acc = next(lc for lc in c.principles if lc.id == "accountability")
    assert acc.movement == "same" and [d.ref for d in acc.drivers] == ["confidence"] and not acc.explained
    from assess.cli.compare import comparison_markdown
    md = comparison_markdown(c)
    row = next(line for line in md.splitlines() if line.startswith("| Accountability"))
    assert "How confident" not in row
    assert "How confident is the owner?: 4" in md          # still in the list of every changed answer


def test_markdown_escapes_user_text_and_names_strengths(mini_answers):
    attack = "<img src=x onerror=alert(1)>"
    old = evaluate_file(mini_answers(mini_doc("  owner: named_remit\n  decision_rights: \"no\"\n")
                                     .replace("Test service", attack), "a.yaml"), DIRS)
    new = evaluate_file(mini_answers(mini_doc("  owner: named_remit\n  decision_rights: \"yes\"\n  comment: \"[x](javascript:alert(1))\"\n")
                                     .replace("Test service", attack)
                                     .replace("phase: live", f"phase: live\n  respondent: \"{attack}\""), "b.yaml"), DIRS)
    from assess.cli.compare import comparison_markdown
    md = comparison_markdown(compare_results(old, new))
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)" in md
    assert "[x](javascript" not in md
    strengths = [line for line in md.splitlines() if "A strong single owner" in line]
    assert strengths and all(line.startswith("- **strength**") for line in strengths)
    assert "**info**" not in md


def test_cli_formats(pair):
    js = run_cli_here("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "json")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert {f["finding"]["rule"] for f in data["findings"] if f["status"] == "resolved"} >= {"mini-no-rights"}
    md = run_cli_here("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "md")
    assert md.returncode == 0 and "## Resolved findings" in md.stdout and "Can the owner make decisions?: No → Yes" in md.stdout
    table = run_cli_here("compare", str(pair[0]), str(pair[1]), "-F", str(MINI))
    assert table.returncode == 0 and "Accountability" in table.stdout


def test_cli_pdf(pair, tmp_path):
    out = tmp_path / "compare.pdf"
    done = run_cli_here("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "--format", "pdf", "-o", str(out))
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Owner without decision rights" in text and "Accountability" in text


def other_framework_file(path):
    """A valid answers file for a built-in framework, whatever its current content."""
    import random

    from assess.frameworks import find_framework
    framework = find_framework("service-standard")
    meta = {"service": "Test service", "scope": "part", "phase": "beta", "date": "2026-10-01"}
    return write_answers(path, framework, random_answers(framework, random.Random(3)), meta)


def test_cli_bad_input_exits_2(pair, tmp_path):
    missing = run_cli_here("compare", str(pair[0]), str(tmp_path / "nope.yaml"), "-F", str(MINI))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
    other = run_cli_here("compare", str(pair[0]), str(other_framework_file(tmp_path / "standard.yaml")), "-F", str(MINI))
    assert other.returncode == 2 and "cannot compare" in other.stderr
    assert "old.yaml" in other.stderr and "standard.yaml" in other.stderr
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(pair[1].read_text().replace("Test service", "Another service"))
    refused = run_cli_here("compare", str(pair[0]), str(renamed), "-F", str(MINI))
    assert refused.returncode == 2 and "not the same service" in refused.stderr and "renamed.yaml" in refused.stderr
    allowed = run_cli_here("compare", str(pair[0]), str(renamed), "-F", str(MINI), "--allow-other-service", "-f", "json")
    assert allowed.returncode == 0 and "warning: the service differs" in allowed.stderr
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    nested = run_cli_here("compare", str(deep), str(pair[1]), "-F", str(MINI))
    assert nested.returncode == 2 and "nested too deeply" in nested.stderr and "Traceback" not in nested.stderr


def test_settings_change_the_levels_compared(pair, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text("rag: {green: 4.9, amber: 4.8}\n")
    from assess.pipeline import evaluate_file as ev
    done = run_cli_here("compare", str(pair[0]), str(pair[1]), "-F", str(MINI), "-f", "json", "--settings", str(settings))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    expected = {p.id: p.rag for p in ev(pair[1], DIRS, settings=settings).principles}
    assert {p["id"]: p["new_rag"] for p in data["principles"]} == expected
    assert "green" not in expected.values()          # the organisation's stricter thresholds were used


def test_a_json_file_that_is_not_a_saved_result_is_named_as_such(tmp_path):
    schema = tmp_path / "answers.schema.json"
    schema.write_text(run_cli_here("schema", "answers").stdout)
    example = ROOT / "examples" / "service-ownership" / "live-no-team.yaml"
    done = run_cli_here("compare", str(schema), str(example))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"error: {schema}: not an assessment result: a saved result is what " \
                                  "`assess evaluate FILE --format json` prints"
