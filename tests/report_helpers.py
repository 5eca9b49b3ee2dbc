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
