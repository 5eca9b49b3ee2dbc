"""The built-in service-ownership framework: fixtures, lint, content rules, and examples an expert would sign off."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess import conditions as cond
from assess.answers import load_answers
from assess.errors import AssessError
from assess.frameworks import PLACEHOLDER, find_framework
from assess.pipeline import evaluate, evaluate_file

from conftest import ROOT, run_cli_here

EXAMPLES = ROOT / "examples" / "service-ownership"
HEALTH = EXAMPLES / "health-pathway-unanchored.yaml"
SINGLE = EXAMPLES / "single-org-strong-owner.yaml"
HOUSING = EXAMPLES / "whole-service-housing.yaml"
NO_TEAM = EXAMPLES / "live-no-team.yaml"


@pytest.fixture(scope="module")
def fw():
    return find_framework("service-ownership", [])


def risks(result, severity=None):
    return [f for f in result.findings if f.kind == "risk" and (severity is None or f.severity == severity)]


def rules_fired(result, kind=None):
    return {f.rule for f in result.findings if kind is None or f.kind == kind}


def principle(result, pid):
    return next(p for p in result.principles if p.id == pid)


def variant(tmp_path: Path, example: Path, changes: dict[str, str | None], name: str = "variant.yaml") -> Path:
    """The example with some answer lines replaced (None removes the answer)."""
    text = example.read_text(encoding="utf-8")
    for qid, value in changes.items():
        line = re.compile(rf"^  {qid}: .*\n", re.M)
        assert line.search(text), qid
        text = line.sub("" if value is None else f"  {qid}: {value}\n", text, count=1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- authoring checks

def test_built_in_rule_fixtures_all_pass():
    r = run_cli_here("test-rules", str(ROOT))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "missing" not in r.stdout


def test_built_in_frameworks_are_lint_clean():
    r = run_cli_here("lint", str(ROOT))
    assert r.returncode == 0, r.stdout


def test_size_and_shape(fw):
    assert 45 <= len(fw.questions) <= 70
    assert len(fw.principles) == 8
    for q in fw.questions.values():
        if q.scored:
            assert q.evidence_prompt and "Good looks like" in q.help, q.id
        if q.type == "single" and q.scored:
            levels = [o.level for o in q.options]
            assert None not in levels, q.id
            # every scored choice can evidence the top of the scale and the bottom half of it
            assert max(levels) == 5 and min(levels) <= 2, q.id
    # having had development is an input, not practice: a yes evidences level 4 at most
    assert fw.questions["leader_development"].levels == {"yes": 4, "no": 2}


VAGUE = re.compile(r"\b(sometimes|regularly|occasionally|rarely|somewhat|from time to time|a minority|some teams|many users)\b", re.I)


def test_options_are_concrete(fw):
    vague = [(q.id, o.label) for q in fw.questions.values() for o in q.options if VAGUE.search(o.label)]
    assert vague == []


def test_counts_take_whole_numbers(fw, tmp_path):
    assert fw.questions["org_count"].whole_number and fw.questions["annual_users"].whole_number
    path = variant(tmp_path, HEALTH, {"org_count": "7.5"})
    with pytest.raises(AssessError) as err:
        load_answers(path)
    assert "org_count" in str(err.value)


def test_every_question_type_and_operator_is_used(fw):
    assert {q.type for q in fw.questions.values()} == {"single", "multi", "yesno", "scale", "number", "text", "date"}
    ops = {leaf.op for node in fw.rule_conditions.values() for leaf in cond.leaves(node) if leaf.kind == "q"}
    assert set(cond.VALUE_OPS) | set(cond.STATE_OPS) <= ops


def _pinned(fw, node, facts: dict) -> set[str]:
    """Questions that are answered and visible whenever `node` holds."""
    if isinstance(node, cond.Leaf):
        if node.negated:
            return set()
        if node.kind == "q" and (node.op in cond.VALUE_OPS or node.op == "answered"):
            return {node.ref}
        if node.kind == "fact":
            if node.ref not in facts:
                facts[node.ref] = set()
                facts[node.ref] = set.intersection(*[_pinned(fw, fw.rule_conditions[r], facts) for r in fw.derived[node.ref]])
            return facts[node.ref]
        return set()
    if isinstance(node, cond.All):
        return set().union(*[_pinned(fw, i, facts) for i in node.items])
    if isinstance(node, cond.Any_):
        return set.intersection(*[_pinned(fw, i, facts) for i in node.items])
    return set()


def test_findings_quote_only_answers_their_condition_guarantees(fw):
    facts: dict = {}
    loose = []
    for rule in fw.rules:
        if rule.finding:
            pinned = _pinned(fw, fw.rule_conditions[rule.id], facts)
            for key in ("title", "rationale", "recommendation", "owner"):
                loose += [(rule.id, ref) for kind, ref in PLACEHOLDER.findall(getattr(rule.finding, key))
                          if kind == "answer" and ref not in pinned]
    assert loose == []


def test_finding_text_reads_as_prose(fw):
    for rule in fw.rules:
        if rule.finding:
            text = rule.finding.rationale + rule.finding.recommendation
            assert "is in {meta:phase}" not in text, rule.id
            # an option label pasted mid-sentence starts with a capital: quote it or introduce it with a colon
            for match in re.finditer(r"(\S+) \{answer:(\w+)\}", text):
                before, qid = match.groups()
                if fw.questions[qid].type in ("single", "multi", "yesno"):
                    assert before.endswith(":"), (rule.id, match.group())


# ---------------------------------------------------------------- the four examples

def test_unanchored_health_pathway_gets_a_high_accountability_finding():
    r = evaluate_file(HEALTH)
    high = {f.rule: f for f in risks(r, "high")}
    assert {"so-nobody-accountable-for-whole", "so-unanchored-whole-service", "so-whole-service-outputs-only"} <= set(high)
    assert high["so-nobody-accountable-for-whole"].principle == "clear-accountability"
    fired = rules_fired(r)
    assert {"so-governance-slows-delivery", "so-no-whole-service-vision", "so-transaction-framing",
            "so-leadership-by-hierarchy", "so-whole-budgets-separate", "so-research-misses-offline-users"} <= fired
    # nothing here is a strength; the owner-presuming and single-organisation findings stay out
    assert rules_fired(r, "strength") == set()
    assert not fired & {"so-informal-owner", "so-no-accountable-owner", "so-owner-scope-misses-channels",
                        "so-owner-role-squeezed", "so-data-sharing-claimed-not-applicable", "so-agreement-predates-icbs"}
    accountability = principle(r, "clear-accountability")
    assert accountability.level == 1 and accountability.caps
    assert r.overall["rag"] == "red"


def test_strong_single_organisation_owner_gets_no_high_findings_and_no_director_demands():
    r = evaluate_file(SINGLE)
    assert risks(r, "high") == []
    director = next(l for l in r.lenses if l.id == "service-director")
    assert not director.applicable
    director_principles = {p.id for p in r.principles if p.lens == "service-director"}
    assert not any(f.principle in director_principles for f in r.findings)
    assert r.overall["level"] == 4 and r.overall["rag"] == "green"
    assert {"so-strength-empowered-owner", "so-strength-outcome-measures", "so-strength-continuous-improvement"} <= rules_fired(r, "strength")
    # the one gap the team itself records: research with phone and counter users
    assert rules_fired(r, "risk") == {"so-research-misses-offline-users"}
    # n/a on data sharing is honest for one organisation: no flag, and out of the score
    assert "data_sharing" in principle(r, "outcomes-measurement").not_applicable


def test_live_service_without_a_team_is_called_out():
    r = evaluate_file(NO_TEAM)
    assert {"so-live-no-team", "so-live-project-funded"} <= {f.rule for f in risks(r, "high")}
    assert {"so-informal-owner", "so-owner-role-squeezed", "so-fixed-only-when-broken",
            "so-digital-only-backlog", "so-no-research-capacity"} <= rules_fired(r, "risk")
    assert rules_fired(r, "strength") == set()
    assert not any(f.principle in {"whole-problem-framing", "shared-vision", "joined-up-governance",
                                   "networked-leadership"} for f in r.findings)
    assert principle(r, "sustained-funding").level == 1
    assert principle(r, "clear-accountability").level <= 2


def test_whole_housing_service_is_mature_with_specific_gaps():
    r = evaluate_file(HOUSING)
    assert risks(r, "high") == []
    # the agreement was last reviewed in May 2024, eighteen months before the assessment
    assert rules_fired(r, "risk") == {"so-governance-differences-unbridged", "so-handoffs-known-not-measured",
                                      "so-agreement-review-overdue"}
    assert {"so-strength-anchored-forum", "so-strength-whole-problem-view", "so-strength-long-lived-team",
            "so-strength-empowered-owner"} <= rules_fired(r, "strength")
    assert all(p.applicable and p.level >= 3 for p in r.principles)
    assert r.overall["level"] == 3


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_are_well_evidenced(example):
    r = evaluate_file(example)
    assert r.confidence.answered_share >= 0.9 and r.confidence.evidenced_share >= 0.5
    for f in r.findings:
        assert "Not answered" not in f.rationale + f.recommendation, f.rule


# ---------------------------------------------------------------- whole-service accountability

@pytest.mark.parametrize("anchor", ["none", "informal", "lead_org", "agreed_role", "agreed_role_mandated", None])
def test_no_whole_service_owner_is_high_whatever_the_anchor(tmp_path, anchor):
    r = evaluate_file(variant(tmp_path, HEALTH, {"anchor_point": anchor}))
    finding = next(f for f in r.findings if f.rule == "so-nobody-accountable-for-whole")
    assert finding.severity == "high" and finding.principle == "clear-accountability"
    assert principle(r, "clear-accountability").level <= 2


def test_lead_organisation_anchor_is_named_for_what_it_is(tmp_path):
    r = evaluate_file(variant(tmp_path, HEALTH, {"anchor_point": "lead_org"}))
    fired = rules_fired(r)
    assert {"so-nobody-accountable-for-whole", "so-remit-stops-at-own-organisation", "so-anchor-without-forum"} <= fired
    assert "so-unanchored-whole-service" not in fired


MINIMAL_WHOLE = """assessment:
  framework: service-ownership
  service: Leave hospital with the right support
  scope: whole
  phase: live
answers:
  org_count: 7
  named_owner: {owner}
"""


@pytest.mark.parametrize("owner", ["nobody", "several_people", "named_informal"])
def test_sparse_whole_service_without_an_owner_still_gets_the_high_finding(tmp_path, owner):
    path = tmp_path / "sparse.yaml"
    path.write_text(MINIMAL_WHOLE.format(owner=owner), encoding="utf-8")
    r = evaluate_file(path)
    assert "so-nobody-accountable-for-whole" in {f.rule for f in risks(r, "high")}


def test_agreed_remit_clears_the_whole_service_finding(tmp_path):
    r = evaluate_file(variant(tmp_path, HEALTH, {"named_owner": "named_written_agreed"}))
    assert not rules_fired(r) & {"so-nobody-accountable-for-whole", "so-remit-stops-at-own-organisation"}


def test_informal_owner_of_a_live_part_gets_a_finding(tmp_path):
    assert "so-informal-owner" in rules_fired(evaluate_file(NO_TEAM))
    written = evaluate_file(variant(tmp_path, NO_TEAM, {"named_owner": "named_written"}))
    assert "so-informal-owner" not in rules_fired(written)
    alpha = variant(tmp_path, NO_TEAM, {}, "alpha.yaml")
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("phase: live", "phase: alpha"), encoding="utf-8")
    assert "so-informal-owner" not in rules_fired(evaluate_file(alpha))


OWNER_QUESTIONS = ("owner_decision_rights", "owner_budget", "owner_time", "owner_scope_written")


@pytest.mark.parametrize("owner, asked", [("nobody", False), ("several_people", False), ("named_informal", True),
                                          ("named_written", True)])
def test_questions_about_the_owner_are_asked_only_when_there_is_one(tmp_path, owner, asked):
    shown = load_answers(variant(tmp_path, NO_TEAM, {"named_owner": owner})).visible()
    assert all(shown[q] is asked for q in OWNER_QUESTIONS)


# ---------------------------------------------------------------- channel-dependent questions

CHANNEL_QUESTIONS = ("failure_demand", "research_offline_users", "backlog_beyond_digital")


def test_digital_only_service_is_not_asked_about_other_channels(tmp_path):
    digital = load_answers(variant(tmp_path, SINGLE, {"channels": "[online, app]"}))
    shown = digital.visible()
    assert not any(shown[q] for q in CHANNEL_QUESTIONS)
    with_phone = load_answers(SINGLE)
    assert all(with_phone.visible()[q] for q in CHANNEL_QUESTIONS)


def test_digital_only_service_loses_no_level_for_hidden_channel_questions(tmp_path):
    # the same service with and without answers to the hidden questions scores the same
    digital = evaluate_file(variant(tmp_path, SINGLE, {"channels": "[online, app]"}))
    without = evaluate_file(variant(tmp_path, SINGLE, {"channels": "[online, app]", **{q: None for q in CHANNEL_QUESTIONS}}, "bare.yaml"))
    for pid in ("outcomes-measurement", "continuous-delivery"):
        assert principle(digital, pid).score == principle(without, pid).score
        assert not {c.question for c in principle(digital, pid).contributions} & set(CHANNEL_QUESTIONS)
    assert "so-research-misses-offline-users" not in rules_fired(digital)
    # with a phone line, the honest "no" on offline research counts against the service
    assert principle(evaluate_file(SINGLE), "continuous-delivery").score < principle(digital, "continuous-delivery").score


def test_staffed_email_channel_still_asks_about_avoidable_contact(tmp_path):
    shown = load_answers(variant(tmp_path, SINGLE, {"channels": "[online, email_chat]"})).visible()
    assert shown["failure_demand"] and shown["backlog_beyond_digital"] and not shown["research_offline_users"]


# ---------------------------------------------------------------- n/a on a shared service

def test_data_sharing_na_on_a_shared_service_is_flagged_and_gated(tmp_path):
    r = evaluate_file(variant(tmp_path, HEALTH, {"data_sharing": "{n/a: Each trust keeps its own records}"}))
    finding = next(f for f in r.findings if f.rule == "so-data-sharing-claimed-not-applicable")
    assert finding.severity == "medium" and finding.principle == "outcomes-measurement"
    outcomes = principle(r, "outcomes-measurement")
    assert "data_sharing" in outcomes.not_applicable
    assert any(c.rule == "so-data-sharing-claimed-not-applicable" and c.max_level == 3 for c in outcomes.caps)


def test_pooled_budget_cannot_be_marked_na(tmp_path):
    path = variant(tmp_path, HEALTH, {"pooled_budget": "{n/a: One commissioner}"})
    done = run_cli_here("evaluate", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.search(r"variant\.yaml:\d+: answers\.pooled_budget: .*n/a", done.stderr), done.stderr
    # the single-funder case has its own answer instead
    r = evaluate_file(variant(tmp_path, HEALTH, {"pooled_budget": "one_funder"}, "one.yaml"))
    assert "so-whole-budgets-separate" not in rules_fired(r)


# ---------------------------------------------------------------- scale, date and free text

def test_forum_that_is_bypassed_is_capped(tmp_path):
    r = evaluate_file(variant(tmp_path, HOUSING, {"forum_decisions": "1"}))
    assert "so-forum-bypassed" in rules_fired(r) and "so-strength-anchored-forum" not in rules_fired(r)
    assert any(c.rule == "so-forum-bypassed" for c in principle(r, "joined-up-governance").caps)


def test_agreement_from_before_integrated_care_boards_is_flagged(tmp_path):
    old = evaluate_file(variant(tmp_path, HEALTH, {"agreement_reviewed": "2021-11-30"}))
    finding = next(f for f in old.findings if f.rule == "so-agreement-predates-icbs")
    assert "2021-11-30" in finding.rationale
    assert "so-agreement-predates-icbs" not in rules_fired(evaluate_file(HEALTH))


def test_users_own_words_are_quoted_in_the_strength():
    r = evaluate_file(HOUSING)
    strength = next(f for f in r.findings if f.rule == "so-strength-whole-problem-view")
    assert "I need somewhere safe and settled to live" in strength.rationale
