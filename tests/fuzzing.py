"""Generated and mutated answers and framework files, for the fuzz tests and bench/fuzz.py."""
from __future__ import annotations

from hypothesis import strategies as st

from conftest import MINI, ROOT

SEED_ANSWERS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").rglob("*.yaml"))] + \
    [(MINI / "whole.yaml").read_text(encoding="utf-8")]
SEED_QUESTIONNAIRE = (MINI / "questionnaires" / "mini.yaml").read_text(encoding="utf-8")
SEED_RULES = (MINI / "rules" / "mini" / "rules.yaml").read_text(encoding="utf-8")

ODD_SCALARS = [
    "null", "~", "''", "yes", "no", "true", "1e400", "-1e400", ".nan", ".inf", "-.inf", "1e-06", "1e+20", "0x1F", "0o17",
    "007", "1_000", "2026-02-30", "2026-11-28T10:00:00", "[]", "{}", "[[[[[]]]]]", "{n/a: }", "{n/a: reason, x: 1}",
    "!!binary aGVsbG8=", "!!python/object/apply:os.system [ls]", "&a [1]", "*nowhere", "'\u202e\u0000'",
    "\"\\ud800\"", "'" + "x" * 70000 + "'", "'🙂 ünïcödé 中文'", "'{{ 7*7 }}'", "'<script>alert(1)</script>'",
    "'=HYPERLINK(\"http://x\")'", "- a\n  - b", "|\n  multi\n  line", ">-\n  folded", "? complex\n: key",
]


def _lines(text: str) -> list[str]:
    return text.splitlines()


@st.composite
def mutated_yaml(draw, seeds: list[str]) -> str:
    """A seed file with a few edits: values swapped for odd ones, lines dropped, duplicated or re-indented."""
    lines = _lines(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "drop", "dup", "indent", "key", "anchor", "truncate"]))
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
        elif kind == "truncate":
            cut = draw(st.integers(0, max(0, len(line))))
            lines[i] = line[:cut]
            lines = lines[: i + 1]
    return "\n".join(lines) + "\n"


def deep_nesting(depth: int) -> str:
    return "answers: " + "[" * depth + "]" * depth + "\n"


FIXED_CASES = [
    "", "\n", "---\n...\n", "- 1\n", "null\n", "assessment:\n", "assessment: 5\n", "answers: {}\n",
    deep_nesting(200), "a: " + "{b: " * 80 + "1" + "}" * 80 + "\n",
    "assessment: {framework: service-ownership, service: x}\nanswers:\n  org_count: 1e-06\n",
    "assessment: {framework: service-ownership, service: x}\nanswers:\n  org_count: .nan\n",
    "assessment: {framework: service-ownership, service: x}\nanswers:\n  org_count: 1e400\n",
    "\ufeffassessment: {framework: service-ownership, service: x}\n",
    "assessment: {framework: service-ownership, service: \"\\0\\x01\"}\n",
]
