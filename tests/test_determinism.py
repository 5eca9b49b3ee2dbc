"""Every output format is byte-identical across processes with different hash seeds, file orders
and worker counts.

Each process runs several commands (one per format), so a comparison costs two processes. The
quick share leaves PDF out (tests/test_report_pdf.py compares PDF bytes across processes for the
mini framework); the slow share runs every format.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
REPORT_FORMATS = ("json", "html", "md", "csv", "pdf")
PORTFOLIO_FORMATS = ("json", "csv", "html", "pdf")


def shares(formats: tuple[str, ...]) -> list:
    """The formats without PDF on every run; with PDF (slowest to render) in the slow share."""
    return [pytest.param(tuple(f for f in formats if f != "pdf"), id="quick"),
            pytest.param(formats, id="with-pdf", marks=pytest.mark.slow)]


COMMANDS = """
import json, sys
from assess.cli import app
for args in json.loads(sys.argv[1]):
    code = app(args, standalone_mode=False)
    assert code in (0, None), (args, code)
"""


def run_commands(commands: list[list[str]], seed: str) -> None:
    """Run `assess` commands in one fresh process with the given hash seed."""
    import json
    run = subprocess.run([sys.executable, "-c", COMMANDS, json.dumps(commands)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, env=dict(os.environ, PYTHONHASHSEED=seed))
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("formats", shares(REPORT_FORMATS))
def test_report_bytes_do_not_depend_on_hash_seed(tmp_path, formats):
    for seed in ("0", "987654321"):
        run_commands([["report", str(EXAMPLE), "-o", str(tmp_path / f"{seed}.{fmt}"), "--format", fmt]
                      for fmt in formats], seed)
    for fmt in formats:
        assert (tmp_path / f"0.{fmt}").read_bytes() == (tmp_path / f"987654321.{fmt}").read_bytes(), f"report {fmt} differs"


def test_result_does_not_depend_on_where_the_file_lives(tmp_path):
    """The answers hash covers content only, so a copy elsewhere gives the same result."""
    copy = tmp_path / "elsewhere" / "copy.yaml"
    copy.parent.mkdir()
    copy.write_bytes(EXAMPLE.read_bytes())
    a = run_cli("evaluate", str(EXAMPLE), "--format", "json").stdout
    b = run_cli("evaluate", str(copy), "--format", "json", env={"PYTHONHASHSEED": "77"}).stdout
    assert a == b and a


def portfolio_files(tmp_path):
    """The examples plus a second assessment of one service on the same day: order must not pick it."""
    files = sorted((ROOT / "examples").rglob("*.yaml"))
    twin = tmp_path / "inputs" / "same-day-twin.yaml"
    twin.parent.mkdir()
    twin.write_text(files[0].read_text(encoding="utf-8").replace("respondent:", "respondent: Second reader,", 1))
    return [*files, twin]


@pytest.mark.parametrize("formats", shares(PORTFOLIO_FORMATS))
def test_portfolio_bytes_do_not_depend_on_file_order_hash_seed_or_workers(tmp_path, formats):
    files = portfolio_files(tmp_path)
    shuffled = files[1::2][::-1] + files[::2]   # every file once, in another order, for any count
    assert sorted(shuffled) == sorted(files) and shuffled != files
    for name, order, seed, workers in (("first", files, "0", "1"), ("second", shuffled, "987654321", "2")):
        run_commands([["portfolio", *map(str, order), "-o", str(tmp_path / f"{name}.{fmt}"), "--as-of", "2026-12-01",
                       "--workers", workers] for fmt in formats], seed)
    for fmt in formats:
        assert (tmp_path / f"first.{fmt}").read_bytes() == (tmp_path / f"second.{fmt}").read_bytes(), f"portfolio {fmt} differs"
    assert f'"evaluated": {len(files)}'.encode() in (tmp_path / "first.json").read_bytes()   # the twin really took part


def test_report_csv_does_not_depend_on_the_order_answers_are_written_in(tmp_path):
    """The same answers listed in another order, under another hash seed, give the same CSV."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("answers:\n") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith(" "))
    entries, current = [], []
    for line in lines[start:end]:   # one entry: a key line and its indented continuation lines
        if line.startswith("  ") and not line.startswith("   ") and current:
            entries.append(current)
            current = []
        current.append(line)
    entries.append(current)
    reordered = tmp_path / "reordered.yaml"
    reordered.write_text("".join(lines[:start] + [l for e in reversed(entries) for l in e] + lines[end:]), encoding="utf-8")
    assert reordered.read_text() != EXAMPLE.read_text() and len(entries) > 10
    run_commands([["report", str(EXAMPLE), "--format", "csv", "-o", str(tmp_path / "a.csv")]], "1")
    run_commands([["report", str(reordered), "--format", "csv", "-o", str(tmp_path / "b.csv")]], "424242")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
