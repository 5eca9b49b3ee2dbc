"""assess gap: self-assessment against the assessor, per principle, with the answers that differ."""
from __future__ import annotations

import json

from conftest import MINI, mini_doc, run_cli

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
    done = run_cli("gap", str(s), str(a), "-F", str(MINI), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert next(p for p in json.loads(done.stdout)["principles"] if p["id"] == "accountability")["direction"] == "self-higher"
    md = run_cli("gap", str(s), str(a), "-F", str(MINI), "--format", "md")
    assert md.returncode == 0 and "team rates itself higher" in md.stdout
    table = run_cli("gap", str(s), str(a), "-F", str(MINI))
    assert table.returncode == 0 and "Accountability" in table.stdout
    bad = run_cli("gap", str(s), str(a) + ".missing", "-F", str(MINI))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
