"""The PDF report: structure, tagging, paging, safety and reproducibility."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli
from report_helpers import LITERALS, hostile_answers, pdf_pages_text, weasyprint_log

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def mini_result():
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    assessment = load_answers(MINI / "whole.yaml", [MINI])
    return evaluate(assessment), assessment.framework


@pytest.fixture(scope="module")
def mini_pdf(mini_result, tmp_path_factory):
    from assess.reports import pdf
    result, framework = mini_result
    with weasyprint_log() as log:
        data = pdf.render(result, framework=framework)
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(data)
    return path, log.messages()


def test_weasyprint_logs_nothing(mini_pdf):
    """Missing lang or alt text is only logged by WeasyPrint: any record fails the suite."""
    assert mini_pdf[1] == []


def test_log_capture_catches_missing_lang_and_alt(tmp_path):
    from assess.reports.pdf import html_to_pdf
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    with weasyprint_log() as log:
        html_to_pdf(f"<html><head><title>t</title></head><body><p>x</p><img src='{logo.as_uri()}'></body></html>",
                    allowed_dirs=[tmp_path])
    text = " ".join(log.messages())
    assert "lang" in text and "alt description" in text


def test_tagged_pdf_ua_with_language_title_and_structure(mini_pdf, mini_result):
    reader = pypdf.PdfReader(mini_pdf[0])
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"] in (True, "true")
    assert reader.metadata.title == f"{mini_result[0].assessment['service']}: service assessment report"


def test_outline_lists_sections_and_every_principle(mini_pdf, mini_result):
    reader = pypdf.PdfReader(mini_pdf[0])

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title
    outline = list(titles(reader.outline))
    for title in ["Contents", "Executive summary", "Maturity at a glance", "Principles in detail", "Action plan",
                  "Methodology", "Appendix: every answer"]:
        assert title in outline
    for p in mini_result[0].principles:
        if p.applicable:
            assert p.title in outline


def test_pages_have_running_header_and_page_x_of_y(mini_pdf, mini_result):
    pages = pdf_pages_text(mini_pdf[0])
    result = mini_result[0]
    assert len(pages) >= 8 + sum(p.applicable for p in result.principles) // 2    # principles share pages
    assert f"Page 1 of {len(pages)}" not in pages[0]          # the cover is a page of its own
    for number, text in enumerate(pages[1:], start=2):
        assert result.assessment["service"] in text.splitlines()[0]
        assert f"Page {number} of {len(pages)}" in text


def test_contents_page_numbers_point_at_the_sections(mini_pdf):
    pages = pdf_pages_text(mini_pdf[0])
    contents = pages[1]
    for title in ["Executive summary", "Action plan", "Methodology"]:
        match = re.search(re.escape(title) + r"\s*\.+\s*(\d+)", contents)
        assert match, title
        target = pages[int(match.group(1)) - 1]
        assert title in target.splitlines()[1] or title in target[:400]


def test_report_content_cover_summary_method(mini_pdf, mini_result):
    result = mini_result[0]
    text = "\n".join(pdf_pages_text(mini_pdf[0]))
    flat = re.sub(r"\s+", "", text)
    for needle in ["Test council", "Whole service, across organisations", "28 November 2026", "Self-assessment",
                   "Overall level per lens", "Reading the result", "What matters most", "also caps this principle at level 2"]:
        assert needle in text
    assert result.framework["hash"] in flat and result.answers_hash in flat
    assert "Only one funder" in text           # n/a reason in the appendix and the working
    assert "NOT ASKED" in text.upper()         # team_size is hidden by show_if
    for f in result.findings:
        assert f.title in text


def test_hostile_answers_show_literally_and_nothing_is_fetched(tmp_path):
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    from assess.reports import pdf
    from assess.reports.fetcher import SafeFetcher
    from assess.reports.templates import base_dir
    assessment = load_answers(hostile_answers(tmp_path / "evil.yaml"), [MINI])
    fetcher = SafeFetcher([base_dir()])
    with weasyprint_log() as log:
        data = pdf.render(evaluate(assessment), framework=assessment.framework, fetcher=fetcher)
    assert fetcher.calls == [] and fetcher.refused == []
    assert log.messages() == []
    (tmp_path / "evil.pdf").write_bytes(data)
    text = re.sub(r"\s+", "", "".join(pdf_pages_text(tmp_path / "evil.pdf")))   # long words wrap anywhere
    for literal in LITERALS:
        assert re.sub(r"\s+", "", literal) in text, literal


def test_fetcher_serves_only_report_assets(tmp_path):
    from assess.reports.fetcher import SafeFetcher
    from assess.reports.templates import base_dir
    fetcher = SafeFetcher([base_dir()])
    css = (base_dir() / "report.css").as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    escape = base_dir().as_uri() + "/../pyproject.toml"
    for url in ["file:///etc/passwd", outside.as_uri(), escape, "http://127.0.0.1:9/x.css",
                "https://example.org/a.png", "data:text/css,body{}", "file://otherhost/etc/passwd"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def test_same_answers_give_identical_bytes_across_processes(tmp_path):
    script = ("import sys; from pathlib import Path; from assess.pipeline import evaluate_file; from assess.reports import render;"
              "r = evaluate_file(sys.argv[1], [Path(sys.argv[2])]);"
              "Path(sys.argv[3]).write_bytes(render(r, 'pdf')); Path(sys.argv[4]).write_bytes(render(r, 'html'))")
    outs = []
    for run in ("a", "b"):
        pdf, html = tmp_path / f"{run}.pdf", tmp_path / f"{run}.html"
        subprocess.run([sys.executable, "-c", script, str(MINI / "whole.yaml"), str(MINI), str(pdf), str(html)],
                       check=True, cwd=ROOT, timeout=120)
        outs.append((pdf.read_bytes(), html.read_bytes()))
    assert outs[0][0] == outs[1][0]
    assert outs[0][1] == outs[1][1]
    created = pypdf.PdfReader(tmp_path / "a.pdf").metadata.creation_date
    assert created.date().isoformat() == "2026-11-28"      # from the assessment date, never "now"


def test_realistic_example_reaches_twelve_pages(tmp_path):
    examples = sorted((ROOT / "examples" / "service-ownership").glob("*.yaml"))
    if not examples:
        pytest.skip("no service-ownership examples in this checkout")
    out = tmp_path / "report.pdf"
    proc = run_cli("report", str(examples[0]), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(pypdf.PdfReader(out).pages) >= 12
