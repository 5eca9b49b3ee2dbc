"""`assess lint` finds each kind of problem; `assess test-rules` fails on a wrong or missing fixture."""
from __future__ import annotations

import shutil

import pytest

from conftest import run_cli_here
from test_authoring_guide import write_guide_framework


@pytest.fixture
def guide_copy(tmp_path):
    return write_guide_framework(tmp_path / "fw")


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_lint_reports_every_kind_of_problem(guide_copy):
    q = guide_copy / "questionnaires" / "waste-collection.yaml"
    # an unused question; a text reference to an unknown question
    edit(q, "      - id: rounds\n", "      - id: depots\n        type: number\n        text: How many depots?\n"
                                      "      - id: rounds\n")
    edit(q, "help: Good looks like one named manager", "help: See {answer:round_count}. Good looks like one named manager")
    # a thin principle: measurement loses a scored question
    edit(q, "        informs: [{principle: measurement}]\n      - id: confidence", "      - id: confidence")
    # a cap that no answer can lift; and a rule without any fixture that fires
    rules = guide_copy / "rules" / "waste-collection" / "extra.yaml"
    rules.write_text("rules:\n  - id: wc-live-cap\n    principle: measurement\n    when: {meta: phase, equals: retiring}\n"
                     "    caps: [{max_level: 2}]\n")
    (guide_copy / "tests" / "rules" / "wc-live-cap").mkdir()
    (guide_copy / "tests" / "rules" / "wc-live-cap" / "silent.yaml").write_text("answers: {}\n")
    (guide_copy / "tests" / "rules" / "wc-live-cap" / "fires.yaml").write_text("assessment: {phase: live}\n")
    r = run_cli_here("lint", str(guide_copy))
    assert r.returncode == 1
    codes = {line.split(": ")[1] + ":" + line.split(": ")[2] for line in r.stdout.splitlines()}
    assert codes == {"unused-question:depots", "unknown-reference:owner", "thin-principle:measurement",
                     "never-fires:wc-live-cap", "cap-never-lifts:wc-live-cap"}


def test_test_rules_fails_on_a_wrong_fixture_and_a_missing_one(guide_copy):
    fixtures = guide_copy / "tests" / "rules"
    (fixtures / "wc-large-service" / "silent.yaml").write_text("answers:\n  rounds: 41\n")
    shutil.rmtree(fixtures / "wc-repeat-misses-fixed")
    (fixtures / "wc-ghost").mkdir()
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "wc-large-service: expected the rule to stay silent, it fired" in r.stderr
    assert "MISSING wc-repeat-misses-fixed: no fires*.yaml fixture" in r.stderr
    assert "MISSING wc-ghost: fixture folder for a rule that does not exist" in r.stderr


def test_a_broken_fixture_names_its_line(guide_copy):
    (guide_copy / "tests" / "rules" / "wc-large-service" / "fires.yaml").write_text("answers:\n  rounds: many\n")
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "fires.yaml:2: answers.rounds: 'many' is not a number" in r.stderr


# ---------------------------------------------------------------- lint: exact checks

def lint_lines(root, *args):
    r = run_cli_here("lint", str(root), *args)
    return r, [line for line in r.stdout.splitlines() if line.strip()]


def codes_for(lines, subject):
    return {line.split(": ")[1] for line in lines if line.split(": ")[2] == subject}


def test_caps_that_can_never_lift_are_found_exactly(guide_copy):
    rules = guide_copy / "rules" / "waste-collection" / "caps.yaml"
    rules.write_text("""rules:
  - id: wc-cap-live
    principle: measurement
    when: {any: [{meta: phase, equals: live}, {q: confidence, le: 1}]}
    caps: [{max_level: 2}]
  - id: wc-cap-every-option
    principle: ownership
    when: {q: escalation, in: [nothing, supervisor, route_fix]}
    caps: [{max_level: 2}]
  - id: wc-cap-hidden-follow-up
    principle: ownership
    when: {any: [{q: contract_owner, answered: false}, {q: contractor, equals: "yes"}]}
    caps: [{max_level: 3}]
  - id: wc-cap-through-a-fact
    principle: ownership
    when: {any: [{fact: large_service}, {q: rounds, lt: 40}]}
    caps: [{max_level: 3}]
  - id: wc-cap-liftable
    principle: ownership
    when: {all: [{fact: large_service}, {q: contract_owner, equals: "no"}]}
    caps: [{max_level: 2}]
  - id: wc-cap-liftable-by-answering
    principle: measurement
    when: {any: [{meta: phase, equals: retiring}, {q: confidence, answered: false}]}
    caps: [{max_level: 2}]
""")
    r, lines = lint_lines(guide_copy)
    stuck = {line.split(": ")[2]: line for line in lines if ": cap-never-lifts: " in line}
    assert set(stuck) == {"wc-cap-live", "wc-cap-every-option", "wc-cap-hidden-follow-up", "wc-cap-through-a-fact",
                          "wc-cap-liftable-by-answering"}
    assert "when phase is live, no answers make its condition false" in stuck["wc-cap-live"]
    assert "whatever the assessment's scope, phase and kind" in stuck["wc-cap-every-option"]
    assert "when phase is retiring," in stuck["wc-cap-liftable-by-answering"]   # only retiring: elsewhere, answering lifts it
    assert r.returncode == 1


def test_lint_output_is_sorted_by_file_then_line_number(guide_copy):
    q = guide_copy / "questionnaires" / "waste-collection.yaml"
    edit(q, "      - id: rounds\n", "      - id: depots\n        type: number\n        text: How many depots?\n      - id: rounds\n")
    edit(q, "      - id: confidence\n", "      - id: vans\n        type: number\n        text: How many vans?\n      - id: confidence\n")
    edit(q, "  description: How well a council runs and improves its bin collections.", "  description: See {answer:nope}.")
    _, lines = lint_lines(guide_copy)
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert keys == sorted(keys) and len(keys) == 3
    assert keys[0][1] < 10 <= keys[1][1]   # 5 before 30, which sorting the text "5" and "30" would get wrong
    text = q.read_text().splitlines()
    for line in lines[1:]:   # each question's issue points at its `- id:` line
        number, qid = int(line.split(":")[1]), line.split(": ")[2]
        assert text[number - 1].strip() == f"- id: {qid}"


def test_thin_principle_is_judged_per_phase_and_scope(guide_copy):
    q = guide_copy / "questionnaires" / "waste-collection.yaml"
    edit(q, "        text: Are the measures published for residents?\n",
         "        text: Are the measures published for residents?\n        show_if: {meta: phase, in: [beta, live]}\n")
    _, lines = lint_lines(guide_copy)
    thin = [line for line in lines if ": thin-principle: measurement: " in line]
    assert len(thin) == 1
    assert "only 2 scored question(s) can be shown when phase is discovery or alpha or retiring" in thin[0]


def test_a_quoted_answer_that_can_be_missing_when_the_rule_fires(guide_copy):
    rules = guide_copy / "rules" / "waste-collection" / "ownership.yaml"
    edit(rules, 'rationale: "{meta:service} runs {answer:rounds} rounds a week, and accountability sits with: {answer:owner}."',
         'rationale: "{meta:service} runs {answer:rounds} rounds; accountability: {answer:owner}; escalation: {answer:escalation}."')
    _, lines = lint_lines(guide_copy)
    found = [line for line in lines if ": placeholder-unanswered: " in line]
    assert len(found) == 1 and "wc-nobody-owns-misses" in found[0] and "{answer:escalation}" in found[0]
    assert "while 'escalation' is unanswered" in found[0]


def test_references_in_every_text_field_are_checked(guide_copy):
    q = guide_copy / "questionnaires" / "waste-collection.yaml"
    edit(q, "    title: Running the service\n", "    title: Running the service\n    description: See {answer:owners}.\n")
    edit(q, "  description: How well a council runs and improves its bin collections.",
         "  description: How well {meta:organization} runs its collections.")
    edit(q, "    title: Measuring what matters\n", "    title: Measuring what matters\n    description: Uses {answer:measures}.\n")
    _, lines = lint_lines(guide_copy)
    got = {(line.split(": ")[1], line.split(": ")[2]) for line in lines}
    assert got == {("unknown-reference", "running"), ("unknown-reference", "waste-collection"),
                   ("placeholder-not-filled", "measurement")}, lines
    assert any("sections[1].description refers to unknown question 'owners' (did you mean 'owner'?)" in line for line in lines)


# ---------------------------------------------------------------- test-rules: nothing skipped quietly

def test_test_rules_fails_when_there_are_no_rules(guide_copy):
    shutil.move(guide_copy / "rules", guide_copy / "rule")
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "MISSING waste-collection: no rules to test" in r.stderr and "(found rule/: misspelt?)" in r.stderr


def test_test_rules_reports_files_that_are_not_named_as_fixtures(guide_copy):
    folder = guide_copy / "tests" / "rules" / "wc-large-service"
    (folder / "fires.yaml").rename(folder / "fires.yml")
    (folder / "silnet-typo.yaml").write_text("answers:\n  rounds: 2\n")
    (folder / "Silent-2.yaml").write_text("answers:\n  rounds: 3\n")
    (folder / "README.md").write_text("Why these cases.\n")
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1
    stray = sorted(line for line in r.stderr.splitlines() if line.startswith("STRAY "))
    assert [line.split("; did you mean ")[1] for line in stray] == ["silent-2.yaml?", "fires.yaml?", "silent-typo.yaml?"]
    assert "README.md" not in r.stderr
    assert "3 not named as fixtures" in r.stdout


def test_orphan_fixture_folders_are_found_whatever_their_name(guide_copy):
    (guide_copy / "tests" / "rules" / "old-rule").mkdir()
    (guide_copy / "tests" / "rules" / "wc-large-servise").mkdir()
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1
    assert "MISSING old-rule: fixture folder for a rule that does not exist" in r.stderr
    assert "MISSING wc-large-servise: fixture folder for a rule that does not exist" in r.stderr
    assert "did you mean wc-large-service?" in r.stderr


def test_test_rules_on_a_missing_folder_or_unknown_framework(guide_copy, tmp_path):
    r = run_cli_here("test-rules", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and r.stderr.strip() == f"error: {tmp_path / 'nowhere'}: folder does not exist"
    r = run_cli_here("test-rules", str(guide_copy), "--framework", "waste-colection")
    assert r.returncode == 2 and "no framework 'waste-colection'" in r.stderr and "did you mean 'waste-collection'" in r.stderr


def test_test_rules_for_one_framework_of_a_root(guide_copy):
    second = guide_copy / "questionnaires" / "second.yaml"
    second.write_text((guide_copy / "questionnaires" / "waste-collection.yaml").read_text().replace("id: waste-collection", "id: second"))
    r = run_cli_here("test-rules", str(guide_copy), "--framework", "waste-collection")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "waste-collection: 4 rules, 8 of 8 fixtures passed"
    r = run_cli_here("test-rules", str(guide_copy))
    assert r.returncode == 1 and "MISSING second: no rules to test" in r.stderr


def test_a_failing_fixture_names_its_file_once(guide_copy):
    (guide_copy / "tests" / "rules" / "wc-large-service" / "fires.yaml").write_text("answers:\n  rounds: many\n")
    r = run_cli_here("test-rules", str(guide_copy))
    fail = [line for line in r.stderr.splitlines() if line.startswith("FAIL ")]
    assert len(fail) == 1 and fail[0].count("fires.yaml") == 1


def test_a_check_too_large_to_decide_says_so(guide_copy):
    facts = "".join(f"  - id: wc-part-{i}\n    when: {{any: [{', '.join(f'{{q: rounds, equals: {10 * i + k}}}' for k in range(6))}]}}\n"
                    f"    derive: part_{i}\n" for i in range(5))
    (guide_copy / "rules" / "waste-collection" / "large.yaml").write_text(
        "rules:\n" + facts + "  - id: wc-cap-large\n    principle: ownership\n"
        f"    when: {{all: [{', '.join(f'{{fact: part_{i}}}' for i in range(5))}]}}\n    caps: [{{max_level: 2}}]\n")
    _, lines = lint_lines(guide_copy)
    too_large = [line for line in lines if ": check-too-large: " in line]
    assert len(too_large) == 1 and "wc-cap-large: cannot tell whether its cap can lift" in too_large[0]
    assert "7,776 alternatives" in too_large[0]
    assert not any(": cap-never-lifts: wc-cap-large" in line for line in lines)
