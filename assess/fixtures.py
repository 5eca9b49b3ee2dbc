"""Rule fixtures: answers snippets on which a rule must fire (fires*.yaml) or stay silent (silent*.yaml).

They live in <framework root>/tests/rules/<rule-id>/. Each snippet is run through the
durable-rules engine and the reference evaluator; the two must agree, and the rule must
do what the file name says.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .answers import assessment_from_document
from .errors import AssessError, Diagnostic
from .frameworks import Framework
from .yamlio import load_yaml

FIXTURE_DEFAULTS = {"service": "Fixture service", "scope": "part", "phase": "live", "kind": "self"}


@dataclass
class FixtureOutcome:
    rule: str
    file: str
    expect_fire: bool
    fired: Optional[bool]
    problem: str = ""

    @property
    def passed(self) -> bool:
        return not self.problem and self.fired == self.expect_fire


@dataclass
class FixtureReport:
    outcomes: list[FixtureOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # messages about rules lacking fixtures
    fired_somewhere: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.missing and all(o.passed for o in self.outcomes)


def fixtures_dir(root: Path) -> Path:
    return Path(root) / "tests" / "rules"


def load_snippet(file: Path, framework: Framework):
    doc = load_yaml(file)
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        raise AssessError(doc.diag((), "a fixture must be a mapping with `answers:` (and optional `assessment:`)"))
    meta = doc.data.get("assessment") or {}
    if not isinstance(meta, dict):
        raise AssessError(doc.diag(("assessment",), "must be a mapping"))
    doc.data["assessment"] = {"framework": framework.id, **FIXTURE_DEFAULTS, **meta}
    return assessment_from_document(doc, framework=framework)


def run_fixtures(framework: Framework, root: Path) -> FixtureReport:
    from .engine import engine, evaluate_reference
    report = FixtureReport()
    base = fixtures_dir(root)
    for rule in framework.rules:
        folder = base / rule.id
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        fires = [f for f in files if f.name.startswith("fires")]
        silent = [f for f in files if f.name.startswith("silent")]
        if not fires:
            report.missing.append(f"{rule.id}: no fires*.yaml fixture in {folder}")
        if not silent:
            report.missing.append(f"{rule.id}: no silent*.yaml fixture in {folder}")
        report.fired_somewhere.setdefault(rule.id, False)
        for file in fires + silent:
            expect = file in fires
            try:
                assessment = load_snippet(file, framework)
                facts = assessment.facts()
                durable = engine().evaluate(framework, facts)
                reference = evaluate_reference(framework, facts)
            except AssessError as exc:
                report.outcomes.append(FixtureOutcome(rule.id, str(file), expect, None, "; ".join(str(d) for d in exc.diagnostics)))
                continue
            if durable != reference:
                diff = sorted(set(durable.fired) ^ set(reference.fired))
                report.outcomes.append(FixtureOutcome(rule.id, str(file), expect, rule.id in durable.fired,
                                                      f"engine and reference evaluator disagree on {', '.join(diff) or 'derived facts'}"))
                continue
            for fired in durable.fired:
                report.fired_somewhere[fired] = True
            report.outcomes.append(FixtureOutcome(rule.id, str(file), expect, rule.id in durable.fired))
    known = {r.id for r in framework.rules}
    prefix = _rule_prefix(framework)
    if base.is_dir() and prefix:
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith(prefix) and p.name not in known):
            report.missing.append(f"{folder.name}: fixture folder for a rule that does not exist ({folder})")
    return report


def _rule_prefix(framework: Framework) -> str:
    """Rule ids of one framework share a prefix (e.g. `so-`); use it to spot orphaned fixture folders."""
    import os
    ids = [r.id for r in framework.rules]
    common = os.path.commonprefix(ids) if ids else ""
    return common[: common.find("-") + 1] if "-" in common else ""


def fixture_diagnostics(report: FixtureReport) -> list[Diagnostic]:
    out = []
    for o in report.outcomes:
        if o.problem:
            out.append(Diagnostic(o.file, 0, o.rule, o.problem))
        elif not o.passed:
            out.append(Diagnostic(o.file, 0, o.rule, "expected the rule to fire, it did not" if o.expect_fire else "expected the rule to stay silent, it fired"))
    return out
