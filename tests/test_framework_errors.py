"""Framework content problems are load-time errors naming file, line and field, all at once."""
from __future__ import annotations

import shutil

import pytest

from assess.crosscheck import MAX_MULTI_OPTIONS
from assess.errors import AssessError
from assess.frameworks import discover, frameworks_in, load_framework

from conftest import MINI, mini_doc, run_cli, run_cli_here


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


# ---------------------------------------------------------------- limits of the engine, checked at load

def busy_rules(count: int) -> str:
    text = "rules:\n"
    for i in range(1, count + 1):
        text += (f"  - id: busy-{i}\n    when: {{all: [{{q: org_count, ge: {i}}}, {{q: confidence, ge: {min(i, 5)}}}, "
                 f"{{q: team_size, ge: {i}}}]}}\n    derive: busy\n")
    return text + rule("busy-finding", "{fact: busy}")


def test_a_derived_fact_whose_complement_is_too_large_is_refused_at_load(broken):
    diags = broken(busy_rules(4))
    assert len(diags) == 1, diags
    d = diags[0]
    assert (d.line, d.field) == (4, "rules[0].derive")
    assert "derived fact 'busy'" in d.message and "81 alternatives" in d.message
    assert all(f"busy-{i} (line {3 * i - 1})" in d.message for i in range(1, 5))


def test_every_framework_that_loads_compiles(tmp_path):
    from assess.engine import compile_ruleset
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    (root / "rules" / "mini" / "rules.yaml").write_text(busy_rules(3))   # 27 alternatives: within the limit
    framework = frameworks_in(root)[0]
    definition, _ = compile_ruleset(framework)
    assert sum(1 for name in definition if name.startswith("!busy#")) == 27
    for file in [MINI / "questionnaires" / "mini.yaml", *discover().values()]:
        compile_ruleset(load_framework(file))


def test_the_refused_framework_gives_exit_2_and_no_traceback(tmp_path, mini_answers):
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    (root / "rules" / "mini" / "rules.yaml").write_text(busy_rules(4))
    answers = mini_answers(mini_doc("  org_count: 5\n"))
    for args in (("validate", str(root)), ("evaluate", str(answers), "-F", str(root))):
        r = run_cli(*args)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "81 alternatives" in r.stderr, r.stderr


def with_channel_options(count: int):
    def edit(text: str) -> str:
        extra = "".join(f"          - {{id: o{i}, label: Option {i}}}\n" for i in range(count - 3))
        return text.replace("          - {id: paper, label: Paper}\n", "          - {id: paper, label: Paper}\n" + extra)
    return edit


def test_a_multi_question_with_too_many_options_is_refused(broken):
    diags = broken(open(MINI / "rules" / "mini" / "rules.yaml").read(), with_channel_options(MAX_MULTI_OPTIONS + 1))
    assert [(d.field, d.message) for d in diags] == [
        ("sections[0].questions[1].options", f"{MAX_MULTI_OPTIONS + 1} options; a multi question may have at most "
                                             f"{MAX_MULTI_OPTIONS} (split it into several questions)")]


def test_the_largest_multi_question_allowed_is_evaluated_correctly(tmp_path):
    from assess import conditions as cond
    from assess.engine import engine, evaluate_reference
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    q = root / "questionnaires" / "mini.yaml"
    q.write_text(with_channel_options(MAX_MULTI_OPTIONS)(q.read_text()))
    last = f"o{MAX_MULTI_OPTIONS - 4}"
    r = root / "rules" / "mini" / "rules.yaml"
    r.write_text(r.read_text().replace("{q: channels, contains: phone}", f"{{q: channels, contains: {last}}}"))
    framework = frameworks_in(root)[0]
    answers = {qid: (cond.UNANSWERED, None) for qid in framework.questions}
    answers.update(channels=(cond.ANSWERED, frozenset({last})), confidence=(cond.ANSWERED, 1000))
    facts = cond.Facts(answers, {"scope": "part", "phase": "live", "kind": "self"})
    durable = engine().evaluate(framework, facts)
    assert "mini-phone-not-online" in durable.fired and durable == evaluate_reference(framework, facts)


# ---------------------------------------------------------------- placeholders

@pytest.mark.parametrize("bad, fix", [("{answer: org_count}", "{answer:org_count}"), ("{Answer:org_count}", "{answer:org_count}"),
                                      ("{answers:org_count}", "{answer:org_count}"), ("{answer:org_count }", "{answer:org_count}"),
                                      ("{service}", "{meta:service}"), ("{meta: phase}", "{meta:phase}"), ("{answer:org_count", "{answer:org_count}"),
                                      ("{answer}", "")])
def test_malformed_placeholders_in_findings_are_load_errors(broken, bad, fix):
    text = "rules:\n" + rule("a-one", "{q: org_count, ge: 3}").replace("rationale: R", f"rationale: 'Spans {bad} here'")
    diags = broken(text)
    assert [(d.line, d.field) for d in diags] == [(5, "rules[0].finding.rationale")]
    assert diags[0].message.startswith(f"{bad!r} looks like a placeholder but is not one")
    assert (f"write {fix}" in diags[0].message) if fix else "no spaces" in diags[0].message


def test_malformed_placeholders_in_any_text_field_are_load_errors(broken):
    def edit(text: str) -> str:
        text = text.replace("title: Mini framework for tests", "title: Mini framework for {Meta:service}")
        text = text.replace("text: Who is accountable?", "text: 'Who is accountable for {answer: channels}?'")
        text = text.replace("    title: Money\n", "    title: Money\n    description: About {answers:funding_model}\n")
        return text.replace("{id: funding, title: Funding, lens: owner}", "{id: funding, title: Funding, lens: owner, description: '{answer:owner }'}")
    diags = broken(open(MINI / "rules" / "mini" / "rules.yaml").read(), edit)
    fields = {d.field for d in diags}
    assert fields == {"framework.title", "sections[1].questions[0].text", "sections[2].description", "principles[1].description"}
    assert all(d.line > 0 and "looks like a placeholder" in d.message for d in diags)


def test_plain_braces_and_valid_placeholders_are_fine(tmp_path):
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    (root / "rules" / "mini" / "rules.yaml").write_text("rules:\n" + rule("a-one", "{q: org_count, ge: 3}").replace(
        "rationale: R", "rationale: 'Spans {answer:org_count} ({meta:service}); {the set} of {x, y}'"))
    assert [r.id for r in frameworks_in(root)[0].rules] == ["a-one"]


# ---------------------------------------------------------------- one bad item drops only itself

def test_a_typo_in_one_rule_does_not_hide_the_rest_or_cascade(broken):
    text = open(MINI / "rules" / "mini" / "rules.yaml").read()
    text = text.replace("    description: Three or more organisations, or whole scope", "    descripton: Three or more organisations")
    text = text.replace("{q: confidence, le: 2}", "{q: confidence, le: two}")
    diags = broken(text)
    assert [(d.line, d.field, d.message) for d in diags] == [
        (3, "rules[0].descripton", "unknown field 'descripton'"),
        (66, "rules[6].when.all[2].le", "'two' is not a number (finite, at most 1,000,000,000,000 in size)")]


def test_a_schema_error_in_a_question_keeps_the_cross_checks(broken):
    def edit(text: str) -> str:
        text = text.replace("        type: yesno\n        text: Can the owner make decisions?", "        type: yes-no\n        text: Can the owner make decisions?")
        return text.replace("informs: [{principle: funding}]\n      - id: pooled_budget", "informs: [{principle: fundng}]\n      - id: pooled_budget")
    text = open(MINI / "rules" / "mini" / "rules.yaml").read().replace("{q: owner, equals: named_remit}", "{q: owner, equals: named_remmit}")
    diags = broken(text, edit)
    messages = [d.message for d in diags]
    assert len(diags) == 3, messages
    assert messages[0].startswith("Input should be 'single'")    # the broken question
    assert "unknown principle 'fundng' (did you mean 'funding'?)" in messages    # a cross-check in the questionnaire
    assert any(m.startswith("'named_remmit' is not an option here") for m in messages)   # and in the rules
    assert not any("decision_rights" in m for m in messages)    # rules using the dropped question are not blamed


def test_a_broken_framework_block_keeps_the_cross_checks(broken):
    """A bad id, version, rating thresholds and scale are each reported, and the rest of the
    questionnaire and its rules are still checked, without errors about the stood-in values."""
    def edit(text: str) -> str:
        text = text.replace("  id: mini\n", "  id: Mini!\n").replace("  version: 1.0.0\n", "  version: one\n")
        text = text.replace("  scale:\n", "  rag: {green: 2, amber: 3}\n  scale:\n")
        text = text.replace("{level: 3, name: Defined}", "{level: three, name: Defined}")
        return text.replace("        max: 500\n", "        max: 500\n        show_if: {q: nonexistent, equals: x}\n", 1)
    text = open(MINI / "rules" / "mini" / "rules.yaml").read().replace("{q: owner, equals: named_remit}", "{q: owner, equals: named_remmit}")
    diags = broken(text, edit)
    got = [(d.line, d.field) for d in diags]
    assert got == [(2, "framework.id"), (4, "framework.version"), (5, "framework.rag"), (9, "framework.scale[2].level"),
                   (28, "sections[0].questions[0].show_if.q"), (got[-1][0], got[-1][1])], [(*g, d.message) for g, d in zip(got, diags)]
    assert "unknown question 'nonexistent'" in diags[4].message
    assert diags[5].message.startswith("'named_remmit' is not an option here") and diags[5].file.endswith("rules.yaml")


def test_a_question_dropped_earlier_in_a_section_keeps_later_lines_right(broken):
    def edit(text: str) -> str:
        text = text.replace("      - id: owner\n        type: single", "      - id: owner\n        type: single\n        colour: red")
        return text.replace("scale_labels: {1: Not at all, 5: Fully}", "scale_labels: {1: Not at all, 7: Fully}")
    diags = broken(open(MINI / "rules" / "mini" / "rules.yaml").read().replace("{q: decision_rights, equals: \"no\"}",
                                                                               "{q: decision_rights, equals: maybe}"), edit)
    got = [(d.line, d.field) for d in diags]
    assert got == [(43, "sections[1].questions[0].colour"), (62, "sections[1].questions[2].scale_labels[7]"),
                   (31, "rules[3].when.all[1].equals")], got


# ---------------------------------------------------------------- where frameworks come from

def test_a_folder_that_is_not_a_frameworks_root_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    cases = [(tmp_path / "empty", "it has no questionnaires/*.yaml"), (MINI / "questionnaires", f"did you mean {MINI}?"),
             (tmp_path / "missing", "folder does not exist")]
    for folder, words in cases:
        for how in (("-F", str(folder)), ()):
            env = {} if how else {"ASSESS_FRAMEWORKS_PATH": str(folder)}
            r = run_cli_here("frameworks", "list", *how, env=env)
            origin = "--frameworks-dir" if how else "ASSESS_FRAMEWORKS_PATH"
            assert r.returncode == 2 and str(folder) in r.stderr and words in r.stderr and origin in r.stderr, r.stderr


def test_a_user_framework_may_not_shadow_a_built_in_one(tmp_path):
    from assess.frameworks import builtin_root
    root = tmp_path / "mine"
    (root / "questionnaires").mkdir(parents=True)
    builtin = builtin_root() / "questionnaires" / "service-standard.yaml"
    shutil.copy(builtin, root / "questionnaires" / "service-standard.yaml")
    r = run_cli("frameworks", "show", "service-standard", "-F", str(root))
    assert r.returncode == 2
    assert str(root / "questionnaires" / "service-standard.yaml") in r.stderr and str(builtin) in r.stderr
    assert "each framework needs its own id" in r.stderr


def test_frameworks_list_shows_what_loads_and_reports_what_does_not(tmp_path):
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    (root / "questionnaires" / "broken.yaml").write_text("framework: {id: broken}\n")
    r = run_cli("frameworks", "list", "-F", str(root))
    assert r.returncode == 2
    assert "mini\t1.0.0" in r.stdout and "service-ownership\t" in r.stdout
    assert "broken.yaml" in r.stderr and "Traceback" not in r.stderr


def test_rules_in_a_folder_of_no_framework_and_yml_files_are_reported(broken, tmp_path):
    diags = None
    root = tmp_path / "fw"
    (root / "rules" / "minni").mkdir(parents=True)
    (root / "rules" / "mini" / "extra.yml").write_text("rules: []\n")
    diags = broken(open(MINI / "rules" / "mini" / "rules.yaml").read())
    messages = {d.message for d in diags}
    assert "rules for no framework: there is no questionnaires/minni.yaml (did you mean 'mini'?)" in messages
    assert "not read: rule files end in .yaml" in messages


def test_an_unreadable_rules_file_does_not_make_its_facts_unknown_elsewhere(broken, tmp_path):
    text = open(MINI / "rules" / "mini" / "rules.yaml").read()
    derived = text[:text.index("  - id: mini-unanchored-finding")]
    (tmp_path / "fw" / "rules" / "mini" / "derived.yaml").write_text(derived.replace("derive: unanchored", "derive: [unanchored"))
    diags = broken("rules:\n" + text[text.index("  - id: mini-unanchored-finding"):])
    assert [d.file.rsplit("/", 1)[1] for d in diags] == ["derived.yaml"], diags
    assert diags[0].message.startswith("invalid YAML")
