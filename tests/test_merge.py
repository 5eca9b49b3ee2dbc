"""assess merge: the documented rule per question type, spread, discussion marks, evidence kept."""
from __future__ import annotations

from conftest import MINI, run_cli

from assess.answers import NOT_APPLICABLE, load_answers
from assess.merge import merge_assessments, merged_yaml

DIRS = [MINI]


def respondent(tmp_path, name: str, answers: str, extra: str = "", date: str = "2026-10-01"):
    path = tmp_path / f"{name.lower()}.yaml"
    path.write_text(f"""assessment:
  framework: mini
  service: Test service
  scope: whole
  phase: live
  respondent: {name}
  date: {date}
answers:
{answers}{extra}""", encoding="utf-8")
    return path


def team(tmp_path):
    return [
        respondent(tmp_path, "Ana", """  owner: nobody
  decision_rights: "yes"
  confidence: 2
  practices: [roadmap, metrics]
  org_count: 3
  comment: Weekly
  funding_model: annual
  pooled_budget: {n/a: One funder}
""", "evidence:\n  owner: Org chart\nnotes:\n  owner: Not sure\n"),
        respondent(tmp_path, "Ben", """  owner: named_remit
  decision_rights: "no"
  confidence: 5
  practices: [roadmap]
  org_count: 8
  comment: Monthly
  funding_model: annual
  pooled_budget: {n/a: Single budget}
""", "evidence:\n  owner: [Remit document, Board minutes]\n", date="2026-11-01"),
        respondent(tmp_path, "Cy", """  owner: informal
  decision_rights: "no"
  confidence: 3
  practices: [roadmap, metrics, retros]
  org_count: 5
  comment: Monthly
  funding_model: annual
  pooled_budget: "no"
"""),
    ]


def merged_for(paths):
    assessments = [load_answers(p, DIRS) for p in paths]
    return merge_assessments(assessments), assessments[0].framework


def test_rules_per_type(tmp_path):
    merged, _ = merged_for(team(tmp_path))
    a = merged.answers
    assert a["owner"].value == "informal"            # levels 1, 5, 2: median 2
    assert a["decision_rights"].value == "no"         # levels 4, 1, 1: median 1
    assert a["confidence"].value == 3                 # 2, 5, 3: median 3
    assert a["practices"].value == ["roadmap", "metrics"]   # each chosen by at least two of three
    assert a["org_count"].value == 5                  # median of 3, 8, 5
    assert a["comment"].value == "Monthly"            # most common
    assert a["pooled_budget"].state == NOT_APPLICABLE  # two of three marked it n/a


def test_even_count_takes_the_more_cautious_level(tmp_path):
    paths = team(tmp_path)[:2]                        # Ana: nobody (1), Ben: named_remit (5)
    merged, _ = merged_for(paths)
    assert merged.answers["owner"].value == "nobody"
    assert merged.answers["org_count"].value == 3     # lower middle of 3 and 8
    assert merged.answers["comment"].value == "Weekly"  # a tie goes to the first file


def test_spread_agreement_and_discussion(tmp_path):
    merged, _ = merged_for(team(tmp_path))
    by_q = {q.question: q for q in merged.questions}
    assert by_q["owner"].spread == 4 and by_q["owner"].discuss
    assert by_q["owner"].agreement == round(1 / 3, 4)
    assert by_q["funding_model"].spread == 0 and by_q["funding_model"].agreement == 1 and not by_q["funding_model"].discuss
    assert by_q["decision_rights"].spread == 3 and by_q["decision_rights"].discuss
    assert {q.question for q in merged.to_discuss} == {q for q, m in by_q.items() if m.spread is not None and m.spread >= 2}


def test_written_file_loads_and_keeps_everyone(tmp_path):
    merged, framework = merged_for(team(tmp_path))
    out = tmp_path / "consensus.yaml"
    out.write_text(merged_yaml(merged, framework), encoding="utf-8")
    text = out.read_text()
    back = load_answers(out, DIRS)
    assert {q: a.value for q, a in back.answers.items()} == {q: a.value for q, a in merged.answers.items()}
    assert back.evidence["owner"] == ["Ana: Org chart", "Ben: Remit document", "Ben: Board minutes"]
    assert back.notes["owner"].startswith("Ana: Not sure\nSpread: 4 levels")
    assert "funding_model" not in back.notes          # everyone agreed
    assert "# discuss: answers spread 4 levels" in text
    assert back.meta.respondent == "Consensus of Ana, Ben, Cy"
    assert str(back.meta.date) == "2026-11-01"        # the latest respondent's date


def test_cli_writes_and_refuses_to_overwrite(tmp_path):
    paths = [str(p) for p in team(tmp_path)]
    out = tmp_path / "consensus.yaml"
    done = run_cli("merge", *paths, "-o", str(out), "-F", str(MINI))
    assert done.returncode == 0, done.stderr
    assert "to discuss" in done.stderr and "discuss owner" in done.stderr
    assert load_answers(out, DIRS).answers["owner"].value == "informal"
    again = run_cli("merge", *paths, "-o", str(out), "-F", str(MINI))
    assert again.returncode == 2 and "already exists" in again.stderr
    onto_input = run_cli("merge", *paths, "-o", paths[0], "--force", "-F", str(MINI))
    assert onto_input.returncode == 2 and "respondents' files" in onto_input.stderr


def test_cli_bad_respondent_file_named(tmp_path):
    paths = [str(p) for p in team(tmp_path)]
    broken = tmp_path / "broken.yaml"
    broken.write_text("assessment:\n  framework: mini\n  service: S\nanswers:\n  owner: chief\n")
    done = run_cli("merge", *paths, str(broken), "-o", str(tmp_path / "c.yaml"), "-F", str(MINI))
    assert done.returncode == 2 and "broken.yaml:5" in done.stderr and not (tmp_path / "c.yaml").exists()
    other = run_cli("merge", paths[0], "examples/service-ownership/live-no-team.yaml", "-o", str(tmp_path / "d.yaml"), "-F", str(MINI))
    assert other.returncode == 2 and "one framework" in other.stderr
