"""The built-in service-ownership framework: fixtures, lint, and examples an expert would sign off."""
from __future__ import annotations

import pytest

from assess.pipeline import evaluate_file

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples" / "service-ownership"


def test_built_in_rule_fixtures_all_pass():
    r = run_cli("test-rules", str(ROOT))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "missing" not in r.stdout


def test_built_in_frameworks_are_lint_clean():
    r = run_cli("lint", str(ROOT))
    assert r.returncode == 0, r.stdout


def risks(result, severity=None):
    return [f for f in result.findings if f.kind == "risk" and (severity is None or f.severity == severity)]


def test_unanchored_health_pathway_gets_a_high_accountability_finding():
    r = evaluate_file(EXAMPLES / "health-pathway-unanchored.yaml")
    high = {f.rule: f for f in risks(r, "high")}
    assert "so-nobody-accountable-for-whole" in high and "so-unanchored-whole-service" in high
    assert high["so-nobody-accountable-for-whole"].principle == "clear-accountability"
    accountability = next(p for p in r.principles if p.id == "clear-accountability")
    assert accountability.level == 1 and accountability.caps
    assert r.overall["rag"] == "red"


def test_strong_single_organisation_owner_gets_no_high_findings_and_no_director_demands():
    r = evaluate_file(EXAMPLES / "single-org-strong-owner.yaml")
    assert risks(r, "high") == []
    director = next(l for l in r.lenses if l.id == "service-director")
    assert not director.applicable
    director_principles = {p.id for p in r.principles if p.lens == "service-director"}
    assert not any(f.principle in director_principles for f in r.findings)
    assert r.overall["level"] == 4 and r.overall["rag"] == "green"
    assert any(f.kind == "strength" for f in r.findings)


def test_live_service_without_a_team_is_called_out():
    r = evaluate_file(EXAMPLES / "live-no-team.yaml")
    assert {"so-live-no-team", "so-live-project-funded"} <= {f.rule for f in risks(r, "high")}
    funding = next(p for p in r.principles if p.id == "sustained-funding")
    assert funding.level == 1


def test_whole_housing_service_is_mature_with_specific_gaps():
    r = evaluate_file(EXAMPLES / "whole-service-housing.yaml")
    assert risks(r, "high") == []
    assert "so-governance-differences-unbridged" in {f.rule for f in risks(r)}
    assert all(p.applicable for p in r.principles)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_are_well_evidenced(example):
    r = evaluate_file(example)
    assert r.confidence.answered_share >= 0.9 and r.confidence.evidenced_share >= 0.5
