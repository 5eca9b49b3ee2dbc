"""Every output format is byte-identical across processes with different hash seeds."""
from __future__ import annotations

import hashlib

import pytest

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"


@pytest.mark.parametrize("fmt", ["json", "html", "md", "csv", "pdf"])
def test_report_bytes_do_not_depend_on_hash_seed(tmp_path, fmt):
    digests = set()
    for seed in ("0", "987654321"):
        out = tmp_path / f"{seed}.{fmt}"
        r = run_cli("report", str(EXAMPLE), "-o", str(out), "--format", fmt, env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_result_does_not_depend_on_where_the_file_lives(tmp_path):
    """The answers hash covers content only, so a copy elsewhere gives the same result."""
    copy = tmp_path / "elsewhere" / "copy.yaml"
    copy.parent.mkdir()
    copy.write_bytes(EXAMPLE.read_bytes())
    a = run_cli("evaluate", str(EXAMPLE), "--format", "json").stdout
    b = run_cli("evaluate", str(copy), "--format", "json", env={"PYTHONHASHSEED": "77"}).stdout
    assert a == b and a
