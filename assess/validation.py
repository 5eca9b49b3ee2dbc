"""`assess validate`: tell what a path is and check it fully."""
from __future__ import annotations

from pathlib import Path

from .errors import AssessError, Diagnostic


def validate_path(path: Path, frameworks_dirs: list[Path]) -> str:
    """Check a framework folder, a questionnaire, a rules file or an answers file; say what was checked."""
    from .answers import load_answers
    from .frameworks import frameworks_in, load_framework
    from .yamlio import load_yaml

    path = Path(path)
    if path.is_dir():
        loaded = frameworks_in(path)
        return "\n".join(f"ok: {path} framework {fw.id} {fw.version}: {len(fw.questions)} questions, {len(fw.rules)} rules"
                         for fw in loaded)
    doc = load_yaml(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    if path.name.endswith(".decisions.yaml") or ("case" in data and "points" in data):
        return _decisions_summary(path, frameworks_dirs)
    if "assessment" in data:
        assessment = load_answers(path, frameworks_dirs, parsed=doc)
        if assessment.decisions is not None or assessment.reassessment is not None:
            from .pipeline import evaluate
            evaluate(assessment)   # a decision that differs from the proposal needs a reason
        return _answers_summary(path, assessment)
    if "framework" in data:
        fw = load_framework(path)
        return f"ok: {path} framework {fw.id} {fw.version}: {len(fw.questions)} questions, {len(fw.rules)} rules"
    if "rules" in data:
        questionnaire = path.parent.parent.parent / "questionnaires" / f"{path.parent.name}.yaml"
        if not questionnaire.exists():
            raise AssessError(Diagnostic(str(path), 0, "", f"a rules file belongs in rules/<framework>/; no {questionnaire} found"))
        fw = load_framework(questionnaire)
        return f"ok: {path} rules of {fw.id} {fw.version}"
    raise AssessError(doc.diag((), "not an answers file (assessment:), questionnaire (framework:), rules file (rules:) "
                                   "or calibration decisions file (NAME.decisions.yaml)"))


def _decisions_summary(path: Path, frameworks_dirs: list[Path]) -> str:
    """A calibration decisions file, checked on its own and against the answers file beside it."""
    from .answers import load_answers
    from .calibrate import DECISIONS_SUFFIX, check_against, load_decisions
    model, doc = load_decisions(path)
    answers = path.with_name(path.name[:-len(DECISIONS_SUFFIX)] + ".yaml") if path.name.endswith(DECISIONS_SUFFIX) else None
    if answers is None or not answers.is_file():
        beside = f"no answers file {answers.name} beside it" if answers else f"name it NAME{DECISIONS_SUFFIX}, beside NAME.yaml"
        raise AssessError(Diagnostic(str(path), 0, "", f"a calibration decisions file, but {beside}"))
    problems = check_against(model, doc, answers, load_answers(answers, frameworks_dirs).framework)
    if problems:
        raise AssessError(problems)
    return f"ok: {path} decisions for case {model.case}: {len(model.points)} decided, overall {model.overall}"


def _answers_summary(path: Path, a) -> str:
    """Counts over the questions this assessment asks, as scoring sees them, plus what it ignores."""
    shown = a.visible()
    asked = [q for q in a.framework.questions if shown[q]]
    answered = [q for q in asked if a.answer(q).state != "unanswered"]
    missing = [q for q in asked if a.answer(q).state == "unanswered" and a.framework.questions[q].required]
    hidden = a.ignored(shown)
    if not answered and not hidden:
        required = f", {len(missing)} of them required" if missing else ""
        return (f"ok: {path} is a valid answers file for {a.framework.id}, but nothing is answered yet: "
                f"{len(asked)} question{'' if len(asked) == 1 else 's'} to answer{required}")
    line = f"ok: {path} answers for {a.framework.id}: {len(answered)} of {len(asked)} questions asked answered"
    if missing:
        line += f"; {len(missing)} required still unanswered"
    if hidden:
        line += f"; {len(hidden)} answer(s) to questions this assessment does not ask are kept but ignored ({', '.join(hidden)})"
    undated = [q for q in _compared_with_assessment_date(a.framework) if q in answered]
    if a.meta.date is None and undated:
        line += (f"; the assessment has no date, so conditions that count months from {', '.join(undated)} to it "
                 "cannot hold (add assessment: date: YYYY-MM-DD)")
    return line


def _compared_with_assessment_date(framework) -> list[str]:
    from . import conditions as cond
    return sorted({leaf.ref for node in framework.conditions() for leaf in cond.leaves(node)
                   if leaf.op in cond.RELATIVE_DATE_OPS})
