"""Find, load and check frameworks: a questionnaire file plus its rule files.

A framework root folder has `questionnaires/<id>.yaml` and `rules/<id>/*.yaml` (and may have
`report_templates/<id>/` and `tests/rules/<rule-id>/` fixtures). The built-in root ships in
the package; users add roots with `--frameworks-dir` or ASSESS_FRAMEWORKS_PATH.
Every problem found while loading is collected and raised together, each naming its line.
Ids are unique across all roots: a user's framework never silently replaces a built-in one.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Optional

from . import conditions as cond
from .errors import AssessError, Diagnostic
from .models import Principle, Question, QuestionnaireFile, Rule, RulesFile, Section
from .placeholders import META_PLACEHOLDERS, PLACEHOLDER, TextSite  # noqa: F401  (scoring fills PLACEHOLDER)
from .limits import QUESTIONNAIRE_FILE_BYTES, RULES_FILE_BYTES
from .yamlio import Document, load_yaml

ENV_PATH = "ASSESS_FRAMEWORKS_PATH"
BUILT_IN = "built-in"


def builtin_root() -> Path:
    """Content ships inside the wheel as assess/_content; a source checkout has it at the top."""
    packaged = Path(__file__).parent / "_content"
    return packaged if (packaged / "questionnaires").is_dir() else Path(__file__).parent.parent


def _roots(extra: Optional[list[Path]] = None) -> list[tuple[Path, str]]:
    """(folder, where it came from), user folders first; each folder once."""
    roots = [(Path(p), "--frameworks-dir") for p in (extra or [])]
    roots += [(Path(p), ENV_PATH) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    roots.append((builtin_root(), BUILT_IN))
    seen: set[Path] = set()
    out = []
    for root, origin in roots:
        key = root.resolve()
        if key not in seen:
            seen.add(key)
            out.append((root, origin))
    return out


def search_roots(extra: Optional[list[Path]] = None) -> list[Path]:
    return [root for root, _ in _roots(extra)]


def root_problem(root: Path, origin: Optional[str] = None) -> Optional[Diagnostic]:
    """Why a folder is not a frameworks root (questionnaires/<id>.yaml, rules/<id>/), or None."""
    where = f" (from {origin})" if origin else ""
    if not root.exists():
        return Diagnostic(str(root), 0, "", f"folder does not exist{where}")
    if not root.is_dir():
        return Diagnostic(str(root), 0, "", f"is a file, not a frameworks folder{where}")
    if any((root / "questionnaires").glob("*.yaml")):
        return None
    hint = ""
    if root.name in ("questionnaires", "rules", "tests") or (root.parent / "questionnaires").is_dir():
        hint = f"; did you mean {root.parent}?"
    elif (root / "questionnaires").is_dir():
        hint = "; its questionnaires/ folder has no .yaml files"
    return Diagnostic(str(root), 0, "", f"not a frameworks folder{where}: it has no questionnaires/*.yaml "
                                        f"(a frameworks folder holds questionnaires/<id>.yaml and rules/<id>/*.yaml){hint}")


def discover(extra: Optional[list[Path]] = None) -> dict[str, Path]:
    """Framework id -> questionnaire file, over the user folders and the built-in one.

    A folder that holds no frameworks is refused, and so is an id defined twice: a user's
    framework never silently hides a built-in one (or another user's)."""
    found: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    for root, origin in _roots(extra):
        problem = None if origin == BUILT_IN else root_problem(root, origin)
        if problem:
            problems.append(problem)
            continue
        for file in sorted((root / "questionnaires").glob("*.yaml")):
            if file.stem in found:
                first = found[file.stem]
                problems.append(Diagnostic(str(first), 0, "", f"framework {file.stem!r} is also defined in {file}; "
                                                              "each framework needs its own id (the questionnaire's file name)"))
            else:
                found[file.stem] = file
    if problems:
        raise AssessError(problems)
    return found


def find_framework(framework_id: str, extra: Optional[list[Path]] = None) -> "Framework":
    known = discover(extra)
    if framework_id not in known:
        raise AssessError(f"unknown framework {framework_id!r}{cond.suggest(framework_id, known)}; "
                          f"known: {', '.join(sorted(known)) or 'none'}")
    return load_framework(known[framework_id])


def load_all(extra: Optional[list[Path]] = None) -> tuple[list["Framework"], list[Diagnostic]]:
    """Every framework that loads, and the problems of those that do not."""
    loaded, problems = [], []
    for _, file in sorted(discover(extra).items()):
        try:
            loaded.append(load_framework(file))
        except AssessError as exc:
            problems.extend(exc.diagnostics)
    return loaded, problems


def frameworks_in(root: Path, only: Optional[str] = None) -> list["Framework"]:
    """Load every framework in one root folder, or just `only` (for validate, lint and test-rules)."""
    root = Path(root)
    problem = root_problem(root)
    if problem:
        raise AssessError(problem)
    files = sorted((root / "questionnaires").glob("*.yaml"))
    if only is not None:
        ids = [f.stem for f in files]
        if only not in ids:
            raise AssessError(f"no framework {only!r} in {root}{cond.suggest(only, ids)}; it has: {', '.join(ids)}")
        files = [f for f in files if f.stem == only]
    loaded, problems = [], []
    if only is None:
        ids = {f.stem for f in files}
        for folder in sorted(p for p in (root / "rules").glob("*") if p.is_dir() and p.name not in ids):
            problems.append(Diagnostic(str(folder), 0, "", f"rules for no framework: there is no questionnaires/{folder.name}.yaml"
                                                           f"{cond.suggest(folder.name, ids)}"))
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
    rule_sources: dict[str, tuple[str, int]] = field(default_factory=dict)      # rule id -> (file, line)
    question_sources: dict[str, tuple[str, int]] = field(default_factory=dict)  # question id -> (file, line)
    principle_sources: dict[str, tuple[str, int]] = field(default_factory=dict)
    text_sites: list[TextSite] = field(default_factory=list)       # every text field, for placeholder checks
    engine_parts: list = field(default_factory=list)   # the rules as engine rulesets (engine.Part), planned at load

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def root(self) -> Path:
        return self.questionnaire_file.parent.parent

    @cached_property
    def informing(self) -> dict[str, list[tuple[str, float]]]:
        """Principle id -> (question id, weight) of each scored question informing it, in questionnaire order."""
        out: dict[str, list[tuple[str, float]]] = {}
        for qid, q in self.questions.items():
            if q.scored:
                for principle_id in dict.fromkeys(i.principle for i in q.informs):   # the first weight given counts
                    weight = next(i.weight for i in q.informs if i.principle == principle_id)
                    out.setdefault(principle_id, []).append((qid, weight))
        return out

    def principle(self, principle_id: str) -> Principle:
        return next(p for p in self.principles if p.id == principle_id)

    @cached_property
    def _rules_by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> Rule:
        """Looked up by id: scoring asks once per finding and cap, which a long scan makes quadratic."""
        return self._rules_by_id[rule_id]

    def conditions(self) -> list[cond.Node]:
        """Every parsed condition: show_if, applies_if of principles and lenses, rules."""
        return [n for n in (*self.visibility.values(), *self.principle_applies.values(),
                            *self.lens_applies.values(), *self.rule_conditions.values()) if n is not None]

    def level_name(self, level: Optional[int]) -> Optional[str]:
        return None if level is None else self.info.scale[level - 1].name


def framework_hash(docs: list[Document], root: Path) -> str:
    """The hash of the bytes each file had when it was parsed (never a second read)."""
    return _content_hash([(Path(d.file), d.raw) for d in docs], root)


def _content_hash(files: list[tuple[Path, bytes]], root: Path) -> str:
    """Names relative to the root and bytes, in name order: the same files give the same hash."""
    digest = hashlib.sha256()
    for name, raw in sorted((f.relative_to(root).as_posix(), raw) for f, raw in files):
        digest.update(name.encode() + b"\0")
        digest.update(raw + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _load_cached(file: Path, stamp: tuple) -> Framework:
    from . import fwcache
    content_hash = _cache_key(file)
    if content_hash is None:
        return _load(file)
    return fwcache.load_through(file, content_hash, Framework, lambda: _load(file))


def _cache_key(file: Path) -> Optional[str]:
    """The content hash to look a framework up by, or None when only a fresh read can say
    what is wrong (a misnamed, unreadable, oversized or special rule file)."""
    rule_dir = file.parent.parent / "rules" / file.stem
    if any(rule_dir.glob("*.yml")):
        return None
    files = [file, *sorted(rule_dir.glob("*.yaml"))]
    try:
        limits = [QUESTIONNAIRE_FILE_BYTES] + [RULES_FILE_BYTES] * (len(files) - 1)
        infos = [os.stat(f) for f in files]
        if not all(stat.S_ISREG(i.st_mode) and i.st_size <= limit for i, limit in zip(infos, limits)):
            return None
        return _content_hash([(f, f.read_bytes()) for f in files], file.parent.parent)
    except OSError:
        return None


def load_framework(file: Path) -> Framework:
    """Load and check one framework from its questionnaire file (cached per file contents)."""
    file = Path(file)
    rule_dir = file.parent.parent / "rules" / file.stem
    stamp = tuple((str(f), *_stamp(f)) for f in [file, *sorted(rule_dir.glob("*.yaml"))])
    return _load_cached(file, stamp)


def _stamp(file: Path) -> tuple:
    """What tells a changed file from the one cached; a file that cannot be looked at has none
    (the load that follows says why)."""
    try:
        info = os.stat(file)
    except OSError:
        return (None, None)
    return (info.st_mtime_ns, info.st_size)


def _load(file: Path) -> Framework:
    from .crosscheck import check_framework
    from .itemwise import Dropped, questionnaire_item, rules_item, validate_items   # only when the YAML is read
    problems: list[Diagnostic] = []
    dropped = Dropped()
    doc = load_yaml(file, limit=QUESTIONNAIRE_FILE_BYTES)
    model, qdoc = validate_items(doc, QuestionnaireFile, questionnaire_item, problems, dropped)
    rule_dir = file.parent.parent / "rules" / file.stem
    rule_files = sorted(rule_dir.glob("*.yaml"))
    for misnamed in sorted(rule_dir.glob("*.yml")):
        problems.append(Diagnostic(str(misnamed), 0, "", "not read: rule files end in .yaml"))
    rule_docs, read = [], [doc]
    for rule_file in rule_files:
        try:
            rdoc = load_yaml(rule_file, limit=RULES_FILE_BYTES)
            read.append(rdoc)
        except AssessError as exc:
            problems.extend(exc.diagnostics)
            dropped.unread_rules = True
            continue
        parsed, rview = validate_items(rdoc, RulesFile, rules_item, problems, dropped)
        if parsed is not None:
            rule_docs.append((rview, parsed))
    if model is None:
        raise AssessError(problems)
    if model.framework.id != file.stem:
        problems.append(qdoc.diag(("framework", "id"), f"must match the file name {file.stem!r}"))
    fw = Framework(info=model.framework, principles=model.principles, sections=model.sections,
                   rules=[r for _, rf in rule_docs for r in rf.rules], questionnaire_file=file,
                   rule_files=rule_files, hash=framework_hash(read, file.parent.parent))
    check_framework(fw, qdoc, rule_docs, problems, dropped)
    if problems:
        raise AssessError(problems)
    return fw
