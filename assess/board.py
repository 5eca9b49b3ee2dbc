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
    from .reports.pdf import html_to_pdf
    from .reports.templates import base_dir, stylesheet_text
    css = stylesheet_text(_env(), STYLESHEET)
    return html_to_pdf(render_html(template, context, inline_css=False), css=css, allowed_dirs=[board_dir(), base_dir()])
