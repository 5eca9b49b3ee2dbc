"""assess portfolio: a generated portfolio checked against evaluating each file on its own."""
from __future__ import annotations

import csv
import io
import math

import pytest
from conftest import MINI, ROOT, run_cli
from generate import generate_portfolio, write_answers

from assess.answers import ANSWERED, Answer
from assess.frameworks import find_framework
from assess.pipeline import evaluate_file
from assess.portfolio import SYSTEMIC_SHARE, build_portfolio, collect_files, evaluate_files, portfolio_csv

HAS_SO = (ROOT / "questionnaires" / "service-ownership.yaml").exists()
CORRUPT = "assessment:\n  framework: mini\n  service: [unclosed\n"
INVALID = "assessment:\n  framework: mini\n  service: Broken answers\n  scope: part\n  phase: live\nanswers:\n  owner: chief_exec\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    mini = find_framework("mini", [MINI])
    generate_portfolio(root / "mini", mini, 34, seed=11)
    if HAS_SO:
        generate_portfolio(root / "ownership", find_framework("service-ownership"), 6, seed=12)
    # one service assessed by its team and by an assessor who sees it very differently
    strong = {"owner": "named_remit", "decision_rights": "yes", "confidence": 5, "funding_model": "multi_year"}
    weak = {"owner": "nobody", "decision_rights": "no", "confidence": 1, "funding_model": "project"}
    meta = {"service": "Paired service", "organisation": "Test council", "scope": "part", "phase": "beta"}
    write_answers(root / "paired-self.yaml", mini, {q: Answer(ANSWERED, v) for q, v in strong.items()},
                  dict(meta, kind="self", date="2026-10-01"))
    write_answers(root / "paired-assessor.yaml", mini, {q: Answer(ANSWERED, v) for q, v in weak.items()},
                  dict(meta, kind="assessor", date="2026-09-01"))
    (root / "corrupt.yaml").write_text(CORRUPT)
    (root / "invalid.yaml").write_text(INVALID)
    return root


@pytest.fixture(scope="module")
def evaluated(folder):
    return evaluate_files(collect_files([folder]), [MINI], workers=2)


@pytest.fixture(scope="module")
def board(evaluated):
    return build_portfolio(*evaluated)


def _latest_by_key(evaluated):
    groups = {}
    for file, r in evaluated:
        key = f"{r.framework['id']}/{r.assessment['service']}/{r.assessment['organisation']}"
        groups.setdefault(key, []).append((r.assessment["date"] or "", file, r))
    return {k: max(v, key=lambda t: (t[0], t[1].rsplit("/", 1)[-1]))[2] for k, v in groups.items()}


def test_at_least_thirty_services_and_bad_files_named(board, folder):
    assert len(board.rows()) >= 30
    skipped = {s.file.rsplit("/", 1)[-1]: s for s in board.skipped}
    assert set(skipped) == {"corrupt.yaml", "invalid.yaml"}
    assert "corrupt.yaml:" in skipped["corrupt.yaml"].problems[0] and "invalid YAML" in skipped["corrupt.yaml"].problems[0]
    assert "invalid.yaml:7" in skipped["invalid.yaml"].problems[0] and "chief_exec" in skipped["invalid.yaml"].problems[0]
    assert board.files == board.evaluated + 2


def test_heatmap_matches_each_evaluation(board):
    for row in board.rows():
        alone = evaluate_file(row.file, [MINI])
        assert row.overall_level == alone.overall["level"] and row.overall_rag == alone.overall["rag"]
        for p in alone.principles:
            cell = row.cell(p.id)
            assert (cell.level, cell.rag) == ((p.level, p.rag) if p.applicable else (None, None))


def test_each_service_shows_its_latest_assessment(board, evaluated):
    latest = _latest_by_key(evaluated[0])
    assert {r.key for r in board.rows()} == set(latest)
    for row in board.rows():
        assert row.date == latest[row.key].assessment["date"]
        assert not row.file.endswith("-earlier.yaml")


def test_systemic_findings_counted(board, evaluated):
    latest = _latest_by_key(evaluated[0])
    counts, per_framework = {}, {}
    for r in latest.values():
        per_framework[r.framework["id"]] = per_framework.get(r.framework["id"], 0) + 1
        for f in r.findings:
            if f.kind == "risk":
                counts[(r.framework["id"], f.rule)] = counts.get((r.framework["id"], f.rule), 0) + 1
    expected = {k: n for k, n in counts.items() if n >= max(2, math.ceil(SYSTEMIC_SHARE * per_framework[k[0]]))}
    assert {(s.framework, s.rule): s.services for s in board.systemic} == expected
    assert expected, "the generated portfolio should share some risks"
    reach = [s.services for s in board.systemic]
    assert reach == sorted(reach, reverse=True)


def test_rag_counts_add_up(board):
    for block in board.frameworks:
        for principle, counts in block.rag_counts.items():
            applicable = [r for r in block.services if r.cell(principle) and r.cell(principle).status != "not-applicable"]
            assert sum(counts.values()) == len(applicable)
            assert counts["red"] == sum(1 for r in applicable if r.cell(principle).rag == "red")
        assert sum(block.overall_rag_counts.values()) == len(block.services)


def test_movement_since_previous(board, evaluated):
    results = dict(evaluated[0])
    moved = [r for r in board.rows() if r.movement]
    assert moved
    for row in moved:
        before = results[row.movement.previous_file].overall["level"]
        assert row.movement.overall_from == before and row.movement.overall_to == row.overall_level
        if before is not None and row.overall_level is not None:
            assert row.movement.overall_delta == row.overall_level - before


def test_self_and_assessor_gap_flagged(board):
    row = next(r for r in board.rows() if r.service == "Paired service")
    assert row.kind == "self" and row.gap is not None
    assert any(p["id"] == "accountability" and p["gap"] >= 1 for p in row.gap.principles)
    assert sum(1 for r in board.rows() if r.gap) == 1


def test_stale_relative_to_newest_assessment(evaluated):
    tight = build_portfolio(*evaluated, stale_days=100)
    newest = max(r.date for r in tight.rows() if r.date)
    assert tight.reference_date == newest
    for row in tight.rows():
        assert row.stale == (row.age_days is None or row.age_days > 100)
    assert any(r.stale for r in tight.rows()) and not all(r.stale for r in tight.rows())


@pytest.mark.skipif(not HAS_SO, reason="service-ownership framework not present")
def test_mixed_frameworks_grouped(board):
    assert [b.id for b in board.frameworks] == ["mini", "service-ownership"]
    for block in board.frameworks:
        assert {r.framework for r in block.services} == {block.id}
        assert len(block.principles) == len(block.services[0].cells)


def test_one_process_and_workers_agree(folder, board):
    files = collect_files([folder])
    assert build_portfolio(*evaluate_files(files, [MINI], workers=1)) == board


def test_csv_one_row_per_service_and_principle(board):
    rows = list(csv.DictReader(io.StringIO(portfolio_csv(board))))
    expected = sum(len(r.cells) + 1 for r in board.rows()) + len(board.skipped)
    assert len(rows) == expected
    assert {r["file"].rsplit("/", 1)[-1] for r in rows if r["principle"] == "skipped"} == {"corrupt.yaml", "invalid.yaml"}


def test_cli_html_names_skipped_files(folder, tmp_path):
    out = tmp_path / "board.html"
    done = run_cli("portfolio", str(folder), "-F", str(MINI), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "corrupt.yaml" in done.stderr and "invalid.yaml" in done.stderr
    html = out.read_text()
    assert "could not be read" in html and "corrupt.yaml" in html and 'scope="row"' in html


def test_cli_exit_2_when_nothing_evaluates(tmp_path):
    (tmp_path / "a.yaml").write_text(CORRUPT)
    done = run_cli("portfolio", str(tmp_path), "-F", str(MINI), "--format", "json")
    assert done.returncode == 2 and "a.yaml" in done.stderr and "Traceback" not in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("portfolio", str(empty), "--format", "json").returncode == 2


def _struct_tags(node, found, depth=0):
    if depth > 60:
        return
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, dict):
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            _struct_tags(kids, found, depth + 1)
    elif isinstance(node, list):
        for kid in node:
            _struct_tags(kid, found, depth + 1)


def test_cli_pdf_is_tagged_with_a_real_table(folder, tmp_path):
    out = tmp_path / "board.pdf"
    done = run_cli("portfolio", str(folder), "-F", str(MINI), "-o", str(out))
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader
    reader = PdfReader(out)
    tags: set[str] = set()
    _struct_tags(reader.trailer["/Root"]["/StructTreeRoot"], tags)
    assert {"/Table", "/TH", "/TD"} <= tags
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Heatmap" in text and "Paired service" in text and "corrupt.yaml" in text
