"""Organisation settings: weights and RAG thresholds that override a framework's own.

    # settings.yaml
    rag: {green: 3.8, amber: 2.8}
    scoring: {min_answered_share: 0.6}
    principles:
      clear-accountability: {weight: 2}
    lenses:
      service-director: {weight: 3}

Only scoring settings can change; questions and rules stay the framework's. The framework
hash in the result then covers the settings too, so a report says which were used.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Optional

from pydantic import Field, ValidationError

from . import conditions as cond
from .errors import AssessError, Diagnostic
from .models import Model
from .limits import SETTINGS_FILE_BYTES
from .yamlio import load_yaml


class WeightSetting(Model):
    weight: float = Field(gt=0)


class RagSetting(Model):
    green: Optional[float] = None
    amber: Optional[float] = None


class ScoringSetting(Model):
    min_answered_share: Optional[float] = Field(default=None, ge=0, le=1)


class SettingsFile(Model):
    rag: RagSetting = Field(default_factory=RagSetting)
    scoring: ScoringSetting = Field(default_factory=ScoringSetting)
    principles: dict[str, WeightSetting] = Field(default_factory=dict)
    lenses: dict[str, WeightSetting] = Field(default_factory=dict)


def apply_settings(framework, path: Path):
    """A copy of the framework with the settings file's weights and thresholds."""
    doc = load_yaml(path, limit=SETTINGS_FILE_BYTES)
    try:
        settings = SettingsFile.model_validate(doc.data or {})
    except ValidationError as exc:
        raise AssessError([doc.diag(tuple(e["loc"]), "unknown field" if e["type"] == "extra_forbidden" else e["msg"])
                           for e in exc.errors()]) from None
    problems: list[Diagnostic] = []
    principles = {p.id: p for p in framework.principles}
    lenses = {l.id: l for l in framework.info.lenses}
    for section, known in (("principles", principles), ("lenses", lenses)):
        for key in getattr(settings, section):
            if key not in known:
                problems.append(doc.diag((section, key), f"unknown {section[:-1]} {key!r}{cond.suggest(key, known)}"))
    rag = framework.info.rag.model_copy(update={k: v for k, v in settings.rag.model_dump().items() if v is not None})
    top = len(framework.info.scale)
    if rag.amber > rag.green:
        problems.append(doc.diag(("rag",), "amber threshold must not be above green"))
    if rag.amber <= 1:
        # a gate holds a principle at level 1; that must always read as red
        problems.append(doc.diag(("rag", "amber"), f"must be above 1, so the lowest level is always red (got {rag.amber:g})"))
    if rag.green > top:
        problems.append(doc.diag(("rag", "green"), f"must be at most {top}, the top of the scale, or nothing could be green"))
    if problems:
        raise AssessError(problems)
    scoring = framework.info.scoring.model_copy(
        update={k: v for k, v in settings.scoring.model_dump().items() if v is not None})
    new_lenses = [l.model_copy(update={"weight": settings.lenses[l.id].weight}) if l.id in settings.lenses else l
                  for l in framework.info.lenses]
    info = framework.info.model_copy(update={"rag": rag, "scoring": scoring, "lenses": new_lenses})
    new_principles = [p.model_copy(update={"weight": settings.principles[p.id].weight}) if p.id in settings.principles else p
                      for p in framework.principles]
    digest = hashlib.sha256(framework.hash.encode() + b"\0" + doc.raw).hexdigest()
    return dataclasses.replace(framework, info=info, principles=new_principles, hash=digest)
