"""The command line as users meet it: exit codes, stdout/stderr, determinism, start-up."""
from __future__ import annotations

import json
import re
import sys

import pytest

from assess.answers import load_answers

from conftest import MINI, ROOT, run_cli, run_cli_here

WHOLE = MINI / "whole.yaml"


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from assess.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('weasyprint', 'durable', 'durable_rules_engine', 'pydantic_core', 'jinja2') if m in sys.modules]\n"
            "print('modules:' + ','.join(heavy))")
    import subprocess
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1]
    out = out.removeprefix("modules:")
    assert out == ""   # none of them: pydantic and jinja2 cost start-up time too


def test_evaluate_skips_pydantic_plugin_search_when_plugins_are_off():
    """With PYDANTIC_DISABLE_PLUGINS at its default (all off), pydantic would still import
    importlib.metadata to look for none; the command line stands in for that search."""
    code = ("import sys; from assess.cli import app\n"
            f"try:\n    app(['evaluate', {str(WHOLE)!r}, '-F', {str(MINI)!r}])\nexcept SystemExit:\n    pass\n"
            "print('loaded:' + str('importlib.metadata' in sys.modules))")
    import os
    import subprocess
    for value, searched in (("__all__", False), ("some-other-plugin", True)):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "PYDANTIC_DISABLE_PLUGINS": value})
        assert done.stdout.strip().splitlines()[-1] == f"loaded:{searched}", done.stderr[-500:]


def test_result_json_is_byte_identical_across_processes():
    outputs = {run_cli("evaluate", str(WHOLE), "-F", str(MINI), "--format", "json", env={"PYTHONHASHSEED": seed}).stdout
               for seed in ("0", "1", "12345")}
    assert len(outputs) == 1
    result = json.loads(outputs.pop())
    assert result["schema_version"] == "1.1"
    assert len(result["framework"]["hash"]) == 64 and len(result["answers_hash"]) == 64


def test_reference_and_engine_give_the_same_json():
    a = run_cli_here("evaluate", str(WHOLE), "-F", str(MINI), "--format", "json")
    b = run_cli_here("evaluate", str(WHOLE), "-F", str(MINI), "--format", "json", "--engine", "reference")
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout


@pytest.mark.parametrize("threshold, code", [("high", 1), ("medium", 1), ("low", 1)])
def test_fail_on_sets_exit_code(threshold, code):
    r = run_cli_here("evaluate", str(WHOLE), "-F", str(MINI), "--fail-on", threshold)
    assert r.returncode == code and "finding(s) at or above" in r.stderr


def test_fail_on_passes_when_nothing_that_severe(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("assessment: {framework: mini, service: Calm, scope: part, phase: beta}\n"
                    "answers: {owner: named_remit, decision_rights: 'yes', team_size: 4, funding_model: annual}\n")
    r = run_cli_here("evaluate", str(path), "-F", str(MINI), "--fail-on", "high")
    assert r.returncode == 0, r.stderr


def test_table_output_names_levels_and_findings():
    r = run_cli_here("evaluate", str(WHOLE), "-F", str(MINI), env={"COLUMNS": "160"})
    assert r.returncode == 0
    assert "Accountability" in r.stdout and "mini-no-rights (≤2, not binding)" in r.stdout
    assert "Live service funded as a project" in r.stdout


def test_init_writes_a_valid_commented_template(tmp_path):
    out = tmp_path / "new.yaml"
    r = run_cli_here("init", "mini", "-o", str(out), "-F", str(MINI))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "# Who is accountable? [single, n/a not allowed]" in text and "named_remit = A named person with a written remit" in text
    a = load_answers(out, [MINI])
    assert a.meta.framework == "mini" and all(ans.state == "unanswered" for ans in a.answers.values())
    checked = run_cli_here("validate", str(out), "-F", str(MINI))
    assert checked.returncode == 0 and "is a valid answers file for mini, but nothing is answered yet" in checked.stdout
    assert "questions to answer" in checked.stdout and checked.stdout.count("\n") == 1
    again = run_cli_here("init", "mini", "-o", str(out), "-F", str(MINI))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_init_to_stdout_with_scope_and_phase_says_when_questions_are_asked(tmp_path):
    r = run_cli_here("init", "mini", "-o", "-", "--scope", "whole", "--phase", "beta", "-F", str(MINI))
    assert r.returncode == 0, r.stderr
    assert "  scope: \"whole\"\n  phase: \"beta\"\n" in r.stdout
    assert "asked only when funding_model is not project" in r.stdout     # team_size's show_if, in words
    assert "asked only when scope is whole" in r.stdout                   # the whole-service section's
    assert not (tmp_path / "-").exists() and not (ROOT / "-").exists()
    out = tmp_path / "t.yaml"
    out.write_text(r.stdout)
    assert load_answers(out, [MINI]).meta.phase == "beta"


def test_init_leaves_out_questions_the_scope_never_asks(tmp_path):
    part = run_cli_here("init", "mini", "-o", "-", "--scope", "part", "-F", str(MINI)).stdout
    whole = run_cli_here("init", "mini", "-o", "-", "--scope", "whole", "-F", str(MINI)).stdout
    assert "  forum:" not in part and "  anchor:" not in part and "  forum:" in whole and "  anchor:" in whole
    assert "# 2 questions that a part-scope live self-assessment is never asked are left out;" in part
    assert "left out" not in whole
    assert "  team_size:" in part            # hidden only by an answer, so it may still be asked
    out = tmp_path / "part.yaml"
    out.write_text(part.replace("  owner:\n", "  owner: named\n"))
    assert load_answers(out, [MINI]).answers["owner"].value == "named"
    assert "1 of 10 questions asked answered" in run_cli_here("validate", str(out), "-F", str(MINI)).stdout


def test_init_comments_carry_each_questions_help_and_whether_na_is_allowed(tmp_path):
    out = tmp_path / "so.yaml"
    assert run_cli_here("init", "service-ownership", "-o", str(out)).returncode == 0
    text = out.read_text()
    lines = text.splitlines()
    help_lines = lines[lines.index("  org_count:") - 3:lines.index("  org_count:")]   # the help, wrapped
    assert help_lines[0] == "  # Count every organisation that does part of the work a user experiences, including"
    assert all(line.startswith("  # ") and len(line) <= 88 for line in help_lines)
    assert "n/a allowed with a reason]" in text and "n/a not allowed]" in text
    assert run_cli_here("validate", str(out)).returncode == 0
    mini = run_cli_here("init", "mini", "-o", "-", "-F", str(MINI)).stdout
    assert "# Is there a pooled budget? [yesno, n/a allowed with a reason] | answer yes or no" in mini


def test_validate_counts_what_the_assessment_asks_and_names_ignored_answers(tmp_path):
    part = tmp_path / "part.yaml"
    part.write_text(WHOLE.read_text().replace("scope: whole", "scope: part"))
    r = run_cli_here("validate", str(part), "-F", str(MINI))
    assert r.returncode == 0, r.stderr
    # funding_model is project, so team_size is hidden too; forum and anchor belong to the whole-service section
    assert "9 of 10 questions asked answered;" in r.stdout and "required" not in r.stdout   # only the optional comment is empty
    assert "3 answer(s) to questions this assessment does not ask are kept but ignored (team_size, forum, anchor)" in r.stdout


def test_version():
    r = run_cli_here("--version")
    assert r.returncode == 0 and r.stdout.startswith("assess ") and r.stdout.split()[1][0].isdigit()


@pytest.mark.parametrize("kind", ["result", "answers", "framework", "rules"])
def test_schema_is_json_schema(kind):
    r = run_cli_here("schema", kind)
    schema = json.loads(r.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/") and "properties" in schema


def test_frameworks_list_and_show():
    r = run_cli_here("frameworks", "list", "-F", str(MINI))
    assert r.returncode == 0 and "mini\t1.0.0\tMini framework for tests" in r.stdout
    r = run_cli_here("frameworks", "show", "mini", "-F", str(MINI))
    assert "accountability: Accountability (4 scored questions" in r.stdout
    r = run_cli_here("frameworks", "show", "minni", "-F", str(MINI))
    assert r.returncode == 2 and "did you mean 'mini'" in r.stderr


def test_validate_reports_across_paths(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("assessment: {framework: mini, service: X}\nanswers: {owner: boss}\n")
    r = run_cli_here("validate", str(MINI), str(WHOLE), str(bad), "-F", str(MINI))
    assert r.returncode == 2
    assert "ok: " in r.stdout and f"{bad}:2: answers.owner: 'boss' is not an option" in r.stderr


def test_environment_variable_adds_framework_folders():
    r = run_cli_here("frameworks", "list", env={"ASSESS_FRAMEWORKS_PATH": str(MINI)})
    assert "mini\t1.0.0" in r.stdout


def test_help_shows_no_type_for_flags_and_one_value_type_for_repeatable_options():
    from typer.testing import CliRunner

    from assess.cli import app
    commands = [[], ["frameworks", "list"], ["frameworks", "show"], ["validate"], ["init"], ["evaluate"], ["schema"],
                ["test-rules"], ["lint"], ["run"], ["report"], ["compare"], ["portfolio"], ["gap"], ["merge"], ["plan"]]
    runner = CliRunner()
    for command in commands:
        shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).output
        assert "--help" in shown, command
        assert "<bool>" not in shown and "list[" not in shown, (command, shown)
    report = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--template-dir\s+<path>\s+Folder of templates", report), report
    assert re.search(r"--force\s+Replace the output file", report), report
