"""assess merge: the documented rule per question type, spread, discussion marks, evidence kept."""
from __future__ import annotations

import itertools
import random

import pytest
from conftest import MINI, run_cli, run_cli_here
from generate import random_answers, write_answers

from assess.answers import ANSWERED, NOT_APPLICABLE, Answer, load_answers
from assess.errors import AssessError
from assess.merge import merge_assessments, merged_yaml, scrutiny

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


def merged_for(paths, dirs=DIRS):
    assessments = [load_answers(p, dirs) for p in paths]
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
    # beyond a wide spread: org_count gates a rule and the team disagree; pooled_budget is n/a to two, "no" to one
    wide = {q for q, m in by_q.items() if m.spread is not None and m.spread >= 2}
    assert {q.question for q in merged.to_discuss} == wide | {"org_count", "pooled_budget"}
    assert by_q["org_count"].gating and "decides which questions and rules apply" in by_q["org_count"].discuss_reason
    assert by_q["pooled_budget"].discuss_reason == "2 of 3 marked it n/a, the others answered it"


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
    done = run_cli_here("merge", *paths, "-o", str(out), "-F", str(MINI))
    assert done.returncode == 0, done.stderr
    assert "to discuss" in done.stderr and "discuss owner" in done.stderr
    assert load_answers(out, DIRS).answers["owner"].value == "informal"
    again = run_cli_here("merge", *paths, "-o", str(out), "-F", str(MINI))
    assert again.returncode == 2 and "already exists" in again.stderr
    onto_input = run_cli_here("merge", *paths, "-o", paths[0], "--force", "-F", str(MINI))
    assert onto_input.returncode == 2 and "respondents' files" in onto_input.stderr


def test_cli_bad_respondent_file_named(tmp_path):
    paths = [str(p) for p in team(tmp_path)]
    broken = tmp_path / "broken.yaml"
    broken.write_text("assessment:\n  framework: mini\n  service: S\nanswers:\n  owner: chief\n")
    done = run_cli_here("merge", *paths, str(broken), "-o", str(tmp_path / "c.yaml"), "-F", str(MINI))
    assert done.returncode == 2 and "broken.yaml:5" in done.stderr and not (tmp_path / "c.yaml").exists()
    standard = standard_file(tmp_path / "standard.yaml", {}, "Standard respondent")
    other = run_cli_here("merge", paths[0], str(standard), "-o", str(tmp_path / "d.yaml"), "-F", str(MINI))
    assert other.returncode == 2 and "one framework" in other.stderr
    assert "standard.yaml" in other.stderr and "ana.yaml" in other.stderr


def standard_file(path, overrides: dict, name: str, phase: str = "beta"):
    """A service-standard answers file: generated answers, with the given ones set (None: unanswered)."""
    from assess.frameworks import find_framework
    framework = find_framework("service-standard")
    answers = random_answers(framework, random.Random(7), lean=3.0, answered=1.0, na=0.0)
    answers.update({q: Answer(ANSWERED, v) for q, v in overrides.items() if v is not None})
    answers = {q: a for q, a in answers.items() if overrides.get(q, "") is not None}
    meta = {"service": "Apply for a permit", "scope": "whole", "phase": phase, "respondent": name, "date": "2026-10-01"}
    return write_answers(path, framework, answers, meta)


def test_unscored_gate_ties_keep_the_scrutiny(tmp_path):
    """personal_data: yes against no; "no" would hide the data protection questions and rules."""
    yes = standard_file(tmp_path / "yes.yaml", {"personal_data": "yes", "dpia": "none"}, "Dana")
    no = standard_file(tmp_path / "no.yaml", {"personal_data": "no", "dpia": None}, "Eli")
    merged, framework = merged_for([yes, no], [])
    assert merged.answers["personal_data"].value == "yes"
    pd = next(q for q in merged.questions if q.question == "personal_data")
    assert pd.gating and pd.discuss and "decides which questions and rules apply" in pd.discuss_reason
    out = tmp_path / "consensus.yaml"
    out.write_text(merged_yaml(merged, framework), encoding="utf-8")
    consensus = load_answers(out)
    assert consensus.visible()["dpia"] and consensus.answer("dpia").value == "none"
    from assess.pipeline import evaluate
    high = [f for f in evaluate(consensus).findings if f.severity == "high" and "personal_data" in {b.ref for b in f.because}]
    assert high, "the data protection finding the 'yes' answer raises is kept"
    meta = {"scope": "whole", "phase": "beta", "kind": "self"}
    assert scrutiny(framework, "personal_data", Answer(ANSWERED, "yes"), meta) > \
        scrutiny(framework, "personal_data", Answer(ANSWERED, "no"), meta)


def test_number_and_multi_ties_on_gates_keep_the_scrutiny(tmp_path):
    # org_count >= 3 can make the service multi-organisation (a cap); phone without online, a finding
    a = respondent(tmp_path, "Ana", "  org_count: 2\n  channels: [phone]\n  confidence: 2\n").read_text()
    (tmp_path / "ana.yaml").write_text(a.replace("scope: whole", "scope: part"))
    b = respondent(tmp_path, "Ben", "  org_count: 5\n  channels: [online]\n  confidence: 2\n").read_text()
    (tmp_path / "ben.yaml").write_text(b.replace("scope: whole", "scope: part"))
    merged, _ = merged_for([tmp_path / "ana.yaml", tmp_path / "ben.yaml"])
    assert merged.answers["org_count"].value == 5           # not the lower middle value 2
    assert merged.answers["channels"].value == ["phone"]    # each option chosen by half
    by_q = {q.question: q for q in merged.questions}
    assert by_q["org_count"].discuss and by_q["channels"].discuss and not by_q["confidence"].discuss


def test_order_of_the_files_does_not_change_the_consensus(tmp_path):
    paths = team(tmp_path)
    outputs = set()
    for order in itertools.permutations(paths):
        merged, framework = merged_for(list(order))
        outputs.add(merged_yaml(merged, framework))
    assert len(outputs) == 1


def test_the_same_file_twice_is_refused(tmp_path):
    paths = team(tmp_path)
    with pytest.raises(AssessError) as err:
        merged_for([paths[0], paths[1], paths[0]])
    assert "same file" in str(err.value) and "ana.yaml" in str(err.value)
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(paths[1].read_bytes())
    with pytest.raises(AssessError) as err:
        merged_for([paths[0], paths[1], copy])
    assert "same content" in str(err.value)
    done = run_cli("merge", "ana.yaml", str(paths[0]), "-o", str(tmp_path / "c.yaml"), "-F", str(MINI), cwd=tmp_path)
    assert done.returncode == 2 and "same file" in done.stderr and not (tmp_path / "c.yaml").exists()


def test_another_service_is_refused_unless_allowed(tmp_path):
    paths = team(tmp_path)
    other = tmp_path / "other.yaml"
    other.write_text(paths[2].read_text().replace("Test service", "Other service").replace("Cy", "Dee"))
    with pytest.raises(AssessError) as err:
        merged_for([paths[0], other])
    assert "not the same service" in str(err.value) and "other.yaml" in str(err.value)
    merged = merge_assessments([load_answers(p, DIRS) for p in (paths[0], other)], allow_other_service=True)
    assert any("different services" in w for w in merged.warnings)


def test_identical_evidence_is_kept_once_with_every_name(tmp_path):
    a = respondent(tmp_path, "Ana", "  owner: named\n", "evidence:\n  owner: [Board minutes, Org chart]\nnotes:\n  owner: Check\n")
    b = respondent(tmp_path, "Ben", "  owner: named\n", "evidence:\n  owner: Board minutes\nnotes:\n  owner: Check\n")
    merged, _ = merged_for([a, b])
    assert merged.evidence["owner"] == ["Ana, Ben: Board minutes", "Ana: Org chart"]
    assert merged.notes["owner"] == "Ana, Ben: Check"


def test_split_between_na_and_an_answer_is_not_a_zero_spread(tmp_path):
    a = respondent(tmp_path, "Ana", "  pooled_budget: {n/a: One funder}\n")
    b = respondent(tmp_path, "Ben", "  pooled_budget: \"yes\"\n")
    merged, _ = merged_for([a, b])
    q = next(q for q in merged.questions if q.question == "pooled_budget")
    assert merged.answers["pooled_budget"].value == "yes"   # a tie keeps the question in
    assert q.discuss and "0 levels" not in merged.notes["pooled_budget"]
    assert "1 of 2 marked it n/a" in merged.notes["pooled_budget"]


def test_a_panels_decisions_in_one_file_are_not_carried_into_the_consensus_and_the_merge_says_where_they_stay(tmp_path):
    paths = team(tmp_path)
    decided = "decisions:\n  decided_by: Panel\n  date: 2026-11-02\n  principles:\n    accountability:\n      rating: amber\n"
    paths[1].write_text(paths[1].read_text() + decided, encoding="utf-8")
    assert load_answers(paths[1], DIRS).decisions is not None
    done = run_cli("merge", *map(str, paths), "-o", str(tmp_path / "c.yaml"), "-F", str(MINI), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"the decisions: block of {paths[1]} is not carried into the consensus; it stays in that file" in done.stderr
    assert load_answers(tmp_path / "c.yaml", DIRS).decisions is None
