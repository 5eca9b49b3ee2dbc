"""How value types read in --help.

Typer shows every parameter's Python type: `<bool>` beside flags that take no value at all,
and `<list[Path]>` beside an option that may repeat. Here a flag shows no type and a
repeatable value shows the type of one value (its help already says "may repeat")."""
from __future__ import annotations

import re

_LIST = re.compile(r"<list\[(.+)\]>")


def plain_type_display() -> None:
    from typer import core
    parameter = getattr(core, "_TyperParameter", None)
    if parameter is None or getattr(parameter.display_type, "plain", False):
        return              # another Typer, or already done
    shown = parameter.display_type

    def display_type(self, ctx):
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        text = shown(self, ctx)
        match = _LIST.fullmatch(text or "")
        if match:
            one = match.group(1)
            return f"<{one.lower() if one.isidentifier() else one}>"
        return text
    display_type.plain = True
    parameter.display_type = display_type
