"""Generated and mutated answers and framework files, for the fuzz tests and bench/fuzz.py.

Every check counts the cases it really ran (CASES), so the figures report what happened,
and runs under a time limit, so a hang fails its case instead of stalling the run.
"""
from __future__ import annotations

import collections
import re

from hypothesis import strategies as st

from conftest import MINI, ROOT

SEED_ANSWERS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").rglob("*.yaml"))] + \
    [(MINI / "whole.yaml").read_text(encoding="utf-8")]
SEED_QUESTIONNAIRE = (MINI / "questionnaires" / "mini.yaml").read_text(encoding="utf-8")
SEED_RULES = (MINI / "rules" / "mini" / "rules.yaml").read_text(encoding="utf-8")

CASES: collections.Counter = collections.Counter()   # kind of case -> how many were run
CASE_SECONDS = 20   # a case takes ~15 ms; anything near this is a hang

# `file:line: ` at the start of every diagnostic about a file's content
DIAG = re.compile(r"^(?P<file>.+?):(?P<line>[1-9]\d*): ")


class CaseTimeout(Exception):
    pass


def time_limit(seconds: float = CASE_SECONDS):
    """Interrupt the case after `seconds` (wall clock), so a hang is a failure with a message."""
    from assess.deadline import time_limit as limit
    return limit(seconds, lambda: CaseTimeout(f"case ran longer than {seconds} s"))


def deep_nesting(depth: int, key: str = "answers") -> str:
    return f"{key}: " + "[" * depth + "]" * depth + "\n"


def deep_block(depth: int, key: str = "answers") -> str:
    return f"{key}:\n" + "- " * depth + "x\n"


ODD_SCALARS = [
    "null", "~", "''", "yes", "no", "true", "1e400", "-1e400", ".nan", ".inf", "-.inf", "1e-06", "1e+20", "0x1F", "0o17",
    "007", "1_000", "2026-02-30", "2026-13-01", "2026-11-28T10:00:00", "[]", "{}", "[[[[[]]]]]", "{n/a: }",
    "{n/a: reason, x: 1}", "!!binary aGVsbG8=", "!!set {a, b}", "!!python/object/apply:os.system [ls]", "!local x",
    "&a [1]", "*nowhere", "'\u202e\u0000'", "\"\\e[31mred\\e[0m\"", "\"\\a\\b\\0\"", "\"line\\nbreak\\ttab\"",
    "\"\\ud800\"", "'" + "x" * 70000 + "'", "'🙂 ünïcödé 中文'", "'{{ 7*7 }}'", "'<script>alert(1)</script>'",
    "'=HYPERLINK(\"http://x\")'", "- a\n  - b", "|\n  multi\n  line", ">-\n  folded", "? complex\n: key",
    "[" * 10_000 + "]" * 10_000, "{a: " * 10_000 + "1" + "}" * 10_000, "- " * 10_000 + "x", "'" + "9" * 5000 + "'",
    "9" * 5000, "<<", "=",
]
BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\x00", b"\x1b[2J", b"\r", b"\xef\xbb\xbf"]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _value_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if re.match(r"^\s*[\w/-]+: +[^&*\s#]", line)]


@st.composite
def mutated_yaml(draw, seeds: list[str]) -> str:
    """A seed file with a few edits: odd values, lines dropped, duplicated or re-indented, aliases."""
    lines = _lines(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "value", "drop", "dup", "indent", "key", "anchor", "alias", "truncate"]))
        line = lines[i]
        if kind == "value" and ":" in line:
            lines[i] = line.split(":", 1)[0] + ": " + draw(st.sampled_from(ODD_SCALARS))
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, line)
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(0, 6)) + line.lstrip()
        elif kind == "key" and ":" in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = indent + draw(st.text("abcdefghijklmnopqrstuvwxyz_./", min_size=1, max_size=12)) + ":" + line.split(":", 1)[1]
        elif kind == "anchor" and ":" in line:
            lines[i] = line + " # " if line.rstrip().endswith(":") else line.split(":", 1)[0] + ": &x " + line.split(":", 1)[1].strip()
            lines.append("extra: *x")
        elif kind == "alias" and len(spots := _value_lines(lines)) >= 2:
            # one real value reused where another value is read (answers, evidence, notes, metadata)
            source, target = draw(st.lists(st.sampled_from(spots), min_size=2, max_size=2, unique=True))
            key, value = lines[source].split(":", 1)
            lines[source] = f"{key}: &v{source} {value.strip()}"
            lines[target] = lines[target].split(":", 1)[0] + f": *v{source}"
        elif kind == "truncate":
            cut = draw(st.integers(0, max(0, len(line))))
            lines[i] = line[:cut]
            lines = lines[: i + 1]
    return "\n".join(lines) + "\n"


@st.composite
def hostile_bytes(draw, seeds: list[str]) -> bytes:
    """Encodings and bytes a text editor or a wrong pipe can produce."""
    seed = draw(st.sampled_from(seeds))
    kind = draw(st.sampled_from(["insert", "utf16", "utf16le", "latin1", "binary", "truncated-utf8"]))
    if kind == "insert":
        data = bytearray(seed.encode("utf-8"))
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(data)))
            data[at:at] = draw(st.sampled_from(BAD_BYTES))
        return bytes(data)
    if kind == "utf16":
        return seed.encode("utf-16")
    if kind == "utf16le":
        return seed.encode("utf-16-le")
    if kind == "latin1":
        return (seed + "\nnotes: {owner: café}\n").encode("latin-1", "replace")
    if kind == "truncated-utf8":
        data = (seed + "\nnotes: {owner: 'ünïcödé 中文'}\n").encode("utf-8")
        return data[: len(data) - draw(st.integers(1, 2))]
    return draw(st.binary(min_size=0, max_size=2000))


# ---------------------------------------------------------------- fixed cases, with their outcome

A = ("assessment:\n  framework: mini\n  service: Fixed\n  scope: part\n  phase: live\n")

# (name, file content, expected): "ok", or (line, text the message at that line contains)
FIXED_ANSWERS = [
    ("empty", "", (1, "must be a mapping")),
    ("newline", "\n", (1, "must be a mapping")),
    ("empty document markers", "---\n...\n", (1, "must be a mapping")),
    ("list", "- 1\n", (1, "must be a mapping")),
    ("null", "null\n", (1, "must be a mapping")),
    ("no metadata", "assessment:\n", (1, "must be a mapping of names to values")),
    ("metadata not a mapping", "assessment: 5\n", (1, "must be a mapping of names to values")),
    ("answers only", "answers: {}\n", (1, "required field is missing")),
    ("nesting 200", deep_nesting(200), (1, "nested deeper than 50 levels")),
    ("nesting 10,000", deep_nesting(10_000), (1, "nested deeper than 50 levels")),
    ("block nesting 10,000", A + deep_block(10_000), (7, "nested deeper than 50 levels")),
    ("map nesting 10,000", "a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", (1, "nested deeper than 50 levels")),
    ("exponent float", A + "answers:\n  org_count: 1e-06\n", (7, "more than 3 decimal places")),
    ("nan", A + "answers:\n  org_count: .nan\n", (7, "must be finite")),
    ("overflow", A + "answers:\n  org_count: 1e400\n", (7, "must be finite")),
    ("byte order mark", "\ufeff" + A, "ok"),
    ("escaped controls", A.replace("Fixed", '"\\0\\x01"'), (3, "control character U+0000")),
    ("ansi in notes", A + "notes:\n  owner: \"\\e[2J\\e[31mred\"\n", (7, "control character U+001B")),
    ("binary tag", A.replace("Fixed", "!!binary aGVsbG8="), (3, "YAML tags are not allowed (!!binary)")),
    ("set tag", A + "answers:\n  channels: !!set {phone, paper}\n", (7, "YAML tags are not allowed (!!set)")),
    ("python tag", A + "answers:\n  channels: !!python/object/apply:os.system [phone]\n", (7, "YAML tags are not allowed")),
    ("impossible date", A + "answers:\n  launched: 2020-02-30\n  owner: boss\n", (7, "not a real date")),
    ("impossible metadata date", A + "  date: 2026-13-01\n", (6, "month")),
    ("alias in evidence", A + "evidence:\n  owner: &e [Terms of reference, Minutes]\n  forum: *e\n", "ok"),
    ("alias as an answer", A + "answers:\n  channels: &c [phone]\n  practices: *c\n", (8, "'phone' is not an option")),
    ("alias of n/a", A + "answers:\n  pooled_budget: &na {n/a: One funder}\n  anchor: *na\n", (8, "cannot be marked n/a")),
    ("alias of the metadata", "meta: &m {framework: mini, service: X, scope: part, phase: live}\nassessment: *m\n",
     (1, "unknown field 'meta'")),
    ("alias bomb in notes", A + "notes:\n  owner: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"  q{i}: &a{i} [" + ", ".join(["*a" if i == 1 else f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 8)),
     (11, "alias *a3 expands the document to more than 50,000 values")),
    ("alias loop", A + "answers: &loop [*loop]\n", (6, "is inside the value it names")),
    ("undefined alias", A + "answers:\n  owner: *nowhere\n", (7, "names no anchor")),
    ("duplicate key", A + "answers:\n  owner: named\n  owner: nobody\n", (8, "duplicate key 'owner'; first at line 7")),
    ("two documents", A + "---\n" + A, (6, "expected a single document")),
    ("nul byte", (A + "notes: {owner: a\x00b}\n"), (6, "U+0000 is not allowed")),
    ("utf-16", A.encode("utf-16"), (1, "is UTF-16 text")),
    ("latin-1", (A + "notes: {owner: café}\n").encode("latin-1"), (6, "not UTF-8 text")),
    ("complex key", A + "answers:\n  ? [owner]\n  : named\n", (7, "mapping keys must be plain text")),
    ("huge integer", A + "answers:\n  org_count: " + "9" * 5000 + "\n", (7, "is not a number")),
    ("unbalanced bidi", A + "notes:\n  owner: \"\\u202Etxt.exe\"\n", (7, "unbalanced bidirectional control")),
]

Q, R = SEED_QUESTIONNAIRE, SEED_RULES
# (name, questionnaire, rules, expected): "ok", or (file, line, text): file is "questionnaire" or "rules"
FIXED_FRAMEWORKS = [
    ("seed", Q, R, "ok"),
    ("empty rules file", Q, "", ("rules", 1, "required field is missing")),
    ("rules are a list of text", Q, "rules: [a, b]\n", ("rules", 1, "must be a mapping")),
    ("questionnaire nesting 10,000", Q + deep_nesting(10_000, "extra"), R, ("questionnaire", Q.count("\n") + 1, "nested deeper")),
    ("rules nesting 10,000", Q, R + deep_nesting(10_000, "extra"), ("rules", R.count("\n") + 1, "nested deeper")),
    ("condition nesting 10,000", Q, "rules:\n  - id: deep\n    derive: deep\n    when: " + "{not: " * 10_000 + "{q: owner, answered: true}"
     + "}" * 10_000 + "\n", ("rules", 4, "nested deeper")),
    ("tag in the questionnaire", Q.replace("title: Mini framework for tests", "title: !!python/object/apply:os.system [ls]"),
     R, ("questionnaire", 3, "YAML tags are not allowed")),
    ("alias bomb in rules", Q, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)) + R,
     ("rules", 5, "expands the document")),
    ("utf-16 rules", Q, R.encode("utf-16"), ("rules", 1, "UTF-16")),
    ("binary questionnaire", bytes(range(256)), R, ("questionnaire", 2, "not UTF-8 text")),
    ("informs is not a list", Q.replace("levels: {yes: 4, no: 1}\n        informs: [{principle: accountability}]",
                                        "levels: {yes: 4, no: 1}\n        informs: true"), R, ("questionnaire", 55, "")),
]
