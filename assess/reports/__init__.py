"""Report formats. `render(result, fmt)` is the one entry point; FORMATS is the explicit registry.

Each format module renders a Result to bytes; PDF is made from the HTML. Nothing registers
itself on import, and WeasyPrint loads only when a PDF is rendered.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

from ..models import Result
from . import csv, html, markdown, pdf


def _json(result: Result, template_dirs=None, framework_root=None, framework=None, comparison=None, plan=None,
          warn=None, tracked=None) -> bytes:
    """The Result itself: an earlier assessment and a plan do not change it."""
    from ..pipeline import result_json
    return result_json(result).encode("utf-8")


Renderer = Callable[..., bytes]
FORMATS: dict[str, Renderer] = {
    "pdf": pdf.render,
    "html": html.render,
    "md": markdown.render,
    "csv": csv.render,
    "json": _json,
}
PLANNED_FORMATS = ("pdf", "html", "md")     # the formats that show the next-level plan
EXTENSIONS = {"pdf": ".pdf", "html": ".html", "md": ".md", "csv": ".csv", "json": ".json"}


def render(result: Result, fmt: str, template_dirs: Optional[Iterable[Path]] = None,
           framework_root: Optional[Path] = None, framework=None, comparison=None, plan=None,
           warn: Optional[Callable[[str], None]] = None, tracked=None) -> bytes:
    """`comparison` (compare_results(earlier, result)) adds "Since last time"; `plan`
    (actions.next_level_plan) adds the changes that reach each next level; `tracked`
    (assess.actions.tracked_actions) gives the action plan its ids and due dates; `warn` hears
    of template assets that could not be loaded (PDF and HTML)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return FORMATS[fmt](result, template_dirs=list(template_dirs or ()), framework_root=framework_root,
                        framework=framework, comparison=comparison, plan=plan, warn=warn, tracked=tracked)


# other spellings a file name may use for a format
ALSO = {".htm": "html", ".markdown": "md"}


def format_for(path: Path) -> Optional[str]:
    """The format a file name asks for, by its extension; None when it names none."""
    suffix = path.suffix.lower()
    return next((fmt for fmt, ext in EXTENSIONS.items() if ext == suffix), ALSO.get(suffix))
