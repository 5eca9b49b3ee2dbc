"""The PDF report: structure, tagging, paging, safety and reproducibility."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli_here
from report_helpers import (LITERALS, figure_alts, hostile_answers, openers, page_bodies, page_endings, pdf_pages_text,
                            stranded, weasyprint_log)

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


def test_same_answers_give_identical_bytes_across_processes(mini_pdf, mini_result, tmp_path):
    """A fresh process (another hash seed) renders the bytes this one rendered for mini_pdf."""
    from assess.reports import html
    script = ("import sys; from pathlib import Path; from assess.answers import load_answers; from assess.pipeline import evaluate;"
              "from assess.reports import html, pdf; a = load_answers(Path(sys.argv[1]), [Path(sys.argv[2])]); r = evaluate(a);"
              "Path(sys.argv[3]).write_bytes(pdf.render(r, framework=a.framework));"
              "Path(sys.argv[4]).write_bytes(html.render(r, framework=a.framework))")
    fresh_pdf, fresh_html = tmp_path / "fresh.pdf", tmp_path / "fresh.html"
    subprocess.run([sys.executable, "-c", script, str(MINI / "whole.yaml"), str(MINI), str(fresh_pdf), str(fresh_html)],
                   check=True, cwd=ROOT, timeout=120, env=dict(os.environ, PYTHONHASHSEED="987654321"))
    result, framework = mini_result
    assert fresh_pdf.read_bytes() == mini_pdf[0].read_bytes()
    assert fresh_html.read_bytes() == html.render(result, framework=framework)
    created = pypdf.PdfReader(fresh_pdf).metadata.creation_date
    assert created.date().isoformat() == "2026-11-28"      # from the assessment date, never "now"


# ---------------------------------------------------------------- paging, as the CLI renders real examples

EXAMPLES = ROOT / "examples"
PAGED = [EXAMPLES / "service-ownership" / "health-pathway-unanchored.yaml", EXAMPLES / "service-standard" / "live-amber.yaml"]


@pytest.fixture(scope="module", params=[p.stem for p in PAGED])
def example_pdf(request, tmp_path_factory):
    """An example as `assess report` writes it (PDF and HTML, with the next-level plan and the
    tracked actions), its result, and what WeasyPrint logged. Rendered once per module: the
    long examples are the slowest PDFs the tests lay out."""
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    answers = next(p for p in PAGED if p.stem == request.param)
    path = tmp_path_factory.mktemp("paged") / f"{request.param}.pdf"
    with weasyprint_log() as log:
        done = run_cli_here("report", str(answers), "-o", str(path))
    assert done.returncode == 0, done.stderr
    html = run_cli_here("report", str(answers), "-f", "html")
    assert html.returncode == 0, html.stderr
    return {"path": path, "html": html.stdout, "result": evaluate(load_answers(answers)), "log": log.messages()}


def test_realistic_examples_run_to_many_pages(example_pdf):
    """A real assessment, as the command writes it, is a long document (cover, contents, every
    principle, the plan and the appendix); the paging checks below are only telling on one."""
    assert len(pypdf.PdfReader(example_pdf["path"]).pages) >= 12


def test_no_page_ends_with_a_heading_a_caption_or_a_table_head(example_pdf, mini_pdf):
    for path in (example_pdf["path"], mini_pdf[0]):
        endings = page_endings(path)
        pages = len(pdf_pages_text(path))
        assert sorted(endings) == list(range(1, pages + 1))           # no page is empty
        for number in range(1, pages):
            assert not stranded(endings[number]), f"{path.name}: page {number} ends in {endings[number]}"
    assert example_pdf["log"] == []


@pytest.mark.parametrize("last", ["<h3 style='break-after: auto'>Stranded</h3>",
                                  "<table><caption style='break-after: auto'>Stranded</caption><thead><tr><th scope='col'>A</th>"
                                  "</tr></thead><tbody><tr><td><div style='height: 60mm'>x</div></td></tr></tbody></table>"])
def test_the_ending_check_finds_what_is_stranded(tmp_path, last):
    """The check above must be able to fail: a heading or a caption forced to the foot of a page is caught."""
    from assess.reports.pdf import html_to_pdf
    html = ('<html lang="en"><head><title>t</title></head><body><h2>First</h2><div style="height: 200mm"></div>'
            f'{last}<div style="height: 60mm; break-inside: avoid"></div><p>end</p></body></html>')
    path = tmp_path / "s.pdf"
    path.write_bytes(html_to_pdf(html, css="@page { size: A4; margin: 20mm; } tr { break-inside: avoid; }"))
    assert stranded(page_endings(path)[1]) in ("H3", "Caption", "THead")


def test_continued_tables_repeat_their_header(example_pdf):
    bodies = page_bodies(pdf_pages_text(example_pdf["path"]))
    head = "Question Answer Evidence and notes"
    start = next(i for i, b in enumerate(bodies) if b and b[0] == "Appendix: every answer")
    sections = {s for s in openers(example_pdf["html"])}
    continued = 0
    for body in bodies[start + 1:]:
        assert body[0] == head or body[0] in sections, body[:2]     # a page of the appendix never starts mid-table bare
        continued += body[0] == head
    assert continued >= 1


def test_executive_summary_fits_on_one_page_for_every_service_ownership_example(tmp_path):
    """The summary starts a page and the next section starts the next page, so rendering the
    cover and the summary alone shows whether it fits: two pages, not three."""
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    from assess.reports.context import report_context
    from assess.reports.html import report_env
    from assess.reports.pdf import html_to_pdf
    from assess.reports.templates import stylesheet_text
    blank = "".join("{% block " + b + " %}{% endblock %}" for b in
                    ("contents", "since_last_time", "charts", "principles", "action_plan", "methodology", "appendix"))
    examples = sorted((EXAMPLES / "service-ownership").glob("*.yaml"))
    assert examples
    for answers in examples:
        assessment = load_answers(answers)
        result = evaluate(assessment)
        env = report_env(result, framework=assessment.framework)
        context = report_context(result, assessment.framework)
        context.update(inline_css=False, css="", lens_titles={l.id: l.title for l in result.lenses})
        html = env.from_string('{% extends "report.html.j2" %}' + blank).render(context)
        path = tmp_path / f"{answers.stem}.pdf"
        path.write_bytes(html_to_pdf(html, stylesheet_text(env)))
        pages = pdf_pages_text(path)
        assert len(pages) == 2 and "Executive summary" in pages[1], answers.name


def test_every_figure_has_alt_text_with_its_values(example_pdf):
    result = example_pdf["result"]
    alts = figure_alts(example_pdf["path"])
    assert len(alts) == example_pdf["html"].count("<svg ") >= 2
    applicable = [p for p in result.principles if p.applicable]
    for alt in alts:
        assert alt and ": " in alt and "level" in alt
        named = [p for p in applicable if f"{p.title}: " in alt]
        assert named, alt
        for p in named:
            assert (f"{p.title}: level {p.level} ({p.level_name})" if p.level is not None
                    else f"{p.title}: not enough evidence") in alt
    bars = next(a for a in alts if a.startswith("Bar chart"))
    assert all(f"{p.title}: " in bars for p in applicable)


def test_a_chart_without_its_title_fails_the_alt_check(mini_result, tmp_path):
    """WeasyPrint logs nothing for an SVG without <title>: only reading /Alt from the PDF catches it."""
    from assess.reports.html import render_html, report_env
    from assess.reports.pdf import html_to_pdf
    from assess.reports.templates import stylesheet_text
    result, framework = mini_result
    env = report_env(result, framework=framework)
    html = re.sub(r"<title>[^<]*</title>(?=<desc>)", "", render_html(result, env=env, framework=framework, inline_css=False))
    path = tmp_path / "untitled.pdf"
    with weasyprint_log() as log:
        path.write_bytes(html_to_pdf(html, stylesheet_text(env)))
    assert log.messages() == []
    alts = figure_alts(path)
    assert alts and all(alt is None for alt in alts)


def test_user_text_is_isolated_in_the_pdf(mini_result, tmp_path):
    """An override left open in a service name (a result file may carry one) reverses nothing after it."""
    from assess.reports import pdf
    result, framework = mini_result
    evil = result.model_copy(deep=True)
    evil.assessment["service"] = "Evil\u202eName"
    path = tmp_path / "bidi.pdf"
    path.write_bytes(pdf.render(evil, framework=framework))
    text = " ".join(" ".join(pdf_pages_text(path)).split())
    assert "reaches level" in text and "level reaches" not in text
    assert "sehcaer" not in text and "llarevo" not in text           # "reaches", "overall" never reversed


def test_template_folder_logo_reaches_the_pdf(mini_result, tmp_path):
    from assess.reports import pdf
    from assess.reports.fetcher import SafeFetcher
    from assess.reports.templates import search_path
    result, framework = mini_result
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><rect width="40" height="10"/></svg>')
    (folder / "report.html.j2").write_text('{% extends "base.html.j2" %}{% block cover %}<img src="logo.svg" alt="Council logo">'
                                           '<img src="/etc/passwd" alt="x">{{ super() }}{% endblock %}')
    fetcher = SafeFetcher(search_path("mini", [folder], framework.root))
    heard: list[str] = []
    pdf.render(result, template_dirs=[folder], framework=framework, fetcher=fetcher, warn=heard.append)
    assert (folder / "logo.svg").resolve().as_uri() in fetcher.calls
    assert fetcher.refused == ["file:///etc/passwd"]
    assert heard == ["report template asset not loaded: file:///etc/passwd (outside the template folders)"]


def test_stylesheet_cache_keys_on_the_allowed_folders(tmp_path):
    from assess.reports import pdf
    from assess.reports.fetcher import SafeFetcher
    from assess.reports.templates import base_dir
    css, base = "body { color: black; }", base_dir().as_uri() + "/"
    one, same, wider = SafeFetcher([base_dir()]), SafeFetcher([base_dir()]), SafeFetcher([base_dir(), tmp_path])
    assert pdf.stylesheet(css, base, one) is pdf.stylesheet(css, base, same)
    assert pdf.stylesheet(css, base, one) is not pdf.stylesheet(css, base, wider)
    assert pdf.stylesheet(css, base, one) is not pdf.stylesheet(css, tmp_path.as_uri() + "/", one)


def test_a_long_unbroken_service_name_keeps_the_cover_to_one_page(mini_result, tmp_path):
    from assess.reports import pdf
    result, framework = mini_result
    long = result.model_copy(deep=True)
    long.assessment["service"] = "Registerafishingvesselwithoutanyspacesinthenameatall" * 2 + " and a few more words besides"
    long.assessment["organisation"] = "TheMarineManagementAndLicensingAgencyDirectorateOfTheUnitedKingdom"
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf.render(long, framework=framework))
    pages = pdf_pages_text(path)
    assert "Prepared with" in pages[0] and "Contents" in pages[1] and "Prepared with" not in pages[1]
    words = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    top = {w: float(y) for y, w in reversed(re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]+)</word>', words))}
    name = min(y for w, y in top.items() if w.startswith("Registerafishing"))
    assert top["Prepared"] > top["Kind"] + 10 > name          # the foot below the facts, the facts below the name


def test_evidence_quoted_elsewhere_names_the_page_it_is_on(example_pdf):
    text = subprocess.run(["pdftotext", str(example_pdf["path"]), "-"], capture_output=True, text=True, check=True).stdout
    pages = [re.sub(r"\s+", " ", page) for page in text.split("\f")]
    items = [re.sub(r"\s+", " ", e) for a in example_pdf["result"].answers for e in a.evidence]
    refs = [int(n) for n in re.findall(r"\bunder .{1,80}?, page (\d+)", " ".join(pages))]
    assert len(refs) == example_pdf["html"].count('class="page-ref"') > 0
    for n in refs:
        assert any(item in pages[n - 1] for item in items), n
