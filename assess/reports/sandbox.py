"""The walls around a report template: it sees the report and nothing else.

A template may come from a framework folder or a --template-dir, so it is input like an
answers file. Every template, the project's own included, is rendered in Jinja2's immutable
sandbox: no attribute starting with "_" (the usual route from a string to Python's classes
and on to a shell), no method that changes a list or dict, and, on top of what the sandbox
forbids, none of the methods and values of the report's objects that reach beyond the
report (pydantic's file and schema helpers, paths, classes, modules). Bounds keep a template
from hanging or exhausting the machine: template files are small regular files inside their
folder, extends/include/import nest at most MAX_DEPTH deep, a report is at most MAX_OUTPUT
characters made in at most MAX_SECONDS, and a string or list cannot be multiplied (or a
number raised) past a limit.
Anything refused is a jinja2 error, which the renderer reports as the template's file and line.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import stat
import sys
import types
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from ..deadline import time_limit

MAX_TEMPLATE_BYTES = 1_000_000       # the largest built-in template is about 25 kB
MAX_DEPTH = 20                       # templates extending, including or importing one another
MAX_OUTPUT = 50_000_000              # characters of rendered HTML
MAX_SECONDS = 60                     # to render the templates; a built-in report takes well under one
MAX_SEQUENCE = 1_000_000             # items of a string or list made by `*`
MAX_POWER_BITS = 4096                # size of a number made by `**`

# values whose methods a template may call: plain data and Jinja2's own helpers (the sandbox
# still refuses the methods of these that change a list, dict or set)
_PLAIN = (str, int, float, bool, type(None), dict, list, tuple, set, frozenset, dt.date, dt.datetime,
          Markup, LoopContext, Namespace, Cycler, Joiner, Macro)
_NEVER = (type, types.ModuleType, PurePath, types.CodeType, types.FrameType, types.TracebackType)


class TemplateFolderLoader(jinja2.FileSystemLoader):
    """Templates from one folder: regular files only, inside the folder after symlinks, and
    no larger than MAX_TEMPLATE_BYTES, read as UTF-8."""

    def __init__(self, folder: str):
        super().__init__(folder)
        self.folder = Path(folder).resolve()

    def get_source(self, environment, template):
        # checked before Jinja2 reads the file, so a huge file or a pipe is never opened
        candidate = os.path.join(self.searchpath[0], *split_template_path(template))
        try:
            info = os.stat(candidate)
        except OSError:
            info = None                  # not in this folder: the loader says so
        if info is not None:
            if not Path(candidate).resolve().is_relative_to(self.folder):
                raise jinja2.TemplateError(f"report template {candidate} leads outside its folder {self.folder}; "
                                           "copy the file into the folder instead of linking to it")
            if not stat.S_ISREG(info.st_mode):
                raise jinja2.TemplateError(f"report template {candidate} is not a regular file")
            if info.st_size > MAX_TEMPLATE_BYTES:
                raise jinja2.TemplateError(f"report template {candidate} is {info.st_size:,} bytes; "
                                           f"a template may be at most {MAX_TEMPLATE_BYTES:,}")
        return super().get_source(environment, template)


# methods and filters that pad or wrap text to a width, and format strings that give one: a
# huge width is a huge string
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_FORMAT_METHODS = frozenset({"format", "format_map"})
PADDING_FILTERS = ("center", "indent", "wordwrap", "truncate")
_FORMAT_WIDTH = re.compile(r"%[-#0 +]*\d*\.?\d{7,}|\{[^{}]*:[^{}]*?\d{7,}")   # %9999999d, {:>9999999}


def _refuse(what: str) -> SecurityError:
    return SecurityError(f"a width of more than {MAX_SEQUENCE:,} characters is not made in a template ({what})")


def _check_widths(args, kwargs, what: str) -> None:
    if any(isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_SEQUENCE for a in (*args, *kwargs.values())):
        raise _refuse(what)


def _check_format(text: str) -> None:
    if _FORMAT_WIDTH.search(text):
        raise _refuse("format")


def bounded_filter(name: str, function):
    """A built-in filter that refuses a width past MAX_SEQUENCE (Jinja2's markers copied along)."""
    @functools.wraps(function)
    def bounded(*args, **kwargs):
        _check_widths(args, kwargs, name)
        return function(*args, **kwargs)
    return bounded


def bounded_format(function):
    @functools.wraps(function)
    def bounded(value, *args, **kwargs):
        _check_format(str(value))
        return function(value, *args, **kwargs)
    return bounded


class ReportSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple, bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # the verdict depends only on these types and the function a method runs: worked out once each
        key = (type(obj), attr, type(value), getattr(value, "__func__", None))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._judge(obj, attr, value)
        return verdict

    def _judge(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, _NEVER) or isinstance(value, _NEVER):
            return False
        if callable(value) and not isinstance(obj, _PLAIN):
            # a method of the report's own objects, never one pydantic adds (parse_file, schema, ...)
            function = getattr(value, "__func__", value)
            module = getattr(function, "__module__", "") or ""
            return module.startswith("assess.") and not hasattr(_pydantic_base(), attr)
        return True

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja2's own signature)
        method = getattr(__obj, "__wrapped__", __obj)       # str.format comes wrapped by the sandbox
        if isinstance(getattr(method, "__self__", None), str):
            name = getattr(method, "__name__", "")
            if name in _PADDING_METHODS:
                _check_widths(args, kwargs, name)
            elif name in _FORMAT_METHODS:
                _check_format(method.__self__)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            if isinstance(left, str):
                _check_format(left)
            return super().call_binop(context, operator, left, right)
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_SEQUENCE:
                    raise SecurityError(f"a sequence of more than {MAX_SEQUENCE:,} items is not made in a template")
            return left * right
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0 \
                and right * math.log2(abs(left)) > MAX_POWER_BITS:
            raise SecurityError(f"a number larger than {MAX_POWER_BITS} bits is not made in a template")
        return super().call_binop(context, operator, left, right)

    def get_template(self, name, parent=None, globals=None):
        if _template_depth(self) >= MAX_DEPTH:
            raise jinja2.TemplateRuntimeError(f"templates extend, include or import one another more than "
                                              f"{MAX_DEPTH} deep (at {name!r}); does a template use itself?")
        return super().get_template(name, parent, globals)


def _pydantic_base():
    from pydantic import BaseModel
    return BaseModel


def _template_depth(env) -> int:
    """How many templates are being rendered inside one another right now: each one's body runs
    as a function named `root` in the module Jinja2 compiled for this environment."""
    depth = 0
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "root" and frame.f_globals.get("environment") is env:
            depth += 1
        frame = frame.f_back
    return depth


def sandboxed_environment(folders: tuple[str, ...], **options) -> ReportSandbox:
    env = ReportSandbox(loader=jinja2.ChoiceLoader([TemplateFolderLoader(d) for d in folders]), **options)
    # templates see the report and the project's helpers; lipsum, cycler and joiner are not needed
    for name in ("lipsum", "cycler", "joiner"):
        env.globals.pop(name, None)
    env.filters.update({name: bounded_filter(name, env.filters[name]) for name in PADDING_FILTERS},
                       format=bounded_format(env.filters["format"]))
    return env


def render_bounded(template, context: dict[str, Any]) -> str:
    """Render, stopping once the output passes MAX_OUTPUT characters or the render takes
    longer than MAX_SECONDS (a loop inside a loop may print nothing and still never end)."""
    def too_long() -> Exception:
        return jinja2.TemplateRuntimeError(f"the report took longer than {MAX_SECONDS} seconds to render; "
                                           "does a template loop without end?")
    parts, size = [], 0
    with time_limit(MAX_SECONDS, too_long):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise jinja2.TemplateRuntimeError(f"{template.filename or template.name}: the report passed "
                                                  f"{MAX_OUTPUT:,} characters; does a template loop without end?")
            parts.append(chunk)
    return "".join(parts)
