"""Placeholders in framework text: `{answer:<question id>}` and `{meta:<field>}`.

Only finding texts (title, rationale, recommendation, owner) are filled in; every other
text prints as written. Anything in braces that looks like a placeholder but is not a valid
one is refused at load time, because it would otherwise reach a report literally.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

PLACEHOLDER = re.compile(r"\{(answer|meta):([^{}\s]*)\}")
META_PLACEHOLDERS = ("service", "organisation", "scope", "phase", "respondent", "kind", "date")
FINDING_TEXTS = ("title", "rationale", "recommendation", "owner")

_BRACED = re.compile(r"\{[^{}]*\}?")
_UNCLOSED = re.compile(r"\{\s*[^\s{}]*")
_KIND_WORD = re.compile(r"^\s*([A-Za-z_]+)\s*(?::\s*(.*?)\s*)?\}?$", re.S)


@dataclass(frozen=True)
class TextSite:
    """One text field of a framework: where it is, whose it is, and whether placeholders in it are filled."""
    file: str
    line: int
    field: str        # dotted path, e.g. sections[1].questions[0].help
    subject: str      # the id of the question, rule, principle ... it belongs to
    text: str
    filled: bool


def references(text: str) -> list[tuple[str, str]]:
    """The valid-looking placeholders in a text, as (kind, ref)."""
    return PLACEHOLDER.findall(text)


def malformed(text: str, names: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """Braced snippets that look like a placeholder but are not one, each with a suggested fix ('' if none).

    "Looks like" means: it has a colon, starts with a word like answer or meta, or names a
    question id or metadata field (`{service}`)."""
    known = set(names) | set(META_PLACEHOLDERS)
    for match in _BRACED.finditer(text):
        snippet = match.group()
        if PLACEHOLDER.fullmatch(snippet):
            continue
        if not snippet.endswith("}"):   # never closed: the suspect part runs to the next space
            snippet = _UNCLOSED.match(snippet).group()
        inner = snippet[1:].removesuffix("}")
        word = _KIND_WORD.match(inner)
        head = word.group(1).lower() if word else ""
        looks = ":" in inner or head.rstrip("s") in ("answer", "meta") or inner.strip() in known
        if not looks:
            continue
        yield snippet, _fix(snippet, word, known)


def _fix(snippet: str, word, known: set[str]) -> str:
    if word is None:
        return ""
    head, ref = word.group(1).lower(), (word.group(2) or "").strip()
    if not snippet.endswith("}") and head.rstrip("s") in ("answer", "meta"):
        return f"{{{head.rstrip('s')}:{ref}}}" if ref else ""
    if head.rstrip("s") in ("answer", "meta") and ref and " " not in ref:
        return f"{{{head.rstrip('s')}:{ref}}}"
    if not ref and word.group(1) in known:
        name = word.group(1)
        return f"{{meta:{name}}}" if name in META_PLACEHOLDERS else f"{{answer:{name}}}"
    return ""


def describe_malformed(snippet: str, fix: str) -> str:
    hint = f"; write {fix}" if fix else "; placeholders are {answer:<question id>} and {meta:<field>}, with no spaces"
    return f"{snippet!r} looks like a placeholder but is not one{hint}"
