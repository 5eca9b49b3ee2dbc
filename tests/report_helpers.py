"""Shared by the report tests: hostile answers, rendering with WeasyPrint's log captured."""
from __future__ import annotations

import contextlib
import logging
import subprocess
from pathlib import Path

HOSTILE = {
    "service": "Evil <img src=file:///etc/passwd> {{ 7*7 }}",
    "evidence": "<script>alert(1)</script> <img src=\"file:///etc/passwd\"> @import url(http://127.0.0.1:9/x.css);",
    "note": "{% raw %}{{ config }}{% endraw %} <link rel=stylesheet href=file:///etc/passwd>",
    "na_reason": "<style>@import url(file:///etc/passwd);</style> n/a",
    "comment": "=HYPERLINK(\"http://127.0.0.1:9/\") <iframe src=file:///etc/passwd>",
}
# fragments that must appear, as text, in the rendered output
LITERALS = ["<img src=file:///etc/passwd>", "{{ 7*7 }}", "<script>alert(1)</script>", "{% raw %}",
            "@import url(file:///etc/passwd);", "<iframe src=file:///etc/passwd>"]


def hostile_answers(path: Path) -> Path:
    h = HOSTILE
    path.write_text(f"""assessment:
  framework: mini
  service: '{h["service"]}'
  organisation: Test council
  scope: whole
  phase: live
  respondent: Tester
  kind: assessor
  date: 2026-11-28
answers:
  org_count: 5
  channels: [phone, paper]
  owner: named
  decision_rights: "no"
  confidence: 2
  practices: [roadmap]
  funding_model: project
  pooled_budget: {{n/a: '{h["na_reason"]}'}}
  team_size: 3
  comment: '{h["comment"]}'
  forum: informal
  anchor: "no"
evidence:
  owner: '{h["evidence"]}'
notes:
  forum: '{h["note"]}'
""", encoding="utf-8")
    return path


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@contextlib.contextmanager
def weasyprint_log():
    """Collect WeasyPrint's warnings and errors (missing lang or alt text is only logged)."""
    handler = Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def pdf_pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def binding_answers(path: Path) -> Path:
    """The mini answers with Accountability scoring 4.2 under a cap at 2 (a cap that binds),
    while Governance stays below its own cap at 2 (a cap that does not)."""
    from conftest import MINI
    text = (MINI / "whole.yaml").read_text(encoding="utf-8")
    for old, new in (("owner: named", "owner: named_remit"), ("confidence: 2", "confidence: 5"),
                     ("practices: [roadmap, metrics]", "practices: [roadmap, metrics, research, retros]")):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


def gated(result, principle_id: str):
    """A copy of `result` in which one principle is gated: too little answered to score, held at
    level 1 by a binding cap (as scoring gives when a gate sits at the bottom of the scale)."""
    from assess.models import CapApplied
    out = result.model_copy(deep=True)
    p = next(p for p in out.principles if p.id == principle_id)
    p.caps = [CapApplied(rule="test-gate", max_level=1, reason="Nobody decides for the whole service", binding=True)]
    p.status, p.score, p.capped_score, p.level = "gated", None, 1.0, 1
    p.level_name, p.rag, p.answered_share = result.scale[0].name, "red", 0.25
    return out


# ---------------------------------------------------------------- reading PDFs

def figure_alts(pdf: Path) -> list[str]:
    """The /Alt text of every Figure in the PDF's structure tree (None for a figure without one)."""
    import pypdf
    reader = pypdf.PdfReader(pdf)
    found: list = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
            return
        if not isinstance(node, pypdf.generic.DictionaryObject):
            return
        if node.get("/S") == "/Figure":
            alt = node.get("/Alt")
            found.append(str(alt) if alt is not None else None)
        if "/K" in node:
            walk(node["/K"])
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def page_bodies(pages: list[str]) -> list[list[str]]:
    """Each page's lines without the running header (first line) and the footer (the line with
    "Page N of M"), whitespace collapsed, empty lines dropped."""
    import re
    out = []
    for text in pages:
        lines = [" ".join(line.split()) for line in text.splitlines()]
        lines = [line for line in lines if line]
        if lines and not re.search(r"Page \d+ of \d+", lines[0]):
            lines = lines[1:]
        out.append([line for line in lines if not re.search(r"Page \d+ of \d+", line)])
    return out


def openers(html: str) -> set[str]:
    """Texts that open something and must never end a page: headings, table captions, table head rows."""
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack: list[tuple[str, list[str]]] = []
            self.found: set[str] = set()

        def handle_starttag(self, tag, attrs):
            if tag in ("h2", "h3", "h4", "h5", "caption", "thead"):
                self.stack.append((tag, []))

        def handle_endtag(self, tag):
            if self.stack and self.stack[-1][0] == tag:
                _, parts = self.stack.pop()
                text = " ".join(" ".join(parts).split())
                if text:
                    self.found.add(text.upper() if tag == "h4" else text)      # h4 prints in capitals

        def handle_data(self, data):
            for _, parts in self.stack:
                parts.append(data)
    parser = Collect()
    parser.feed(html)
    return parser.found


def page_endings(pdf: Path) -> dict[int, list[str]]:
    """For each page (from 1), the structure tags around the last content placed on it, in
    reading order: ["Sect", "H3", "Span"] means the page ends inside a heading. Read from the
    tagged PDF's structure tree, so a principle named in a table cell is not taken for a heading."""
    import pypdf
    reader = pypdf.PdfReader(pdf)
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages, start=1)}
    last: dict[int, list[str]] = {}

    def walk(node, chain: list[str], page):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child, chain, page)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/Pg" in node:
                page = pages.get(node.raw_get("/Pg").idnum, page)
            if node.get("/Type") == "/MCR":
                last[page] = chain
            elif "/K" in node:
                walk(node["/K"], chain + [str(node.get("/S", "")).lstrip("/")], page)
        elif isinstance(node, int) and page is not None:
            last[page] = chain
    walk(reader.trailer["/Root"]["/StructTreeRoot"], [], None)
    return last


def stranded(chain: list[str]) -> str:
    """What a page must never end with: a heading, a table's caption, a table head alone."""
    for i, tag in enumerate(chain):
        if tag in ("H1", "H2", "H3", "H4", "H5", "H6", "THead") or (tag == "Caption" and chain[i - 1:i] == ["Table"]):
            return tag
    return ""
