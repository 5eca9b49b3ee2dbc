"""Scoring: exact levels, caps with their rules, n/a excluded, not enough evidence, lenses."""
from __future__ import annotations

import pytest

from assess.answers import load_answers
from assess.pipeline import evaluate

from conftest import MINI, mini_doc


def result_for(mini_answers, answers: str, scope: str = "part", phase: str = "live"):
    return evaluate(load_answers(mini_answers(mini_doc(answers, scope, phase)), [MINI]))


def principle(result, pid):
    return next(p for p in result.principles if p.id == pid)


def test_weighted_mean_of_option_levels(mini_answers):
    # owner named_remit=5 (weight 2), decision yes=4, confidence 3 -> 3 on a 1..5 scale, practices 2 chosen -> 3
    r = result_for(mini_answers, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 3\n  practices: [roadmap, metrics]\n")
    acc = principle(r, "accountability")
    assert acc.score == pytest.approx((5 * 2 + 4 + 3 + 3) / 5)
    assert acc.level == 4 and acc.level_name == "Managed" and acc.rag == "green"
    assert [c.question for c in acc.contributions] == ["owner", "decision_rights", "confidence", "practices"]
    assert acc.caps == []


def test_cap_holds_the_level_and_names_its_rule(mini_answers):
    r = result_for(mini_answers, "  owner: named_remit\n  decision_rights: 'no'\n  confidence: 5\n  practices: [roadmap, metrics, research, retros]\n")
    acc = principle(r, "accountability")
    assert acc.score == pytest.approx((10 + 1 + 5 + 5) / 5)   # 4.2 before the cap
    assert acc.level == 2 and acc.capped_score == 2
    assert [(c.rule, c.max_level) for c in acc.caps] == [("mini-no-rights", 2)]
    assert acc.rag == "red"


def test_na_is_excluded_not_zero(mini_answers):
    with_na = result_for(mini_answers, "  funding_model: multi_year\n  pooled_budget: {n/a: One funder only}\n")
    fund = principle(with_na, "funding")
    assert fund.score == 5 and fund.not_applicable == ["pooled_budget"] and fund.level == 5
    without = result_for(mini_answers, "  funding_model: multi_year\n  pooled_budget: 'no'\n")
    assert principle(without, "funding").score == pytest.approx(3.5)


def test_too_little_answered_is_not_enough_evidence(mini_answers):
    r = result_for(mini_answers, "  owner: named_remit\n")   # 2 of 5 weight answered: below half
    acc = principle(r, "accountability")
    assert acc.status == "not-enough-evidence" and acc.level is None and acc.rag is None
    assert acc.answered_share == pytest.approx(0.4)


def test_director_lens_only_for_whole_scope(mini_answers):
    part = result_for(mini_answers, "  owner: named\n")
    assert not principle(part, "governance").applicable
    assert not next(l for l in part.lenses if l.id == "director").applicable
    whole = result_for(mini_answers, "  forum: formal\n  anchor: 'yes'\n", scope="whole")
    gov = principle(whole, "governance")
    assert gov.applicable and gov.level == 5


def test_overall_weights_lenses(mini_answers):
    r = result_for(mini_answers, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n  practices: [roadmap]\n"
                                 "  funding_model: annual\n  pooled_budget: 'no'\n  forum: none\n  anchor: 'no'\n  org_count: 4\n",
                   scope="whole")
    owner = next(l for l in r.lenses if l.id == "owner")
    director = next(l for l in r.lenses if l.id == "director")
    assert director.score == 1   # capped at 2 by the unanchored rule, raw score 1
    assert r.overall["score"] == pytest.approx(round((owner.score * 1 + director.score * 2) / 3, 4))


def test_findings_quote_answers_and_say_why(mini_answers):
    r = result_for(mini_answers, "  org_count: 5\n  forum: informal\n", scope="whole")
    f = next(f for f in r.findings if f.rule == "mini-unanchored-finding")
    assert f.rationale == "Test service spans 5 organisations with forum: Informal."
    assert [b.ref for b in f.because] == ["fact.unanchored"]
    no_rights = result_for(mini_answers, "  owner: named\n  decision_rights: 'no'\n")
    f = next(f for f in no_rights.findings if f.rule == "mini-no-rights")
    assert [(b.ref, b.label) for b in f.because] == [("owner", "A named person"), ("decision_rights", "No")]


def test_findings_sorted_by_severity_then_rule(mini_answers):
    r = result_for(mini_answers, "  owner: named\n  decision_rights: 'no'\n  funding_model: project\n  org_count: 4\n  forum: none\n",
                   scope="whole")
    order = [(f.kind, f.severity, f.rule) for f in r.findings]
    assert order == sorted(order, key=lambda t: (t[0] == "strength", ["high", "medium", "low", "info"].index(t[1]), t[2]))
    assert order[0][1] == "high"


def test_hidden_answers_are_kept_but_inactive_and_unscored(mini_answers):
    r = result_for(mini_answers, "  funding_model: project\n  team_size: 12\n")
    rec = next(a for a in r.answers if a.question == "team_size")
    assert rec.active is False and rec.value == 12
    small = next(f for f in r.findings if f.rule == "mini-small-team")   # hidden counts as unanswered
    assert small.rationale == "Team size is Not answered."


def test_confidence_shares(mini_answers):
    r = result_for(mini_answers, "  owner: named\n  decision_rights: 'yes'\n  pooled_budget: {n/a: one funder}\n")
    c = r.confidence
    # 13 questions: the whole-service section (2) is hidden for part scope, team_size
    # waits for a funding model other than project, and the n/a one is out of the count
    assert (c.applicable_questions, c.answered, c.not_applicable) == (9, 2, 1)
    assert c.answered_share == pytest.approx(2 / 9, abs=1e-4)
    assert c.evidenced_share == 0


# ---------------------------------------------------------------- gates, the worst-of method, `because`

GATE_RULES = """
  - id: mini-gate-unknown-pool
    principle: funding
    when: {not: {q: pooled_budget, answered: true}}
    finding: {severity: high, title: Pooling unknown, rationale: Nobody said., recommendation: Find out., owner: Board}
    caps: [{max_level: 1}]
  - id: mini-either-weakness
    principle: accountability
    when: {any: [{q: owner, equals: nobody}, {q: funding_model, equals: project}]}
    finding: {severity: low, title: A weakness, rationale: One of two., recommendation: Fix it., owner: Board}
"""


@pytest.fixture
def worst_framework(tmp_path):
    """The mini framework rated by its weakest principle, with a gate that caps at the lowest level."""
    import shutil
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    q = root / "questionnaires" / "mini.yaml"
    q.write_text(q.read_text().replace("  lenses:\n", "  scoring: {overall: worst}\n  lenses:\n", 1))
    rules = root / "rules" / "mini" / "rules.yaml"
    rules.write_text(rules.read_text().rstrip("\n") + "\n" + GATE_RULES.lstrip("\n"))
    return root


def worst_result(tmp_path, root, answers: str, phase: str = "live"):
    path = tmp_path / "answers.yaml"
    path.write_text(mini_doc(answers, phase=phase))
    return evaluate(load_answers(path, [root]))


def test_a_gate_at_the_lowest_level_decides_without_evidence(tmp_path, worst_framework):
    r = worst_result(tmp_path, worst_framework, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n")
    fund = principle(r, "funding")
    assert fund.status == "gated" and fund.score is None and fund.level == 1 and fund.rag == "red"
    assert [(c.rule, c.max_level, c.binding) for c in fund.caps] == [("mini-gate-unknown-pool", 1, True)]
    # the gate is red, so the weakest-principle overall is decided, and so is the owner lens
    assert r.overall["level"] == 1 and r.overall["rag"] == "red"
    assert next(l for l in r.lenses if l.id == "owner").level == 1


def test_worst_of_is_undecided_while_a_principle_could_still_be_lower(tmp_path, worst_framework):
    green = "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n  practices: [roadmap, metrics, research, retros]\n"
    # funding: pooled_budget answered (no gate), funding_model not: half the weight, so scored
    decided = worst_result(tmp_path, worst_framework, green + "  pooled_budget: 'yes'\n  funding_model: annual\n")
    assert decided.overall["level"] == min(p.level for p in decided.principles if p.applicable)
    # with a fourth-level accountability and nothing said about funding the weakest is unknown
    # (the pooling gate holds, so funding is red, and red decides it)
    gated = worst_result(tmp_path, worst_framework, green)
    assert principle(gated, "funding").status == "gated" and gated.overall["rag"] == "red"


def test_worst_of_waits_for_a_principle_without_enough_evidence(tmp_path, worst_framework):
    rules = worst_framework / "rules" / "mini" / "rules.yaml"
    rules.write_text(rules.read_text().replace("caps: [{max_level: 1}]", "caps: [{max_level: 2}]"))
    green = "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n  practices: [roadmap, metrics, research, retros]\n"
    r = worst_result(tmp_path, worst_framework, green)
    assert principle(r, "accountability").rag == "green"
    assert principle(r, "funding").status == "not-enough-evidence"
    assert r.overall["level"] is None and r.overall["rag"] is None


def test_worst_of_lens_agrees_with_the_overall(tmp_path, worst_framework):
    r = worst_result(tmp_path, worst_framework, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n"
                                                "  practices: [roadmap, metrics, research]\n  pooled_budget: 'no'\n  funding_model: project\n")
    owner = next(l for l in r.lenses if l.id == "owner")
    assert owner.score == min(principle(r, "accountability").capped_score, principle(r, "funding").capped_score)
    assert owner.level == r.overall["level"]


def test_because_names_only_the_alternative_that_held(tmp_path, worst_framework):
    r = worst_result(tmp_path, worst_framework, "  owner: named\n  funding_model: project\n  pooled_budget: 'yes'\n")
    finding = next(f for f in r.findings if f.rule == "mini-either-weakness")
    assert [b.ref for b in finding.because] == ["funding_model"]


def test_a_cap_the_answers_already_meet_does_not_bind(mini_answers):
    r = result_for(mini_answers, "  owner: named\n  decision_rights: 'no'\n  confidence: 1\n  practices: []\n")
    acc = principle(r, "accountability")
    assert acc.level == 2 and [(c.rule, c.binding) for c in acc.caps] == [("mini-no-rights", False)]   # 2.2 is level 2 anyway
    strong = result_for(mini_answers, "  owner: named_remit\n  decision_rights: 'no'\n  confidence: 5\n  practices: [roadmap, metrics, research, retros]\n")
    assert [c.binding for c in principle(strong, "accountability").caps] == [True]


def test_cap_reasons_read_as_text_not_placeholders(tmp_path):
    import shutil
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    rules = root / "rules" / "mini" / "rules.yaml"
    rules.write_text(rules.read_text().replace("title: Owner without decision rights", "title: 'Owner without decision rights in {meta:phase}'"))
    path = tmp_path / "a.yaml"
    path.write_text(mini_doc("  owner: named\n  decision_rights: 'no'\n  confidence: 5\n  practices: [roadmap]\n"))
    acc = principle(evaluate(load_answers(path, [root])), "accountability")
    assert [c.reason for c in acc.caps] == ["Owner without decision rights in live"]


def test_a_missing_phase_is_an_error_naming_the_choices(mini_answers):
    from assess.errors import AssessError
    with pytest.raises(AssessError) as exc:
        load_answers(mini_answers("assessment:\n  framework: mini\n  service: X\n  scope: part\nanswers: {}\n"), [MINI])
    [diag] = exc.value.diagnostics
    assert diag.field == "assessment.phase" and "discovery, alpha, beta, live, retiring" in diag.message


def _with_scoring(root, settings: str):
    q = root / "questionnaires" / "mini.yaml"
    q.write_text(q.read_text().replace("  scoring: {overall: worst}\n", f"  scoring: {{overall: worst, {settings}}}\n", 1))
    return root


def test_worst_of_rated_decides_the_overall_on_the_principles_it_could_rate(tmp_path, worst_framework):
    rules = worst_framework / "rules" / "mini" / "rules.yaml"
    rules.write_text(rules.read_text().replace("caps: [{max_level: 1}]", "caps: [{max_level: 2}]"))
    _with_scoring(worst_framework, "worst_of_rated: true")
    green = "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n  practices: [roadmap, metrics, research, retros]\n"
    r = worst_result(tmp_path, worst_framework, green)
    assert principle(r, "funding").status == "not-enough-evidence"
    assert (r.overall["level"], r.overall["rag"]) == (principle(r, "accountability").level, principle(r, "accountability").rag)


def test_one_red_principle_without_a_gate_makes_the_overall_amber_two_make_it_red(tmp_path, worst_framework):
    _with_scoring(worst_framework, "red_points_for_red_overall: 2")
    weak_funding = "  pooled_budget: 'no'\n  funding_model: project\n"
    one = worst_result(tmp_path, worst_framework, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n"
                                                  "  practices: [roadmap, metrics, research, retros]\n" + weak_funding)
    assert [p.id for p in one.principles if p.rag == "red"] == ["funding"]
    assert not any(c.max_level == 1 for c in principle(one, "funding").caps)
    assert one.overall["rag"] == "amber"
    both = worst_result(tmp_path, worst_framework, "  owner: nobody\n  decision_rights: 'no'\n  confidence: 1\n"
                                                   "  practices: []\n" + weak_funding)
    assert sorted(p.id for p in both.principles if p.rag == "red") == ["accountability", "funding"]
    assert both.overall["rag"] == "red"
    # a gate holding a single principle red still makes the overall red on its own
    gated = worst_result(tmp_path, worst_framework, "  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n"
                                                    "  practices: [roadmap, metrics, research, retros]\n  funding_model: project\n")
    assert principle(gated, "funding").rag == "red" and gated.overall["rag"] == "red"


def test_a_gate_makes_the_overall_red_on_its_own_only_in_the_phases_named(tmp_path, worst_framework):
    _with_scoring(worst_framework, "red_points_for_red_overall: 2, gates_for_red_overall_in: [beta, live]")
    gated = ("  owner: named_remit\n  decision_rights: 'yes'\n  confidence: 5\n"
             "  practices: [roadmap, metrics, research, retros]\n  funding_model: project\n")
    live = worst_result(tmp_path, worst_framework, gated)
    assert principle(live, "funding").rag == "red" and live.overall["rag"] == "red"
    alpha = worst_result(tmp_path, worst_framework, gated, phase="alpha")
    assert principle(alpha, "funding").rag == "red" and alpha.overall["rag"] == "amber"
