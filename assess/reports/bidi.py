"""Keeping right-to-left text and direction controls in what people typed from reordering the report.

In HTML and PDF every user-supplied text is wrapped in <bdi>, which isolates it: an Arabic
service name, or a direction override left open inside a value, affects only that value and
never the sentence around it. Markdown has no isolation that every renderer honours, so there
the explicit direction controls are removed.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

# embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI); LRM and RLM are harmless marks
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class UserText(str):
    """A string someone typed (or framework text with their words filled in), inside generated text."""


def isolate(value: object) -> Markup:
    """Escaped text in a <bdi> element: its own direction, sealed off from the text around it."""
    return Markup("<bdi>%s</bdi>") % escape(value)


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
