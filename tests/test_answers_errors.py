"""Bad answers files give every problem at once, with file, line and field, and exit 2."""
from __future__ import annotations

import pytest

from assess.answers import load_answers
from assess.errors import AssessError

from conftest import MINI, mini_doc, run_cli_here


def problems(path):
    with pytest.raises(AssessError) as exc:
        load_answers(path, [MINI])
    return exc.value.diagnostics


def test_three_mistakes_reported_together_with_lines_and_file_unchanged(mini_answers):
    text = mini_doc("  owner: named\n  ownr: named\n  funding_model: yearly\n  org_count: lots\n")
    path = mini_answers(text)
    before = path.read_bytes()
    result = run_cli_here("evaluate", str(path), "-F", str(MINI))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 3
    assert f"{path}:8: answers.ownr: unknown question 'ownr' (did you mean 'owner'?)" in result.stderr
    assert f"{path}:9: answers.funding_model: 'yearly' is not an option" in result.stderr
    assert f"{path}:10: answers.org_count: 'lots' is not a number" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("answer, message", [
    ("  pooled_budget: n/a\n", "n/a needs a reason"),
    ("  pooled_budget: {n/a: ''}\n", "n/a needs a reason"),
    ("  owner: {n/a: not ours}\n", "cannot be marked n/a"),
    ("  confidence: 7\n", "outside the range 1 to 5"),
    ("  confidence: 2.5\n", "not a whole number"),
    ("  org_count: .inf\n", "must be finite"),
    ("  org_count: .nan\n", "must be finite"),
    ("  org_count: 2.4996\n", "more than 3 decimal places"),
    ("  channels: [online, online]\n", "listed twice"),
    ("  channels: [online, fax]\n", "'fax' is not an option"),
    ("  decision_rights: maybe\n", "not yes or no"),
    ("  launched: 28/11/2026\n", "not a date"),
    ("  owner: [named]\n", "is not an option"),
])
def test_wrong_values_name_the_field(mini_answers, answer, message):
    diags = problems(mini_answers(mini_doc(answer)))
    assert len(diags) == 1
    assert diags[0].line == 7 and diags[0].field.startswith("answers.")
    assert message in diags[0].message


def test_bad_metadata_and_evidence_keys(mini_answers):
    text = ("assessment:\n  framework: mini\n  service: X\n  scope: everything\n  phse: live\n"
            "answers:\n  owner: named\nevidence:\n  onwer: a link\n")
    diags = problems(mini_answers(text))
    by_field = {d.field: d for d in diags}
    assert by_field["assessment.scope"].line == 4
    assert by_field["assessment.phse"].message == "unknown field 'phse'"
    assert by_field["evidence.onwer"].line == 9 and "did you mean 'owner'" in by_field["evidence.onwer"].message


@pytest.mark.parametrize("text, fragment", [
    ("assessment: [\n", "invalid YAML"),
    ("assessment:\n  framework: mini\n  framework: mini\n", "duplicate key"),
    ("- just\n- a list\n", "must be a mapping"),
    ("", "must be a mapping"),
    ("assessment:\n  framework: nope\n  service: X\n", "unknown framework 'nope'"),
    ("assessment:\n  framework: mini\n  service: X\nanswers: !!python/object:os.system ls\n", "tags are not allowed"),
])
def test_broken_files_exit_2_without_traceback(mini_answers, text, fragment):
    path = mini_answers(text)
    result = run_cli_here("evaluate", str(path), "-F", str(MINI))
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr


def test_missing_file_and_directory(tmp_path):
    result = run_cli_here("evaluate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and "file not found" in result.stderr
    result = run_cli_here("evaluate", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_alias_bomb_is_refused_at_the_alias(mini_answers):
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        rows.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    path = mini_answers("\n".join(rows) + "\n")
    result = run_cli_here("validate", str(path))
    # line 5 repeats *a3 (11,111 values each): the fourth one passes 50,000
    assert result.returncode == 2
    assert result.stderr == f"error: {path}:5: alias *a3 expands the document to more than 50,000 values\n"


def test_framework_version_major_mismatch(mini_answers):
    text = "assessment:\n  framework: mini\n  framework_version: 2.0.0\n  service: X\n  scope: part\n  phase: live\n"
    diags = problems(mini_answers(text))
    assert diags[0].field == "assessment.framework_version" and "new major version" in diags[0].message


def test_whole_number_questions_refuse_fractions(tmp_path, mini_answers):
    import shutil
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    q = root / "questionnaires" / "mini.yaml"
    q.write_text(q.read_text().replace("        min: 1\n        max: 500\n", "        min: 1\n        max: 500\n        whole_number: true\n", 1))
    with pytest.raises(AssessError) as exc:
        load_answers(mini_answers(mini_doc("  org_count: 3.5\n")), [root])
    [diag] = exc.value.diagnostics
    assert (diag.line, diag.field, diag.message) == (7, "answers.org_count", "3.5 is not a whole number")
    assert load_answers(mini_answers(mini_doc("  org_count: 3\n")), [root]).answer("org_count").value == 3
