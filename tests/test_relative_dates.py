"""Dates compared with the assessment's own date: older_than_months and within_months."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess import conditions as cond
from assess.answers import load_answers
from assess.describe import describe
from assess.engine import engine, evaluate_reference
from assess.errors import AssessError
from assess.frameworks import load_framework

from conftest import MINI, ROOT, run_cli_here

D = dt.date


@pytest.mark.parametrize("earlier, later, months", [
    (D(2025, 11, 30), D(2026, 11, 30), 12),    # the same day a year on: a full year
    (D(2025, 12, 1), D(2026, 11, 30), 11),
    (D(2026, 1, 31), D(2026, 2, 28), 1),       # a shorter month counts from its last day
    (D(2026, 1, 31), D(2026, 2, 27), 0),
    (D(2024, 2, 29), D(2025, 2, 28), 12),
    (D(2026, 11, 30), D(2026, 11, 30), 0),
    (D(2026, 12, 1), D(2026, 11, 30), 0),      # a day ahead is not a month ahead
    (D(2027, 2, 1), D(2026, 11, 30), -2),
])
def test_whole_months_between_dates(earlier, later, months):
    assert cond.months_between(earlier, later) == months


@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)), st.dates(D(1900, 1, 1), D(2100, 12, 31)))
def test_months_between_is_the_largest_whole_number_of_months_that_fits(a, b):
    earlier, later = min(a, b), max(a, b)
    m = cond.months_between(earlier, later)
    assert cond.add_months(earlier, m) <= later < cond.add_months(earlier, m + 1)
    assert cond.months_between(later, earlier) == -m


RULES = """rules:
  - id: mini-launch-old
    principle: accountability
    when:
      all:
        - {q: owner, equals: named}
        - {q: launched, older_than_months: 24}
    finding: {severity: medium, title: Old launch, rationale: "Launched {answer:launched}.", recommendation: Review.}
  - id: mini-launch-recent
    principle: accountability
    when: {not: {q: launched, older_than_months: 6}}
    finding: {severity: low, title: Not yet six months old or unknown, rationale: r, recommendation: x}
  - id: mini-launch-within
    principle: accountability
    when: {q: launched, within_months: 6}
    finding: {severity: low, title: Launched in the last six months, rationale: r, recommendation: x}
"""


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    root = tmp_path_factory.mktemp("dated")
    shutil.copytree(MINI, root / "fw")
    (root / "fw" / "rules" / "mini" / "rules.yaml").write_text(RULES)
    return root


def fired(root, date_line: str, launched: str) -> set[str]:
    answers = root / "answers.yaml"
    answers.write_text("assessment:\n  framework: mini\n  service: S\n  scope: part\n  phase: live\n" + date_line
                       + f"answers:\n  owner: named\n  launched: {launched}\n")
    assessment = load_answers(answers, [root / "fw"])
    facts = assessment.facts()
    durable = engine().evaluate(assessment.framework, facts)
    assert durable == evaluate_reference(assessment.framework, facts)
    return set(durable.fired)


@pytest.mark.parametrize("date_line, launched, expected", [
    ("  date: 2026-11-30\n", "2024-11-30", {"mini-launch-old"}),                  # exactly 24 months
    ("  date: 2026-11-30\n", "2024-12-01", set()),                                # a day short of 24
    ("  date: 2026-11-30\n", "2026-06-01", {"mini-launch-recent", "mini-launch-within"}),
    ("  date: 2026-11-30\n", "2027-01-01", {"mini-launch-recent", "mini-launch-within"}),   # after the assessment
    ("", "2001-01-01", {"mini-launch-recent"}),     # no assessment date: no month count holds, its negation does
])
def test_rules_count_months_to_the_assessment_date(dated, date_line, launched, expected):
    assert fired(dated, date_line, launched) == expected


@pytest.mark.parametrize("operand, message", [
    (-1, "not a number of months"), (1.5, "not a number of months"), ("true", "not a number of months"),
    (1201, "not a number of months"),
])
def test_a_month_count_must_be_a_whole_number_in_range(tmp_path, operand, message):
    shutil.copytree(MINI, tmp_path / "fw")
    (tmp_path / "fw" / "rules" / "mini" / "rules.yaml").write_text(
        "rules:\n  - id: mini-bad\n    principle: accountability\n"
        f"    when: {{q: launched, older_than_months: {operand}}}\n"
        "    finding: {severity: low, title: t, rationale: r, recommendation: x}\n")
    with pytest.raises(AssessError) as info:
        load_framework(tmp_path / "fw" / "questionnaires" / "mini.yaml")
    diag = info.value.diagnostics[0]
    assert message in diag.message and diag.line == 4 and diag.field.endswith("older_than_months")


def test_month_counts_only_fit_dates(tmp_path):
    shutil.copytree(MINI, tmp_path / "fw")
    (tmp_path / "fw" / "rules" / "mini" / "rules.yaml").write_text(
        "rules:\n  - id: mini-bad\n    principle: accountability\n"
        "    when: {q: org_count, within_months: 3}\n"
        "    finding: {severity: low, title: t, rationale: r, recommendation: x}\n")
    with pytest.raises(AssessError) as info:
        load_framework(tmp_path / "fw" / "questionnaires" / "mini.yaml")
    assert "does not fit a number question" in info.value.diagnostics[0].message


def test_month_counts_read_in_plain_words(dated):
    framework = load_framework(dated / "fw" / "questionnaires" / "mini.yaml")
    node = framework.rule_conditions["mini-launch-recent"]
    assert describe(node, framework) == "launched is less than 6 months before the assessment"


def test_validate_says_when_a_missing_date_stops_month_counts(tmp_path):
    housing = (ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml").read_text()
    undated = tmp_path / "undated.yaml"
    undated.write_text("".join(line for line in housing.splitlines(keepends=True) if not line.startswith("  date:")))
    out = run_cli_here("validate", str(undated))
    assert out.returncode == 0
    assert "no date, so conditions that count months from agreement_reviewed" in out.stdout
    assert "no date" not in run_cli_here("validate", str(ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml")).stdout


def test_the_housing_partnership_is_told_its_agreement_review_is_overdue():
    path = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
    out = run_cli_here("evaluate", str(path), "--format", "json")
    import json
    findings = {f["rule"]: f for f in json.loads(out.stdout)["findings"]}
    overdue = findings["so-agreement-review-overdue"]
    assert "2024-05-20" in overdue["rationale"] and overdue["severity"] == "low"


def test_compare_names_the_assessment_date_when_time_alone_raises_a_finding(tmp_path):
    housing = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
    earlier = tmp_path / "earlier.yaml"
    earlier.write_text(housing.read_text().replace("  date: 2026-11-28\n", "  date: 2025-01-15\n"))
    out = run_cli_here("compare", str(earlier), str(housing), "--format", "json")
    import json
    findings = {f["finding"]["rule"]: f for f in json.loads(out.stdout)["findings"]}
    overdue = findings["so-agreement-review-overdue"]
    assert overdue["status"] == "new"
    assert [(d["ref"], d["old_label"], d["new_label"]) for d in overdue["drivers"]] == [("meta.date", "2025-01-15", "2026-11-28")]
    assert {b["ref"] for b in overdue["finding"]["because"]} >= {"agreement_reviewed", "meta.date"}
    # a finding that holds both times is not said to be driven by the date moving on
    assert all(d["ref"] != "meta.date" for f in findings.values() if f["status"] == "persisting" for d in f["drivers"])


def test_a_comparison_with_no_changed_answers_gives_that_no_page_of_its_own(tmp_path):
    from report_helpers import pdf_pages_text
    housing = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
    earlier = tmp_path / "earlier.yaml"
    earlier.write_text(housing.read_text().replace("  date: 2026-11-28\n", "  date: 2025-01-15\n"))
    out = tmp_path / "compare.pdf"
    done = run_cli_here("compare", str(earlier), str(housing), "--format", "pdf", "-o", str(out))
    assert done.returncode == 0, done.stderr
    pages = pdf_pages_text(out)
    assert "No principle's level or caps changed because of an answer" in pages[0]
    findings = next(p for p in pages if "New since the earlier assessment" in p)
    assert "Assessment date: 2025-01-15 to 2026-11-28" in " ".join(findings.split())
