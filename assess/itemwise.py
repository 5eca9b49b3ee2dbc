"""Schema validation item by item: a broken question, principle or rule drops only itself.

The whole file is validated once and every error is reported. Items with errors (a question,
a section, a principle, a lens, a rule) are then removed, and broken fields of the framework
block (its id, title, version, scale or settings) stood in for, and the rest validated again,
so the cross-checks still run on everything else. What was dropped is recorded, so the cross-checks
do not report its absence ("unknown question", "no rule derives it") as further errors.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from pydantic import ValidationError

from .errors import Diagnostic
from .models import SLUG
from .yamlio import Document


@dataclass
class Dropped:
    """Ids named by items that failed validation."""
    questions: set[str] = field(default_factory=set)
    principles: set[str] = field(default_factory=set)   # principles that failed, or that a dropped question informs
    lenses: set[str] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)        # derived by a dropped rule
    used_facts: set[str] = field(default_factory=set)   # looked at by a dropped rule
    unread_rules: bool = False   # a rules file could not be read at all: any fact may have come from it

    def note(self, path: tuple, item: Any) -> None:
        if not isinstance(item, dict):
            return
        ident = item.get("id")
        kind = path[0] if path[0] != "framework" else "lenses"
        if kind == "sections" and len(path) == 2:
            for question in _list(item.get("questions")):
                self.note(path + ("questions", 0), question)
            return
        if not isinstance(ident, str):
            ident = None
        if kind == "sections":
            if ident:
                self.questions.add(ident)
            for inform in _list(item.get("informs")):
                if isinstance(inform, dict) and isinstance(inform.get("principle"), str):
                    self.principles.add(inform["principle"])
        elif kind == "principles" and ident:
            self.principles.add(ident)
        elif kind == "lenses" and ident:
            self.lenses.add(ident)
        elif kind == "rules":
            if isinstance(item.get("derive"), str):
                self.facts.add(item["derive"])
            self.used_facts |= set(fact_refs(item.get("when")))


def _list(value: Any) -> list:
    """A field that should be a list; anything else was already reported and counts as empty."""
    return value if isinstance(value, list) else []


def fact_refs(raw: Any) -> Iterator[str]:
    """The derived facts a raw (unparsed) condition names."""
    if isinstance(raw, dict):
        if isinstance(raw.get("fact"), str):
            yield raw["fact"]
        for value in raw.values():
            yield from fact_refs(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from fact_refs(value)


def questionnaire_item(loc: tuple) -> Optional[tuple]:
    """The droppable item an error in a questionnaire belongs to, or None if the file is unusable."""
    if len(loc) >= 4 and loc[0] == "sections" and isinstance(loc[1], int) and loc[2] == "questions" and isinstance(loc[3], int):
        return loc[:4]
    if len(loc) >= 2 and loc[0] in ("sections", "principles") and isinstance(loc[1], int):
        return loc[:2]
    if len(loc) >= 3 and loc[:2] == ("framework", "lenses") and isinstance(loc[2], int):
        return loc[:3]
    if len(loc) >= 2 and loc[0] == "framework" and loc[1] in STAND_INS:
        return loc[:2]
    return None


# What a broken framework-block field is replaced by while the rest is checked; None: its default.
# Nothing stood in for is ever used beyond the checks: the file has an error, so it does not load.
# The scale stood in has the most levels a scale may have, so no level or cap is judged against
# a guess (every level and cap is at most that by the models' own bounds).
STAND_INS: dict[str, Any] = {
    "id": "the file's name", "title": "(unreadable)", "version": "0.0.0", "description": None,
    "scale": [{"level": i, "name": f"Level {i}"} for i in range(1, 10)],
    "rag": None, "scoring": None, "terms": None,
}


def _stand_in(data: dict, name: str, file: str) -> None:
    if name == "id":   # the file name, so "must match the file name" is not said twice
        stem = Path(file).stem
        data[name] = stem if re.match(SLUG, stem) else "unreadable"
    elif STAND_INS[name] is None:
        data.pop(name, None)
    else:
        data[name] = copy.deepcopy(STAND_INS[name])


def rules_item(loc: tuple) -> Optional[tuple]:
    return loc[:2] if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) else None


class Renumbered:
    """A Document seen through the removal of some list items: paths in the validated model
    (where later items moved up) are turned back into paths in the file."""

    def __init__(self, doc: Document, kept: dict[tuple, list[int]]):
        self.doc, self.file, self.data, self._kept = doc, doc.file, doc.data, kept

    def original(self, path: tuple) -> tuple:
        out: list = []
        for part in path:
            key = tuple(out)
            if isinstance(part, int) and key in self._kept and part < len(self._kept[key]):
                part = self._kept[key][part]
            out.append(part)
        return tuple(out)

    def line(self, path: tuple) -> int:
        return self.doc.line(self.original(path))

    def diag(self, path: tuple, message: str) -> Diagnostic:
        return self.doc.diag(self.original(path), message)


def validate_items(doc: Document, model, item_of: Callable[[tuple], Optional[tuple]], problems: list[Diagnostic],
                   dropped: Dropped):
    """(validated model or None, a Document-like view whose paths match the model)."""
    data = doc.data if doc.data is not None else {}
    try:
        return model.model_validate(data), doc
    except ValidationError as exc:
        errors = exc.errors()
    items: set[tuple] = set()
    usable = True
    for err in errors:
        loc = tuple(err["loc"])
        problems.append(doc.diag(loc, _message(err, loc)))
        item = item_of(loc)
        if item is None:
            usable = False
        else:
            items.add(item)
    if not usable:
        if item_of is rules_item:
            dropped.unread_rules = True
        return None, doc
    data = copy.deepcopy(data)
    _drop_emptied_sections(data, items)
    kept: dict[tuple, list[int]] = {}
    for item in sorted(items, key=lambda p: (len(p), p), reverse=True):
        parent = _at(data, item[:-1])
        if len(item) == 2 and item[0] == "framework":   # a field, not a list item: nothing moves up
            _stand_in(parent, item[-1], doc.file)
            continue
        dropped.note(item, parent[item[-1]])
        kept.setdefault(item[:-1], list(range(len(parent))))
        del parent[item[-1]]
        kept[item[:-1]].remove(item[-1])
    try:
        return model.model_validate(data), Renumbered(doc, kept)
    except ValidationError:   # e.g. no rule left in the file: nothing of it is usable
        if item_of is rules_item:
            dropped.unread_rules = True
        return None, doc


def _drop_emptied_sections(data: Any, items: set[tuple]) -> None:
    """A section all of whose questions are dropped is dropped as a whole."""
    for si, section in enumerate(data.get("sections") or [] if isinstance(data, dict) else []):
        questions = section.get("questions") if isinstance(section, dict) else None
        if isinstance(questions, list) and questions and all(("sections", si, "questions", qi) in items for qi in range(len(questions))):
            items.difference_update({("sections", si, "questions", qi) for qi in range(len(questions))})
            items.add(("sections", si))


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


_PLAIN = {"model_type": "must be a mapping of fields", "dict_type": "must be a mapping", "list_type": "must be a list",
          "string_type": "must be text", "bool_type": "must be true or false", "int_type": "must be a whole number",
          "float_type": "must be a number", "int_from_float": "must be a whole number"}


def _message(err: dict, loc: tuple) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown field {loc[-1]!r}"
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] in _PLAIN:
        return _PLAIN[err["type"]]
    return err["msg"].removeprefix("Value error, ")
