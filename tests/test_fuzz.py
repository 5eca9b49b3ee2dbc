"""Every input either evaluates or ends in a clear error with a file:line message; never a crash.

The default run keeps a small share; `-m slow` runs 10,000 cases (also bench/fuzz.py).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess.answers import load_answers
from assess.errors import AssessError
from assess.frameworks import load_framework
from assess.pipeline import evaluate

from conftest import MINI, ROOT
from fuzzing import FIXED_CASES, SEED_ANSWERS, SEED_QUESTIONNAIRE, SEED_RULES, mutated_yaml

QUICK = 300
SLOW = 10_000
DIAG = re.compile(r"^.+?(:\d+)?: ")


def check_answers_text(tmp_path, text: str) -> str:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = path.read_bytes()
    try:
        evaluate(load_answers(path, [MINI]))
        outcome = "ok"
    except AssessError as exc:
        assert exc.diagnostics, "an error with nothing to say"
        for d in exc.diagnostics:
            assert d.file == str(path) and d.message and "\n" not in d.message
        outcome = "error"
    assert path.read_bytes() == before, "loading changed the file"
    return outcome


def check_framework_text(tmp_path, questionnaire: str, rules: str) -> str:
    root = tmp_path / "fw"
    (root / "questionnaires").mkdir(parents=True, exist_ok=True)
    (root / "rules" / "mini").mkdir(parents=True, exist_ok=True)
    (root / "questionnaires" / "mini.yaml").write_text(questionnaire, encoding="utf-8")
    (root / "rules" / "mini" / "rules.yaml").write_text(rules, encoding="utf-8")
    try:
        fw = load_framework(root / "questionnaires" / "mini.yaml")
    except AssessError as exc:
        assert all(d.file and d.message for d in exc.diagnostics)
        return "error"
    from assess.answers import Assessment
    from assess.models import AssessmentMeta
    for scope in ("part", "whole"):
        evaluate(Assessment(framework=fw, meta=AssessmentMeta(framework=fw.id, service="Fuzz", scope=scope, phase="live"), answers={}))
    return "ok"


def fuzz_settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("text", FIXED_CASES, ids=range(len(FIXED_CASES)))
def test_fixed_hostile_documents(tmp_path, text):
    check_answers_text(tmp_path, text)


@fuzz_settings(QUICK)
@given(mutated_yaml(SEED_ANSWERS))
def test_mutated_answers_files(tmp_path, text):
    check_answers_text(tmp_path, text)


@fuzz_settings(QUICK // 3)
@given(st.one_of(mutated_yaml([SEED_QUESTIONNAIRE]).map(lambda q: (q, SEED_RULES)),
                 mutated_yaml([SEED_RULES]).map(lambda r: (SEED_QUESTIONNAIRE, r))))
def test_mutated_framework_files(tmp_path, pair):
    check_framework_text(tmp_path, *pair)


@pytest.mark.slow
@fuzz_settings(SLOW)
@given(mutated_yaml(SEED_ANSWERS))
def test_mutated_answers_files_many(tmp_path, text):
    check_answers_text(tmp_path, text)


@pytest.mark.slow
@fuzz_settings(SLOW // 5)
@given(st.one_of(mutated_yaml([SEED_QUESTIONNAIRE]).map(lambda q: (q, SEED_RULES)),
                 mutated_yaml([SEED_RULES]).map(lambda r: (SEED_QUESTIONNAIRE, r))))
def test_mutated_framework_files_many(tmp_path, pair):
    check_framework_text(tmp_path, *pair)


@pytest.mark.parametrize("text", [FIXED_CASES[8], FIXED_CASES[9], "assessment: {framework: mini, service: x}\nanswers: {owner: boss}\n"])
def test_cli_never_shows_a_traceback(tmp_path, text):
    path = tmp_path / "cli.yaml"
    path.write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "assess", "evaluate", str(path), "-F", str(MINI)],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert all(line.startswith(f"error: {path}") or line.endswith("problems found") for line in r.stderr.splitlines())


def test_huge_document_is_refused_quickly(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("notes:\n" + "".join(f"  q{i}: '{'x' * 200}'\n" for i in range(40_000)))
    with pytest.raises(AssessError) as exc:
        load_answers(path, [MINI])
    assert "the limit is" in str(exc.value)
