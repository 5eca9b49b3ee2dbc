"""Find, load and check frameworks: a questionnaire file plus its rule files.

A framework root folder has `questionnaires/<id>.yaml` and `rules/<id>/*.yaml` (and may have
`report_templates/<id>/` and `tests/rules/<rule-id>/` fixtures). The built-in root ships in
the package; users add roots with `--frameworks-dir` or ASSESS_FRAMEWORKS_PATH.
Every problem found while loading is collected and raised together, each naming its line.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from . import conditions as cond
from .errors import AssessError, Diagnostic
from .models import META_VALUES, Principle, Question, QuestionnaireFile, Rule, RulesFile, Section
from .yamlio import Document, load_yaml

ENV_PATH = "ASSESS_FRAMEWORKS_PATH"
PLACEHOLDER = re.compile(r"\{(answer|meta):([^{}\s]*)\}")
META_PLACEHOLDERS = ("service", "organisation", "scope", "phase", "respondent", "kind", "date")


def builtin_root() -> Path:
    """Content ships inside the wheel as assess/_content; a source checkout has it at the top."""
    packaged = Path(__file__).parent / "_content"
    return packaged if (packaged / "questionnaires").is_dir() else Path(__file__).parent.parent


def search_roots(extra: Optional[list[Path]] = None) -> list[Path]:
    roots = [Path(p) for p in (extra or [])]
    roots += [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    roots.append(builtin_root())
    return roots


def discover(extra: Optional[list[Path]] = None) -> dict[str, Path]:
    """Framework id -> questionnaire file; earlier roots shadow later ones."""
    found: dict[str, Path] = {}
    for root in search_roots(extra):
        if not root.is_dir():
            raise AssessError(Diagnostic(str(root), 0, "", "frameworks folder not found"))
        for file in sorted((root / "questionnaires").glob("*.yaml")):
            found.setdefault(file.stem, file)
    return found


def find_framework(framework_id: str, extra: Optional[list[Path]] = None) -> "Framework":
    known = discover(extra)
    if framework_id not in known:
        raise AssessError(f"unknown framework {framework_id!r}{cond.suggest(framework_id, known)}; "
                          f"known: {', '.join(sorted(known)) or 'none'}")
    return load_framework(known[framework_id])


def frameworks_in(root: Path) -> list["Framework"]:
    """Load every framework in one root folder (for validate, lint and test-rules)."""
    files = sorted((Path(root) / "questionnaires").glob("*.yaml"))
    if not files:
        raise AssessError(Diagnostic(str(root), 0, "", "no questionnaires/*.yaml here: not a framework folder"))
    loaded, problems = [], []
    for file in files:
        try:
            loaded.append(load_framework(file))
        except AssessError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise AssessError(problems)
    return loaded


@dataclass
class Framework:
    """A loaded, checked framework, ready to evaluate answers against."""
    info: object
    principles: list[Principle]
    sections: list[Section]
    rules: list[Rule]
    questionnaire_file: Path
    rule_files: list[Path]
    hash: str
    questions: dict[str, Question] = field(default_factory=dict)
    section_of: dict[str, str] = field(default_factory=dict)
    visibility: dict[str, Optional[cond.Node]] = field(default_factory=dict)   # question id -> show_if (section and own)
    principle_applies: dict[str, Optional[cond.Node]] = field(default_factory=dict)
    lens_applies: dict[str, Optional[cond.Node]] = field(default_factory=dict)
    rule_conditions: dict[str, cond.Node] = field(default_factory=dict)
    derived: dict[str, list[str]] = field(default_factory=dict)   # fact -> ids of rules deriving it
    fact_order: list[str] = field(default_factory=list)            # derived facts, dependencies first
    rule_sources: dict[str, tuple[str, int]] = field(default_factory=dict)  # rule id -> (file, line)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def root(self) -> Path:
        return self.questionnaire_file.parent.parent

    def principle(self, principle_id: str) -> Principle:
        return next(p for p in self.principles if p.id == principle_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def level_name(self, level: Optional[int]) -> Optional[str]:
        return None if level is None else self.info.scale[level - 1].name


def framework_hash(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.relative_to(root).as_posix()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _load_cached(file: Path, stamp: tuple) -> Framework:
    return _load(file)


def load_framework(file: Path) -> Framework:
    """Load and check one framework from its questionnaire file (cached per file contents)."""
    file = Path(file)
    rule_dir = file.parent.parent / "rules" / file.stem
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in [file, *sorted(rule_dir.glob("*.yaml"))])
    return _load_cached(file, stamp)


def _validate(doc: Document, model, problems: list[Diagnostic]):
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown field {loc[-1]!r}"
            elif err["type"] == "missing":
                message = "required field is missing"
            problems.append(doc.diag(loc, message))
        return None


def _load(file: Path) -> Framework:
    problems: list[Diagnostic] = []
    doc = load_yaml(file)
    model = _validate(doc, QuestionnaireFile, problems)
    rule_dir = file.parent.parent / "rules" / file.stem
    rule_files = sorted(rule_dir.glob("*.yaml"))
    rule_docs: list[tuple[Document, RulesFile]] = []
    for rule_file in rule_files:
        try:
            rdoc = load_yaml(rule_file)
        except AssessError as exc:
            problems.extend(exc.diagnostics)
            continue
        parsed = _validate(rdoc, RulesFile, problems)
        if parsed is not None:
            rule_docs.append((rdoc, parsed))
    if model is None:
        raise AssessError(problems)
    if model.framework.id != file.stem:
        problems.append(doc.diag(("framework", "id"), f"must match the file name {file.stem!r}"))
    fw = Framework(info=model.framework, principles=model.principles, sections=model.sections,
                   rules=[r for _, rf in rule_docs for r in rf.rules], questionnaire_file=file,
                   rule_files=rule_files, hash=framework_hash([file, *rule_files], file.parent.parent))
    _check(fw, doc, rule_docs, problems)
    if problems:
        raise AssessError(problems)
    return fw


def _check(fw: Framework, doc: Document, rule_docs: list[tuple[Document, RulesFile]], problems: list[Diagnostic]) -> None:
    def report_in(d: Document):
        return lambda path, msg: problems.append(d.diag(path, msg))

    levels = len(fw.info.scale)
    lens_ids = [l.id for l in fw.info.lenses]
    principle_ids = [p.id for p in fw.principles]
    _duplicates(doc, [("framework", "lenses", i, "id") for i in range(len(lens_ids))], lens_ids, "lens", problems)
    _duplicates(doc, [("principles", i, "id") for i in range(len(principle_ids))], principle_ids, "principle", problems)
    _duplicates(doc, [("sections", i, "id") for i in range(len(fw.sections))], [s.id for s in fw.sections], "section", problems)
    for i, p in enumerate(fw.principles):
        if p.lens not in lens_ids:
            problems.append(doc.diag(("principles", i, "lens"), f"unknown lens {p.lens!r}; expected one of {', '.join(lens_ids)}"))

    # questions, in questionnaire order
    paths: dict[str, tuple] = {}
    order: dict[str, int] = {}
    for si, section in enumerate(fw.sections):
        for qi, q in enumerate(section.questions):
            path = ("sections", si, "questions", qi)
            if q.id in fw.questions:
                problems.append(doc.diag(path + ("id",), f"duplicate question id {q.id!r}"))
                continue
            if q.id in META_VALUES:
                problems.append(doc.diag(path + ("id",), f"{q.id!r} is assessment metadata, not a question id"))
            fw.questions[q.id] = q
            fw.section_of[q.id] = section.id
            paths[q.id] = path
            order[q.id] = len(order)
    informed: dict[str, int] = {p: 0 for p in principle_ids}
    for qid, q in fw.questions.items():
        path = paths[qid]
        for oi, opt in enumerate(q.options):
            if opt.level is not None and opt.level > levels:
                problems.append(doc.diag(path + ("options", oi, "level"), f"level {opt.level} is above the scale's top level {levels}"))
        for key, lvl in q.levels.items():
            if lvl < 1 or lvl > levels:
                problems.append(doc.diag(path + ("levels", key), f"level must be 1..{levels}"))
        for ci, lvl in enumerate(q.count_levels):
            if lvl < 1 or lvl > levels:
                problems.append(doc.diag(path + ("count_levels", ci), f"level must be 1..{levels}"))
        if q.type == "scale":
            for k in q.scale_labels:
                if not q.min <= k <= q.max:
                    problems.append(doc.diag(path + ("scale_labels", k), f"{k} is outside {q.min:g}..{q.max:g}"))
        for ii, inform in enumerate(q.informs):
            if inform.principle not in informed:
                problems.append(doc.diag(path + ("informs", ii, "principle"), f"unknown principle {inform.principle!r}{cond.suggest(inform.principle, informed)}"))
                continue
            if q.type in ("number", "text", "date"):
                problems.append(doc.diag(path + ("informs",), f"{q.type} questions cannot be scored; use them in rules"))
                continue
            if q.type == "single" and all(o.level is None for o in q.options):
                problems.append(doc.diag(path + ("options",), "a scored question needs levels on its options"))
            if q.type == "yesno" and set(q.levels) != {"yes", "no"}:
                problems.append(doc.diag(path + ("levels",), "a scored yesno question needs levels for yes and no"))
            if q.type == "multi" and not q.count_levels and all(o.level is None for o in q.options):
                problems.append(doc.diag(path + ("options",), "a scored multi question needs option levels or count_levels"))
            informed[inform.principle] += 1
    for i, p in enumerate(fw.principles):
        if informed.get(p.id) == 0:
            problems.append(doc.diag(("principles", i, "id"), f"principle {p.id!r} has no scored questions informing it"))

    # rules: ids, principles, caps
    rule_paths: dict[str, tuple[Document, tuple]] = {}
    for rdoc, rfile in rule_docs:
        for ri, rule in enumerate(rfile.rules):
            path = ("rules", ri)
            if rule.id in rule_paths:
                other = rule_paths[rule.id][0]
                problems.append(rdoc.diag(path + ("id",), f"duplicate rule id {rule.id!r} (also in {other.file}:{other.line(rule_paths[rule.id][1])})"))
                continue
            rule_paths[rule.id] = (rdoc, path)
            fw.rule_sources[rule.id] = (rdoc.file, rdoc.line(path + ("id",)))
            if rule.principle and rule.principle not in informed:
                problems.append(rdoc.diag(path + ("principle",), f"unknown principle {rule.principle!r}{cond.suggest(rule.principle, informed)}"))
            for ci, cap in enumerate(rule.caps):
                target = cap.principle or rule.principle
                if target not in informed:
                    problems.append(rdoc.diag(path + ("caps", ci, "principle"), f"unknown principle {target!r}"))
                if cap.max_level >= levels:
                    problems.append(rdoc.diag(path + ("caps", ci, "max_level"), f"a cap must be below the top level {levels}"))
            if rule.derive:
                fw.derived.setdefault(rule.derive, []).append(rule.id)
            if rule.finding:
                for key in ("title", "rationale", "recommendation", "owner"):
                    for kind, ref in PLACEHOLDER.findall(getattr(rule.finding, key)):
                        if (kind == "answer" and ref not in fw.questions) or (kind == "meta" and ref not in META_PLACEHOLDERS):
                            known = fw.questions if kind == "answer" else META_PLACEHOLDERS
                            problems.append(rdoc.diag(path + ("finding", key), f"unknown placeholder {{{kind}:{ref}}}{cond.suggest(ref, known)}"))

    # conditions
    facts = set(fw.derived)
    for si, section in enumerate(fw.sections):
        section_node = None
        if section.show_if is not None:
            first = order.get(section.questions[0].id, 0)
            ctx = cond.ConditionContext(fw.questions, facts, report_in(doc), allow_facts=False, earlier_than=order, position=first)
            section_node = cond.parse(section.show_if, ctx, ("sections", si, "show_if"))
        for q in section.questions:
            if fw.section_of.get(q.id) != section.id or paths.get(q.id, (None, si))[1] != si:
                continue
            own = None
            if q.show_if is not None:
                ctx = cond.ConditionContext(fw.questions, facts, report_in(doc), allow_facts=False, earlier_than=order, position=order[q.id])
                own = cond.parse(q.show_if, ctx, paths[q.id] + ("show_if",))
            parts = tuple(n for n in (section_node, own) if n is not None)
            fw.visibility[q.id] = None if not parts else parts[0] if len(parts) == 1 else cond.All(parts)
    for i, p in enumerate(fw.principles):
        fw.principle_applies[p.id] = _parse_optional(p.applies_if, fw, facts, report_in(doc), ("principles", i, "applies_if"))
    for i, lens in enumerate(fw.info.lenses):
        fw.lens_applies[lens.id] = _parse_optional(lens.applies_if, fw, facts, report_in(doc), ("framework", "lenses", i, "applies_if"))
    used_facts: set[str] = set()
    depends: dict[str, set[str]] = {f: set() for f in facts}
    for rule_id, (rdoc, path) in rule_paths.items():
        rule = fw.rule(rule_id)
        ctx = cond.ConditionContext(fw.questions, facts, report_in(rdoc))
        node = cond.parse(rule.when, ctx, path + ("when",))
        if node is None:
            continue
        fw.rule_conditions[rule_id] = node
        refs = {leaf.ref for leaf in cond.leaves(node) if leaf.kind == "fact"}
        used_facts |= refs
        if rule.derive:
            depends[rule.derive] |= refs
        try:
            cond.dnf(cond.nnf(node))
            if rule.derive:
                cond.dnf(cond.nnf(node, negate=True))
        except ValueError as exc:
            problems.append(rdoc.diag(path + ("when",), str(exc)))
    for fact_name, rule_ids in sorted(fw.derived.items()):
        if fact_name not in used_facts:
            rdoc, path = rule_paths[rule_ids[0]]
            problems.append(rdoc.diag(path + ("derive",), f"derived fact {fact_name!r} is used by no condition"))
    fw.fact_order = _topological(depends, rule_paths, fw, problems)


def _parse_optional(raw, fw: Framework, facts, report, path):
    if raw is None:
        return None
    return cond.parse(raw, cond.ConditionContext(fw.questions, facts, report, allow_facts=False), path)


def _duplicates(doc: Document, paths: list[tuple], ids: list[str], what: str, problems: list[Diagnostic]) -> None:
    seen = set()
    for path, ident in zip(paths, ids):
        if ident in seen:
            problems.append(doc.diag(path, f"duplicate {what} id {ident!r}"))
        seen.add(ident)


def _topological(depends: dict[str, set[str]], rule_paths, fw: Framework, problems: list[Diagnostic]) -> list[str]:
    """Derived facts ordered so each comes after the facts its rules look at; cycles are errors."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = trail[trail.index(name):] + [name]
            rdoc, path = rule_paths[fw.derived[name][0]]
            problems.append(rdoc.diag(path + ("derive",), f"derived facts form a cycle: {' -> '.join(cycle)}"))
            return
        state[name] = 1
        for dep in sorted(depends.get(name, ())):
            if dep in depends:
                visit(dep, trail + [name])
        state[name] = 2
        order.append(name)

    for name in sorted(depends):
        visit(name, [])
    return order
