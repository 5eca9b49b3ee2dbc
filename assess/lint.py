"""`assess lint`: content that loads but is probably wrong."""
from __future__ import annotations

import re
from dataclasses import dataclass
from . import conditions as cond
from .fixtures import FixtureReport
from .frameworks import Framework

TEXT_REF = re.compile(r"\{answer:([^{}\s]*)\}")


@dataclass(frozen=True, order=True)
class LintIssue:
    file: str
    code: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.code}: {self.subject}: {self.message}"


def lint(framework: Framework, fixtures: FixtureReport) -> list[LintIssue]:
    qfile = str(framework.questionnaire_file)
    issues: list[LintIssue] = []
    used: set[str] = set()
    for node in list(framework.rule_conditions.values()) + [n for n in framework.visibility.values() if n is not None]:
        used |= {leaf.ref for leaf in cond.leaves(node) if leaf.kind == "q"}
    for qid, q in framework.questions.items():
        if not q.informs and qid not in used:
            issues.append(LintIssue(qfile, "unused-question", qid, "no principle and no rule uses this question"))
    for p in framework.principles:
        scored = [q for q in framework.questions.values() if q.scored and any(i.principle == p.id for i in q.informs)]
        if len(scored) < 3:
            issues.append(LintIssue(qfile, "thin-principle", p.id, f"only {len(scored)} scored question(s); at least 3 give a fair level"))
    for rule in framework.rules:
        if not fixtures.fired_somewhere.get(rule.id):
            issues.append(LintIssue(_rule_file(framework, rule.id), "never-fires", rule.id, "fires on no fixture"))
    answer_driven = _answer_driven_facts(framework)
    for rule in framework.rules:
        if rule.caps and not _depends_on_answers(framework.rule_conditions[rule.id], answer_driven):
            issues.append(LintIssue(_rule_file(framework, rule.id), "cap-never-lifts", rule.id,
                                    "its condition looks at no answer, so no change a team makes can lift the cap"))
    for qid, q in framework.questions.items():
        for text in (q.text, q.help, q.evidence_prompt, *(o.label for o in q.options), *(o.help for o in q.options)):
            for ref in TEXT_REF.findall(text):
                if ref not in framework.questions:
                    issues.append(LintIssue(qfile, "unknown-reference", qid, f"text refers to unknown question {ref!r}"))
    for p in framework.principles:
        for ref in TEXT_REF.findall(p.description):
            if ref not in framework.questions:
                issues.append(LintIssue(qfile, "unknown-reference", p.id, f"text refers to unknown question {ref!r}"))
    for rule in framework.rules:
        for ref in TEXT_REF.findall(rule.description):
            if ref not in framework.questions:
                issues.append(LintIssue(_rule_file(framework, rule.id), "unknown-reference", rule.id, f"text refers to unknown question {ref!r}"))
    return sorted(set(issues))


def _answer_driven_facts(framework: Framework) -> set[str]:
    driven: set[str] = set()
    for name in framework.fact_order:
        if any(_depends_on_answers(framework.rule_conditions[r], driven) for r in framework.derived[name]):
            driven.add(name)
    return driven


def _depends_on_answers(node, driven_facts: set[str]) -> bool:
    return any(leaf.kind == "q" or (leaf.kind == "fact" and leaf.ref in driven_facts) for leaf in cond.leaves(node))


def _rule_file(framework: Framework, rule_id: str) -> str:
    file, line = framework.rule_sources[rule_id]
    return f"{file}:{line}"
