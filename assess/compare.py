"""Two assessments of one service: what moved, and which changed answers moved it.

`compare_results(old, new)` works on Results alone (no engine, no files), so the report can
call it for a "since last time" page. A principle's drivers are the changed answers among
its contributions, among the `because` of its findings (old and new), and among the
`because` of the rules that cap it.

Two assessments are of one service when their service and organisation match, ignoring case
and spacing (`service_identity`). Anything else is refused unless the caller allows it, so a
board never reads two different services as one service's progress.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel

from .decisions import Rating, decided_overall, decided_rating
from .errors import AssessError, Diagnostic
from .models import CapApplied, Finding, Result

Movement = Literal["up", "down", "same", "new", "gone"]
FindingStatus = Literal["new", "resolved", "persisting"]
META_COMPARED = ("scope", "phase", "kind", "date")
OTHER_SERVICE_FLAG = "--allow-other-service"


class AnswerChange(BaseModel):
    ref: str                    # question id, `meta.<field>` or `fact.<name>`
    text: str
    old_label: str
    new_label: str
    old_value: Any = None
    new_value: Any = None


class LevelChange(BaseModel):
    id: str
    title: str
    lens: str = ""
    old_level: Optional[int]
    new_level: Optional[int]
    old_score: Optional[float]     # capped score: what a radar chart plots
    new_score: Optional[float]
    old_rag: Optional[str]
    new_rag: Optional[str]
    old_status: Optional[str] = None    # a principle's status: scored, gated, not-enough-evidence, not-applicable
    new_status: Optional[str] = None
    movement: Movement
    delta: Optional[int]           # new level minus old level, when both are scored
    caps_lifted: list[CapApplied] = []
    caps_added: list[CapApplied] = []
    drivers: list[AnswerChange] = []
    old_decided: bool = False      # the old rating is a panel's decision, not the engine's proposal
    new_decided: bool = False

    @property
    def explained(self) -> bool:
        """True when there is a change to explain: the level moved or a cap came or went."""
        return self.movement != "same" or bool(self.caps_lifted or self.caps_added)


class FindingChange(BaseModel):
    status: FindingStatus
    finding: Finding               # the new finding, or the old one when resolved
    drivers: list[AnswerChange] = []


class Side(BaseModel):
    """What identifies one of the two assessments."""
    service: str
    organisation: str
    date: Optional[str]
    kind: str
    respondent: str
    framework_version: str
    answers_hash: str


class Comparison(BaseModel):
    framework: dict[str, str]
    old: Side
    new: Side
    overall: LevelChange
    lenses: list[LevelChange]
    principles: list[LevelChange]
    findings: list[FindingChange]          # new, then resolved, then persisting; each by severity
    answers_changed: list[AnswerChange]    # every changed answer, in questionnaire order
    facts_changed: list[AnswerChange]
    warnings: list[str]
    rag_labels: dict[str, str] = {}        # the framework's own words for green, amber and red

    @property
    def decided(self) -> bool:
        """True when either side rates anything by a recorded decision."""
        return any(lc.old_decided or lc.new_decided for lc in [self.overall, *self.principles])

    def findings_with(self, status: FindingStatus) -> list[FindingChange]:
        return [f for f in self.findings if f.status == status]


# ---------------------------------------------------------------- comparing

def service_identity(meta: dict[str, Any]) -> tuple[str, str]:
    """Service and organisation as a key: case and runs of spaces do not make another service."""
    return tuple(" ".join(str(meta.get(k) or "").split()).casefold() for k in ("service", "organisation"))


def _described(meta: dict[str, Any]) -> str:
    org = meta.get("organisation") or ""
    return repr(meta.get("service", "")) + (f" ({org})" if org else "")


def check_comparable(old: Result, new: Result, names: tuple[str, str] = ("the earlier assessment", "the later assessment"),
                     allow_other_service: bool = False) -> None:
    """Refuse two frameworks always, and two services unless allowed; both files are named."""
    if old.framework["id"] != new.framework["id"]:
        raise AssessError(f"cannot compare {names[0]} ({old.framework['id']} framework) with {names[1]} "
                          f"({new.framework['id']} framework): they answer different frameworks")
    if not allow_other_service and service_identity(old.assessment) != service_identity(new.assessment):
        raise AssessError(f"{names[0]} is {_described(old.assessment)} but {names[1]} is {_described(new.assessment)}: "
                          f"not the same service; use {OTHER_SERVICE_FLAG} to compare them anyway")


def compare_results(old: Result, new: Result, names: tuple[str, str] = ("the earlier assessment", "the later assessment"),
                    allow_other_service: bool = False) -> Comparison:
    check_comparable(old, new, names, allow_other_service)
    changes = answer_changes(old, new)
    by_ref = {c.ref: c for c in changes}
    old_p = {p.id: p for p in old.principles}
    principles = []
    for p in new.principles:
        before = old_p.get(p.id)
        refs = _principle_refs(p.id, [old, new])
        lifted, added = _cap_changes(before.caps if before else [], p.caps)
        change = _level_change(p.id, p.title, p.lens, before, p, lifted, added, [by_ref[r] for r in refs if r in by_ref])
        principles.append(_decided(change, decided_rating(old, p.id) if before is not None and before.applicable else None,
                                   decided_rating(new, p.id) if p.applicable else None))
    old_l = {l.id: l for l in old.lenses}
    lenses = []
    for lens in new.lenses:
        members = set(lens.principles) | set(old_l[lens.id].principles if lens.id in old_l else [])
        drivers = _unique(d for pc in principles if pc.id in members for d in pc.drivers)
        lenses.append(_level_change(lens.id, lens.title, "", old_l.get(lens.id), lens, [], [], drivers))
    overall = _decided(_overall_change(old, new, _unique(d for pc in principles for d in pc.drivers)),
                       decided_overall(old), decided_overall(new))
    return Comparison(framework=dict(new.framework), old=_side(old), new=_side(new), overall=overall, lenses=lenses,
                      principles=principles, findings=_finding_changes(old, new, by_ref),
                      answers_changed=[c for c in changes if not c.ref.startswith(("meta.", "fact."))],
                      facts_changed=[c for c in changes if c.ref.startswith("fact.")],
                      warnings=_warnings(old, new), rag_labels={**old.rag_labels, **new.rag_labels})


def answer_changes(old: Result, new: Result) -> list[AnswerChange]:
    """Answers, assessment metadata and derived facts that differ, in questionnaire order."""
    out = []
    old_meta, new_meta = old.assessment, new.assessment
    for key in META_COMPARED:
        if old_meta.get(key) != new_meta.get(key):
            out.append(AnswerChange(ref=f"meta.{key}", text=f"Assessment {key}", old_label=str(old_meta.get(key)),
                                    new_label=str(new_meta.get(key)), old_value=old_meta.get(key), new_value=new_meta.get(key)))
    before = {a.question: a for a in old.answers}
    for a in new.answers:
        b = before.get(a.question)
        if b is None:
            continue
        # a hidden question counts as unanswered for scoring, so what matters is what scoring saw
        was = (b.state, b.value, b.na_reason) if b.active else ("unanswered", None, "")
        now = (a.state, a.value, a.na_reason) if a.active else ("unanswered", None, "")
        if was != now:
            out.append(AnswerChange(ref=a.question, text=a.text, old_label=_shown(b), new_label=_shown(a),
                                    old_value=was[1], new_value=now[1]))
    for name in sorted(set(old.derived_facts) | set(new.derived_facts)):
        was, now = old.derived_facts.get(name), new.derived_facts.get(name)
        if was != now:
            out.append(AnswerChange(ref=f"fact.{name}", text=name.replace("_", " "), old_label=_fact_label(was),
                                    new_label=_fact_label(now), old_value=was, new_value=now))
    return out


def _shown(record) -> str:
    if not record.active:
        return "Not asked"
    if record.state == "not-applicable":
        return f"Not applicable ({record.na_reason})" if record.na_reason else "Not applicable"
    return record.label


def _fact_label(value: Optional[bool]) -> str:
    return "–" if value is None else "true" if value else "false"


def _principle_refs(principle: str, results: list[Result]) -> list[str]:
    """Every answer, metadata field and fact that can move this principle, in first-seen order."""
    refs: list[str] = []
    for result in results:
        p = next((x for x in result.principles if x.id == principle), None)
        if p is not None:
            refs += [c.question for c in p.contributions] + p.unanswered + p.not_applicable
            cap_rules = {c.rule for c in p.caps}
        else:
            cap_rules = set()
        for f in result.findings:
            if f.principle == principle or f.rule in cap_rules:
                refs += [b.ref for b in f.because if b.ref != "meta.date"]   # the date moves every time
    # a cap lifted by a rule without a finding leaves no `because`; its contributions still count
    return list(dict.fromkeys(refs))


def _cap_changes(old_caps: list[CapApplied], new_caps: list[CapApplied]) -> tuple[list[CapApplied], list[CapApplied]]:
    old_rules, new_rules = {c.rule for c in old_caps}, {c.rule for c in new_caps}
    return [c for c in old_caps if c.rule not in new_rules], [c for c in new_caps if c.rule not in old_rules]


def _level_change(id_: str, title: str, lens: str, before, after, lifted, added, drivers) -> LevelChange:
    old_level = before.level if before is not None and before.applicable else None
    new_level = after.level if after.applicable else None
    return LevelChange(id=id_, title=title, lens=lens, old_level=old_level, new_level=new_level,
                       old_score=_capped(before), new_score=_capped(after),
                       old_rag=before.rag if before is not None else None, new_rag=after.rag,
                       old_status=getattr(before, "status", None), new_status=getattr(after, "status", None),
                       movement=movement(old_level, new_level),
                       delta=new_level - old_level if old_level is not None and new_level is not None else None,
                       caps_lifted=lifted, caps_added=added, drivers=drivers)


def _decided(lc: LevelChange, old: Optional[Rating], new: Optional[Rating]) -> LevelChange:
    """The change between what was published: a decision where one is recorded, else the proposal.
    A decision without a level keeps the engine's level; scores stay the engine's."""
    update: dict[str, Any] = {}
    for side, rating in (("old", old), ("new", new)):
        if rating is not None and rating.decided:
            update[f"{side}_rag"] = rating.rag
            update[f"{side}_decided"] = True
            if rating.level is not None:
                update[f"{side}_level"] = rating.level
    if not update:
        return lc
    lc = lc.model_copy(update=update)
    lc.movement = movement(lc.old_level, lc.new_level)
    lc.delta = lc.new_level - lc.old_level if lc.old_level is not None and lc.new_level is not None else None
    return lc


def _capped(item) -> Optional[float]:
    if item is None:
        return None
    return item.capped_score if hasattr(item, "capped_score") else item.score   # principle, else lens


def movement(old_level: Optional[int], new_level: Optional[int]) -> Movement:
    if old_level is None and new_level is None:
        return "same"
    if old_level is None:
        return "new"
    if new_level is None:
        return "gone"
    return "up" if new_level > old_level else "down" if new_level < old_level else "same"


def _overall_change(old: Result, new: Result, drivers: list[AnswerChange]) -> LevelChange:
    o, n = old.overall, new.overall
    return LevelChange(id="overall", title="Overall", old_level=o.get("level"), new_level=n.get("level"),
                       old_score=o.get("score"), new_score=n.get("score"), old_rag=o.get("rag"), new_rag=n.get("rag"),
                       movement=movement(o.get("level"), n.get("level")),
                       delta=n["level"] - o["level"] if o.get("level") is not None and n.get("level") is not None else None,
                       drivers=drivers)


def _finding_changes(old: Result, new: Result, by_ref: dict[str, AnswerChange]) -> list[FindingChange]:
    before = {f.rule: f for f in old.findings}
    after = {f.rule: f for f in new.findings}

    def drivers(*findings: Optional[Finding], moved: bool = True) -> list[AnswerChange]:
        # the assessment date drives a finding that counts months to it only when the finding came or went
        refs = [b.ref for f in findings if f is not None for b in f.because if moved or b.ref != "meta.date"]
        return [by_ref[r] for r in dict.fromkeys(refs) if r in by_ref]

    out = [FindingChange(status="new", finding=f, drivers=drivers(f)) for f in new.findings if f.rule not in before]
    out += [FindingChange(status="resolved", finding=f, drivers=drivers(f)) for f in old.findings if f.rule not in after]
    out += [FindingChange(status="persisting", finding=f, drivers=drivers(before[f.rule], f, moved=False))
            for f in new.findings if f.rule in before]
    return out


def _side(result: Result) -> Side:
    meta = result.assessment
    return Side(service=meta.get("service", ""), organisation=meta.get("organisation") or "", date=meta.get("date"),
                kind=meta.get("kind", ""), respondent=meta.get("respondent") or "",
                framework_version=result.framework["version"], answers_hash=result.answers_hash)


def rag_word(rag: Optional[str], labels: dict[str, str]) -> str:
    """A rating in the framework's own words ("Not met", "Met"), or "No rating"."""
    return labels.get(rag, rag.capitalize()) if rag else "No rating"


def _warnings(old: Result, new: Result) -> list[str]:
    out = []
    for key in ("service", "organisation"):     # reached only when the caller allowed another service
        if (old.assessment.get(key) or "") != (new.assessment.get(key) or ""):
            out.append(f"the {key} differs: {old.assessment.get(key)!r} then {new.assessment.get(key)!r}")
    od, nd = old.assessment.get("date"), new.assessment.get("date")
    if od and nd and od > nd:
        out.append(f"the earlier file is dated after the later one ({od} > {nd}); check the order of OLD and NEW")
    if old.framework["version"] != new.framework["version"]:
        out.append(f"framework version changed from {old.framework['version']} to {new.framework['version']}; "
                   "some differences may come from the framework, not the answers")
    elif old.framework.get("hash") != new.framework.get("hash"):
        out.append("the framework content changed between the two evaluations")
    return out


def _unique(items) -> list[AnswerChange]:
    seen: dict[str, AnswerChange] = {}
    for item in items:
        seen.setdefault(item.ref, item)
    return list(seen.values())


# ---------------------------------------------------------------- input

# a \uD800-\uDFFF escape that is not half of a pair: JSON allows it, no UTF-8 output can hold it
_LONE_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                          r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


# any escape in the surrogate range, paired or not: text without one cannot hold a lone surrogate
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(path: Path, text: str, data: object) -> None:
    if not _SURROGATE_ESCAPE.search(text):
        return      # the common case, without writing the whole result out again to find out
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        m = _LONE_ESCAPE.search(text)
        line = text.count("\n", 0, m.start()) + 1 if m else 0
        raise AssessError(Diagnostic(str(path), line, "", "contains a lone surrogate escape (\\uD800-\\uDFFF on its own), "
                                                          "which is not a character; save the result again")) from None


def result_from_file(path: Path | str, frameworks_dirs: Optional[list[Path]] = None,
                     settings: Optional[Path] = None) -> Result:
    """A Result from an answers file (evaluated now, with the organisation's settings if given)
    or from a saved result JSON file (which keeps the settings it was scored with)."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        from .pipeline import evaluate_file
        return evaluate_file(path, frameworks_dirs, settings=settings)
    from pydantic import ValidationError

    from .yamlio import read_text
    try:
        text = read_text(path)
        data = json.loads(text)
        _refuse_lone_surrogates(path, text, data)
        if not isinstance(data, dict) or not {"schema_version", "framework", "assessment"} <= data.keys():
            raise AssessError(Diagnostic(str(path), 0, "", "not an assessment result: a saved result is what "
                                         "`assess evaluate FILE --format json` prints"))
        return Result.model_validate(data)
    except RecursionError:
        raise AssessError(Diagnostic(str(path), 0, "", "not an assessment result: the JSON is nested too deeply to read")) from None
    except json.JSONDecodeError as exc:
        raise AssessError(Diagnostic(str(path), exc.lineno, "", f"invalid JSON: {exc.msg}")) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise AssessError(Diagnostic(str(path), 0, field, f"not an assessment result: {first['msg']}")) from None
