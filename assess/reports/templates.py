"""The Jinja2 environment every report format shares.

Templates are looked up, first match wins, in: the folders a user passes (--template-dir),
report_templates/<framework-id>/ in the framework's own root, the same in the built-in root,
then the base templates in report_templates/. A framework overrides blocks by shipping
report_templates/<id>/report.html.j2 that extends "base.html.j2". Every template, built in or
not, renders in the sandbox of sandbox.py: it sees the report and nothing else.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from ..frameworks import builtin_root

REPORT_TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


def base_dir() -> Path:
    return builtin_root() / "report_templates"


def search_path(framework_id: Optional[str] = None, template_dirs: Iterable[Path] = (),
                framework_root: Optional[Path] = None) -> list[Path]:
    """Template folders in lookup order; missing framework folders are simply skipped."""
    dirs = [Path(d) for d in template_dirs]
    if framework_id:
        roots = [Path(framework_root)] if framework_root else []
        roots.append(builtin_root())
        for root in roots:
            own = root / "report_templates" / framework_id
            if own.is_dir() and own.resolve() not in [d.resolve() for d in dirs]:
                dirs.append(own)
    dirs.append(base_dir())
    return dirs


def template_env(framework_id: Optional[str] = None, template_dirs: Iterable[Path] = (),
                 framework_root: Optional[Path] = None):
    """A sandboxed Jinja2 environment (sandbox.py) with autoescape and StrictUndefined over the
    report templates."""
    return _env(tuple(str(d) for d in search_path(framework_id, template_dirs, framework_root)))


@lru_cache(maxsize=16)
def _env(dirs: tuple[str, ...]):
    import jinja2

    from . import filters
    from .bidi import isolate
    from .context import because_label
    from .sandbox import sandboxed_environment
    from .since import change_text, delta_text, driver_label, movement_word
    env = sandboxed_environment(
        dirs,
        autoescape=True,                 # every template is HTML; .md and .csv are built in Python
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(filters.FILTERS, user=isolate)
    env.globals.update(level_text=filters.level_text, because_label=because_label, change_text=change_text,
                       delta_text=delta_text, driver_label=driver_label, movement_word=movement_word,
                       binding_caps=filters.binding_caps, quiet_caps=filters.quiet_caps, status_note=filters.status_note)
    return env


def stylesheet_text(env, name: str = STYLESHEET) -> str:
    """The print CSS as the loader finds it, so a framework or user folder may replace it."""
    return _source(env, name)[0]


def template_folder(env, name: str) -> Path:
    """The folder the loader takes `name` from: relative URLs in that file start there."""
    filename = _source(env, name)[1]
    return Path(filename).parent if filename else base_dir()


def _source(env, name: str):
    """A file as the loader finds it; one it refuses (too large, not a regular file) is bad input."""
    import jinja2

    from ..errors import AssessError
    try:
        return env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise AssessError(f"report template not found: {name}") from None
    except jinja2.TemplateError as exc:
        raise AssessError(str(exc)) from None
