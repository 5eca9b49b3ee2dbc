"""No input can make a command hang, crash or run without bound: every file kind is read only
when it is a regular file within its byte limit, every text field and evidence count has a
limit (assess/limits.py), text that cannot be UTF-8 is refused with its line and field, and
long unbroken words reach the report with break opportunities.
Timings live in bench/limits.py; these tests check behaviour only."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assess import limits
from assess.answers import load_answers, text_problem
from assess.errors import AssessError
from assess.questionnaire import Session
from assess.reports.bidi import breakable, isolate
from assess.yamlio import decode

from conftest import MINI, ROOT

HOSTILE = ROOT / "tests" / "hostile" / "answers"
MINI_HEADER = """assessment:
  framework: mini
  service: Hostile service
  scope: whole
  phase: live
  date: 2026-11-28
answers:
  owner: named
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI with a short timeout, so a hang fails the test instead of stalling the run."""
    return subprocess.run([sys.executable, "-m", "assess", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def refused(result: subprocess.CompletedProcess) -> str:
    """The one error line of a clean refusal."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def problems(path: Path) -> list[str]:
    with pytest.raises(AssessError) as exc:
        load_answers(path, [MINI])
    return [str(d) for d in exc.value.diagnostics]


def write(tmp_path: Path, text: str, name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the stored corpus

def expectation(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"# expect: "):
        return raw.split(b"\n", 1)[0].decode()[len("# expect: "):]
    return f":1: is {'UTF-32' if 'utf32' in path.name else 'UTF-16'} text; save it as UTF-8"


CORPUS = sorted(HOSTILE.glob("*.yaml"))


def test_the_corpus_is_there():
    assert len(CORPUS) >= 9


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_hostile_answers_file_is_refused_by_validate_with_its_line_and_field(path):
    err = refused(cli("validate", "-F", str(MINI), str(path)))
    assert err.startswith(f"error: {path}{expectation(path)}"), err


@pytest.mark.parametrize("command", [("report", "--format", "html", "-o", os.devnull), ("evaluate", "--format", "json")])
@pytest.mark.parametrize("name", ["surrogate-evidence.yaml", "surrogate-note.yaml", "surrogate-na-reason.yaml"])
def test_a_lone_surrogate_stops_report_and_evaluate_before_any_output(name, command):
    path = HOSTILE / name
    result = cli(*command[:1], "-F", str(MINI), str(path), *command[1:])
    assert expectation(path) in refused(result) and result.stdout == ""


def test_a_lone_surrogate_typed_in_the_terminal_is_refused():
    assert "lone surrogate" in text_problem("ok \udfff")


# ---------------------------------------------------------------- text fields and counts

FIELDS = {   # field -> (YAML that sets it to `{}`, its limit, the path the message names)
    "text answer": ("  comment: {}\n", limits.ANSWER_TEXT_CHARS, "answers.comment"),
    "n/a reason": ("  pooled_budget: {{n/a: {}}}\n", limits.NA_REASON_CHARS, "answers.pooled_budget"),
    "note": ("notes:\n  owner: {}\n", limits.NOTE_CHARS, "notes.owner"),
    "evidence item": ("evidence:\n  owner: [short, {}]\n", limits.EVIDENCE_ITEM_CHARS, "evidence.owner[1]"),
}


@pytest.mark.parametrize("field", FIELDS)
def test_each_text_field_is_accepted_at_its_limit_and_refused_one_character_over(tmp_path, field):
    template, most, where = FIELDS[field]
    fits = "word " * (most // 5 - 1) + "last"
    assert len(fits) == most - 1
    assert load_answers(write(tmp_path, MINI_HEADER + template.format(fits + "s")), [MINI])
    over = write(tmp_path, MINI_HEADER + template.format(fits + "ss"))
    line = MINI_HEADER.count("\n") + template.count("\n")
    assert problems(over) == [f"{over}:{line}: {where}: "
                              + ("the n/a reason " if field == "n/a reason" else "")
                              + f"is {most + 1:,} characters long; the limit is {most:,}"]


@pytest.mark.parametrize("field, most", [("service", limits.META_TEXT_CHARS), ("respondent", limits.META_TEXT_CHARS),
                                         ("framework_version", limits.META_ID_CHARS)])
def test_metadata_strings_have_one_limit_and_one_message(tmp_path, field, most):
    text = MINI_HEADER.replace("  scope: whole\n", f"  scope: whole\n  {field}: {'x' * (most + 1)}\n") \
        if field != "service" else MINI_HEADER.replace("Hostile service", "x" * (most + 1))
    path = write(tmp_path, text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "x" * most in l)
    assert problems(path) == [f"{path}:{line}: assessment.{field}: is {most + 1:,} characters long; the limit is {most:,}"]


def test_evidence_items_are_bounded_per_question(tmp_path):
    items = "".join(f"    - item {i}\n" for i in range(limits.EVIDENCE_PER_QUESTION + 1))
    path = write(tmp_path, MINI_HEADER + "evidence:\n  owner:\n" + items)
    assert problems(path) == [f"{path}:10: evidence.owner: has {limits.EVIDENCE_PER_QUESTION + 1} evidence items; "
                              f"the limit is {limits.EVIDENCE_PER_QUESTION} per question"]
    path.write_text(MINI_HEADER + "evidence:\n  owner:\n" + items.split("\n", 1)[1], encoding="utf-8")
    assert len(load_answers(path, [MINI]).evidence["owner"]) == limits.EVIDENCE_PER_QUESTION


def test_evidence_items_are_bounded_over_the_whole_file(tmp_path, monkeypatch):
    # the mini framework has too few questions to reach the real total, so the total is lowered
    monkeypatch.setattr(limits, "EVIDENCE_TOTAL", 5)
    path = write(tmp_path, MINI_HEADER + "evidence:\n  owner: [a, b, c]\n  forum: [d, e]\n  anchor: f\n")
    assert problems(path) == [f"{path}:9: evidence: has 6 evidence items in all; the limit is 5 per answers file"]


def test_an_answers_file_with_tens_of_thousands_of_evidence_items_is_refused_before_parsing(tmp_path):
    items = "".join(f"  - e{i}\n" for i in range(45_000))   # about 400 KB
    path = write(tmp_path, MINI_HEADER + "evidence:\n  owner:\n" + items)
    err = refused(cli("report", "-F", str(MINI), str(path), "-o", str(tmp_path / "r.pdf")))
    assert err == f"error: {path}: file is {path.stat().st_size:,} bytes; the limit is {limits.ANSWERS_FILE_BYTES:,}\n"
    assert not (tmp_path / "r.pdf").exists()


def test_validate_refuses_an_answers_file_over_its_own_limit_though_any_file_may_be_larger(tmp_path):
    # validate reads a file once to see what it is; an answers file is still held to the answers limit
    path = write(tmp_path, MINI_HEADER + "notes:\n  owner: " + "x" * limits.ANSWERS_FILE_BYTES + "\n")
    assert limits.ANSWERS_FILE_BYTES < path.stat().st_size < limits.ANY_FILE_BYTES
    err = refused(cli("validate", "-F", str(MINI), str(path)))
    assert err == f"error: {path}: file is {path.stat().st_size:,} bytes; the limit is {limits.ANSWERS_FILE_BYTES:,}\n"


def test_a_file_within_the_byte_limit_but_over_both_counts_says_both(tmp_path):
    items = "".join(f"  - e{i}\n" for i in range(limits.EVIDENCE_TOTAL + 1))
    path = write(tmp_path, MINI_HEADER + "evidence:\n  owner:\n" + items)
    n = limits.EVIDENCE_TOTAL + 1
    assert problems(path) == [
        f"{path}:9: evidence: has {n:,} evidence items in all; the limit is {limits.EVIDENCE_TOTAL} per answers file",
        f"{path}:10: evidence.owner: has {n:,} evidence items; the limit is {limits.EVIDENCE_PER_QUESTION} per question"]


def test_the_guided_flow_keeps_the_same_limits(mini, tmp_path):
    meta = {"service": "S", "scope": "whole", "phase": "live", "kind": "self"}
    session = Session.new(mini, meta, tmp_path / "answers.yaml")
    for i in range(limits.EVIDENCE_PER_QUESTION):
        session.add_evidence("owner", f"item {i}")
    with pytest.raises(ValueError, match="the most it may have"):
        session.add_evidence("owner", "one more")
    with pytest.raises(ValueError, match=f"the limit is {limits.NOTE_CHARS:,}"):
        session.set_note("owner", "x" * (limits.NOTE_CHARS + 1))
    with pytest.raises(ValueError, match="lone surrogate"):
        session.set_note("owner", "bad \udfff")


# ---------------------------------------------------------------- files

FILE_LIMITS = {"answers": limits.ANSWERS_FILE_BYTES, "rules": limits.RULES_FILE_BYTES,
               "questionnaire": limits.QUESTIONNAIRE_FILE_BYTES, "settings": limits.SETTINGS_FILE_BYTES}


def framework_copy(tmp_path: Path) -> Path:
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    return root


def place(root: Path, kind: str) -> tuple[Path, tuple[str, ...]]:
    """Where a file of this kind lives in a framework copy, and the command that reads it."""
    if kind == "answers":
        return root / "whole.yaml", ("validate", "-F", str(root), str(root / "whole.yaml"))
    if kind == "rules":
        return root / "rules" / "mini" / "more.yaml", ("validate", str(root))
    if kind == "questionnaire":
        return root / "questionnaires" / "mini.yaml", ("validate", str(root))
    return root / "settings.yaml", ("report", "-F", str(root), "--settings", str(root / "settings.yaml"),
                                    "--format", "md", "-o", os.devnull, str(root / "whole.yaml"))


@pytest.mark.parametrize("special", ["dev-zero", "fifo"])
@pytest.mark.parametrize("kind", FILE_LIMITS)
def test_a_link_to_a_device_or_a_named_pipe_is_refused_by_name_without_reading(tmp_path, kind, special):
    root = framework_copy(tmp_path)
    path, command = place(root, kind)
    path.unlink(missing_ok=True)
    if special == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    what = "a named pipe" if special == "fifo" else "a character device"
    assert f"error: {path}: is {what}, not a regular file" in refused(cli(*command))


@pytest.mark.parametrize("kind", FILE_LIMITS)
def test_each_file_kind_has_its_byte_limit(tmp_path, kind):
    root = framework_copy(tmp_path)
    path, command = place(root, kind)
    most = FILE_LIMITS[kind]
    start = path.read_bytes() if path.exists() else b"rules: []\n" if kind == "rules" else b"rag: {}\n"
    path.write_bytes(start + b"#" * (most + 1 - len(start)))   # a real file of its kind, padded with a comment
    assert f"error: {path}: file is {most + 1:,} bytes; the limit is {most:,}" in refused(cli(*command))


def test_rule_fixtures_that_are_a_device_or_a_pipe_are_reported_not_skipped(tmp_path):
    root = framework_copy(tmp_path)
    folder = root / "tests" / "rules" / "mini-multi-org"
    folder.mkdir(parents=True)
    (folder / "fires-zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(folder / "silent-pipe.yaml")
    (folder / "fires-big.yaml").write_bytes(b"#" * (limits.FIXTURE_FILE_BYTES + 1))
    result = cli("test-rules", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert f"{folder / 'fires-zero.yaml'}: is a character device, not a regular file" in out
    assert f"{folder / 'silent-pipe.yaml'}: is a named pipe, not a regular file" in out
    assert f"{folder / 'fires-big.yaml'}: file is {limits.FIXTURE_FILE_BYTES + 1:,} bytes" in out


def test_the_framework_hash_is_of_the_bytes_that_were_parsed(tmp_path, monkeypatch):
    from assess.frameworks import _load
    root = framework_copy(tmp_path)
    before = _load(root / "questionnaires" / "mini.yaml").hash
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(str(p)) or real_open(p, *a, **k))
    assert _load(root / "questionnaires" / "mini.yaml").hash == before
    assert sorted(opened) == sorted({str(root / "questionnaires" / "mini.yaml"), str(root / "rules" / "mini" / "rules.yaml")})


@pytest.mark.parametrize("data, name", [
    ("assessment:\n".encode("utf-32"), "UTF-32"), ("assessment:\n".encode("utf-32-le"), "UTF-32"),
    ("assessment:\n".encode("utf-32-be"), "UTF-32"), ("assessment:\n".encode("utf-16"), "UTF-16"),
    ("assessment:\n".encode("utf-16-le"), "UTF-16"), ("assessment:\n".encode("utf-16-be"), "UTF-16")])
def test_wide_encodings_are_named_correctly(data, name):
    with pytest.raises(AssessError, match=f"a.yaml:1: is {name} text; save it as UTF-8"):
        decode("a.yaml", data)


# ---------------------------------------------------------------- long words in reports

def longest_run(html: str, letter: str) -> int:
    """The longest run of `letter` in the text of `html`, where a tag (<wbr>, say) ends a run."""
    return max((len(m) for m in re.findall(f"{letter}+", re.sub(r"<[^>]*>", " ", html))), default=0)


def test_long_runs_get_a_break_opportunity_and_keep_every_character():
    word = "Ω&<x" * 2_500                        # 10,000 characters, some escaped
    html = str(isolate(word + " short words stay whole"))
    assert html.count("<wbr>") == len(word) // limits.UNBROKEN_RUN_CHARS - 1 + (len(word) % limits.UNBROKEN_RUN_CHARS > 0)
    assert html.replace("<wbr>", "") == f"<bdi>{str(breakable(word))} short words stay whole</bdi>".replace("<wbr>", "")
    assert "<bdi>short</bdi>" == str(isolate("short"))


def test_a_break_never_separates_a_letter_from_its_accent_or_an_emoji_from_its_joiner():
    accented = "e\u0301" * 100
    pieces = str(breakable(accented)).split("<wbr>")
    assert len(pieces) > 1 and all(not p.startswith("\u0301") for p in pieces)
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467" * 40
    assert all(not p.startswith("\u200d") and not p.endswith("\u200d") for p in str(breakable(family)).split("<wbr>"))


def test_markup_already_made_is_not_cut():
    from markupsafe import Markup
    made = Markup('<a href="#' + "x" * 80 + '">link</a>')
    assert str(breakable(made)) == str(made)


def test_a_long_word_in_every_text_field_reaches_the_html_report_breakable(tmp_path):
    word = "w" * 5_000
    text = MINI_HEADER.replace("Hostile service", "Long" + "s" * 200) + f"  comment: {word}\n" \
        + f"  pooled_budget: {{n/a: {word[:1_000]}}}\nevidence:\n  owner: [{word[:1_500]}]\nnotes:\n  owner: {word}\n"
    path = write(tmp_path, text)
    out = tmp_path / "r.html"
    assert cli("report", "-F", str(MINI), str(path), "-o", str(out)).returncode == 0
    html = out.read_text(encoding="utf-8")
    body = html.split("<body", 1)[1]
    assert longest_run(body, "w") == longest_run(body, "s") == limits.UNBROKEN_RUN_CHARS
    assert word in html.replace("<wbr>", "")                     # and nothing of the word is lost


def test_the_guide_states_the_limits_the_code_enforces():
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    kib = lambda n: f"{n // limits.MIB} MiB" if n % limits.MIB == 0 else f"{n // limits.KIB} KiB"
    for row in (f"| answers file | {kib(limits.ANSWERS_FILE_BYTES)} |", f"| questionnaire file | {kib(limits.QUESTIONNAIRE_FILE_BYTES)} |",
                f"| rules file | {kib(limits.RULES_FILE_BYTES)} |", f"| rule fixture | {kib(limits.FIXTURE_FILE_BYTES)} |",
                f"| settings file | {kib(limits.SETTINGS_FILE_BYTES)} |", f"| any other file read (a saved result) | {kib(limits.ANY_FILE_BYTES)} |",
                f"| values in one YAML file (aliases expanded) | {limits.MAX_VALUES:,} |", f"| nesting in one YAML file | {limits.MAX_DEPTH} levels |",
                f"| a text answer | {limits.ANSWER_TEXT_CHARS:,} characters |", f"| a note | {limits.NOTE_CHARS:,} characters |",
                f"| one evidence item | {limits.EVIDENCE_ITEM_CHARS:,} characters |", f"| an n/a reason | {limits.NA_REASON_CHARS:,} characters |",
                f"| service, organisation, respondent | {limits.META_TEXT_CHARS} characters, one line |",
                f"| framework id and version in an answers file | {limits.META_ID_CHARS} characters |",
                f"| evidence items on one question | {limits.EVIDENCE_PER_QUESTION} |", f"| evidence items in one answers file | {limits.EVIDENCE_TOTAL} |",
                f"every {limits.UNBROKEN_RUN_CHARS} characters"):
        assert row in guide, row


def test_a_portfolio_folder_lists_a_pipe_or_device_as_skipped_with_the_reason(tmp_path):
    folder = tmp_path / "services"
    folder.mkdir()
    shutil.copy(MINI / "whole.yaml", folder / "a.yaml")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    result = cli("portfolio", "-F", str(MINI), str(folder), "--format", "json", "-o", str(tmp_path / "board.json"))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert f"skipped: {folder / 'pipe.yaml'}: is a named pipe, not a regular file" in result.stderr
    assert f"skipped: {folder / 'zero.yaml'}: is a character device, not a regular file" in result.stderr


def test_a_saved_result_with_a_lone_surrogate_escape_is_refused_with_its_line(tmp_path):
    hostile = ROOT / "tests" / "hostile" / "results" / "surrogate-service.result.json"
    line = next(i for i, l in enumerate(hostile.read_text(encoding="utf-8").splitlines(), 1) if "\\udfff" in l)
    err = refused(cli("compare", "-F", str(MINI), str(hostile), str(hostile)))
    assert err.startswith(f"error: {hostile}:{line}: contains a lone surrogate escape")
    folder = tmp_path / "services"
    folder.mkdir()
    shutil.copy(hostile, folder)
    result = cli("portfolio", "-F", str(MINI), str(folder), "--format", "html", "-o", str(tmp_path / "board.html"))
    assert "Traceback" not in result.stderr and "lone surrogate escape" in result.stderr
