"""JSON Schemas of the file kinds, so YAML editors can validate as users type."""
from __future__ import annotations

from .models import AnswersFileModel, QuestionnaireFile, Result, RulesFile

MODELS = {"result": Result, "answers": AnswersFileModel, "framework": QuestionnaireFile, "rules": RulesFile}


def json_schema(kind: str) -> dict:
    schema = MODELS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
