"""Keeping right-to-left text and direction controls in what people typed from reordering the report.

In HTML and PDF every user-supplied text is wrapped in <bdi>, which isolates it: an Arabic
service name, or a direction override left open inside a value, affects only that value and
never the sentence around it. Markdown has no isolation that every renderer honours, so there
the explicit direction controls are removed.

The same step gives long unbroken runs (a pasted URL or hash, a word of thousands of letters)
a line-break opportunity every few characters: the PDF renderer's line breaking takes time
that grows with the square of an unbroken word's length.
"""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from ..limits import UNBROKEN_RUN_CHARS

# embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI); LRM and RLM are harmless marks
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class UserText(str):
    """A string someone typed (or framework text with their words filled in), inside generated text."""


_LONG_RUN = re.compile(r"\S{%d,}" % (UNBROKEN_RUN_CHARS + 1))
_WBR = Markup("<wbr>")


def isolate(value: object) -> Markup:
    """Escaped text in a <bdi> element: its own direction, sealed off from the text around it."""
    return Markup("<bdi>%s</bdi>") % breakable(value)


def breakable(value: object) -> Markup:
    """Escaped text with a <wbr> inside every run of more than UNBROKEN_RUN_CHARS non-space
    characters; markup already made (it has tags) is left as it is."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    text = str(value)
    out, last = [], 0
    for m in _LONG_RUN.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(_WBR.join(escape(piece) for piece in _pieces(m.group())))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _pieces(run: str) -> list[str]:
    """`run` cut about every UNBROKEN_RUN_CHARS characters, never before a combining mark or a
    joiner, so an accented letter or an emoji sequence stays whole."""
    pieces, start = [], 0
    while len(run) - start > UNBROKEN_RUN_CHARS:
        cut = start + UNBROKEN_RUN_CHARS
        while cut < len(run) and (unicodedata.category(run[cut])[0] == "M" or run[cut] in "\u200d\ufe0f"
                                  or run[cut - 1] == "\u200d"):
            cut += 1
        pieces.append(run[start:cut])
        start = cut
    if start < len(run):
        pieces.append(run[start:])
    return pieces


def strip_controls(text: str) -> str:
    return DIRECTION_CONTROLS.sub("", text)


class Parts:
    """Generated text made of plain pieces and UserText pieces: str() gives the plain text,
    HTML gets the user pieces isolated."""

    def __init__(self, parts: list[str]):
        self.parts = tuple(parts)

    def __str__(self) -> str:
        return "".join(self.parts)

    def __html__(self) -> str:
        return "".join(isolate(p) if isinstance(p, UserText) else escape(p) for p in self.parts)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __repr__(self) -> str:
        return f"Parts({str(self)!r})"
