"""Load -> evaluate -> score, as one call, plus the Result's canonical JSON."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional

from .answers import Assessment, load_answers
from .engine import Effects, engine, evaluate_reference
from .models import Result
from .scoring import score

EngineKind = Literal["durable", "reference"]


def effects_of(assessment: Assessment, kind: EngineKind = "durable") -> Effects:
    facts = assessment.facts()
    if kind == "reference":
        return evaluate_reference(assessment.framework, facts)
    return engine().evaluate(assessment.framework, facts)


def evaluate(assessment: Assessment, kind: EngineKind = "durable") -> Result:
    """The engine's proposal, with the panel's recorded decisions beside it (a differing one needs a reason)."""
    from .decisions import apply_decisions
    return apply_decisions(score(assessment, effects_of(assessment, kind)), assessment)


def load_assessment(path: Path | str, frameworks_dirs: Optional[list[Path]] = None,
                    settings: Optional[Path] = None) -> Assessment:
    """An answers file checked against its framework, with an organisation's settings applied."""
    assessment = load_answers(path, frameworks_dirs)
    if settings is not None:
        from .settings import apply_settings
        assessment.framework = apply_settings(assessment.framework, settings)
    return assessment


def evaluate_file(path: Path | str, frameworks_dirs: Optional[list[Path]] = None, kind: EngineKind = "durable",
                  settings: Optional[Path] = None) -> Result:
    return evaluate(load_assessment(path, frameworks_dirs, settings), kind)


def result_json(result: Result) -> str:
    """Canonical JSON: sorted keys, fixed indentation, so equal results are equal bytes."""
    return json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
