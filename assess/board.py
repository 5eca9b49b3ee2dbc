"""Board documents (comparison, portfolio) as HTML and tagged PDF.

They use the report's own Jinja2 environment and PDF writer, with templates and print CSS
from report_templates/board/, so they share the report's filters, escaping and the fetcher
that reads only the project's template folders.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

STYLESHEET = "board.css"


def board_dir() -> Path:
    from .reports.templates import base_dir
    return base_dir() / "board"


def _env():
    from .reports.templates import template_env
    return template_env(None, [board_dir()])


def render_html(template: str, context: dict[str, Any], inline_css: bool = True) -> str:
    from .reports.html import render_template
    from .reports.templates import stylesheet_text
    env = _env()
    css = stylesheet_text(env, STYLESHEET) if inline_css else ""
    return render_template(env, template, dict(context, inline_css=inline_css, css=css))


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    return render_pdf_html(render_html(template, context, inline_css=False))


def warm_up(template: str, pdf: bool) -> None:
    """What a board needs before its content is known, done while workers read a portfolio so
    that the board starts sooner: its template compiled (about 0.25 s of CPU) and, for a PDF,
    WeasyPrint imported, the stylesheet parsed and its fonts loaded (about 0.7 s) by laying out
    one line."""
    try:
        _env().get_template(template)
        if pdf:
            render_pdf_html('<html lang="en"><head><title>-</title></head><body><p>-</p></body></html>')
    except Exception:   # only a head start: the board's own rendering meets the same problem and reports it
        pass


def render_pdf_html(html: str) -> bytes:
    """A board's HTML (render_html without inline CSS) laid out as PDF."""
    from .reports.pdf import html_to_pdf
    from .reports.templates import base_dir, stylesheet_text
    return html_to_pdf(html, css=stylesheet_text(_env(), STYLESHEET), allowed_dirs=[board_dir(), base_dir()])
