"""PDF from the report HTML with WeasyPrint: tagged PDF/UA-1, safe fetching, reused styles.

WeasyPrint is imported inside these functions only (it costs about half a second). The
parsed stylesheet and the font configuration are kept between renders in one process.
Relative URLs resolve against the folder each file came from (the report template's for the
HTML, the stylesheet's for the CSS), so a --template-dir folder serves its own logo; every
fetch goes through the safe fetcher, and each refusal is passed to `warn`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..models import Result
from .assets import Warn, folder_url, refusal_message
from .templates import REPORT_TEMPLATE, STYLESHEET, base_dir, search_path, stylesheet_text, template_env, template_folder

PDF_VARIANT = "pdf/ua-1"
_fonts = None
_stylesheets: dict[tuple, object] = {}


def font_config():
    global _fonts
    if _fonts is None:
        from weasyprint.text.fonts import FontConfiguration
        _fonts = FontConfiguration()
    return _fonts


def stylesheet(css: str, base_url: str, fetcher):
    """One parsed CSS object per stylesheet text, folder and set of allowed folders, reused across
    renders: the same text elsewhere resolves its url()s elsewhere, or may not be allowed them."""
    from weasyprint import CSS
    key = (css, base_url, tuple(str(d) for d in fetcher.allowed))
    if key not in _stylesheets:
        _stylesheets[key] = CSS(string=css, base_url=base_url, url_fetcher=fetcher, font_config=font_config())
    return _stylesheets[key]


def html_to_pdf(html: str, css: Optional[str] = None, allowed_dirs: Optional[Iterable[Path]] = None,
                fetcher=None, html_base: Optional[Path] = None, css_base: Optional[Path] = None,
                warn: Optional[Warn] = None) -> bytes:
    """Render report HTML (from template_env templates) to PDF bytes.

    `css` defaults to the base print stylesheet; `allowed_dirs` are the only folders the
    fetcher will read from (default: the base templates); `html_base` and `css_base` are the
    folders relative URLs start from (default: the base templates). Pass `fetcher` to observe
    fetches, `warn` to hear about refused ones.
    """
    from weasyprint import HTML

    from .fetcher import SafeFetcher
    fetcher = fetcher or SafeFetcher(list(allowed_dirs or [base_dir()]))
    if css is None:
        css = stylesheet_text(template_env())
    document = HTML(string=html, base_url=folder_url(html_base or base_dir()), url_fetcher=fetcher)
    data = document.write_pdf(stylesheets=[stylesheet(css, folder_url(css_base or base_dir()), fetcher)],
                              font_config=font_config(), pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    if warn is not None:
        for url in dict.fromkeys(fetcher.refused):
            warn(refusal_message(url, fetcher.reasons.get(url, "refused")))
    return data


def render(result: Result, template_dirs=None, framework_root=None, framework=None, fetcher=None,
           comparison=None, plan=None, warn: Optional[Warn] = None, template: str = REPORT_TEMPLATE,
           extra: Optional[dict] = None, tracked=None) -> bytes:
    from .html import render_html, report_env
    template_dirs = list(template_dirs or ())
    env = report_env(result, template_dirs, framework_root, framework)
    html = render_html(result, env=env, framework=framework, inline_css=False, comparison=comparison, plan=plan,
                       template=template, extra=extra, tracked=tracked)
    root = framework_root or (framework.root if framework is not None else None)
    allowed = search_path(result.framework["id"], template_dirs, root)
    return html_to_pdf(html, stylesheet_text(env), allowed, fetcher, html_base=template_folder(env, template),
                       css_base=template_folder(env, STYLESHEET), warn=warn)
