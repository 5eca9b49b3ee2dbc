"""assess gap: self-assessment against the assessor, per principle, with the answers that differ."""
from __future__ import annotations

import json

from conftest import MINI, mini_doc, run_cli_here

from assess.gap import gap_results
from assess.pipeline import evaluate_file

DIRS = [MINI]
SELF = mini_doc("""  owner: named_remit
  decision_rights: "yes"
  confidence: 5
  practices: [roadmap, metrics, research, retros]
  funding_model: annual
  pooled_budget: "no"
""").replace("phase: live", "phase: live\n  kind: self")
ASSESSOR = mini_doc("""  owner: informal
  decision_rights: "no"
  confidence: 2
  practices: [roadmap]
  funding_model: annual
  pooled_budget: "no"
""").replace("phase: live", "phase: live\n  kind: assessor")


def test_gap_per_principle_matches_each_evaluation(mini_answers):
    s, a = evaluate_file(mini_answers(SELF, "self.yaml"), DIRS), evaluate_file(mini_answers(ASSESSOR, "assessor.yaml"), DIRS)
    g = gap_results(s, a)
    by_id = {p.id: p for p in g.principles}
    for p in s.principles:
        assert by_id[p.id].self_level == p.level
    for p in a.principles:
        assert by_id[p.id].assessor_level == p.level
    acc = by_id["accountability"]
    assert acc.gap == acc.self_level - acc.assessor_level and acc.gap >= 1 and acc.direction == "self-higher"
    assert {d.ref for d in acc.answers} == {"owner", "decision_rights", "confidence", "practices"}
    funding = by_id["funding"]
    assert funding.gap == 0 and funding.direction == "agree" and not funding.answers
    assert [p.id for p in g.large] == ["accountability"]
    assert not g.warnings


def test_swapped_files_give_the_opposite_reading_and_a_warning(mini_answers):
    s, a = evaluate_file(mini_answers(SELF, "self.yaml"), DIRS), evaluate_file(mini_answers(ASSESSOR, "assessor.yaml"), DIRS)
    g = gap_results(a, s)
    acc = next(p for p in g.principles if p.id == "accountability")
    assert acc.direction == "self-lower" and acc.gap <= -1
    assert any("kind: assessor" in w for w in g.warnings)


def test_findings_only_on_one_side(mini_answers):
    s, a = evaluate_file(mini_answers(SELF, "self.yaml"), DIRS), evaluate_file(mini_answers(ASSESSOR, "assessor.yaml"), DIRS)
    g = gap_results(s, a)
    only_a = {f.rule for f in g.only_assessor_findings}
    assert only_a == {f.rule for f in a.findings} - {f.rule for f in s.findings}


def test_cli(mini_answers):
    s, a = mini_answers(SELF, "self.yaml"), mini_answers(ASSESSOR, "assessor.yaml")
    done = run_cli_here("gap", str(s), str(a), "-F", str(MINI), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert next(p for p in json.loads(done.stdout)["principles"] if p["id"] == "accountability")["direction"] == "self-higher"
    md = run_cli_here("gap", str(s), str(a), "-F", str(MINI), "--format", "md")
    assert md.returncode == 0 and "team rates itself higher" in md.stdout
    table = run_cli_here("gap", str(s), str(a), "-F", str(MINI))
    assert table.returncode == 0 and "Accountability" in table.stdout
    bad = run_cli_here("gap", str(s), str(a) + ".missing", "-F", str(MINI))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _dated(text: str, date: str) -> str:
    return text.replace("phase: live", f"phase: live\n  date: {date}")


def test_large_gap_threshold_defaults_to_two_levels(mini_answers):
    # accountability: 4 against 2.67, two levels apart; funding: 2.5 against 1.5, one level apart
    one = mini_doc("  owner: named\n  decision_rights: \"yes\"\n  funding_model: annual\n  pooled_budget: \"no\"\n")
    other = mini_doc("  owner: informal\n  decision_rights: \"yes\"\n  funding_model: project\n  pooled_budget: \"no\"\n")
    s = evaluate_file(mini_answers(one.replace("phase: live", "phase: live\n  kind: self"), "s.yaml"), DIRS)
    a = evaluate_file(mini_answers(other.replace("phase: live", "phase: live\n  kind: assessor"), "a.yaml"), DIRS)
    gaps = {p.id: p.gap for p in gap_results(s, a).principles}
    assert gaps["accountability"] == 2 and gaps["funding"] == 1
    assert [p.id for p in gap_results(s, a).large] == ["accountability"]
    assert {p.id for p in gap_results(s, a, large_gap=1).large} == {"accountability", "funding"}


def test_dates_far_apart_are_stated(mini_answers):
    s = evaluate_file(mini_answers(_dated(SELF, "2026-01-10"), "self.yaml"), DIRS)
    a = evaluate_file(mini_answers(_dated(ASSESSOR, "2026-09-30"), "assessor.yaml"), DIRS)
    g = gap_results(s, a)
    assert g.days_apart == 263 and any("263 days apart" in w for w in g.warnings)
    close = gap_results(s, evaluate_file(mini_answers(_dated(ASSESSOR, "2026-02-01"), "near.yaml"), DIRS))
    assert close.days_apart == 22 and not any("days apart" in w for w in close.warnings)


def test_principle_applying_to_neither_side_does_not_apply(mini_answers):
    # governance belongs to the director lens, which applies only to whole-service assessments
    s, a = evaluate_file(mini_answers(SELF, "self.yaml"), DIRS), evaluate_file(mini_answers(ASSESSOR, "assessor.yaml"), DIRS)
    governance = next(p for p in gap_results(s, a).principles if p.id == "governance")
    assert governance.direction == "not-applicable"
    from assess.cli.gap import gap_markdown, reading
    assert reading(governance) == "does not apply"
    row = next(line for line in gap_markdown(gap_results(s, a)).splitlines() if line.startswith("| Governance"))
    assert "does not apply" in row and "not comparable" not in row


def test_cli_refuses_another_service_and_takes_settings(mini_answers, tmp_path):
    s = mini_answers(SELF, "self.yaml")
    other = mini_answers(ASSESSOR.replace("Test service", "<b>Other</b> service"), "other.yaml")
    refused = run_cli_here("gap", str(s), str(other), "-F", str(MINI))
    assert refused.returncode == 2 and "not the same service" in refused.stderr
    assert "self.yaml" in refused.stderr and "other.yaml" in refused.stderr
    allowed = run_cli_here("gap", str(s), str(other), "-F", str(MINI), "--allow-other-service", "-f", "md")
    assert allowed.returncode == 0 and "<b>" not in allowed.stdout
    settings = tmp_path / "settings.yaml"
    settings.write_text("principles:\n  accountability: {weight: 3}\nrag: {green: 4.5}\n")
    done = run_cli_here("gap", str(s), str(mini_answers(ASSESSOR, "assessor.yaml")), "-F", str(MINI), "-f", "json",
                   "--settings", str(settings), "--large-gap", "1")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    expected = evaluate_file(s, DIRS, settings=settings).framework["hash"]
    assert data["framework"]["hash"] == expected and data["large_gap"] == 1
    bad = run_cli_here("gap", str(s), str(s), "-F", str(MINI), "--large-gap", "0")
    assert bad.returncode == 2 and "--large-gap" in bad.stderr
