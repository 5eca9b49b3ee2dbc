"""Every example in docs/authoring.md works: the framework it builds loads, its fixtures
pass, lint is clean, and the worked answers file gives the outcome the guide describes."""
from __future__ import annotations

import re

import pytest

from assess.conditions import ConditionContext, parse
from assess.frameworks import load_framework
from assess.yamlio import load_yaml

from conftest import ROOT, run_cli

GUIDE = ROOT / "docs" / "authoring.md"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def blocks():
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def write_guide_framework(root):
    """Write every `# file:` block of the guide below root; returns root."""
    for block in blocks():
        first = block.splitlines()[0]
        if first.startswith("# file: "):
            path = root / first.removeprefix("# file: ").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def guide_root(tmp_path_factory):
    return write_guide_framework(tmp_path_factory.mktemp("guide"))


def test_every_yaml_block_is_a_file_or_a_condition():
    for block in blocks():
        assert block.startswith(("# file: ", "# condition")), block[:60]


def test_guide_framework_validates(guide_root):
    r = run_cli("validate", str(guide_root), "-F", str(guide_root))
    assert r.returncode == 0, r.stderr


def test_guide_fixtures_pass_and_lint_is_clean(guide_root):
    r = run_cli("test-rules", str(guide_root))
    assert r.returncode == 0, r.stderr + r.stdout
    assert "4 rules, 8 of 8 fixtures passed" in r.stdout
    r = run_cli("lint", str(guide_root))
    assert r.returncode == 0, r.stdout


def test_guide_conditions_parse_against_the_guide_framework(guide_root):
    fw = load_framework(guide_root / "questionnaires" / "waste-collection.yaml")
    problems = []
    for block in blocks():
        if block.startswith("# condition"):
            from assess.yamlio import load_yaml as ly
            doc = ly("guide.yaml", text=block)
            facts = set(fw.derived)
            assert parse(doc.data, ConditionContext(fw.questions, facts, lambda p, m: problems.append(m)), ()) is not None
    assert problems == []


def test_worked_answers_file_gives_what_the_guide_says(guide_root):
    import json
    answers = guide_root / "answers" / "northshire.yaml"
    r = run_cli("evaluate", str(answers), "-F", str(guide_root), "--format", "json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    ownership = next(p for p in result["principles"] if p["id"] == "ownership")
    assert ownership["level"] == 2 and [c["rule"] for c in ownership["caps"]] == ["wc-nobody-owns-misses"]
    assert [(f["rule"], f["severity"]) for f in result["findings"]] == [
        ("wc-nobody-owns-misses", "high"), ("wc-unpublished-untrusted", "medium")]
