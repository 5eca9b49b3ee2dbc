"""JSON Schemas of the file kinds, so YAML editors can validate as users type.

`answers` on its own describes any answers file. Given a framework, it names every question,
so an editor flags a misspelt question id, an option the question does not have, a number
out of range, or n/a where the question does not allow it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from .errors import AssessError
from .models import AnswersFileModel, DecisionsFile, Question, QuestionnaireFile, Result, RulesFile

MODELS = {"result": Result, "answers": AnswersFileModel, "framework": QuestionnaireFile, "rules": RulesFile,
          "decisions": DecisionsFile}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NUMBER_TEXT = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
YES_NO_TEXT = r"^([Yy]([Ee][Ss])?|[Nn][Oo]?|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"
BLANK = [{"type": "null"}, {"const": ""}, {"type": "array", "maxItems": 0}]   # read as "not answered yet"


def json_schema(kind: str, framework_id: Optional[str] = None, frameworks_dirs: Optional[list[Path]] = None) -> dict:
    if framework_id is not None:
        if kind != "answers":
            raise AssessError(f"--framework applies to `assess schema answers` only, not {kind}")
        from .frameworks import find_framework
        return answers_schema(find_framework(framework_id, frameworks_dirs))
    schema = MODELS[kind].model_json_schema()
    schema["$schema"] = DRAFT
    return schema


def answers_schema(framework) -> dict:
    """The answers-file schema with one property per question of this framework."""
    from .answers import MAX_TEXT, NA_KEY
    schema = json_schema("answers")
    schema["title"] = f"Answers for {framework.info.title} {framework.version}"
    schema["$defs"]["AssessmentMeta"]["properties"]["framework"] = {"const": framework.id, "title": "Framework"}
    questions = framework.questions.values()
    na = {"type": "object", "properties": {NA_KEY: {"type": "string", "minLength": 1, "description": "why it does not apply"}},
          "required": [NA_KEY], "additionalProperties": False}
    schema["properties"]["answers"] = {
        "type": "object", "additionalProperties": False, "description": "question id -> answer",
        "properties": {q.id: {"description": _describe(q), "anyOf": [_value(q, MAX_TEXT)] + ([na] if q.allow_na else []) + BLANK}
                       for q in questions}}
    evidence = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    schema["properties"]["evidence"] = {"type": "object", "additionalProperties": False, "description": "question id -> text or links",
                                        "properties": {q.id: {**evidence, "description": q.evidence_prompt or q.text} for q in questions}}
    schema["properties"]["notes"] = {"type": "object", "additionalProperties": False, "description": "question id -> free text",
                                     "properties": {q.id: {"type": "string", "description": q.text} for q in questions}}
    return schema


def _describe(q: Question) -> str:
    parts = [q.text]
    if q.options:
        parts.append("; ".join(f"{o.id}: {o.label}" for o in q.options))
    if q.help:
        parts.append(q.help)
    return "\n".join(parts)


def _value(q: Question, max_text: int) -> dict:
    ids = [o.id for o in q.options]
    if q.type == "single":
        return {"enum": ids}
    if q.type == "multi":
        return {"anyOf": [{"type": "array", "items": {"enum": ids}, "uniqueItems": True}, {"enum": ids}]}
    if q.type == "yesno":
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": YES_NO_TEXT}]}
    if q.type in ("scale", "number"):
        number: dict = {"type": "integer" if q.type == "scale" or q.whole_number else "number"}
        for key, bound in (("minimum", q.min), ("maximum", q.max)):
            if bound is not None:
                number[key] = int(bound) if bound == int(bound) else bound
        return {"anyOf": [number, {"type": "string", "pattern": NUMBER_TEXT}]}
    if q.type == "date":
        return {"type": "string", "format": "date", "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$"}
    return {"anyOf": [{"type": "string", "maxLength": max_text}, {"type": "number"}]}
