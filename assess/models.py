"""Pydantic models: framework content, the answers file, findings and the result.

Conditions (`when`, `show_if`, `applies_if`) stay raw here; conditions.py parses and
checks them against the framework, because those checks need every question at hand.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator, model_validator

from .limits import META_ID_CHARS, META_TEXT_CHARS
from .vocabulary import META_VALUES  # noqa: F401  (re-exported: the values live in a light module)

ID = r"^[a-z][a-z0-9_]*$"           # question, option and derived-fact ids
SLUG = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"  # framework, principle, lens, section and rule ids

QuestionType = Literal["single", "multi", "yesno", "scale", "number", "text", "date"]
Severity = Literal["high", "medium", "low", "info"]
FindingKind = Literal["risk", "strength"]
Rag = Literal["green", "amber", "red"]
Scope = Literal["part", "whole"]
Phase = Literal["discovery", "alpha", "beta", "live", "retiring"]
Kind = Literal["self", "assessor"]

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


class Model(BaseModel):
    # NaN and infinity are never meaningful in content or answers metadata
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False, defer_build=True)


def _empty_list() -> list:
    """The default of a list field. Pydantic reads a default factory's signature; for the
    built-in `list` that means parsing its text signature, which compiles the tokenizer's
    patterns first (a few milliseconds on every command that validates)."""
    return []


# ---------------------------------------------------------------- framework content

class ScaleLevel(Model):
    level: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    description: str = ""


class Lens(Model):
    id: str = Field(pattern=SLUG)
    title: str
    description: str = ""
    weight: float = Field(default=1.0, gt=0)
    applies_if: Any = None


class RagThresholds(Model):
    """A principle is green at or above `green`, amber at or above `amber`, else red."""
    green: float = 3.5
    amber: float = 2.5
    labels: dict[Rag, str] = Field(default_factory=lambda: {"green": "Green", "amber": "Amber", "red": "Red"})

    @model_validator(mode="after")
    def _ordered(self) -> "RagThresholds":
        if self.amber > self.green:
            raise ValueError("amber threshold must not be above green")
        return self


class ScoringSettings(Model):
    min_answered_share: float = Field(default=0.5, ge=0, le=1,
                                      description="share of a principle's applicable question weight that must be answered")
    overall: Literal["weighted", "worst"] = "weighted"
    worst_of_rated: bool = Field(
        default=False, description="with overall 'worst': the overall is the worst principle the tool could rate, "
                                   "even while others are unrated (they are listed), as a panel decides on what it heard")
    red_points_for_red_overall: int = Field(
        default=1, ge=1, description="with overall 'worst': how many red principles make the overall red; with fewer, "
                                     "and none held red by a gate (a cap at level 1), the overall is amber")
    gates_for_red_overall_in: Optional[list[Phase]] = Field(
        default=None, description="with red_points_for_red_overall above 1: the phases in which a gate makes the overall "
                                  "red on its own (unset: every phase); in other phases a gated principle is a gap "
                                  "counted like any red principle")


class ActionSettings(Model):
    """How long an action may stay open, in days from the assessment's date, by how urgent it is."""
    amber_days: int = Field(default=91, ge=1, le=3660, description="an amber point or a medium finding: about three months")
    red_days: int = Field(default=42, ge=1, le=3660, description="a red point or a high finding: sooner")

    @model_validator(mode="after")
    def _red_sooner(self) -> "ActionSettings":
        if self.red_days > self.amber_days:
            raise ValueError("red_days must not be more than amber_days")
        return self


class Terms(Model):
    """What a framework calls the things it scores, where not "principle" (the Service Standard has points)."""
    principle: str = Field(default="principle", min_length=1, pattern=r"^[a-z][a-z -]*$")
    principles: str = Field(default="principles", min_length=1, pattern=r"^[a-z][a-z -]*$")


class FrameworkInfo(Model):
    id: str = Field(pattern=SLUG)
    title: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    description: str = ""
    scale: list[ScaleLevel] = Field(min_length=2)
    lenses: list[Lens] = Field(min_length=1)
    rag: RagThresholds = Field(default_factory=RagThresholds)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    terms: Terms = Field(default_factory=Terms)
    actions: ActionSettings = Field(default_factory=ActionSettings)
    ratings: Literal["rag", "level"] = Field(
        default="rag", description="what a panel decides for a principle: a RAG (green, amber, red), or a level on the "
                                   "scale, whose RAG then follows from the thresholds; `assess decide` asks for this")

    @field_validator("scale")
    @classmethod
    def _levels_run_from_one(cls, scale: list[ScaleLevel]) -> list[ScaleLevel]:
        if [s.level for s in scale] != list(range(1, len(scale) + 1)):
            raise ValueError("levels must run 1, 2, 3, ... in order")
        return scale


class Principle(Model):
    id: str = Field(pattern=SLUG)
    title: str
    lens: str
    weight: float = Field(default=1.0, gt=0)
    description: str = ""
    applies_if: Any = None


class Option(Model):
    id: str = Field(pattern=ID)
    label: str = Field(min_length=1)
    level: Optional[int] = Field(default=None, ge=1, le=9)
    help: str = ""


def plain_number(value: float) -> str:
    """A number as a person writes it: 100000000, not 1e+08."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Inform(Model):
    principle: str
    weight: float = Field(default=1.0, gt=0)


class Question(Model):
    id: str = Field(pattern=ID)
    type: QuestionType
    text: str = Field(min_length=1)
    help: str = ""
    evidence_prompt: str = ""
    required: bool = True
    allow_na: bool = False
    show_if: Any = None
    options: list[Option] = Field(default_factory=_empty_list)
    levels: dict[Literal["yes", "no"], int] = Field(default_factory=dict)  # yesno
    min: Optional[float] = Field(default=None, ge=-1e12, le=1e12)      # number and scale bounds
    max: Optional[float] = Field(default=None, ge=-1e12, le=1e12)
    whole_number: bool = False                                        # number: counts take no fractions
    scale_labels: dict[int, str] = Field(default_factory=dict)
    count_levels: list[int] = Field(default_factory=_empty_list)  # multi: level by how many chosen
    informs: list[Inform] = Field(default_factory=_empty_list)

    @field_validator("max")
    @classmethod
    def _max_not_below_min(cls, value: Optional[float], info) -> Optional[float]:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max {plain_number(value)} is below min {plain_number(low)}: no answer could be in range")
        return value

    @model_validator(mode="after")
    def _fits_type(self) -> "Question":
        t = self.type
        if t in ("single", "multi") and len(self.options) < 2:
            raise ValueError(f"a {t} question needs at least two options")
        if t not in ("single", "multi") and self.options:
            raise ValueError(f"options are only for single and multi questions, not {t}")
        if self.levels and t != "yesno":
            raise ValueError("levels are only for yesno questions")
        if self.count_levels and t != "multi":
            raise ValueError("count_levels are only for multi questions")
        if t == "scale":
            if self.min is None or self.max is None:
                raise ValueError("a scale question needs min and max")
            if self.min != int(self.min) or self.max != int(self.max) or self.min >= self.max:
                raise ValueError("scale min and max must be whole numbers with min < max")
        if self.whole_number and t != "number":
            raise ValueError("whole_number is only for number questions")
        if t not in ("scale", "number") and (self.min is not None or self.max is not None):
            raise ValueError("min and max are only for scale and number questions")
        return self

    @property
    def scored(self) -> bool:
        """True when answers to this question feed a principle's level."""
        return bool(self.informs) and self.type in ("single", "multi", "yesno", "scale")

    def option(self, option_id: str) -> Optional[Option]:
        return next((o for o in self.options if o.id == option_id), None)


class Section(Model):
    id: str = Field(pattern=SLUG)
    title: str
    description: str = ""
    show_if: Any = None
    questions: list[Question] = Field(min_length=1)


class QuestionnaireFile(Model):
    framework: FrameworkInfo
    principles: list[Principle] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)


class FindingSpec(Model):
    kind: FindingKind = "risk"
    severity: Severity = "medium"
    title: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    recommendation: str = ""
    owner: str = ""

    @model_validator(mode="after")
    def _risk_needs_recommendation(self) -> "FindingSpec":
        if self.kind == "risk" and not self.recommendation.strip():
            raise ValueError("a risk finding needs a recommendation")
        return self


class CapSpec(Model):
    principle: Optional[str] = None   # defaults to the rule's principle
    max_level: int = Field(ge=1, le=9)


class Rule(Model):
    id: str = Field(pattern=SLUG)
    principle: Optional[str] = None
    description: str = ""
    when: Any
    finding: Optional[FindingSpec] = None
    caps: list[CapSpec] = Field(default_factory=_empty_list)
    derive: Optional[str] = Field(default=None, pattern=ID)

    @model_validator(mode="after")
    def _has_effect(self) -> "Rule":
        if not (self.finding or self.caps or self.derive):
            raise ValueError("a rule needs at least one effect: finding, caps or derive")
        if (self.finding or self.caps) and not self.principle and any(c.principle is None for c in self.caps):
            raise ValueError("a cap needs a principle (on the cap or the rule)")
        if self.finding and not self.principle:
            raise ValueError("a rule with a finding needs a principle")
        return self


class RulesFile(Model):
    rules: list[Rule] = Field(min_length=1)


# ---------------------------------------------------------------- the answers file

class AssessmentMeta(Model):
    framework: str = Field(max_length=META_ID_CHARS)
    framework_version: Optional[str] = Field(default=None, max_length=META_ID_CHARS)
    service: str = Field(min_length=1, max_length=META_TEXT_CHARS)
    organisation: str = Field(default="", max_length=META_TEXT_CHARS)
    scope: Scope
    phase: Phase
    respondent: str = Field(default="", max_length=META_TEXT_CHARS)
    kind: Kind = "self"
    date: Optional[dt.date] = None


class PanelDecision(Model):
    """What a panel or board decided for one principle (or point), or overall."""
    rating: Rag = Field(description="the decided RAG: green, amber or red")
    level: Optional[StrictInt] = Field(default=None, ge=1, le=9, description="optional: the decided level on the framework's scale")
    reason: str = Field(default="", max_length=20_000,
                        description="why; required wherever the decision differs from the engine's proposal")
    decided_by: Optional[str] = Field(default=None, min_length=1, max_length=300,
                                      description="who decided, where not the block's decided_by")
    date: Optional[dt.date] = Field(default=None, description="when, where not the block's date")
    carried: bool = Field(default=False, description="reassessment: carried unchanged from the earlier assessment")


class DecisionsBlock(Model):
    """The `decisions:` block: the panel's word beside the engine's proposal."""
    decided_by: Optional[str] = Field(default=None, min_length=1, max_length=300,
                                      description="who decided: a panel, a board, a named assessor")
    date: Optional[dt.date] = Field(default=None, description="when the decisions were made")
    overall: Optional[PanelDecision] = None
    principles: dict[str, PanelDecision] = Field(default_factory=dict, description="principle (or point) id -> decision")


class EarlierDecisions(Model):
    overall: Optional[PanelDecision] = None
    principles: dict[str, PanelDecision] = Field(default_factory=dict)


class ReassessmentBlock(Model):
    """The `reassessment:` block written by `assess reassess`: what was carried and what is open."""
    of: str = Field(min_length=1, max_length=1000, description="the earlier answers file, as it was named")
    date: Optional[dt.date] = Field(default=None, description="the earlier assessment's date")
    reopened: list[str] = Field(default_factory=_empty_list, description="principles (points) open to be re-decided")
    carried_answers: list[str] = Field(default_factory=_empty_list,
                                       description="question ids whose answers were carried over; remove one when you change it")
    earlier: EarlierDecisions = Field(default_factory=EarlierDecisions,
                                      description="the earlier rating of every reopened principle and overall")


class AnswersFileModel(Model):
    """The shape of an answers file; values are checked against the framework separately."""
    assessment: AssessmentMeta
    answers: dict[str, Any] = Field(default_factory=dict)
    evidence: dict[str, Union[str, list[str]]] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    actions: dict[str, Any] = Field(default_factory=dict)   # action id -> owner, due, status, reason
    decisions: Optional[DecisionsBlock] = None
    reassessment: Optional[ReassessmentBlock] = None


# ---------------------------------------------------------------- the result

class Because(Model):
    ref: str            # a question id, `meta.<field>` or `fact.<name>`
    value: Any
    label: str          # how the value reads to a person


class Finding(Model):
    rule: str
    principle: str
    kind: FindingKind
    severity: Severity
    title: str
    rationale: str
    recommendation: str
    owner: str
    because: list[Because]


class Contribution(Model):
    question: str
    text: str
    answer: Any
    label: str
    level: float
    weight: float
    evidenced: bool


class CapApplied(Model):
    rule: str
    max_level: int
    reason: str
    binding: bool = True   # false when the answers alone already give a level at or below the cap


class DecisionRecord(Model):
    """A decision as the result carries it, with the engine's proposal beside it."""
    rag: Rag
    rag_label: str
    level: Optional[int]
    level_name: Optional[str]
    reason: str
    decided_by: str
    date: Optional[dt.date]
    carried: bool
    proposed_rag: Optional[Rag]
    proposed_level: Optional[int]
    differs: bool            # the decision differs from the engine's proposal


class EarlierRecord(Model):
    rag: Rag
    rag_label: str
    level: Optional[int]
    decided_by: str
    date: Optional[dt.date]


class ReassessmentRecord(Model):
    of: str
    date: Optional[dt.date]
    reopened: list[str]
    redecided: list[str]      # reopened principles that now have a decision
    carried: list[str]        # principles carried with their earlier decision
    carried_answers: list[str]
    earlier: dict[str, EarlierRecord]   # principle id or "overall" -> earlier rating


class PrincipleResult(Model):
    id: str
    title: str
    lens: str
    applicable: bool
    level: Optional[int]
    level_name: Optional[str]
    score: Optional[float]        # weighted mean before caps
    capped_score: Optional[float]  # after caps; the level is its whole part
    rag: Optional[Rag]
    # gated: too little answered to score, but a cap at the lowest level decides the level anyway
    status: Literal["scored", "gated", "not-enough-evidence", "not-applicable"]
    answered_share: float
    caps: list[CapApplied]
    contributions: list[Contribution]
    not_applicable: list[str]      # question ids marked n/a, excluded from the score
    unanswered: list[str]
    decision: Optional[DecisionRecord] = None


class LensResult(Model):
    id: str
    title: str
    applicable: bool
    level: Optional[int]
    level_name: Optional[str]
    score: Optional[float]
    rag: Optional[Rag]
    principles: list[str]


class Confidence(Model):
    applicable_questions: int
    answered: int
    not_applicable: int
    answered_share: float
    evidenced_share: float


class AnswerRecord(Model):
    question: str
    section: str
    text: str
    state: Literal["answered", "not-applicable", "unanswered"]
    active: bool
    value: Any
    label: str
    na_reason: str
    evidence: list[str]
    note: str


class Result(Model):
    # 1.1 adds decisions and reassessment; 1.0 files still load
    schema_version: Literal["1.1", "1.0"] = "1.1"
    tool_version: str
    framework: dict[str, str]        # id, title, version, hash
    answers_hash: str
    assessment: dict[str, Any]
    overall: dict[str, Any]          # score, level, level_name, rag, rag_label
    lenses: list[LensResult]
    principles: list[PrincipleResult]
    findings: list[Finding]
    derived_facts: dict[str, bool]
    confidence: Confidence
    answers: list[AnswerRecord]
    scale: list[ScaleLevel]
    rag_labels: dict[str, str]
    overall_decision: Optional[DecisionRecord] = None
    reassessment: Optional[ReassessmentRecord] = None


# ---------------------------------------------------------------- calibration decisions

DecisionScale = Literal["met", "rag", "level"]
SCALE_VALUES: dict[str, tuple] = {"met": ("met", "not_met"), "rag": ("green", "amber", "red"), "level": (1, 2, 3, 4, 5)}
Decision = Union[StrictInt, StrictStr]


def _on_scale(scale: str) -> dict:
    """JSON Schema for one decision on a scale."""
    return {"type": "integer", "minimum": 1, "maximum": 5} if scale == "level" else {"enum": list(SCALE_VALUES[scale])}


def _decisions_schema_extra(schema: dict) -> None:
    # a decision's allowed values depend on `scale`; say so to editors as if/then branches
    schema["allOf"] = [{"if": {"properties": {"scale": {"const": s}}},
                        "then": {"properties": {"overall": _on_scale(s),
                                                "points": {"additionalProperties": _on_scale(s)},
                                                "lenses": {"additionalProperties": _on_scale(s)}}}}
                       for s in SCALE_VALUES]


class DecisionsFile(Model):
    """What a panel or an expert decided for one calibration case (`<case>.decisions.yaml`)."""
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra=_decisions_schema_extra,
                              title="Calibration decisions")
    case: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=200,
                      description="the case id: the answers file's name without .yaml")
    framework: str = Field(pattern=SLUG, description="must match the answers file's framework")
    source: str = Field(min_length=1, description="the published report's address, or \"expert scenario\"")
    provenance: str = Field(min_length=1, description="who decided, when, from which report, anything unusual")
    decided_by: str = Field(min_length=1, description="e.g. \"service assessment panel\" or \"expert\"")
    date: dt.date = Field(description="date of the decision")
    split: Literal["tune", "check"] = Field(description="check cases are kept back and never tuned on")
    scale: DecisionScale = Field(description="met (met / not_met), rag (green / amber / red) or level (1-5)")
    overall: Decision = Field(description="the overall decision on the chosen scale")
    points: dict[str, Decision] = Field(description="principle id -> decision; only the points that were decided")
    lenses: dict[str, Decision] = Field(default_factory=dict, description="optional: lens id -> overall decision for that lens")
    notes: dict[str, str] = Field(default_factory=dict, description="optional: principle id -> short note on why")
    description: str = Field(default="", description="optional: the service and situation the case describes")
