"""The built-in service-standard framework: the three example assessments give the decisions a
panel would reach, the phase changes what is asked and what blocks, and the engine stays
general (no Python module names this framework or its content)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess.answers import load_answers
from assess.frameworks import find_framework
from assess.pipeline import evaluate, evaluate_file
from assess.yamlio import load_yaml

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "service-standard"
POINTS = ["understand-users", "solve-whole-problem", "joined-up-experience", "simple-to-use", "everyone-can-use",
          "multidisciplinary-team", "agile-ways-of-working", "iterate-frequently", "secure-and-private",
          "define-success", "right-tools", "open-source", "open-standards", "reliable-service"]


def ratings(result) -> dict[str, str]:
    return {p.id: p.rag for p in result.principles}


def fired(result, kind: str = "risk") -> set[str]:
    return {f.rule for f in result.findings if f.kind == kind}


@pytest.fixture(scope="module")
def results():
    return {name: evaluate_file(EXAMPLES / f"{name}.yaml") for name in ("alpha-passes", "beta-accessibility-gap", "live-amber")}


def test_framework_has_one_principle_per_point_and_rates_by_the_worst():
    fw = find_framework("service-standard")
    assert [p.id for p in fw.principles] == POINTS
    assert fw.info.scoring.overall == "worst"
    assert fw.info.rag.labels == {"green": "Met", "amber": "Met with actions", "red": "Not met"}
    assert all(r.id.startswith("ss-") for r in fw.rules)


def test_alpha_that_passes_is_met_on_every_point(results):
    result = results["alpha-passes"]
    assert set(ratings(result).values()) == {"green"}
    assert (result.overall["rag"], result.overall["rag_label"]) == ("green", "Met")
    assert fired(result) == set()
    assert {"ss-strength-broad-research", "ss-strength-security-planned-early"} <= fired(result, "strength")


def test_beta_with_accessibility_gap_fails_point_5_and_overall(results):
    result = results["beta-accessibility-gap"]
    rags = ratings(result)
    assert rags["everyone-can-use"] == "red"
    assert [p for p, rag in rags.items() if rag == "red"] == ["everyone-can-use"]
    assert {p for p, rag in rags.items() if rag == "amber"} == {"define-success", "reliable-service"}
    assert (result.overall["rag"], result.overall["rag_label"]) == ("red", "Not met")
    point5 = next(p for p in result.principles if p.id == "everyone-can-use")
    assert point5.level == 1
    assert {c.rule for c in point5.caps if c.max_level == 1} == {"ss-accessibility-not-audited",
                                                                  "ss-blocking-accessibility-failures"}
    audit = next(f for f in result.findings if f.rule == "ss-accessibility-not-audited")
    assert audit.severity == "high" and audit.principle == "everyone-can-use"
    # the finding says why in plain words, quoting the phase and the team's own answer
    assert "in beta" in audit.rationale and "Not yet; one is booked" in audit.rationale
    assert "cannot be deferred" in audit.rationale
    assert {"meta.phase", "accessibility_audit"} == {b.ref for b in audit.because}


def test_live_service_with_gaps_to_close_is_amber_not_red(results):
    result = results["live-amber"]
    rags = ratings(result)
    assert "red" not in rags.values()
    assert {p for p, rag in rags.items() if rag == "amber"} == {
        "agile-ways-of-working", "iterate-frequently", "define-success", "right-tools", "reliable-service"}
    assert (result.overall["rag"], result.overall["rag_label"]) == ("amber", "Met with actions")
    assert {"ss-performance-not-published", "ss-infrequent-releases", "ss-failures-go-unnoticed"} <= fired(result)
    # accessibility and security pass, so none of their gates fire
    gates = {"ss-accessibility-not-audited", "ss-blocking-accessibility-failures", "ss-no-accessibility-statement",
             "ss-assistive-tech-untested-with-real-users", "ss-no-penetration-test", "ss-personal-data-without-dpia",
             "ss-threats-unknown-with-real-users", "ss-no-patching-routine"}
    assert not gates & fired(result)


def test_every_point_has_a_decision_in_every_example(results):
    for result in results.values():
        assert all(p.status == "scored" and p.rag in ("green", "amber", "red") for p in result.principles)


def _with_phase(path: Path, phase: str, tmp_path: Path) -> Path:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^  phase: \w+$", f"  phase: {phase}", text)
    assert changed != text
    out = tmp_path / f"{path.stem}-{phase}.yaml"
    out.write_text(changed, encoding="utf-8")
    return out


def test_the_same_gaps_in_alpha_are_actions_not_a_failure(tmp_path):
    """Phase decides the gate: in alpha the audit questions are not asked and nothing is red."""
    result = evaluate_file(_with_phase(EXAMPLES / "beta-accessibility-gap.yaml", "alpha", tmp_path))
    assert ratings(result)["everyone-can-use"] == "amber"
    assert "red" not in ratings(result).values()
    assert not {"ss-accessibility-not-audited", "ss-blocking-accessibility-failures"} & fired(result)
    audit = next(a for a in result.answers if a.question == "accessibility_audit")
    assert not audit.active


def test_performance_publication_gates_only_at_live(tmp_path):
    beta = evaluate_file(_with_phase(EXAMPLES / "live-amber.yaml", "beta", tmp_path))
    assert "ss-performance-not-published" not in fired(beta)
    live = evaluate_file(EXAMPLES / "live-amber.yaml")
    cap = next(p for p in live.principles if p.id == "define-success").caps
    assert [(c.rule, c.max_level) for c in cap] == [("ss-performance-not-published", 2)]


@pytest.mark.parametrize("name", ["alpha-passes", "beta-accessibility-gap", "live-amber"])
def test_engine_and_reference_evaluator_agree_on_examples(name):
    assessment = load_answers(EXAMPLES / f"{name}.yaml")
    assert evaluate(assessment, "durable").model_dump() == evaluate(assessment, "reference").model_dump()


def test_examples_carry_evidence_and_notes():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        data = load_yaml(path).data
        assert len(data.get("evidence", {})) >= 5 and len(data.get("notes", {})) >= 3, path.name


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


def test_report_override_speaks_in_decisions(results):
    """The framework's report template replaces the base blocks: decisions, done well, to fix."""
    from assess.reports.html import render_html
    html = render_html(results["beta-accessibility-gap"], framework=find_framework("service-standard"))
    assert "Service Standard assessment report" in html and "Overall decision" in html
    point5 = html[html.index('id="principle-everyone-can-use"'):html.index('id="principle-multidisciplinary-team"')]
    assert "Not met" in point5
    assert "What the team needs to explore or fix before the live assessment" in point5
    assert "Real users rely on a service that has not had an accessibility audit" in point5
    assert "held at level 1 because" in point5
    done_well = html[html.index('id="principle-multidisciplinary-team"'):html.index('id="principle-agile-ways-of-working"')]
    assert "What the team has done well" in done_well and "A complete team that can decide and will stay" in done_well
