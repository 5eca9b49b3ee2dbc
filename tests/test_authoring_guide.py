"""Every example in docs/authoring.md works: the files it shows are written out, every
command it shows is run, the framework loads, its fixtures pass, lint is clean, and the
worked answers file gives the outcome the guide describes."""
from __future__ import annotations

import json
import re
import shlex

import jsonschema
import pytest

from assess.conditions import ConditionContext, parse
from assess.frameworks import load_framework
from assess.yamlio import load_yaml

from conftest import ROOT, run_cli, run_cli_here

GUIDE = ROOT / "docs" / "authoring.md"
BLOCK = re.compile(r"```(yaml|sh)\n(.*?)```", re.S)
FRAMEWORKS = "my-frameworks"
CHECKOUT = "# in a source checkout of this project"


def blocks(kind: str = "yaml") -> list[str]:
    return [text for lang, text in BLOCK.findall(GUIDE.read_text(encoding="utf-8")) if lang == kind]


def write_guide(work):
    """Write every `# file:` block of the guide below the working folder `work`."""
    for block in blocks():
        first = block.splitlines()[0]
        if first.startswith("# file: "):
            path = work / first.removeprefix("# file: ").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block, encoding="utf-8")
    return work


def write_guide_framework(work):
    """The guide's frameworks folder, written below `work`; returns the frameworks folder."""
    return write_guide(work) / FRAMEWORKS


def commands() -> list[tuple[bool, list[str], int, str]]:
    """(run in the checkout?, argv, expected exit code, file to write stdout to) for each command shown."""
    out = []
    for block in blocks("sh"):
        in_checkout = block.startswith(CHECKOUT)
        for line in block.splitlines():
            if not line.startswith("assess "):
                continue
            expected = re.search(r"# exits (\d)", line)
            words = shlex.split(line, comments=True)[1:]
            target = ""
            if ">" in words:
                target = words[words.index(">") + 1]
                words = words[:words.index(">")]
            out.append((in_checkout, words, int(expected.group(1)) if expected else 0, target))
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return write_guide(tmp_path_factory.mktemp("guide"))


def test_every_yaml_block_is_a_file_or_a_condition():
    for block in blocks():
        assert block.startswith(("# file: ", "# condition")), block[:60]


def test_files_are_framework_files_or_answers_beside_them():
    for block in blocks():
        if block.startswith("# file: "):
            path = block.splitlines()[0].removeprefix("# file: ")
            assert path.startswith(FRAMEWORKS + "/") or ("/" not in path and "assessment:" in block), path


@pytest.fixture(scope="module")
def ran(work):
    """Every command of the guide, run once in order: argv as text -> (in checkout, expected code, result).
    They run in this process: what is checked is what each command prints and returns."""
    out = {}
    for in_checkout, words, expected, target in commands():
        r = run_cli_here(*words, cwd=ROOT if in_checkout else work)
        if target:
            (work / target).write_text(r.stdout, encoding="utf-8")
        out[" ".join(words)] = (in_checkout, expected, r)
    return out


def test_every_command_in_the_guide_runs_as_described(ran):
    assert len(ran) >= 10
    for command, (in_checkout, expected, r) in ran.items():
        assert "Traceback" not in r.stderr, (command, r.stderr)
        if in_checkout:   # the built-in content is checked by its own tests; here: the command finds it
            assert r.returncode in (0, 1) and "service-standard:" in r.stdout + r.stderr, (command, r.stderr[-500:])
        else:
            assert r.returncode == expected, (command, r.stdout[-800:], r.stderr[-800:])


def test_what_the_guide_says_test_rules_and_lint_print(ran):
    said = "waste-collection: 4 rules, 8 of 8 fixtures passed"
    assert said in GUIDE.read_text(encoding="utf-8")
    assert ran[f"test-rules {FRAMEWORKS}"][2].stdout.strip() == said
    assert ran[f"lint {FRAMEWORKS}"][2].stdout == ""
    assert ran[f"lint {FRAMEWORKS}"][2].returncode == 0


def test_guide_conditions_parse_against_the_guide_framework(work):
    fw = load_framework(work / FRAMEWORKS / "questionnaires" / "waste-collection.yaml")
    problems = []
    conditions = [block for block in blocks() if block.startswith("# condition")]
    assert len(conditions) >= 2
    for block in conditions:
        doc = load_yaml("guide.yaml", text=block)
        assert parse(doc.data, ConditionContext(fw.questions, set(fw.derived), lambda p, m: problems.append(m)), ()) is not None
    assert problems == []


def test_worked_answers_file_gives_what_the_guide_says(work):
    r = run_cli("evaluate", "northshire.yaml", "-F", FRAMEWORKS, "--format", "json", cwd=work)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    ownership = next(p for p in result["principles"] if p["id"] == "ownership")
    assert ownership["level"] == 2 and [c["rule"] for c in ownership["caps"]] == ["wc-nobody-owns-misses"]
    assert ownership["not_applicable"] == ["contract_owner"]   # the n/a answer is shown and left out of the score
    assert [(f["rule"], f["severity"]) for f in result["findings"]] == [
        ("wc-nobody-owns-misses", "high"), ("wc-unpublished-untrusted", "medium")]


def test_the_framework_schema_the_guide_makes_accepts_the_worked_file(work, ran):
    schema = json.loads((work / "waste-collection.schema.json").read_text(encoding="utf-8"))
    data = load_yaml(work / "northshire.yaml").data
    data["assessment"]["date"] = data["assessment"]["date"].isoformat()
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    template = load_yaml(work / "new-assessment.yaml").data    # what `assess init` wrote
    template["assessment"]["date"] = template["assessment"]["date"].isoformat()
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(template)) == []
