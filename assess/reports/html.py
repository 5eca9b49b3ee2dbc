"""The report as one self-contained HTML file (inline CSS, SVG and template assets), and the
source of the PDF."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..errors import AssessError, Diagnostic
from ..models import Result
from .assets import AssetFolders, Warn, folder_url, inline_css_assets, inline_html_assets
from .context import report_context
from .templates import REPORT_TEMPLATE, STYLESHEET, search_path, stylesheet_text, template_env, template_folder


def report_env(result: Result, template_dirs: Iterable[Path] = (), framework_root: Optional[Path] = None, framework=None):
    return template_env(result.framework["id"], template_dirs, _root(framework_root, framework))


def _root(framework_root: Optional[Path], framework) -> Optional[Path]:
    return framework_root or (framework.root if framework is not None else None)


def render_html(result: Result, template_dirs: Iterable[Path] = (), framework_root: Optional[Path] = None,
                framework=None, inline_css: bool = True, env=None, comparison=None, plan=None,
                warn: Optional[Warn] = None, template: str = REPORT_TEMPLATE, extra: Optional[dict] = None,
                tracked=None) -> str:
    """With `inline_css` (the HTML file), the stylesheet and every template asset are inlined,
    so the file needs nothing beside it; without it (the PDF's source), URLs stay for the fetcher.
    `template` and `extra` render another document (the brief) from the same context."""
    template_dirs = list(template_dirs)
    env = env or report_env(result, template_dirs, framework_root, framework)
    context = report_context(result, framework, comparison=comparison, plan=plan, tracked=tracked)
    css = ""
    folders = None
    if inline_css:
        folders = AssetFolders(search_path(result.framework["id"], template_dirs, _root(framework_root, framework)))
        css = inline_css_assets(stylesheet_text(env), folder_url(template_folder(env, STYLESHEET)), folders, warn)
    context.update(inline_css=inline_css, css=css, lens_titles={l.id: l.title for l in result.lenses}, **(extra or {}))
    html = render_template(env, template, context)
    if folders is not None:
        html = inline_html_assets(html, folder_url(template_folder(env, template)), folders, warn)
    return html


def render_template(env, name: str, context: dict) -> str:
    """A template rendered within the sandbox's bounds; whatever goes wrong in it is reported as
    its file and line (a user's or framework's template is input too)."""
    from .sandbox import render_bounded
    try:
        return render_bounded(env.get_template(name), context)
    except Exception as exc:
        raise template_problem(exc) from None


def template_problem(exc: BaseException) -> AssessError:
    """A failed render as one diagnostic naming the template file and line."""
    import jinja2
    from jinja2.sandbox import SecurityError
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return AssessError(Diagnostic(exc.filename or exc.name or "", exc.lineno or 0, "", f"template error: {exc.message}"))
    file, line = template_location(exc)
    if isinstance(exc, jinja2.TemplateNotFound):
        return AssessError(Diagnostic(file, line, "", f"report template not found: {exc.name}"))
    if isinstance(exc, SecurityError):
        message = f"report template refused: it reaches beyond the report ({exc})"
    elif isinstance(exc, RecursionError):
        message = "report template refused: it calls or uses itself without end"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"report template failed: {exc.message or exc}"
    else:
        message = f"report template failed: {type(exc).__name__}: {exc}"
    return AssessError(Diagnostic(file, line, "", " ".join(message.split())))


def template_location(exc: BaseException) -> tuple[str, int]:
    """The innermost template line in a traceback: Jinja2 rewrites its frames to point at the
    template file and line, and marks them with __jinja_exception__."""
    file, line = "", 0
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            file, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return file, line


def render(result: Result, template_dirs=None, framework_root=None, framework=None, comparison=None, plan=None,
           warn: Optional[Warn] = None, tracked=None) -> bytes:
    return render_html(result, template_dirs or (), framework_root, framework,
                       comparison=comparison, plan=plan, warn=warn, tracked=tracked).encode("utf-8")
