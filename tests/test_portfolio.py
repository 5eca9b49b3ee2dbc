"""assess portfolio: a generated portfolio checked against evaluating each file on its own."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

import pytest
from conftest import MINI, ROOT, mini_doc, run_cli, run_cli_here
from generate import VARIANT_LABELS, generate_portfolio, labelled_gated_mini, write_answers

from assess.answers import ANSWERED, Answer
from assess.board import render_html
from assess.frameworks import find_framework
from assess.pipeline import evaluate_file
from assess.portfolio import (SYSTEMIC_SHARE, ServiceRow, board_context, build_portfolio, collect_files, evaluate_files,
                              is_portfolio_file, portfolio_csv, risk_key)

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


AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def board(evaluated):
    return build_portfolio(*evaluated, as_of=AS_OF)


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


def test_stale_measured_from_the_as_of_date(evaluated):
    tight = build_portfolio(*evaluated, stale_days=100, as_of=AS_OF)
    assert tight.as_of == "2026-12-01"
    for row in tight.rows():
        assert row.age_days == (AS_OF - dt.date.fromisoformat(row.date)).days
        assert row.stale == (row.age_days > 100)
    assert any(r.stale for r in tight.rows()) and not all(r.stale for r in tight.rows())


def test_a_folder_of_old_assessments_is_stale_today(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(mini_doc("  owner: named\n").replace("phase: live", "phase: live\n  date: 2019-03-01"))
    evaluated = evaluate_files([old], [MINI])
    today = build_portfolio(*evaluated)
    assert today.as_of == dt.date.today().isoformat() and today.rows()[0].stale
    then = build_portfolio(*evaluated, as_of=dt.date(2019, 6, 1))
    assert not then.rows()[0].stale and then.rows()[0].age_days == 92
    done = run_cli_here("portfolio", str(old), "-F", str(MINI), "-f", "json", "--as-of", "2019-06-01")
    assert done.returncode == 0 and '"as_of": "2019-06-01"' in done.stdout and "as at 2019-06-01" in done.stderr
    html = render_html("portfolio.html.j2", board_context(today))
    assert "1 stale assessment" in html and dt.date.today().strftime("%B %Y") in html
    bad = run_cli_here("portfolio", str(old), "-F", str(MINI), "-f", "json", "--as-of", "1 June")
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.skipif(not HAS_SO, reason="service-ownership framework not present")
def test_mixed_frameworks_grouped(board):
    assert [b.id for b in board.frameworks] == ["mini", "service-ownership"]
    for block in board.frameworks:
        assert {r.framework for r in block.services} == {block.id}
        assert len(block.principles) == len(block.services[0].cells)


def test_one_process_and_workers_agree(folder, board):
    files = collect_files([folder])
    assert build_portfolio(*evaluate_files(files, [MINI], workers=1), as_of=AS_OF) == board


def test_results_from_workers_are_byte_for_byte_those_of_one_process(folder):
    """Workers send results back as JSON: what arrives is the very result, every field of it."""
    from assess.batch import evaluate_files as evaluate_in
    from assess.pipeline import result_json
    files = collect_files([folder])
    one, skipped_one = evaluate_in(files, [MINI], workers=1)
    many, skipped_many = evaluate_in(files, [MINI], workers=2, in_process_below=0)
    assert [(f, result_json(r)) for f, r in many] == [(f, result_json(r)) for f, r in one] and one
    assert [(f, r) for f, r in many] == [(f, r) for f, r in one]
    assert skipped_many == skipped_one


def test_csv_one_row_per_service_and_principle(board):
    rows = list(csv.DictReader(io.StringIO(portfolio_csv(board))))
    expected = sum(len(r.cells) + 1 for r in board.rows()) + len(board.skipped)
    assert len(rows) == expected
    assert {r["file"].rsplit("/", 1)[-1] for r in rows if r["principle"] == "skipped"} == {"corrupt.yaml", "invalid.yaml"}
    assert {r["as_of"] for r in rows if r["principle"] != "skipped"} == {"2026-12-01"}


def test_csv_gives_a_fall_in_level_as_a_number(tmp_path):
    """A change in overall level is a number a spreadsheet can sum: a fall is -N, not the text '-N."""
    mini = find_framework("mini", [MINI])
    strong = {"owner": "named_remit", "decision_rights": "yes", "confidence": 5, "funding_model": "multi_year"}
    weak = {"owner": "nobody", "decision_rights": "no", "confidence": 1, "funding_model": "project"}
    meta = {"service": "Falling service", "organisation": "Test council", "scope": "part", "phase": "beta", "kind": "self"}
    for name, answers, date in (("before.yaml", strong, "2026-06-01"), ("after.yaml", weak, "2026-11-01")):
        write_answers(tmp_path / name, mini, {q: Answer(ANSWERED, v) for q, v in answers.items()}, dict(meta, date=date))
    board = build_portfolio(*evaluate_files(collect_files([tmp_path]), [MINI], workers=1), as_of=AS_OF)
    (row,) = board.rows()
    assert row.movement.overall_delta < 0
    (overall,) = [r for r in csv.DictReader(io.StringIO(portfolio_csv(board))) if r["principle"] == "overall"]
    assert overall["overall_change"] == str(row.movement.overall_delta)


def test_csv_neutralises_every_cell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    formula = "=HYPERLINK(1).yaml"
    (tmp_path / formula).write_text(mini_doc("  owner: named\n").replace("Test service", "+SUM(A1)")
                                    .replace("phase: live", "phase: live\n  organisation: \"-1 org\""))
    (tmp_path / "@broken.yaml").write_text(CORRUPT)
    # named relative to the current folder, as a user in that folder would type them
    board = build_portfolio(*evaluate_files(collect_files([Path(formula), Path("@broken.yaml")]), [MINI]))
    cells = [cell for row in csv.reader(io.StringIO(portfolio_csv(board))) for cell in row]
    assert "'=HYPERLINK(1).yaml" in cells and "'+SUM(A1)" in cells and "'-1 org" in cells
    assert any(c.startswith("'@broken.yaml") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-\d+(\.\d+)?", c)]


def test_a_file_named_twice_counts_once(folder, monkeypatch):
    monkeypatch.chdir(folder)
    files = collect_files([folder / "paired-self.yaml", Path("paired-self.yaml"), folder])
    assert sum(1 for f in files if f.name == "paired-self.yaml") == 1
    assert len(files) == len(collect_files([folder]))


def test_a_folder_is_listed_as_rglob_lists_it_links_and_hidden_files_aside(tmp_path, monkeypatch):
    """collect_files walks folders itself (resolving only links): the files, their order and
    what counts as one file are those of sorted rglob, every name resolved."""
    import os
    root = tmp_path / "in"
    for name in ("a/x.yaml", "a/b/y.yml", "a b.result.json", "a-/z.yaml", "B.yaml", "notes.json", ".hidden/h.yaml",
                 "a/.h.yaml", "c/deep/er/w.result.json", "dir.yaml/inner.yaml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    (root / "link.yaml").symlink_to(root / "B.yaml")              # the same file twice: counted once
    (root / "linked").symlink_to(root / "a")                        # a linked folder is not entered
    (root / "dangling.yaml").symlink_to(root / "gone.yaml")
    (root / "dirlink.yaml").symlink_to(root / "c")
    os.mkfifo(root / "pipe.yaml")

    def by_rglob(folder):
        found = {}
        for f in sorted(folder.rglob("*")):
            if is_portfolio_file(f) and not f.is_dir() and not any(p.startswith(".") for p in f.relative_to(folder).parts):
                found.setdefault(f.resolve(), f)
        return list(found.values())
    monkeypatch.chdir(tmp_path)
    for folder in (root, Path("in"), Path("in/../in")):
        assert collect_files([folder]) == by_rglob(folder)
    assert [str(f.relative_to(root)) for f in collect_files([root])] == [
        "B.yaml", "a/b/y.yml", "a/x.yaml", "a b.result.json", "a-/z.yaml", "c/deep/er/w.result.json", "dangling.yaml",
        "dir.yaml/inner.yaml", "pipe.yaml"]


def _row(name: str, rag: str, high: int, medium: int, red_share: float, low: int = 0, known: bool = True) -> ServiceRow:
    return ServiceRow(key=name, framework="mini", service=name, organisation="", file=f"{name}.yaml", date="2026-10-01",
                      kind="self", overall_level=1, overall_rag=rag, overall_score=2.0, cells=[],
                      risks={"high": high, "medium": medium, "low": low}, red_share=red_share, risk_known=known,
                      answered_share=1.0, evidenced_share=1.0, age_days=1, stale=False, low_confidence=False, assessments=1)


def test_risk_ranking_is_lexicographic():
    rows = [_row("few highs many mediums", "red", 2, 16, 0.5), _row("more highs", "red", 5, 12, 0.5),
            _row("amber with highs", "amber", 9, 0, 0.9), _row("red, more red principles", "red", 2, 16, 0.8),
            _row("green", "green", 0, 1, 0.0)]
    order = [r.service for r in sorted(rows, key=risk_key)]
    assert order == ["more highs", "red, more red principles", "few highs many mediums", "amber with highs", "green"]


def test_unanswered_service_is_unknown_risk_not_low(tmp_path, evaluated):
    empty = tmp_path / "empty.yaml"
    empty.write_text(mini_doc("").replace("Test service", "Nothing answered").replace("answers:\n", "answers: {}\n"))
    board = build_portfolio(evaluated[0] + evaluate_files([empty], [MINI])[0], as_of=AS_OF)
    row = next(r for r in board.rows() if r.service == "Nothing answered")
    assert not row.risk_known and "answered" in row.risk_unknown_why
    known = [k for k in board.ranked if board.row(k).risk_known]
    assert board.ranked[:len(known)] == known and row.key in board.ranked[len(known):]
    context = board_context(board)
    assert row in context["unknown_risk"] and row not in context["ranked"]
    html = render_html("portfolio.html.j2", context)
    assert "Risk not known" in html and "Nothing answered" in html


def test_latest_file_on_one_date_prefers_assessor_then_consensus(tmp_path):
    day = "phase: live\n  date: 2026-10-01"
    for name, kind, respondent in (("a-self.yaml", "self", "Team"), ("b-assessor.yaml", "assessor", "Panel"),
                                   ("c-consensus.yaml", "self", "Consensus of Ana, Ben"), ("d-ana.yaml", "self", "Ana")):
        (tmp_path / name).write_text(mini_doc("  owner: named\n").replace(
            "phase: live", f"{day}\n  kind: {kind}\n  respondent: \"{respondent}\""))
    files = collect_files([tmp_path])
    assert build_portfolio(*evaluate_files(files, [MINI])).rows()[0].file.endswith("b-assessor.yaml")
    selves = [f for f in files if "assessor" not in f.name]
    assert build_portfolio(*evaluate_files(selves, [MINI])).rows()[0].file.endswith("c-consensus.yaml")


def test_board_uses_the_framework_words_gates_and_shared_findings(tmp_path):
    variant = labelled_gated_mini(tmp_path / "fw", MINI)
    for i in range(3):
        (tmp_path / f"s{i}.yaml").write_text(mini_doc("  funding_model: project\n  owner: named\n  decision_rights: \"no\"\n")
                                             .replace("Test service", f"Gated {i}"))
    board = build_portfolio(*evaluate_files(collect_files([tmp_path / f"s{i}.yaml" for i in range(3)]), [variant]), as_of=AS_OF)
    assert {r.cell("funding").status for r in board.rows()} == {"gated"}
    assert board.frameworks[0].rag_labels == VARIANT_LABELS
    shared = next(s for s in board.systemic if s.rule == "mini-no-rights")
    assert shared.service_names == ["Gated 0", "Gated 1", "Gated 2"] and shared.framework_title == "Mini framework for tests"
    html = render_html("portfolio.html.j2", board_context(board))
    assert "1 Not met, gated" in html and "Not met" in html and ">Red<" not in html and " Red " not in html
    assert "Gated 0, Gated 1, Gated 2" in html and "<th scope=\"col\">Framework</th>" in html


def test_settings_reach_the_heatmap(tmp_path, folder):
    settings = tmp_path / "strict.yaml"
    settings.write_text("rag: {green: 4.9, amber: 4.5}\n")
    files = collect_files([folder / "mini"])[:6]
    done = run_cli_here("portfolio", *map(str, files), "-F", str(MINI), "-f", "json", "--settings", f"mini={settings}")
    assert done.returncode == 0, done.stderr
    import json
    data = json.loads(done.stdout)
    for row in data["frameworks"][0]["services"]:
        alone = evaluate_file(row["file"], [MINI], settings=settings)
        assert [c["rag"] for c in row["cells"]] == [p.rag if p.applicable else None for p in alone.principles]
    bad = tmp_path / "bad.yaml"
    bad.write_text("principles:\n  no-such-principle: {weight: 2}\n")
    refused = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "json", "--settings", str(bad))
    assert refused.returncode == 2 and "bad.yaml:2" in refused.stderr and "no-such-principle" in refused.stderr
    assert "skipped" not in refused.stderr, "a wrong settings file stops before any evaluation"


def test_missing_output_folder_is_refused_before_evaluating(folder, tmp_path):
    done = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-o", str(tmp_path / "nope" / "board.pdf"))
    assert done.returncode == 2 and "does not exist" in done.stderr and "skipped" not in done.stderr


def test_cli_html_names_skipped_files(folder, tmp_path):
    out = tmp_path / "board.html"
    done = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "corrupt.yaml" in done.stderr and "invalid.yaml" in done.stderr
    html = out.read_text()
    assert "could not be read" in html and "corrupt.yaml" in html and 'scope="row"' in html


def test_many_unreadable_files_are_counted_past_a_bound_and_each_still_named_once(tmp_path):
    """Thousands of broken files must not become thousands of lines in the board or in the closing line."""
    mini = find_framework("mini", [MINI])
    generate_portfolio(tmp_path / "good", mini, 3, seed=5)
    for i in range(45):
        (tmp_path / f"broken-{i:02d}.yaml").write_text(CORRUPT)
    out = tmp_path / "board.html"
    done = run_cli_here("portfolio", str(tmp_path), "-F", str(MINI), "-o", str(out))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    named = [line for line in lines if line.startswith("skipped: ")]
    assert len(named) == 45 and all(any(f"broken-{i:02d}.yaml" in line for line in named) for i in range(45))
    closing = lines[-1]
    assert "skipped 45: " in closing and closing.count("broken-") == 5 and closing.endswith("and 40 more (each named above)")
    html = out.read_text()
    notice = html[html.index("could not be read"):html.index("</div>", html.index("could not be read"))]
    assert notice.count("<li>") == 40
    assert "And 5 more; each is named in the error output of the command that made this board, and in its CSV and JSON outputs." in notice.replace("&#39;", "'")


def test_cli_exit_2_when_nothing_evaluates(tmp_path):
    (tmp_path / "a.yaml").write_text(CORRUPT)
    done = run_cli_here("portfolio", str(tmp_path), "-F", str(MINI), "--format", "json")
    assert done.returncode == 2 and "a.yaml" in done.stderr and "Traceback" not in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli_here("portfolio", str(empty), "--format", "json").returncode == 2


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


@pytest.fixture(scope="module")
def board_pdfs(folder, tmp_path_factory):
    """The folder's board as PDF, capped heatmap and the CSV beside it, written by the command
    with one process and with two: workers -> (finished command, output folder). Laying out a
    board is the slow part, so the tests below read these two and change neither."""
    written = {}
    for workers in ("1", "2"):
        out = tmp_path_factory.mktemp(f"board-{workers}")
        written[workers] = run_cli("portfolio", str(folder), "-F", str(MINI), "-o", str(out / "board.pdf"),
                                   "--as-of", "2026-12-01", "--heatmap-rows", "5", "--workers", workers), out
    return written


def test_cli_pdf_is_tagged_with_a_real_table(board_pdfs):
    done, out = board_pdfs["1"]
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader
    reader = PdfReader(out / "board.pdf")
    tags: set[str] = set()
    _struct_tags(reader.trailer["/Root"]["/StructTreeRoot"], tags)
    assert {"/Table", "/TH", "/TD"} <= tags
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Heatmap" in text and "Paired service" in text and "corrupt.yaml" in text


def test_a_file_that_stops_its_worker_costs_only_itself(folder, monkeypatch):
    import os

    import assess.batch as batch
    if batch._pool_context()[0].get_start_method() != "fork":
        pytest.skip("workers inherit the stand-in evaluation only when forked")
    real = batch.evaluate_one

    def stops_on_one_file(path, dirs, settings):
        if path.endswith("service-003.yaml"):
            os._exit(1)             # as a crash in native code would
        return real(path, dirs, settings)
    monkeypatch.setattr(batch, "evaluate_one", stops_on_one_file)
    files = collect_files([folder / "mini"])
    evaluated, skipped = evaluate_files(files, [MINI], workers=2)
    assert [s.file.rsplit("/", 1)[-1] for s in skipped] == ["service-003.yaml"]
    assert "worker evaluating it stopped" in skipped[0].problems[0]
    assert len(evaluated) == len(files) - 1


def test_board_tables_keep_short_words_whole(tmp_path):
    """Narrow columns (severity, counts, shares, rank) are not squeezed into broken words."""
    import re

    from conftest import ROOT
    from report_helpers import pdf_pages_text
    out = tmp_path / "board.pdf"
    done = run_cli("portfolio", str(ROOT / "examples" / "service-ownership"), str(ROOT / "examples" / "service-standard"),
                   "-o", str(out))
    assert done.returncode == 0, done.stderr
    pages = pdf_pages_text(out)
    systemic = next(p for p in pages if "Rules that fire in many services" in p)
    ranked = next(p for p in pages if "Services ranked by risk" in p)
    for word in ("Severity", "Services", "Share", "Medium"):
        assert re.search(rf"\b{word}\b", systemic), word
    for word in ("Rank", "High", "Medium", "Low"):
        assert re.search(rf"\b{word}\b", ranked), word


def test_saved_results_stand_in_for_answers_files(tmp_path):
    """A folder of saved results (*.result.json) gives the same board as the answers files;
    other JSON is not read, a result beside its answers file counts once, a bad one is named."""
    examples = ROOT / "examples" / "service-ownership"
    answers_board = build_portfolio(*evaluate_files(collect_files([examples]), workers=1), as_of=AS_OF)
    returns = tmp_path / "returns"
    returns.mkdir()
    for f in sorted(examples.glob("*.yaml")):
        done = run_cli_here("evaluate", str(f), "--format", "json")
        assert done.returncode == 0, done.stderr
        (returns / f"{f.stem}.result.json").write_text(done.stdout)
    (returns / "answers.schema.json").write_text(run_cli_here("schema", "answers").stdout)   # not an assessment
    (returns / "broken.result.json").write_text('{"schema_version": "1.0", "framework": ')
    files = collect_files([returns])
    assert sorted(f.name for f in files) == sorted([f"{f.stem}.result.json" for f in examples.glob("*.yaml")]
                                                   + ["broken.result.json"])
    evaluated, skipped = evaluate_files(files, workers=1)
    assert [Path(s.file).name for s in skipped] == ["broken.result.json"]
    assert "invalid JSON" in skipped[0].problems[0]
    results_board = build_portfolio(evaluated, skipped, as_of=AS_OF)
    cells = lambda b: [(r.service, r.overall_level, [(c.level, c.rag) for c in r.cells]) for r in b.rows()]
    assert cells(results_board) == cells(answers_board)
    # answers files and the results saved from them: each assessment once, from its answers file
    both = build_portfolio(*evaluate_files(collect_files([examples, returns]), workers=1), as_of=AS_OF)
    assert [r.assessments for r in both.rows()] == [1] * len(answers_board.rows())
    assert all(r.file.endswith(".yaml") for r in both.rows())


def test_the_board_from_digests_is_the_board_from_whole_results(folder, board):
    """Workers send back each result's board_digest: the roll-up (heatmap, movement, gaps,
    systemic findings, ranking) must be the one the whole results give."""
    from assess.batch import evaluate_files as evaluate_in
    whole, skipped = evaluate_in(collect_files([folder]), [MINI], workers=1)
    assert any(r.movement for r in board.rows()) and any(r.gap for r in board.rows()) and board.systemic
    assert build_portfolio(whole, [s for s in board.skipped], as_of=AS_OF) == board
    assert all(not r.answers for _, r in evaluate_files(collect_files([folder]), [MINI], workers=2)[0])


def test_two_services_with_the_same_answers_are_two_services(tmp_path):
    for name in ("Apply for a permit", "Renew a permit"):
        (tmp_path / f"{name}.yaml").write_text(mini_doc("  owner: named\n").replace("Test service", name))
    board = build_portfolio(*evaluate_files(collect_files([tmp_path]), [MINI]), as_of=AS_OF)
    assert sorted(r.service for r in board.rows()) == ["Apply for a permit", "Renew a permit"]


def test_a_large_heatmap_shows_the_riskiest_and_counts_every_organisation(board):
    from assess.portfolio import heatmaps
    mini = next(h for h in heatmaps(board, most=5) if h.block.id == "mini")
    assert mini.capped and len(mini.block.services) > 5
    in_mini = [k for k in board.ranked if board.row(k).framework == "mini"]
    assert [r.key for r in mini.rows] == in_mini[:5]
    assert [mini.ranks[r.key] for r in mini.rows if r.risk_known] == sorted(board.ranked.index(r.key) + 1 for r in mini.rows if r.risk_known)
    orgs = mini.organisations
    assert sum(o["services"] for o in orgs) == len(mini.block.services) == sum(o[rag] for o in orgs for rag in ("red", "amber", "green", "none"))
    assert {o["name"] for o in orgs} == {r.organisation for r in mini.block.services}
    assert sum(o["stale"] for o in orgs) == sum(1 for r in mini.block.services if r.stale)
    assert not any(h.capped for h in heatmaps(board)) and not any(h.capped for h in heatmaps(board, most=0))


def test_a_capped_board_names_the_full_list_and_the_organisations(board):
    html = render_html("portfolio.html.j2", board_context(board, heatmap_rows=5, full_list="board.csv", listed=3))
    assert "the 5 most at risk" in html and "<strong><bdi>board.csv</bdi></strong>" in html
    assert "services by organisation and overall rating" in html and "flagged in the CSV (stale)" in html
    riskiest = board.row(board.ranked[0])
    assert f"1. <bdi>{riskiest.service}</bdi>" in html
    shown = {r.service for h in board_context(board, heatmap_rows=5)["heatmaps"] for r in h.rows}
    hidden = [r.service for r in board.rows() if r.service not in shown]
    assert hidden and not any(f"<bdi>{name}</bdi>, " in html for name in hidden)   # a heatmap row header
    whole = render_html("portfolio.html.j2", board_context(board))
    assert "most at risk, riskiest first" not in whole and all(r.service in whole for r in board.rows())


def test_a_capped_board_writes_every_service_to_a_csv_beside_it(tmp_path, folder):
    out = tmp_path / "board.html"
    done = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-o", str(out), "--as-of", "2026-12-01", "--heatmap-rows", "5")
    assert done.returncode == 0, done.stderr
    beside = tmp_path / "board.csv"
    assert f"every service is in {beside}" in done.stderr and "board.csv" in out.read_text()
    every = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "csv", "--as-of", "2026-12-01")
    assert beside.read_text() == every.stdout
    piped = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "html", "--as-of", "2026-12-01", "--heatmap-rows", "5")
    assert piped.returncode == 0 and "-f csv lists every service" in piped.stderr and "<code>-f csv</code>" in piped.stdout
    small = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-o", str(tmp_path / "small.html"), "--as-of", "2026-12-01")
    assert small.returncode == 0 and not (tmp_path / "small.csv").exists() and "every service is in" not in small.stderr


def test_saved_results_read_by_workers_and_this_process_give_what_one_process_gives(tmp_path, folder):
    """With only saved results, the command itself takes waiting batches beside its workers."""
    from assess.batch import evaluate_files as evaluate_in
    from assess.pipeline import result_json
    answers = sorted(collect_files([folder / "mini"]))[:24]
    for i, path in enumerate(answers):
        (tmp_path / f"saved-{i:02d}.result.json").write_text(result_json(evaluate_file(path, [MINI])), encoding="utf-8")
    (tmp_path / "broken.result.json").write_text("{not json", encoding="utf-8")
    files = collect_files([tmp_path])
    seen = []
    one = evaluate_in(files, [MINI], workers=1)
    many = evaluate_in(files, [MINI], workers=2, in_process_below=0, on_progress=seen.append)
    assert many == one and len(one[0]) == 24 and [f for f, _ in one[1]] == [str(tmp_path / "broken.result.json")]
    assert sum(seen) == len(files)


def test_one_organisation_gets_its_own_board(folder):
    done = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "json", "--as-of", "2026-12-01",
                   "--organisation", "northshire   COUNCIL")
    assert done.returncode == 0, done.stderr
    import json
    rows = [r for b in json.loads(done.stdout)["frameworks"] for r in b["services"]]
    assert rows and {r["organisation"] for r in rows} == {"Northshire Council"}
    html = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "html", "--as-of", "2026-12-01",
                   "--organisation", "Northshire Council")
    assert "Only the services of <strong><bdi>Northshire Council</bdi></strong>" in html.stdout
    missing = run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", "json", "--organisation", "Nowhere Trust")
    assert missing.returncode == 2 and missing.stdout == "" and "Traceback" not in missing.stderr
    assert "--organisation Nowhere Trust: no service of that organisation" in missing.stderr and "'Test council'" in missing.stderr


def test_entries_made_in_workers_give_the_board_of_one_process(folder, board):
    """The per-assessment part of the roll-up runs where each file is read: entries from workers
    (pickled, row and result as JSON) give the board that whole results give in one process."""
    from assess.portfolio import read_board
    many, skipped_many = read_board(collect_files([folder]), [MINI], workers=2)
    one, skipped_one = read_board(collect_files([folder]), [MINI], workers=1)
    assert any(isinstance(e.result, str) for e in many) and not any(isinstance(e.result, str) for e in one)
    assert skipped_many == skipped_one == board.skipped
    assert build_portfolio(many, skipped_many, as_of=AS_OF) == build_portfolio(one, skipped_one, as_of=AS_OF) == board


def test_the_command_writes_the_same_board_with_and_without_workers(folder, board_pdfs):
    """With workers the CSV beside a PDF is made in another process while the PDF is laid out."""
    outputs = [run_cli_here("portfolio", str(folder), "-F", str(MINI), "-f", fmt, "--as-of", "2026-12-01", "--workers", workers)
               for fmt in ("json", "csv") for workers in ("1", "2")]
    assert all(o.returncode == 0 for o in outputs), [o.stderr for o in outputs]
    assert outputs[0].stdout == outputs[1].stdout and outputs[2].stdout == outputs[3].stdout
    for done, _ in board_pdfs.values():
        assert done.returncode == 0 and "every service is in" in done.stderr, done.stderr
    one, two = board_pdfs["1"][1], board_pdfs["2"][1]
    assert (one / "board.pdf").read_bytes() == (two / "board.pdf").read_bytes()
    assert (one / "board.csv").read_text() == (two / "board.csv").read_text() == outputs[2].stdout


def test_a_value_worked_out_alongside_comes_from_another_process_or_fails_here(capfd):
    import os

    from assess.batch import _pool_context, alongside
    if not _pool_context()[1]:
        pytest.skip("worked out alongside only where processes are forked")
    assert alongside(os.getpid)() != os.getpid()

    def fails():
        raise ValueError("no list")
    with pytest.raises(ValueError, match="no list"):   # raised here, where the command reports it
        alongside(fails)()
    assert "Traceback" not in capfd.readouterr().err
