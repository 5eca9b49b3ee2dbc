"""The built-in service-standard framework: the three example assessments give the decisions a
panel would reach, hard gates make a point red from beta whether a gap is stated or left
unanswered, the phase changes what is asked and what blocks, the report reads in a panel's
words, and the engine stays general (no Python module names this framework or its content)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from assess.answers import load_answers
from assess.frameworks import find_framework
from assess.pipeline import evaluate, evaluate_file
from assess.yamlio import load_yaml

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "service-standard"
NAMES = ("alpha-passes", "beta-accessibility-gap", "live-amber")
POINTS = ["understand-users", "solve-whole-problem", "joined-up-experience", "simple-to-use", "everyone-can-use",
          "multidisciplinary-team", "agile-ways-of-working", "iterate-frequently", "secure-and-private",
          "define-success", "right-tools", "open-source", "open-standards", "reliable-service"]
LABELS = {"green": "Green – met", "amber": "Amber – met with actions", "red": "Red – not met"}


def ratings(result) -> dict[str, str]:
    return {p.id: p.rag for p in result.principles}


def point(result, pid: str):
    return next(p for p in result.principles if p.id == pid)


def fired(result, kind: str = "risk") -> set[str]:
    return {f.rule for f in result.findings if f.kind == kind}


def example_data(name: str) -> dict:
    """An example's answers file as plain data, to change and write back."""
    return json.loads(json.dumps(load_yaml(EXAMPLES / f"{name}.yaml").data, default=str))


def evaluate_data(data: dict, tmp_path: Path, name: str = "answers"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")   # JSON is YAML too
    return evaluate_file(path)


def changed(data: dict, phase: str | None = None, drop: tuple = (), **answers) -> dict:
    out = json.loads(json.dumps(data))
    if phase:
        out["assessment"]["phase"] = phase
    for qid in drop:
        out["answers"].pop(qid, None)
    out["answers"].update(answers)
    return out


# The live example with its amber gaps closed: every point green at beta and at live.
GOOD = dict(governance_style="attends_show_tells", change_approval="standard_changes", release_frequency="fortnightly",
            performance_published="published", deployment="pipeline", monitoring="alerts_on_call", restore_tested="yes",
            team_continuity="stable_core", next_phase_funded="long_term")


def good(phase: str) -> dict:
    return changed(example_data("live-amber"), phase=phase, **GOOD)


@pytest.fixture(scope="module")
def results():
    return {name: evaluate_file(EXAMPLES / f"{name}.yaml") for name in NAMES}


# ------------------------------------------------------------------ framework

def test_framework_has_one_principle_per_point_and_rates_by_the_worst():
    fw = find_framework("service-standard")
    assert [p.id for p in fw.principles] == POINTS
    assert fw.info.scoring.overall == "worst"
    assert all(r.id.startswith("ss-") for r in fw.rules)


def test_rating_words_say_the_colour_and_the_decision(results):
    assert find_framework("service-standard").info.rag.labels == LABELS
    for result in results.values():
        assert result.rag_labels == LABELS
        assert result.overall["rag_label"] == LABELS[result.overall["rag"]]


def test_every_point_has_four_to_eight_questions_at_every_phase():
    """Counted as asked: shown at the phase, with every earlier answer that could widen the set given."""
    fw = find_framework("service-standard")
    for phase in ("alpha", "beta", "live"):
        data = changed(example_data("live-amber"), phase=phase)
        assessment = _assessment(data)
        shown = assessment.visible()
        for section in fw.sections:
            asked = [q.id for q in section.questions if shown[q.id]]
            assert 4 <= len(asked) <= 8, (phase, section.id, asked)
        for p in fw.principles:
            scored = [qid for qid, q in fw.questions.items()
                      if shown[qid] and q.scored and any(i.principle == p.id for i in q.informs)]
            assert len(scored) >= 4, (phase, p.id, scored)


def _assessment(data: dict):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.yaml"
        path.write_text(json.dumps(data), encoding="utf-8")
        return load_answers(path)


def test_live_asks_what_only_a_live_service_can_show():
    fw = find_framework("service-standard")
    beta = _assessment(good("beta")).visible()
    live = _assessment(good("live")).visible()
    live_only = {q for q in fw.questions if live[q] and not beta[q]}
    assert {"support_model", "legacy_route_plan", "live_improvements", "benefits_reported", "live_team",
            "live_funding"} <= live_only
    # questions about "the next phase" are not put to a live service
    assert not live["next_phase_funded"] and not live["team_continuity"]


def test_counts_take_whole_numbers_only():
    fw = find_framework("service-standard")
    counts = [q for q in fw.questions.values() if q.type == "number"]
    assert counts and all(q.whole_number for q in counts)


def test_none_known_failures_never_score_top_level():
    q = find_framework("service-standard").questions["known_accessibility_failures"]
    assert q.option("none_known").level <= 3


# ------------------------------------------------------------------ the three examples

EXPECTED = {
    "alpha-passes": ({}, "green"),
    "beta-accessibility-gap": ({"everyone-can-use": "red", "define-success": "amber", "reliable-service": "amber"}, "red"),
    "live-amber": ({"agile-ways-of-working": "amber", "iterate-frequently": "amber", "define-success": "amber",
                    "right-tools": "amber", "reliable-service": "amber"}, "amber"),
}


@pytest.mark.parametrize("name", NAMES)
def test_examples_decide_each_point_as_a_panel_would(results, name):
    not_green, overall = EXPECTED[name]
    result = results[name]
    assert ratings(result) == {pid: not_green.get(pid, "green") for pid in POINTS}
    assert (result.overall["rag"], result.overall["rag_label"]) == (overall, LABELS[overall])
    assert all(p.status == "scored" for p in result.principles)


def test_alpha_that_passes_raises_no_risk_and_names_strengths(results):
    result = results["alpha-passes"]
    assert fired(result) == set()
    assert {"ss-strength-broad-research", "ss-strength-security-planned-early"} <= fired(result, "strength")


def test_beta_with_accessibility_gap_fails_point_5_on_its_gates(results):
    result = results["beta-accessibility-gap"]
    point5 = point(result, "everyone-can-use")
    assert point5.level == 1
    assert {c.rule for c in point5.caps if c.max_level == 1} == {"ss-accessibility-not-audited",
                                                                  "ss-blocking-accessibility-failures"}
    audit = next(f for f in result.findings if f.rule == "ss-accessibility-not-audited")
    assert audit.severity == "high" and audit.principle == "everyone-can-use"
    assert "in its beta phase" in audit.rationale and "Not yet; one is booked" in audit.rationale
    assert "cannot be deferred" in audit.rationale
    assert {"meta.phase", "accessibility_audit"} == {b.ref for b in audit.because}


def test_live_service_with_gaps_to_close_passes_every_gate(results):
    result = results["live-amber"]
    assert {"ss-performance-not-published", "ss-infrequent-releases", "ss-failures-go-unnoticed",
            "ss-live-changes-wait-for-approval"} <= fired(result)
    gates = {r.id for r in find_framework("service-standard").rules if any(c.max_level == 1 for c in r.caps)}
    assert not gates & fired(result)


@pytest.mark.parametrize("name", NAMES)
def test_engine_and_reference_evaluator_agree_on_examples(name):
    assessment = load_answers(EXAMPLES / f"{name}.yaml")
    assert evaluate(assessment, "durable").model_dump() == evaluate(assessment, "reference").model_dump()


def test_examples_carry_evidence_and_notes():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        data = load_yaml(path).data
        assert len(data.get("evidence", {})) >= 5 and len(data.get("notes", {})) >= 3, path.name


# ------------------------------------------------------------------ hard gates

@pytest.mark.parametrize("phase", ["beta", "live"])
def test_the_good_file_is_green_everywhere(phase, tmp_path):
    result = evaluate_data(good(phase), tmp_path)
    assert set(ratings(result).values()) == {"green"}
    assert result.overall["rag"] == "green"


# (point, question, bad answer or None for "left unanswered", phases where it is a gate)
GATES = [
    ("everyone-can-use", "assistive_tech_sessions", 0, ("beta", "live")),
    ("everyone-can-use", "assistive_tech_sessions", None, ("beta", "live")),
    ("everyone-can-use", "wcag_checks", "none", ("beta", "live")),
    ("everyone-can-use", "wcag_checks", None, ("beta", "live")),
    ("everyone-can-use", "accessibility_audit", "not_done", ("beta", "live")),
    ("everyone-can-use", "accessibility_audit", "booked", ("beta", "live")),
    ("everyone-can-use", "accessibility_audit", None, ("beta", "live")),
    ("everyone-can-use", "known_accessibility_failures", "blocking", ("beta", "live")),
    ("everyone-can-use", "known_accessibility_failures", None, ("beta", "live")),
    ("everyone-can-use", "accessibility_statement", "draft", ("beta", "live")),
    ("everyone-can-use", "accessibility_statement", None, ("beta", "live")),
    ("secure-and-private", "threat_model", "generic", ("beta", "live")),
    ("secure-and-private", "threat_model", None, ("beta", "live")),
    ("secure-and-private", "penetration_test", "serious_open", ("beta", "live")),
    ("secure-and-private", "penetration_test", None, ("beta", "live")),
    ("secure-and-private", "patching", "no_process", ("beta", "live")),
    ("secure-and-private", "patching", None, ("beta", "live")),
    ("secure-and-private", "dpia", "in_progress", ("beta", "live")),
    ("secure-and-private", "dpia", None, ("beta", "live")),
    ("secure-and-private", "personal_data", None, ("beta", "live")),
    ("secure-and-private", "secrets_out_of_code", "no", ("beta", "live")),
    ("secure-and-private", "secrets_out_of_code", None, ("beta", "live")),
    ("understand-users", "user_groups_researched", "none", ("beta", "live")),
    ("understand-users", "user_groups_researched", None, ("beta", "live")),
    ("joined-up-experience", "support_route_tested", "no_route", ("beta", "live")),
    ("joined-up-experience", "support_route_tested", None, ("beta", "live")),
    ("simple-to-use", "usability_testing", "not_tested", ("beta", "live")),
    ("simple-to-use", "usability_testing", None, ("beta", "live")),
    ("reliable-service", "incident_process", "nothing_planned", ("beta", "live")),
    ("reliable-service", "incident_process", None, ("beta", "live")),
    ("reliable-service", "incident_process", "best_effort", ("live",)),
    ("reliable-service", "monitoring", "users_report", ("live",)),
    ("reliable-service", "monitoring", None, ("live",)),
    ("multidisciplinary-team", "live_team", "no_team", ("live",)),
    ("multidisciplinary-team", "live_team", None, ("live",)),
    ("multidisciplinary-team", "live_funding", "not_funded", ("live",)),
    ("multidisciplinary-team", "live_funding", None, ("live",)),
]
GATE_CASES = [pytest.param(pid, qid, bad, phase, id=f"{phase}-{qid}-{bad}")
              for pid, qid, bad, phases in GATES if bad is not None for phase in phases]
UNANSWERED_GATE_CASES = [pytest.param(pid, qid, phase, id=f"{phase}-{qid}-unanswered")
                         for pid, qid, bad, phases in GATES if bad is None for phase in phases]
# an unanswered accessibility or security question holds its point at amber until the answer is given
EVIDENCE_RULES = {"everyone-can-use": "ss-accessibility-evidence-missing", "secure-and-private": "ss-security-evidence-missing"}


@pytest.mark.parametrize("pid, qid, bad, phase", GATE_CASES)
def test_a_gate_tripped_on_a_good_file_makes_the_point_and_overall_red(pid, qid, bad, phase, tmp_path):
    result = evaluate_data(changed(good(phase), **{qid: bad}), tmp_path)
    assert ratings(result)[pid] == "red"
    assert [p for p, rag in ratings(result).items() if rag == "red"] == [pid]
    assert (result.overall["rag"], result.overall["rag_label"]) == ("red", LABELS["red"])


@pytest.mark.parametrize("pid, qid, phase", UNANSWERED_GATE_CASES)
def test_a_gate_question_left_unanswered_does_not_fail_the_point(pid, qid, phase, tmp_path):
    # a panel fails a point on what it heard: silence is a gap in the evidence, not a proven failure
    result = evaluate_data(changed(good(phase), drop=(qid,)), tmp_path)
    assert "red" not in ratings(result).values()
    assert result.overall["rag"] != "red"
    if pid in EVIDENCE_RULES:
        p = point(result, pid)
        assert p.level == 2 and [c.rule for c in p.caps if c.binding] == [EVIDENCE_RULES[pid]]


@pytest.mark.parametrize("phase, pid, questions", [
    ("beta", "everyone-can-use", ("assistive_tech_sessions", "wcag_checks", "accessibility_audit",
                                  "known_accessibility_failures", "accessibility_statement", "access_needs_covered",
                                  "accessibility_skills", "research_low_digital")),
    ("live", "secure-and-private", ("personal_data", "threat_model", "dpia", "security_contact", "penetration_test",
                                    "patching", "fraud_and_misuse", "security_monitoring", "secrets_out_of_code")),
])
def test_a_point_with_all_its_questions_left_out_is_not_rated_and_the_overall_rests_on_the_rest(phase, pid, questions,
                                                                                               tmp_path):
    result = evaluate_data(changed(good(phase), drop=questions), tmp_path)
    p = point(result, pid)
    assert (p.status, p.level, p.rag, p.score) == ("not-enough-evidence", None, None, None)
    assert result.overall["rag"] == min((r for r in ratings(result).values() if r), key=["red", "amber", "green"].index)


def test_secrets_in_code_are_red_from_beta_but_a_gap_to_close_in_alpha(tmp_path):
    alpha = evaluate_data(changed(example_data("alpha-passes"), secrets_out_of_code="no"), tmp_path, "alpha")
    assert ratings(alpha)["secure-and-private"] == "amber"
    assert "ss-secrets-in-code-early" in fired(alpha) and "ss-secrets-in-code" not in fired(alpha)
    beta = evaluate_data(changed(good("beta"), secrets_out_of_code="no"), tmp_path, "beta")
    cap = next(c for c in point(beta, "secure-and-private").caps if c.rule == "ss-secrets-in-code")
    assert cap.max_level == 1 and cap.binding


# ------------------------------------------------------------------ alpha: beta-only gates do not apply

BETA_ONLY_GATES = {"ss-accessibility-evidence-missing", "ss-accessibility-not-checked", "ss-accessibility-not-audited",
                   "ss-blocking-accessibility-failures", "ss-no-accessibility-statement",
                   "ss-assistive-tech-untested-with-real-users", "ss-security-evidence-missing", "ss-secrets-in-code",
                   "ss-threats-unknown-with-real-users", "ss-no-penetration-test", "ss-no-patching-routine",
                   "ss-personal-data-without-dpia", "ss-no-support-route", "ss-never-usability-tested",
                   "ss-no-incident-response", "ss-live-service-unmonitored", "ss-live-service-without-team"}


@pytest.mark.parametrize("qid, answer, pid, early_rule", [
    ("wcag_checks", "none", "everyone-can-use", "ss-automated-accessibility-checks-only"),
    ("assistive_tech_sessions", 0, "everyone-can-use", "ss-assistive-tech-untested-early"),
    ("secrets_out_of_code", "no", "secure-and-private", "ss-secrets-in-code-early"),
    ("threat_model", "none", "secure-and-private", "ss-threats-unknown-early"),
    ("usability_testing", "not_tested", "simple-to-use", "ss-usability-not-tested-with-users"),
])
def test_alpha_gaps_are_actions_not_beta_gates(qid, answer, pid, early_rule, tmp_path):
    result = evaluate_data(changed(example_data("alpha-passes"), **{qid: answer}), tmp_path)
    assert ratings(result)[pid] == "amber" and result.overall["rag"] == "amber"
    assert early_rule in fired(result)
    assert not BETA_ONLY_GATES & fired(result)


def test_alpha_with_gate_questions_unanswered_is_not_red(tmp_path):
    drop = ("assistive_tech_sessions", "wcag_checks", "threat_model", "secrets_out_of_code", "user_groups_researched",
            "usability_testing")
    result = evaluate_data(changed(example_data("alpha-passes"), drop=drop), tmp_path)
    assert "red" not in ratings(result).values()
    assert not BETA_ONLY_GATES & fired(result)


def test_the_same_gaps_in_alpha_are_actions_not_a_failure(tmp_path):
    """Phase decides the gate: in alpha the audit questions are not asked and nothing is red."""
    result = evaluate_data(changed(example_data("beta-accessibility-gap"), phase="alpha"), tmp_path)
    assert ratings(result)["everyone-can-use"] == "amber"
    assert "red" not in ratings(result).values()
    assert not {"ss-accessibility-not-audited", "ss-blocking-accessibility-failures"} & fired(result)
    assert not next(a for a in result.answers if a.question == "accessibility_audit").active


def test_performance_publication_gates_only_at_live(tmp_path):
    beta = evaluate_data(changed(example_data("live-amber"), phase="beta"), tmp_path)
    assert "ss-performance-not-published" not in fired(beta)
    live = evaluate_file(EXAMPLES / "live-amber.yaml")
    caps = point(live, "define-success").caps
    assert [(c.rule, c.max_level) for c in caps] == [("ss-performance-not-published", 2)]


# ------------------------------------------------------------------ engine stays general

def test_no_engine_module_names_this_framework_or_its_content():
    fw = find_framework("service-standard")
    content_ids = set(fw.questions) | {p.id for p in fw.principles} | {r.id for r in fw.rules}
    offenders = []
    for module in sorted((ROOT / "assess").rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        if "service-standard" in text or "service_standard" in text:
            offenders.append(f"{module.name}: names the framework")
        offenders += [f"{module.name}: {lit!r}" for lit in re.findall(r"""["']([a-z0-9_\-]+)["']""", text)
                      if lit in content_ids]
    assert offenders == []


# ------------------------------------------------------------------ the report

def render(result) -> str:
    from assess.reports.html import render_html
    return render_html(result, framework=find_framework("service-standard"))


def text_of(fragment: str) -> str:
    fragment = re.sub(r"<style>.*?</style>", " ", fragment, flags=re.S)
    fragment = re.sub(r"</?(bdi|span|strong|em|code|a)\b[^>]*>", "", fragment)   # inline: no word break
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def section(page: str, start_id: str, end_id: str) -> str:
    return text_of(page[page.index(f'id="{start_id}"'):page.index(f'id="{end_id}"')])


@pytest.fixture(scope="module")
def pages(results):
    return {name: render(result) for name, result in results.items()}


def test_beta_report_says_in_plain_words_why_point_5_is_red(pages):
    point5 = section(pages["beta-accessibility-gap"], "principle-everyone-can-use", "principle-multidisciplinary-team")
    assert "Red – not met. The service should not move on until this point has been reassessed." in point5
    assert ("each of these would keep it red at this phase on its own: Real users rely on a service that has not "
            "had an accessibility audit; Known accessibility failures stop some people completing the service.") in point5
    assert "What the team needs to explore or fix before the live assessment" in point5
    # the caps do not bind here (the answers alone score level 1), so nothing is said to hold the point down
    assert "held at level" not in point5
    summary = section(pages["beta-accessibility-gap"], "summary", "charts")
    assert "Red – not met: 5. Make sure everyone can use the service." in summary
    assert "The service should not move on until the red points have been reassessed." in summary


def test_a_binding_gate_is_said_to_hold_the_point(tmp_path):
    result = evaluate_data(changed(good("beta"), secrets_out_of_code="no"), tmp_path)
    text = section(render(result), "principle-secure-and-private", "principle-define-success")
    assert ("Whatever else is in place, this point is held at level 1 because: Secrets for a service real people use "
            "are kept in the code repositories.") in text


def test_contents_entries_match_the_headings_they_point_to(pages):
    for page in pages.values():
        nav = page[page.index('<nav class="contents"'):page.index("</nav>")]
        links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
        assert len(links) >= 20
        for anchor, label in links:
            target = re.search(rf'id="{re.escape(anchor)}"[^>]*>.*?<h[23][^>]*>(.*?)</h[23]>', page, flags=re.S)
            assert target and text_of(target.group(1)) == html.unescape(label), (anchor, label)


def test_summary_shows_decisions_strengths_and_the_panels_words(pages):
    for name, page in pages.items():
        summary = section(page, "summary", "charts")
        assert "What the team did well" in summary
        assert "Level " not in summary                     # decisions, not maturity levels
        assert re.search(r'<col class="c-point"><col class="c-decision">', page)
    alpha = section(pages["alpha-passes"], "summary", "charts")
    assert "The panel found nothing the team must fix before the beta assessment." in alpha
    assert "Research reaches every user group and the whole team sees it (point 1)" in alpha


def test_cover_keeps_scope_and_the_identifiers_that_reproduce_it(pages, results):
    page, result = pages["live-amber"], results["live-amber"]
    cover = text_of(page[:page.index('<nav class="contents"')])
    assert "Scope Part of a service, in one organisation" in cover
    assert result.answers_hash[:12] in cover and result.framework["hash"][:12] in cover
    assert "Assessment decision Amber – met with actions" in cover


def test_a_self_assessment_is_not_called_a_panel(tmp_path):
    data = example_data("alpha-passes")
    data["assessment"]["kind"] = "self"
    data["assessment"]["respondent"] = "Sam Okafor, product manager"
    page = render(evaluate_data(data, tmp_path))
    own_words = section(page, "summary", "charts") + section(page, "principles", "actions")
    assert "panel" not in own_words.lower()
    assert "The team's self-assessment found nothing the team must fix" in own_words
    assert "Completed by Sam Okafor" in text_of(page[:page.index('<nav class="contents"')])


def test_an_amber_point_without_a_finding_names_what_falls_short(tmp_path):
    """Point 10 drops to amber on one weak answer no rule picks up: the summary must not say nothing needs fixing."""
    result = evaluate_data(changed(example_data("alpha-passes"), data_in_decisions="reported"), tmp_path)
    assert ratings(result)["define-success"] == "amber" and fired(result) == set()
    page = render(result)
    summary = section(page, "summary", "charts")
    assert "found nothing" not in summary
    assert "How does data change what the team does? It is reported upwards but seldom acted on (point 10)" in summary
    point10 = section(page, "principle-define-success", "principle-right-tools")
    assert "should close the gaps listed for this point" in point10
    assert "Below what the standard expects at this phase: How does data change what the team does?" in point10


def test_a_point_decided_by_its_gate_alone_is_explained_in_plain_words(tmp_path):
    # the only accessibility answer given is the gap itself: the gate decides the point
    drop = ("assistive_tech_sessions", "accessibility_audit", "known_accessibility_failures",
            "accessibility_statement", "access_needs_covered", "accessibility_skills")
    page = render(evaluate_data(changed(good("beta"), drop=drop, wcag_checks="none"), tmp_path))
    text = section(page, "principle-everyone-can-use", "principle-multidisciplinary-team")
    assert "each of these would keep it red at this phase on its own" in text
    assert "Nobody checks whether the service people use meets accessibility standards" in text


def test_an_overall_decided_on_some_points_names_the_points_it_could_not_decide(tmp_path):
    drop = ("problem_framing", "journey_mapped", "other_orgs_engaged", "constraints_challenged", "named_for_task")
    result = evaluate_data(changed(example_data("alpha-passes"), drop=drop), tmp_path)
    assert point(result, "solve-whole-problem").status == "not-enough-evidence"
    assert result.overall["rag"] == min((r for r in ratings(result).values() if r), key=["red", "amber", "green"].index)
    page = render(result)
    cover = text_of(page[:page.index('<nav class="contents"')])
    assert ("This rests on the points that could be decided; too little was answered on 2. Solve a whole problem for "
            "users to decide it.") in cover
    summary = section(page, "summary", "charts")
    assert "No decision yet (too little answered): 1" in summary
    assert "Before it can be decided, answer the questions left open on 2. Solve a whole problem for users." in summary


def test_an_overall_with_no_point_decided_reads_as_no_decision_yet(tmp_path):
    result = evaluate_data(changed(example_data("alpha-passes"), drop=tuple(example_data("alpha-passes")["answers"])),
                           tmp_path)
    assert result.overall["rag"] is None
    cover = text_of(render(result)[:render(result).index('<nav class="contents"')])
    assert "Assessment decision No decision yet" in cover


@pytest.mark.slow
def test_pdf_summary_fits_one_page_and_the_first_point_follows_the_introduction(results, tmp_path):
    from report_helpers import pdf_pages_text

    from assess.reports import pdf
    for name, result in results.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf.render(result, framework=find_framework("service-standard")))
        texts = pdf_pages_text(path)
        summary = next(i for i, t in enumerate(texts) if "Summary of the decision" in t and "Points by decision" in t)
        assert "Based on" in texts[summary], name
        assert "Maturity at a glance" in texts[summary + 1], name
        intro = next(i for i, t in enumerate(texts) if "Decision point by point" in t and "For each point" in t)
        assert "1. Understand users and their needs" in texts[intro], name


def test_one_point_red_on_its_answers_alone_makes_the_overall_amber_and_the_report_says_why(tmp_path):
    drop = ("user_groups_researched", "user_needs_recorded", "team_observes_research", "research_continues", "research_low_digital")
    result = evaluate_data(changed(good("alpha"), drop=drop, research_methods=["usability_tests"]), tmp_path, "alpha")
    assert [p for p, rag in ratings(result).items() if rag == "red"] == ["understand-users"]
    assert not any(c.max_level == 1 for c in point(result, "understand-users").caps)
    assert result.overall["rag"] == "amber"
    cover = text_of(render(result)[:render(result).index('<nav class="contents"')])
    assert ("1. Understand users and their needs is red and must be reassessed, but no gate that stops a service on "
            "its own holds it red, so the overall decision is amber rather than red, as a panel's would be.") in cover


def test_two_points_red_on_the_same_answer_are_one_gap_and_the_overall_stays_amber(tmp_path):
    # nobody of low digital skill researched: understand-users and everyone-can-use both fall on that one answer
    understand = ("user_groups_researched", "user_needs_recorded", "team_observes_research", "research_continues")
    everyone = ("assistive_tech_sessions", "wcag_checks", "accessibility_plan", "access_needs_covered", "accessibility_skills")
    data = changed(good("alpha"), drop=understand + everyone, research_methods=["usability_tests"], research_low_digital="none")
    result = evaluate_data(data, tmp_path, "alpha")
    assert sorted(p for p, rag in ratings(result).items() if rag == "red") == ["everyone-can-use", "understand-users"]
    assert result.overall["rag"] == "amber"
    assert result.overall["shared_gaps"] == [["understand-users", "everyone-can-use"]]
    cover = text_of(render(result)[:render(result).index('<nav class="contents"')])
    assert ("1. Understand users and their needs; 5. Make sure everyone can use the service are red and must be "
            "reassessed, but no gate that stops a service on its own holds them red and they rest on the same weak "
            "answers or the same rule, which count as one gap, "
            "so the overall decision is amber rather than red, as a panel's would be.") in cover


def test_two_points_red_through_one_gate_outside_accessibility_and_security_are_one_gap_overall_amber(tmp_path):
    # no content designer holds both point 4 and point 6 red through one rule: one gap, and not a gate that stops a
    # service on its own (only accessibility and security gates do), so the overall stays amber
    result = evaluate_data(changed(good("alpha"), content_design="team_no_specialist"), tmp_path, "alpha")
    reds = sorted(p for p, rag in ratings(result).items() if rag == "red")
    assert reds == ["multidisciplinary-team", "simple-to-use"]
    assert all(any(c.rule == "ss-no-content-designer" and c.max_level == 1 for c in point(result, p).caps) for p in reds)
    assert result.overall["rag"] == "amber"
    assert sorted(result.overall["shared_gaps"][0]) == reds


def test_an_accessibility_gate_alone_still_makes_the_overall_red(tmp_path):
    result = evaluate_data(changed(good("beta"), accessibility_audit="not_done"), tmp_path, "beta")
    assert [p for p, rag in ratings(result).items() if rag == "red"] == ["everyone-can-use"]
    assert result.overall["rag"] == "red"


def test_two_points_red_on_different_answers_make_the_overall_red(tmp_path):
    understand = ("user_groups_researched", "user_needs_recorded", "team_observes_research", "research_continues",
                  "research_low_digital")
    standards = ("existing_checked", "component_departures", "data_standards", "shares_learning", "document_formats")
    data = changed(good("alpha"), drop=understand + standards, research_methods=["usability_tests"],
                   design_system="custom_untested")
    result = evaluate_data(data, tmp_path, "alpha")
    reds = sorted(p for p, rag in ratings(result).items() if rag == "red")
    assert reds == ["open-standards", "understand-users"]
    assert result.overall["rag"] == "red" and "shared_gaps" not in result.overall
