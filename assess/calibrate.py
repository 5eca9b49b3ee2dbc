"""Calibration: how often the tool's ratings agree with decisions a panel or an expert made.

A case is an answers file `<case>.yaml` with `<case>.decisions.yaml` beside it. Every case is
evaluated with the normal pipeline and each decided point, the overall decision and any lens
decisions are set beside the tool's rating. How the two are compared depends on the decision's
scale (each comparison is a "reading"):

- `met` decisions (met / not_met) are read twice, because the tool rates green / amber / red:
  green is met, red is not met, and amber counts as met in one reading and as not met in the
  other.
- `rag` decisions are compared with the tool's RAG as they are.
- `level` decisions are compared with the tool's level (exactly and within one level), and the
  decided level is also turned into a RAG with the framework's thresholds and compared with
  the tool's RAG.

A decided point the tool could not rate (not enough evidence, or not applicable) is counted as
a disagreement in the category "no rating", and listed, never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import BaseModel, ValidationError

from . import conditions as cond
from .errors import AssessError, Diagnostic
from .models import SCALE_VALUES, DecisionsFile, Result
from .yamlio import Document, load_yaml

DECISIONS_SUFFIX = ".decisions.yaml"
SPLITS = ("all", "tune", "check")
KINDS = ("points", "overall", "lenses")
NO_RATING = "no rating"
AMBER_AS_MET, AMBER_AS_NOT_MET, RAG, LEVEL = "met, amber as met", "met, amber as not met", "rag", "level"
READINGS = (AMBER_AS_MET, AMBER_AS_NOT_MET, RAG, LEVEL)
CATEGORIES = {AMBER_AS_MET: ("met", "not_met"), AMBER_AS_NOT_MET: ("met", "not_met"),
              RAG: ("green", "amber", "red"), LEVEL: (1, 2, 3, 4, 5)}
_RANK = {"met": 1, "not_met": 0, "green": 2, "amber": 1, "red": 0}

AMBER_RULE = ("Against a met / not met decision, the tool's green counts as met and red as not met. "
              "Amber is counted both ways: as met (it may proceed, with actions) and as not met "
              "(something the point needs is missing). A point the tool cannot rate counts as a "
              "disagreement and is listed.")


# ---------------------------------------------------------------- the decisions file

def load_decisions(path: Path | str) -> tuple[DecisionsFile, Document]:
    """A decisions file checked on its own; every problem reported with its line."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise AssessError(doc.diag((), "a decisions file must be a mapping with case, framework, scale, overall and points"))
    try:
        model = DecisionsFile.model_validate(doc.data)
    except ValidationError as exc:
        raise AssessError([doc.diag(_loc(e), _message(e)) for e in exc.errors()]) from None
    problems = [doc.diag(path_, problem) for path_, problem in _off_scale(model)]
    if problems:
        raise AssessError(problems)
    return model, doc


def _loc(error: dict) -> tuple:
    loc = tuple(error["loc"])
    # a Union's branches add their type names to the path: the field is what the user needs
    return tuple(p for p in loc if p not in ("int", "str"))


def _message(error: dict) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r}"
    if kind == "missing":
        return "required field is missing"
    if kind in ("int_type", "string_type") and loc[0] in ("overall", "points", "lenses"):
        return "must be a decision on the file's scale: met or not_met, green, amber or red, or a level 1-5"
    if kind == "literal_error":
        return error["msg"].replace("Input should be", "must be")
    return error["msg"].removeprefix("Value error, ")


def _off_scale(model: DecisionsFile) -> Iterable[tuple[tuple, str]]:
    allowed = SCALE_VALUES[model.scale]
    shown = ", ".join(str(v) for v in allowed)
    entries = [(("overall",), model.overall)] + [(("points", k), v) for k, v in model.points.items()] \
        + [(("lenses", k), v) for k, v in model.lenses.items()]
    for path, value in entries:
        if value not in allowed:
            yield path, f"{value!r} is not on the scale {model.scale!r}; expected one of {shown}"
    for key in model.notes:
        if key not in model.points and key != "overall":
            yield ("notes", key), f"note on {key!r}, which has no decision in points"


def check_against(model: DecisionsFile, doc: Document, answers_path: Path, framework) -> list[Diagnostic]:
    """Problems between a decisions file and the answers file and framework it belongs to."""
    problems = []
    stem = answers_path.name[:-len(".yaml")]
    if model.case != stem:
        problems.append(doc.diag(("case",), f"is {model.case!r}, but the answers file is {answers_path.name}; they must match"))
    if model.framework != framework.id:
        problems.append(doc.diag(("framework",), f"is {model.framework!r}, but {answers_path.name} is for {framework.id!r}"))
        return problems
    principles = {p.id for p in framework.principles}
    for key in model.points:
        if key not in principles:
            problems.append(doc.diag(("points", key), f"unknown {framework.info.terms.principle} {key!r}{cond.suggest(key, principles)}"))
    lenses = {l.id for l in framework.info.lenses}
    for key in model.lenses:
        if key not in lenses:
            problems.append(doc.diag(("lenses", key), f"unknown lens {key!r}{cond.suggest(key, lenses)}"))
    top = len(framework.info.scale)
    if model.scale == "level":
        entries = [(("overall",), model.overall)] + [(("points", k), v) for k, v in model.points.items()] \
            + [(("lenses", k), v) for k, v in model.lenses.items()]
        problems += [doc.diag(p, f"level {v} is above the top of {framework.id}'s scale ({top})") for p, v in entries if v > top]
    return problems


# ---------------------------------------------------------------- finding and evaluating cases

class IgnoredAnswer(BaseModel):
    """An answer in a case that the framework does not use at the case's phase (or other details):
    the panel may have weighed it, the tool did not. A warning; agreement figures are unchanged."""
    question: str
    asked_when: str            # the question's show_if in words


@dataclass
class Case:
    id: str
    answers: Path
    decisions: DecisionsFile
    result: Result
    rag_thresholds: Any
    phase: str = ""
    ignored: list[IgnoredAnswer] = field(default_factory=list)


def ignored_answers(assessment) -> list[IgnoredAnswer]:
    from .describe import describe
    fw = assessment.framework
    return [IgnoredAnswer(question=q, asked_when=describe(fw.visibility[q], fw)) for q in assessment.ignored()]


def find_cases(folders: list[Path]) -> list[tuple[Path, Path]]:
    """(answers, decisions) pairs under the folders; an answers file with no decisions is bad input."""
    problems, pairs, seen = [], [], set()
    for folder in folders:
        if not folder.exists():
            raise AssessError(Diagnostic(str(folder), 0, "", "folder not found"))
        if not folder.is_dir():
            raise AssessError(Diagnostic(str(folder), 0, "", "is not a folder; give the folder that holds the cases"))
        for path in sorted(folder.rglob("*.yaml")):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            if path.name.endswith(DECISIONS_SUFFIX):
                answers = path.with_name(path.name[:-len(DECISIONS_SUFFIX)] + ".yaml")
                if not answers.is_file():
                    problems.append(Diagnostic(str(path), 0, "", f"no answers file {answers.name} beside it"))
                else:
                    pairs.append((answers, path))
            elif not path.with_name(path.stem + DECISIONS_SUFFIX).is_file():
                problems.append(Diagnostic(str(path), 0, "", f"no decisions file {path.stem + DECISIONS_SUFFIX} beside it; "
                                                             "every answers file in a calibration folder is a case"))
    if problems:
        raise AssessError(problems)
    if not pairs:
        raise AssessError(Diagnostic(", ".join(str(f) for f in folders), 0, "",
                                     f"no calibration cases found (a case is NAME.yaml with NAME{DECISIONS_SUFFIX} beside it)"))
    return pairs


def load_cases(folders: list[Path], frameworks_dirs: Optional[list[Path]] = None,
               settings: Optional[Path] = None) -> list[Case]:
    """Every case under the folders, evaluated; all problems in all files are reported together."""
    from .pipeline import evaluate, load_assessment
    problems: list[Diagnostic] = []
    cases = []
    for answers, decisions_path in find_cases(folders):
        try:
            model, doc = load_decisions(decisions_path)
        except AssessError as exc:
            problems += exc.diagnostics
            model = None
        try:
            assessment = load_assessment(answers, frameworks_dirs, settings)
        except AssessError as exc:
            problems += exc.diagnostics
            continue
        if model is None:
            continue
        mismatch = check_against(model, doc, answers, assessment.framework)
        if mismatch:
            problems += mismatch
            continue
        twin = next((c for c in cases if (c.id, c.decisions.framework) == (model.case, model.framework)), None)
        if twin is not None:
            problems.append(doc.diag(("case",), f"case {model.case!r} is already in {twin.answers}; case ids must differ"))
            continue
        cases.append(Case(model.case, answers, model, evaluate(assessment), assessment.framework.info.rag,
                          assessment.meta.phase, ignored_answers(assessment)))
    if problems:
        raise AssessError(problems)
    return cases


# ---------------------------------------------------------------- comparing

class Pair(BaseModel):
    """One decision beside the tool's rating of the same thing."""
    case: str
    split: str
    kind: str                  # points | overall | lenses
    item: str                  # principle id, "overall" or lens id
    scale: str
    decision: Any
    tool_level: Optional[int]
    tool_rag: Optional[str]
    tool_status: str           # scored | gated | not-enough-evidence | not-applicable
    tool_score: Optional[float] = None   # the score the tool's RAG was read from
    decided_rag: Optional[str] = None   # a level decision as RAG, by the framework's thresholds
    note: str = ""
    drivers: list[str] = []


def tool_category(pair: Pair, reading: str) -> Any:
    if reading == LEVEL:
        return pair.tool_level if pair.tool_level is not None else NO_RATING
    if pair.tool_rag is None:
        return NO_RATING
    if reading == RAG:
        return pair.tool_rag
    amber = "met" if reading == AMBER_AS_MET else "not_met"
    return {"green": "met", "red": "not_met", "amber": amber}[pair.tool_rag]


def decided_category(pair: Pair, reading: str) -> Any:
    return pair.decided_rag if reading == RAG and pair.scale == "level" else pair.decision


def readings_of(scale: str) -> tuple[str, ...]:
    return {"met": (AMBER_AS_MET, AMBER_AS_NOT_MET), "rag": (RAG,), "level": (RAG, LEVEL)}[scale]


def headline_reading(scale: str, amber_as: str = "met") -> str:
    """The one reading a pair counts under in the headline figure."""
    if scale == "met":
        return AMBER_AS_MET if amber_as == "met" else AMBER_AS_NOT_MET
    return RAG


def agrees(pair: Pair, reading: str) -> bool:
    return tool_category(pair, reading) == decided_category(pair, reading)


def direction(pair: Pair, reading: str) -> str:
    """"lower", "higher" or "no rating": where the tool stands against the decision."""
    tool, decided = tool_category(pair, reading), decided_category(pair, reading)
    if tool == NO_RATING:
        return NO_RATING
    rank = (lambda v: v) if reading == LEVEL else _RANK.get
    return "lower" if rank(tool) < rank(decided) else "higher"


def pairs_of(case: Case, amber_as: str = "met") -> list[Pair]:
    from .scoring import rag_for
    d, r = case.decisions, case.result
    base = {"case": case.id, "split": d.split, "scale": d.scale}

    def decided_rag(value: Any) -> Optional[str]:
        return rag_for(value, case.rag_thresholds) if d.scale == "level" else None

    out = []
    by_id = {p.id: p for p in r.principles}
    # a reassessment re-decides only its reopened points; the carried ones were decided before
    reopened = set(r.reassessment.reopened) if r.reassessment is not None else None
    for pid, value in d.points.items():
        if reopened is not None and pid not in reopened:
            continue
        p = by_id[pid]
        out.append(Pair(**base, kind="points", item=pid, decision=value, tool_level=p.level, tool_rag=p.rag,
                        tool_score=p.capped_score, tool_status=p.status, decided_rag=decided_rag(value), note=d.notes.get(pid, "")))
    overall = r.overall
    out.append(Pair(**base, kind="overall", item="overall", decision=d.overall, tool_level=overall.get("level"),
                    tool_rag=overall.get("rag"), tool_score=overall.get("score"), tool_status="scored" if overall.get("level") else "not-enough-evidence",
                    decided_rag=decided_rag(d.overall), note=d.notes.get("overall", "")))
    lenses = {l.id: l for l in r.lenses}
    for lid, value in d.lenses.items():
        lens = lenses[lid]
        status = "not-applicable" if not lens.applicable else "scored" if lens.level else "not-enough-evidence"
        out.append(Pair(**base, kind="lenses", item=lid, decision=value, tool_level=lens.level, tool_rag=lens.rag,
                        tool_score=lens.score, tool_status=status, decided_rag=decided_rag(value)))
    for pair in out:
        reading = headline_reading(pair.scale, amber_as)
        if not agrees(pair, reading):
            pair.drivers = _same_level(pair, case.rag_thresholds) + drivers(case.result, pair, direction(pair, reading))
    return out


def _same_level(pair: Pair, thresholds) -> list[str]:
    """A level decision the tool matches, but whose RAG it reads from the score before flooring."""
    if pair.scale != "level" or pair.tool_level != pair.decision or pair.tool_score is None:
        return []
    edge = {"green": thresholds.green, "amber": thresholds.amber}.get(pair.tool_rag)
    why = f"at or above the {pair.tool_rag} threshold {edge:g}" if edge is not None else f"below the amber threshold {thresholds.amber:g}"
    return [f"same level as decided ({pair.tool_level}); the tool's RAG is {pair.tool_rag} because its score "
            f"{pair.tool_score:g} is {why}, while level {pair.decision} itself reads as {pair.decided_rag}"]


def drivers(result: Result, pair: Pair, way: str, limit: int = 3) -> list[str]:
    """What made the tool's rating differ: binding caps, risk findings and the answers that pulled it."""
    if pair.kind != "points":
        members = [p for p in result.principles if p.applicable and (pair.kind == "overall" or p.lens == pair.item)]
        scored = [p for p in members if p.level is not None]
        pick = sorted(scored, key=lambda p: (p.capped_score, p.id), reverse=way == "higher")[:limit]
        unrated = [p.id for p in members if p.level is None]
        out = [f"{'lowest' if way != 'higher' else 'highest'} rated: {p.id} (level {p.level}, {p.rag})" for p in pick]
        return out + ([f"not rated: {', '.join(unrated)}"] if unrated else [])
    p = next(x for x in result.principles if x.id == pair.item)
    if way == NO_RATING:
        why = "not applicable to this assessment" if p.status == "not-applicable" else \
            f"not enough evidence: {p.answered_share:.0%} of its question weight answered"
        return [why] + ([f"unanswered: {', '.join(p.unanswered[:6])}{' …' if len(p.unanswered) > 6 else ''}"] if p.unanswered else [])
    out = [f"cap {c.rule} (at most level {c.max_level}): {c.reason}" for c in p.caps if c.binding] if way == "lower" else []
    risks = [f for f in result.findings if f.principle == p.id and f.kind == "risk" and f.severity in ("high", "medium")]
    if way == "lower":
        out += [f"finding {f.rule} ({f.severity}): {f.title}" for f in risks[:limit]]
    elif not p.caps:
        out.append("no cap or gate fired on this point")
    pulled = sorted(p.contributions, key=lambda c: (c.level, c.question), reverse=way == "higher")[:limit]
    out += [f"answer {c.question} = {c.label} (level {c.level:g})" for c in pulled]
    return out


# ---------------------------------------------------------------- figures

class Figures(BaseModel):
    reading: str
    compared: int
    agreed: int
    agreement: Optional[float]
    unrated: int                           # decided, but the tool gave no rating
    kappa: Optional[float]
    coverage: Optional[float] = None       # share of the compared pairs the tool rated
    rated_agreement: Optional[float] = None  # agreement over the rated pairs only
    rated_kappa: Optional[float] = None      # kappa over the rated pairs only
    within_one: Optional[float] = None     # level reading only
    confusion: dict[str, dict[str, int]]   # tool rating -> decision -> count


def kappa(table: dict[Any, dict[Any, int]], categories: Iterable[Any]) -> Optional[float]:
    """Cohen's kappa of a tool-by-decision table; None when chance agreement is already total."""
    n = sum(sum(row.values()) for row in table.values())
    if n == 0:
        return None
    observed = sum(table.get(c, {}).get(c, 0) for c in categories) / n
    tool = {t: sum(row.values()) / n for t, row in table.items()}
    decided: dict[Any, float] = {}
    for row in table.values():
        for c, count in row.items():
            decided[c] = decided.get(c, 0) + count / n
    expected = sum(tool.get(c, 0) * decided.get(c, 0) for c in categories)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def figures(pairs: list[Pair], reading: str) -> Optional[Figures]:
    mine = [p for p in pairs if reading in readings_of(p.scale)]
    if not mine:
        return None
    categories = CATEGORIES[reading]
    table: dict[Any, dict[Any, int]] = {}
    for p in mine:
        row = table.setdefault(tool_category(p, reading), {})
        row[decided_category(p, reading)] = row.get(decided_category(p, reading), 0) + 1
    agreed = sum(agrees(p, reading) for p in mine)
    within = None
    if reading == LEVEL:
        within = _share(sum(p.tool_level is not None and abs(p.tool_level - p.decision) <= 1 for p in mine), len(mine))
    k = kappa(table, categories)
    rated_table = {t: row for t, row in table.items() if t != NO_RATING}
    rk = kappa(rated_table, categories)
    unrated = sum(tool_category(p, reading) == NO_RATING for p in mine)
    order = list(categories) + [NO_RATING]
    confusion = {str(t): {str(c): table[t].get(c, 0) for c in categories} for t in order if t in table}
    return Figures(reading=reading, compared=len(mine), agreed=agreed, agreement=_share(agreed, len(mine)),
                   unrated=unrated, kappa=None if k is None else round(k, 4), within_one=within, confusion=confusion,
                   coverage=_share(len(mine) - unrated, len(mine)), rated_agreement=_share(agreed, len(mine) - unrated),
                   rated_kappa=None if rk is None else round(rk, 4))


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


class Headline(BaseModel):
    """Agreement under each pair's headline reading: met decisions with amber counted as chosen,
    rag and level decisions by RAG."""
    compared: int
    agreed: int
    agreement: Optional[float]


def headline(pairs: list[Pair], amber_as: str) -> Headline:
    agreed = sum(agrees(p, headline_reading(p.scale, amber_as)) for p in pairs)
    return Headline(compared=len(pairs), agreed=agreed, agreement=_share(agreed, len(pairs)))


class Disagreement(BaseModel):
    case: str
    item: str                  # principle id, "overall" or lens id
    split: str
    decision: Any
    tool: str
    drivers: list[str]
    note: str = ""


class PrincipleFigures(BaseModel):
    id: str
    title: str
    decided: int
    agreed: int
    agreement: Optional[float]
    unrated: int
    disagreements: list[Disagreement]


class CaseWarning(BaseModel):
    """Answers a case gives that the framework ignores at its phase, for the corpus's authors."""
    case: str
    split: str
    phase: str
    ignored_answers: list[IgnoredAnswer]


class FrameworkReport(BaseModel):
    framework: str
    title: str
    cases: dict[str, int]                                # split -> number of cases
    headline: dict[str, dict[str, dict[str, Headline]]]  # amber as -> split -> kind -> figure
    figures: dict[str, dict[str, list[Figures]]]         # split -> kind -> one per reading
    principles: list[PrincipleFigures]
    overall: list[Disagreement]                          # cases whose overall or lens decision differs
    incomplete: list[dict[str, Any]]                     # decided points the tool could not rate
    warnings: list[CaseWarning] = []                     # cases with answers the framework ignores


class CalibrationReport(BaseModel):
    amber_rule: str = AMBER_RULE
    amber_as: str = "met"          # how amber counted in the per-principle figures and disagreements
    split: str = "all"             # the cases covered: tune, check, or all (figures then shown per split too)
    frameworks: list[FrameworkReport]


def tool_label(pair: Pair) -> str:
    if pair.tool_level is None:
        return {"not-applicable": "not applicable"}.get(pair.tool_status, "not enough evidence")
    return f"{pair.tool_rag} (level {pair.tool_level})"


def calibrate(cases: list[Case], amber_as: str = "met", split: str = "all") -> CalibrationReport:
    """Figures per framework; per-principle agreement counts amber against met / not met as `amber_as` says.

    With `split` tune or check, only that split's cases are compared: someone tuning the rules
    on the tune cases never sees a figure or a disagreement drawn from the check cases."""
    by_framework: dict[str, list[Case]] = {}
    for case in cases:
        by_framework.setdefault(case.decisions.framework, []).append(case)
    # a framework with no case on the split has nothing to show
    by_framework = {fw: group for fw, group in by_framework.items() if any(on_split(c, split) for c in group)}
    return CalibrationReport(amber_as=amber_as, split=split,
                             frameworks=[_framework_report(fw, group, amber_as, split) for fw, group in sorted(by_framework.items())])


def on_split(case: Case, split: str) -> bool:
    """Whether a case is among those a report covering `split` (tune, check or all) compares."""
    return split == "all" or case.decisions.split == split


def shown_splits(split: str) -> tuple[str, ...]:
    """The split rows a report covering `split` shows."""
    return SPLITS if split == "all" else (split,)


def _framework_report(framework: str, all_cases: list[Case], amber_as: str, split: str = "all") -> FrameworkReport:
    # the framework's title and principles come from any case; every figure only from the split's cases
    cases = [c for c in all_cases if on_split(c, split)]
    pairs = [p for case in cases for p in pairs_of(case, amber_as)]

    def split_of(name: str) -> list[Pair]:
        return [p for p in pairs if name == "all" or p.split == name]

    splits = shown_splits(split)
    figs = {s: {k: [f for r in READINGS if (f := figures([p for p in split_of(s) if p.kind == k], r))] for k in KINDS}
            for s in splits}
    heads = {a: {s: {k: headline([p for p in split_of(s) if p.kind == k], a) for k in KINDS} for s in splits}
             for a in ("met", "not_met")}
    titles = {p.id: p.title for p in all_cases[0].result.principles}
    principles = []
    for pid in titles:
        mine = [p for p in pairs if p.kind == "points" and p.item == pid]
        if not mine:
            continue
        wrong = [p for p in mine if not agrees(p, headline_reading(p.scale, amber_as))]
        principles.append(PrincipleFigures(
            id=pid, title=titles[pid], decided=len(mine), agreed=len(mine) - len(wrong),
            agreement=_share(len(mine) - len(wrong), len(mine)),
            unrated=sum(p.tool_level is None for p in mine),
            disagreements=[_disagreement(p) for p in wrong]))
    overall = [_disagreement(p) for p in pairs if p.kind != "points" and not agrees(p, headline_reading(p.scale, amber_as))]
    incomplete = [{"case": p.case, "split": p.split, "principle": p.item, "status": p.tool_status, "decision": p.decision}
                  for p in pairs if p.kind == "points" and p.tool_level is None]
    return FrameworkReport(framework=framework, title=all_cases[0].result.framework["title"],
                           cases={s: len({c.id for c in cases if on_split(c, s)}) for s in splits},
                           headline=heads, figures=figs, principles=principles, overall=overall, incomplete=incomplete,
                           warnings=[CaseWarning(case=c.id, split=c.decisions.split, phase=c.phase, ignored_answers=c.ignored)
                                     for c in cases if c.ignored])


def _disagreement(pair: Pair) -> Disagreement:
    return Disagreement(case=pair.case, item=pair.item, split=pair.split, decision=pair.decision, tool=tool_label(pair), drivers=pair.drivers, note=pair.note)


def below(report: CalibrationReport, floor: float, split: str = "all", kind: str = "points",
          amber_as: str = "met") -> list[str]:
    """One line per framework whose headline agreement is below the floor."""
    out = []
    for fw in report.frameworks:
        h = fw.headline[amber_as][split][kind]
        if not h.compared:
            out.append(f"{fw.framework}: no decided {kind} on split {split} to measure")
        elif h.agreement < floor:
            out.append(f"{fw.framework}: {kind} agreement on split {split} (amber as {amber_as.replace('_', ' ')}) "
                       f"is {h.agreement:.1%}, below {floor:.1%}")
    return out
