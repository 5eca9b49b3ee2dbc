"""Reading is bounded and literal: regular files only, limits that bound time and memory, no tags,
no control characters, and every refusal names the file and line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from assess import yamlio
from assess.answers import load_answers, text_problem
from assess.errors import AssessError
from assess.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, load_yaml, read_bytes

from conftest import MINI, ROOT

def cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI with a short timeout, so a hang fails the test instead of stalling the run."""
    return subprocess.run([sys.executable, "-m", "assess", *args], capture_output=True, text=True, cwd=ROOT, timeout=30)

HEADER = "assessment:\n  framework: mini\n  service: S\n  scope: part\n  phase: live\n"


def diagnostics(path):
    with pytest.raises(AssessError) as exc:
        load_answers(path, [MINI])
    return exc.value.diagnostics


# ---------------------------------------------------------------- what is read

def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    result = cli("validate", str(fifo))
    assert result.returncode == 2
    assert result.stderr == f"error: {fifo}: is a named pipe, not a regular file; save the content to a file and give its name\n"


def test_a_device_is_refused_without_reading_it():
    result = cli("report", "/dev/zero")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: /dev/zero: is a character device, not a regular file" in result.stderr


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(AssessError, match="is a directory"):
        read_bytes(tmp_path)


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(AssessError) as exc:
        read_bytes(path)
    assert str(exc.value) == f"{path}: file is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,}"


def test_at_most_the_limit_plus_one_byte_is_read_even_when_the_size_lies(tmp_path, monkeypatch):
    """Files in /proc report size 0; a growing file outruns its size: the read loop is what bounds."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES * 2))
    real_fstat, real_read, asked = os.fstat, os.read, []

    def size_zero(fd):
        s = real_fstat(fd)
        return os.stat_result((s.st_mode, s.st_ino, s.st_dev, s.st_nlink, s.st_uid, s.st_gid, 0,
                               s.st_atime, s.st_mtime, s.st_ctime))

    def counted_read(fd, n):
        data = real_read(fd, n)
        asked.append(len(data))
        return data
    monkeypatch.setattr(yamlio.os, "fstat", size_zero)
    monkeypatch.setattr(yamlio.os, "read", counted_read)
    with pytest.raises(AssessError, match=f"larger than {MAX_FILE_BYTES:,} bytes; the limit is"):
        read_bytes(path)
    assert sum(asked) == MAX_FILE_BYTES + 1


def test_utf16_and_bad_bytes_name_the_line(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes("assessment: x\n".encode("utf-16"))
    assert [str(d) for d in diagnostics(path)] == [f"{path}:1: is UTF-16 text; save it as UTF-8"]
    path.write_bytes(b"assessment:\n  service: caf\xe9\n")
    [diag] = diagnostics(path)
    assert diag.line == 2 and "not UTF-8 text" in diag.message


def test_the_file_is_read_once_so_the_hash_matches_what_was_checked(tmp_path, monkeypatch):
    import hashlib
    path = tmp_path / "whole.yaml"
    path.write_bytes((MINI / "whole.yaml").read_bytes())
    calls = []
    real = yamlio.read_bytes
    monkeypatch.setattr("assess.answers.read_bytes", lambda p, limit: calls.append(p) or real(p, limit))
    assessment = load_answers(path, [MINI])
    assert len(calls) == 1 and assessment.hash == hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- limits bound time and memory

BOUNDED = textwrap.dedent("""
    import json, sys, time
    from assess.errors import AssessError
    from assess.yamlio import load_yaml
    out = []
    for path in sys.argv[1:]:
        start = time.process_time()   # CPU time: what the document costs, whatever else runs
        try:
            load_yaml(path)
            message = "loaded"
        except AssessError as exc:
            message = str(exc)
        out.append([path, message, time.process_time() - start])
    # VmHWM is this process's own peak: ru_maxrss would carry the parent's peak across exec
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(json.dumps({"cases": out, "peak_mb": int(hwm.split()[1]) / 1024}))
""")


def hostile_documents(tmp_path) -> dict[str, tuple[str, str]]:
    """name -> (text, the message it must end in, with its line)."""
    flat = "notes: {x: [" + ",".join(["1"] * ((MAX_FILE_BYTES - 20) // 2)) + "]}\n"
    block = "notes:\n  x:\n" + "  - 1\n" * (MAX_VALUES + 10)
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10))
    long_text = "notes:\n" + "".join(f"  q{i}: '{'x' * 19_000}'\n" for i in range(100))
    return {
        "flat-list": (flat, f":1: document has more than {MAX_VALUES:,} values"),
        # five values (root, notes, its map, x, the list) come before the items, which start on line 3
        "block-list": (block, f":{MAX_VALUES - 2}: document has more than {MAX_VALUES:,} values"),
        "flow-nesting": ("answers: " + "[" * 10_000 + "]" * 10_000 + "\n", f":1: nested deeper than {MAX_DEPTH} levels"),
        "map-nesting": ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", f":1: nested deeper than {MAX_DEPTH} levels"),
        "dash-nesting": ("x:\n" + "- " * 10_000 + "x\n", f":2: nested deeper than {MAX_DEPTH} levels"),
        "alias-bomb": (bomb, f":5: alias *a3 expands the document to more than {MAX_VALUES:,} values"),
        "long-texts": (long_text, "loaded"),
    }


def test_hostile_documents_are_refused_within_seconds_and_megabytes(tmp_path):
    cases = hostile_documents(tmp_path)
    paths = []
    for name, (text, _) in cases.items():
        (tmp_path / f"{name}.yaml").write_text(text)
        paths.append(str(tmp_path / f"{name}.yaml"))
    run = subprocess.run([sys.executable, "-c", BOUNDED, *paths], capture_output=True, text=True,
                         cwd=ROOT, timeout=180)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    for (path, message, seconds), (name, (_, expected)) in zip(report["cases"], cases.items()):
        assert message.endswith(expected) and (expected == "loaded" or message.startswith(path)), (name, message)
        assert seconds < 15, f"{name} took {seconds:.1f} s of CPU"   # about 2 s
    assert report["peak_mb"] < 300, f"peak RSS {report['peak_mb']:.0f} MB"   # about 80 MB


# ---------------------------------------------------------------- literal values only

@pytest.mark.parametrize("value, written", [
    ("!!binary aGVsbG8=", "!!binary"),
    ("!!set {a, b}", "!!set"),
    ("!!python/object/apply:os.system [phone]", "!!python/object/apply:os.system"),
    ("!!str 5", "!!str"),
    ("!local thing", "!local"),
    ("! plain", "!"),
    ("!<tag:example.com,2026:x> y", "!<tag:example.com,2026:x>"),
])
def test_every_explicit_tag_is_refused_with_its_line(tmp_path, value, written):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + f"answers:\n  comment: ok\n  owner: {value}\n")
    assert [str(d) for d in diagnostics(path)] == [
        f"{path}:8: YAML tags are not allowed ({written}); write the plain value"]


def test_duplicate_keys_name_both_lines(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + "answers:\n  owner: named\n  comment: x\n  owner: nobody\n")
    [diag] = diagnostics(path)
    assert (diag.line, diag.field, diag.message) == (9, "answers.owner", "duplicate key 'owner'; first at line 7")


def test_merge_keys_and_aliases_keep_their_own_lines(tmp_path):
    text = ("base: &base {a: 1, b: 2}\nitems: &items [x, y]\n"
            "merged:\n  <<: *base\n  b: 3\nuses:\n  - *items\n")
    (tmp_path / "m.yaml").write_text(text)
    doc = load_yaml(tmp_path / "m.yaml")
    assert doc.data["merged"] == {"b": 3, "a": 1} and doc.data["uses"] == [["x", "y"]]
    assert doc.line(("merged", "b")) == 5 and doc.line(("uses", 0)) == 7


def test_windows_line_endings_load(tmp_path):
    path = tmp_path / "crlf.yaml"
    path.write_bytes((MINI / "whole.yaml").read_bytes().replace(b"\n", b"\r\n"))
    assert load_answers(path, [MINI]).meta.service == "Mini whole service"


# ---------------------------------------------------------------- dates

def test_impossible_dates_are_reported_with_the_other_problems(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + "  date: 2026-13-01\nanswers:\n  launched: 2020-02-30\n  owner: boss\n")
    found = {(d.line, d.field): d.message for d in diagnostics(path)}
    assert set(found) == {(6, "assessment.date"), (8, "answers.launched"), (9, "answers.owner")}
    assert "month" in found[(6, "assessment.date")]
    assert found[(8, "answers.launched")] == "2020-02-30 is not a real date (day is out of range for month)"


def test_a_date_with_a_time_says_so(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + "answers:\n  launched: 2020-02-03T10:00:00\n")
    [diag] = diagnostics(path)
    assert diag.message == "2020-02-03T10:00:00 has a time of day; write the date alone as YYYY-MM-DD"


# ---------------------------------------------------------------- characters

FIELDS = {   # where a text goes in the file -> (line of the field, its dotted name)
    "service": ("assessment:\n  framework: mini\n  service: \"{t}\"\n  scope: part\n  phase: live\n", 3, "assessment.service"),
    "organisation": (HEADER + "  organisation: \"{t}\"\n", 6, "assessment.organisation"),
    "respondent": (HEADER + "  respondent: \"{t}\"\n", 6, "assessment.respondent"),
    "text answer": (HEADER + "answers:\n  comment: \"{t}\"\n", 7, "answers.comment"),
    "n/a reason": (HEADER + "answers:\n  pooled_budget: {{n/a: \"{t}\"}}\n", 7, "answers.pooled_budget"),
    "evidence": (HEADER + "evidence:\n  owner: [fine, \"{t}\"]\n", 7, "evidence.owner[1]"),
    "notes": (HEADER + "notes:\n  owner: \"{t}\"\n", 7, "notes.owner"),
}


@pytest.mark.parametrize("escape, code", [("\\e[31m", "001B"), ("\\a", "0007"), ("\\b", "0008"), ("\\0", "0000"),
                                          ("\\r", "000D"), ("\\x7f", "007F"), ("\\x9b", "009B"), ("\\x0c", "000C")])
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_control_characters_are_refused_in_every_text_field(tmp_path, field, escape, code):
    template, line, name = FIELDS[field]
    path = tmp_path / "a.yaml"
    path.write_text(template.format(t=f"before {escape} after"))
    [diag] = diagnostics(path)
    assert (diag.line, diag.field) == (line, name)
    assert f"control character U+{code}" in diag.message


@pytest.mark.parametrize("field", ["service", "organisation", "respondent"])
@pytest.mark.parametrize("escape", ["\\n", "\\t", "\\u2028"])
def test_single_line_metadata_has_no_line_breaks_or_tabs(tmp_path, field, escape):
    template, line, name = FIELDS[field]
    path = tmp_path / "a.yaml"
    path.write_text(template.format(t=f"one{escape}two"))
    [diag] = diagnostics(path)
    assert (diag.line, diag.field) == (line, name) and diag.message.startswith("must be one line without tabs")


def test_free_text_keeps_newlines_and_tabs(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + "answers:\n  comment: \"a\\tb\\nc\"\nnotes:\n  owner: |\n    line one\n    \tline two\n")
    a = load_answers(path, [MINI])
    assert a.answer("comment").value == "a\tb\nc" and a.notes["owner"] == "line one\n\tline two\n"


@pytest.mark.parametrize("text, ok", [
    ("\u202eevil", False),                     # an override that never ends
    ("\u2067\u05e9\u05dc\u05d5\u05dd\u2069 ok", True),   # an isolate, closed
    ("\u202bx\u202c and \u2066y\u2069", True),
    ("x\u202c", False),                        # a close with nothing open
    ("\u2066a\u202bb\u2069", True),            # PDI closes the embedding inside its isolate
    ("\u2066a\nb\u2069", False),               # controls end at the end of a line
    ("\u200fright-to-left mark", True),        # marks are not controls that open anything
])
def test_bidirectional_controls_must_balance(text, ok):
    problem = text_problem(text)
    assert (problem is None) == ok, problem


def test_unbalanced_bidi_in_a_file_names_the_field(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + "notes:\n  owner: \"pay \\u202Eredro\"\n")
    [diag] = diagnostics(path)
    assert (diag.line, diag.field) == (7, "notes.owner") and "unbalanced bidirectional control" in diag.message


def test_long_values_are_cut_in_messages(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + f"answers:\n  owner: {'x' * 5000}\n")
    [diag] = diagnostics(path)
    assert len(diag.message) < 200 and diag.message.startswith("'xxxx")
