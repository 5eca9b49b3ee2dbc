"""The report as one self-contained HTML file (inline CSS and SVG), and the source of the PDF."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..errors import AssessError, Diagnostic
from ..models import Result
from .context import report_context
from .templates import REPORT_TEMPLATE, stylesheet_text, template_env


def report_env(result: Result, template_dirs: Iterable[Path] = (), framework_root: Optional[Path] = None, framework=None):
    root = framework_root or (framework.root if framework is not None else None)
    return template_env(result.framework["id"], template_dirs, root)


def render_html(result: Result, template_dirs: Iterable[Path] = (), framework_root: Optional[Path] = None,
                framework=None, inline_css: bool = True, env=None, comparison=None, plan=None) -> str:
    env = env or report_env(result, template_dirs, framework_root, framework)
    context = report_context(result, framework, comparison=comparison, plan=plan)
    context.update(inline_css=inline_css, css=stylesheet_text(env) if inline_css else "",
                   lens_titles={l.id: l.title for l in result.lenses})
    try:
        return env.get_template(REPORT_TEMPLATE).render(context)
    except Exception as exc:            # a user's or framework's template is input too
        raise template_problem(exc) from None


def template_problem(exc: Exception):
    """A Jinja2 error as a diagnostic naming the template file and line; anything else re-raised."""
    import jinja2
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return AssessError(Diagnostic(exc.filename or exc.name or "", exc.lineno or 0, "", f"template error: {exc.message}"))
    if isinstance(exc, jinja2.TemplateNotFound):
        return AssessError(f"report template not found: {exc.name}")
    if isinstance(exc, jinja2.TemplateError):
        return AssessError(f"report template failed: {exc.message or exc}")
    return exc


def render(result: Result, template_dirs=None, framework_root=None, framework=None, comparison=None, plan=None) -> bytes:
    return render_html(result, template_dirs or (), framework_root, framework,
                       comparison=comparison, plan=plan).encode("utf-8")
