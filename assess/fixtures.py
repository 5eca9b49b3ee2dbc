"""Rule fixtures: answers snippets on which a rule must fire (fires*.yaml) or stay silent (silent*.yaml).

They live in <framework root>/tests/rules/<rule-id>/. Each snippet is run through the
durable-rules engine and the reference evaluator; the two must agree, and the rule must
do what the file name says. Nothing is skipped quietly: a rule without both kinds of
fixture, a file in a rule's folder that is not named as a fixture, and a folder that
matches no rule are all reported.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .answers import assessment_from_document
from .errors import AssessError, Diagnostic
from .frameworks import Framework
from .limits import FIXTURE_FILE_BYTES
from .yamlio import load_yaml

FIXTURE_DEFAULTS = {"service": "Fixture service", "scope": "part", "phase": "live", "kind": "self"}
FIXTURE_NAME = re.compile(r"^(fires|silent)[^/]*\.yaml$")
KINDS = ("fires", "silent")


@dataclass
class FixtureOutcome:
    rule: str
    file: str
    expect_fire: bool
    fired: Optional[bool]
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and self.fired == self.expect_fire


@dataclass
class FixtureReport:
    outcomes: list[FixtureOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # rules lacking fixtures, a framework with no rules
    stray: list[str] = field(default_factory=list)       # files in a rule's folder that are not fixtures
    fired_somewhere: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.stray and all(o.passed for o in self.outcomes)


def fixtures_dir(root: Path) -> Path:
    return Path(root) / "tests" / "rules"


def load_snippet(file: Path, framework: Framework):
    doc = load_yaml(file, limit=FIXTURE_FILE_BYTES)
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
    if not framework.rules:
        report.missing.append(f"{framework.id}: no rules to test; rules are read from {Path(root) / 'rules' / framework.id}/*.yaml"
                              + _rules_folder_hint(Path(root), framework.id))
    for rule in framework.rules:
        folder = base / rule.id
        # anything but a folder: a fixture name on a pipe, device or broken link is run, and refused by name
        files = sorted(f for f in folder.iterdir() if not f.is_dir() or FIXTURE_NAME.match(f.name)) if folder.is_dir() else []
        fixtures = {kind: [f for f in files if FIXTURE_NAME.match(f.name) and f.name.startswith(kind)] for kind in KINDS}
        for kind in KINDS:
            if not fixtures[kind]:
                report.missing.append(f"{rule.id}: no {kind}*.yaml fixture in {folder}")
        report.stray.extend(_stray(f) for f in files if _looks_like_fixture(f) and not FIXTURE_NAME.match(f.name))
        report.fired_somewhere.setdefault(rule.id, False)
        for file in fixtures["fires"] + fixtures["silent"]:
            report.outcomes.append(_run_one(framework, rule.id, file, file in fixtures["fires"], report, engine(), evaluate_reference))
    return report


def _run_one(framework, rule_id: str, file: Path, expect: bool, report: FixtureReport, durable_engine, reference) -> FixtureOutcome:
    try:
        facts = load_snippet(file, framework).facts()
        durable = durable_engine.evaluate(framework, facts)
        expected = reference(framework, facts)
    except AssessError as exc:
        return FixtureOutcome(rule_id, str(file), expect, None, list(exc.diagnostics))
    if durable != expected:
        diff = sorted(set(durable.fired) ^ set(expected.fired))
        return FixtureOutcome(rule_id, str(file), expect, rule_id in durable.fired,
                              [Diagnostic(str(file), 0, rule_id, f"engine and reference evaluator disagree on {', '.join(diff) or 'derived facts'}")])
    for fired in durable.fired:
        report.fired_somewhere[fired] = True
    return FixtureOutcome(rule_id, str(file), expect, rule_id in durable.fired)


def _looks_like_fixture(file: Path) -> bool:
    """YAML files, and anything named like a fixture; notes such as README.md are left alone."""
    name = file.name.lower()
    return not name.startswith(".") and (name.endswith((".yaml", ".yml")) or name.startswith(KINDS))


def _stray(file: Path) -> str:
    name = file.name
    stem, dot, ext = name.partition(".")
    head = re.split(r"[-_.]", stem, maxsplit=1)[0].lower()
    kind = head if head in KINDS else next(iter(difflib.get_close_matches(head, KINDS, n=1, cutoff=0.6)), "")
    if kind:
        suggestion = kind + stem[len(head):].lower() + ".yaml"
        hint = f"; did you mean {suggestion}?" if suggestion != name else ""
    else:
        hint = ""
    return f"{file}: not run; fixture files are named fires*.yaml or silent*.yaml{hint}"


def _rules_folder_hint(root: Path, framework_id: str) -> str:
    rules = root / "rules"
    if (rules / framework_id).is_dir():
        others = sorted(p.name for p in (rules / framework_id).iterdir() if p.suffix == ".yml")
        return f" (found {', '.join(others)}: rule files end in .yaml)" if others else ""
    if rules.is_dir():
        close = difflib.get_close_matches(framework_id, [p.name for p in rules.iterdir() if p.is_dir()], n=1, cutoff=0.6)
        return f" (found rules/{close[0]}/: misspelt?)" if close else ""
    close = difflib.get_close_matches("rules", [p.name for p in root.iterdir() if p.is_dir()], n=1, cutoff=0.6)
    return f" (found {close[0]}/: misspelt?)" if close else ""


def orphan_folders(root: Path, frameworks: Iterable[Framework]) -> list[str]:
    """Fixture folders that match no rule of any framework in the root."""
    base = fixtures_dir(root)
    if not base.is_dir():
        return []
    known = {r.id for fw in frameworks for r in fw.rules}
    out = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name not in known and not p.name.startswith(".")):
        out.append(f"{folder.name}: fixture folder for a rule that does not exist ({folder}){_suggest(folder.name, known)}")
    return out


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.8)
    return f"; did you mean {close[0]}?" if close else ""


def fixture_diagnostics(report: FixtureReport) -> list[Diagnostic]:
    """One line per failure; a fixture that does not load gives its own file:line diagnostics."""
    out = []
    for o in report.outcomes:
        if o.problems:
            out.extend(o.problems)
        elif not o.passed:
            message = "expected the rule to fire, it did not" if o.expect_fire else "expected the rule to stay silent, it fired"
            out.append(Diagnostic(o.file, 0, o.rule, message))
    return out
