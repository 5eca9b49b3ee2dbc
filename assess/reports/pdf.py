"""PDF from the report HTML with WeasyPrint: tagged PDF/UA-1, safe fetching, reused styles.

WeasyPrint is imported inside these functions only (it costs about half a second). The
parsed stylesheet and the font configuration are kept between renders in one process.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Optional

from ..models import Result
from .templates import base_dir, search_path, stylesheet_text, template_env

PDF_VARIANT = "pdf/ua-1"
_fonts = None
_stylesheets: dict[str, object] = {}


def _font_config():
    global _fonts
    if _fonts is None:
        from weasyprint.text.fonts import FontConfiguration
        _fonts = FontConfiguration()
    return _fonts


def _stylesheet(css: str, fetcher):
    """One parsed CSS object per distinct stylesheet text, reused across renders."""
    from weasyprint import CSS
    key = hashlib.sha256(css.encode("utf-8")).hexdigest()
    if key not in _stylesheets:
        _stylesheets[key] = CSS(string=css, base_url=base_dir().as_uri() + "/", url_fetcher=fetcher,
                                font_config=_font_config())
    return _stylesheets[key]


def html_to_pdf(html: str, css: Optional[str] = None, allowed_dirs: Optional[Iterable[Path]] = None,
                fetcher=None) -> bytes:
    """Render report HTML (from template_env templates) to PDF bytes.

    `css` defaults to the base print stylesheet; `allowed_dirs` are the only folders the
    fetcher will read from (default: the base templates). Pass `fetcher` to observe fetches.
    """
    from weasyprint import HTML

    from .fetcher import SafeFetcher
    fetcher = fetcher or SafeFetcher(list(allowed_dirs or [base_dir()]))
    if css is None:
        css = stylesheet_text(template_env())
    document = HTML(string=html, base_url=base_dir().as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[_stylesheet(css, fetcher)], font_config=_font_config(),
                              pdf_variant=PDF_VARIANT, uncompressed_pdf=False)


def render(result: Result, template_dirs=None, framework_root=None, framework=None, fetcher=None,
           comparison=None, plan=None) -> bytes:
    from .html import render_html, report_env
    template_dirs = list(template_dirs or ())
    env = report_env(result, template_dirs, framework_root, framework)
    html = render_html(result, env=env, framework=framework, inline_css=False, comparison=comparison, plan=plan)
    root = framework_root or (framework.root if framework is not None else None)
    allowed = search_path(result.framework["id"], template_dirs, root)
    return html_to_pdf(html, stylesheet_text(env), allowed, fetcher)
