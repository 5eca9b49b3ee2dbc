"""A programme board's view of many services, from a folder of answers files.

Files are evaluated by assess/batch.py (in worker processes when there are many), then
rolled up here without further engine work. The roll-up is split so that workers share it:
what one assessment alone decides (its row, its risk findings, its keys) is made where the
file is read (board_entry, the map step), and this process only groups, orders, counts and
compares the assessments of a service (build_portfolio, the reduce step).

- A service is its framework plus its service and organisation (compare.service_identity:
  case and spacing aside). Its latest assessment fills the heatmap: the latest date; on the
  same date an assessor's over a self-assessment, then a consensus (written by `assess
  merge`) over one respondent's, then the file name. The one before it of the same kind
  gives its movement.
- Age is measured from the as-of date (today unless given), so a folder of old files shows
  as stale; the as-of date is stated in every output.
- Risk ranking (RISK_ORDER): services whose risk is known come first, ordered by overall
  rating (red, then amber, then green), then the number of high, then of medium risk
  findings, then the share of red principles, then low findings, then the lower overall
  score. A service whose risk is not known (no overall level, or fewer than LOW_ANSWERED
  of its applicable questions answered) is never ranked as low risk: it is listed apart.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from pydantic import BaseModel

from .batch import evaluate_files as _evaluate
from .decisions import decided_overall, decided_rating
from .compare import rag_word, service_identity
from .gap import DATES_APART_DAYS, LARGE_GAP
from .merge import CONSENSUS_PREFIX
from .models import SEVERITY_ORDER, Result

STALE_DAYS = 365
LOW_ANSWERED = 0.8        # share of applicable questions answered, below which confidence is low
LOW_EVIDENCED = 0.3       # share of scored answers with evidence, below which confidence is low
SYSTEMIC_SHARE = 0.1      # a rule is systemic when it fires in this share of services (and at least two)
RAG_RANK = {"red": 0, "amber": 1, "green": 2}
KIND_RANK = {"self": 0, "assessor": 1}   # on the same date the later in this order is the latest
RISK_ORDER = ("overall rating (red, amber, green)", "high risk findings", "medium risk findings",
              "share of red principles", "low risk findings", "overall score")


class Skipped(BaseModel):
    file: str
    problems: list[str]


class Cell(BaseModel):
    principle: str
    level: Optional[int]
    rag: Optional[str]
    status: str                    # scored, gated, not-enough-evidence, not-applicable
    capped: bool                   # a binding cap holds the level down
    decided: bool = False          # level and rating are a panel's recorded decision, not the engine's proposal
    engine_level: Optional[int] = None   # the engine's proposal, where a decision overrides it
    engine_rag: Optional[str] = None


class Movement(BaseModel):
    previous_file: str
    previous_date: Optional[str]
    overall_from: Optional[int]
    overall_to: Optional[int]
    overall_delta: Optional[int]
    up: list[str]                  # principle titles that moved up
    down: list[str]
    findings_new: int
    findings_resolved: int


class GapFlag(BaseModel):
    self_file: str
    assessor_file: str
    principles: list[dict]         # id, title, self_level, assessor_level, gap
    days_apart: Optional[int] = None


class ServiceRow(BaseModel):
    key: str
    framework: str
    service: str
    organisation: str
    file: str
    date: Optional[str]
    kind: str
    overall_level: Optional[int]
    overall_rag: Optional[str]
    overall_score: Optional[float]
    overall_decided: bool = False  # the overall rating is a recorded decision
    overall_engine_level: Optional[int] = None   # the engine's proposal, where the overall decision overrides it
    overall_engine_rag: Optional[str] = None
    cells: list[Cell]
    risks: dict[str, int]          # severity -> count of risk findings
    red_share: float               # red principles among applicable principles with a level
    risk_known: bool
    risk_unknown_why: str = ""
    answered_share: float
    evidenced_share: float
    age_days: Optional[int]        # days before the as-of date; negative when dated after it
    stale: bool
    low_confidence: bool
    assessments: int               # how many files this service has in the portfolio
    movement: Optional[Movement] = None
    gap: Optional[GapFlag] = None

    def cell(self, principle: str) -> Optional[Cell]:
        return next((c for c in self.cells if c.principle == principle), None)


class FrameworkBlock(BaseModel):
    id: str
    title: str
    versions: list[str]
    principles: list[dict]         # id, title, lens
    services: list[ServiceRow]
    rag_counts: dict[str, dict[str, int]]   # principle id -> green/amber/red/none -> count
    overall_rag_counts: dict[str, int]
    rag_labels: dict[str, str] = {}


class SystemicFinding(BaseModel):
    framework: str
    framework_title: str = ""
    rule: str
    principle: str
    severity: str
    title: str
    services: int
    share: float
    service_names: list[str]


class Portfolio(BaseModel):
    as_of: str                      # ages are measured back from this date
    stale_days: int
    large_gap: int = LARGE_GAP
    files: int
    evaluated: int
    skipped: list[Skipped]
    frameworks: list[FrameworkBlock]
    systemic: list[SystemicFinding]
    ranked: list[str]               # service keys: known risk, highest first, then unknown risk

    def rows(self) -> list[ServiceRow]:
        return [row for block in self.frameworks for row in block.services]

    def row(self, key: str) -> ServiceRow:
        return next(r for r in self.rows() if r.key == key)

    def block(self, framework: str) -> FrameworkBlock:
        return next(b for b in self.frameworks if b.id == framework)


# ---------------------------------------------------------------- finding and evaluating files

RESULT_SUFFIX = ".result.json"   # saved results (`assess evaluate --format json`) a folder is read for


def is_portfolio_file(path: Path) -> bool:
    """An answers file, or a saved result named so: other JSON in a folder (a schema for an
    editor, an earlier board's output) is not taken for an assessment."""
    return path.suffix.lower() in (".yaml", ".yml") or path.name.lower().endswith(RESULT_SUFFIX)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Answers files and saved results under the given folders (recursively) plus files named
    directly; a file reached twice (by a relative and an absolute path, or a link) counts once."""
    from .errors import AssessError, Diagnostic
    found: dict[Path, Path] = {}
    problems = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            candidates = _files_under(path, path.resolve())
        elif path.exists():
            candidates = [(path, path.resolve())]
        else:
            problems.append(Diagnostic(str(path), 0, "", "no such file or folder"))
            continue
        for f, real in candidates:
            found.setdefault(real, f)
    if problems:
        raise AssessError(problems)
    return list(found.values())


def _files_under(folder: Path, real: Path) -> list[tuple[Path, Path]]:
    """Each assessment file under `folder` (whose real path is `real`) and its real path, in
    the order of sorted(folder.rglob("*")); hidden files and folders are left out, and a
    linked folder is not entered (as rglob). Not only regular files: a pipe or a device named
    like an assessment is read, refused by name and listed as skipped, never passed over in
    silence. Only a link needs resolving: below a real folder, every other name is real already
    (resolving each of 10,000 files took half a second)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except (PermissionError, NotADirectoryError):
        return []
    out: list[tuple[Path, Path]] = []
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir():      # following a link, as rglob's test does
            if not entry.is_symlink():
                out += _files_under(path, real / entry.name)
        elif is_portfolio_file(path):
            out.append((path, path.resolve() if entry.is_symlink() else real / entry.name))
    return out


def evaluate_files(files: list[Path], frameworks_dirs: Optional[list[Path]] = None, workers: Optional[int] = None,
                   on_progress=None, settings=None) -> tuple[list[tuple[str, Result]], list[Skipped]]:
    """Evaluate every file (assess/batch.py); results in file order, bad files as Skipped.
    Each result is cut to its board_digest where it is made."""
    return _read(files, frameworks_dirs, workers, on_progress, settings, board_digest)


def read_board(files: list[Path], frameworks_dirs: Optional[list[Path]] = None, workers: Optional[int] = None,
               on_progress=None, settings=None, meanwhile=None) -> tuple[list[Entry], list[Skipped]]:
    """What build_portfolio needs of every file, each made where the file is read: with workers,
    the per-assessment part of the roll-up runs in them and only small entries come back.
    `meanwhile`: see batch.evaluate_files."""
    entries, skipped = _read(files, frameworks_dirs, workers, on_progress, settings, board_entry, meanwhile)
    return [e for _, e in entries], skipped


def _read(files, frameworks_dirs, workers, on_progress, settings, digest, meanwhile=None) -> tuple[list, list[Skipped]]:
    _one_copy.clear()   # shared only within one board
    done, skipped = _evaluate(files, frameworks_dirs, workers, on_progress, settings, digest=digest, meanwhile=meanwhile)
    return done, [Skipped(file=f, problems=p) for f, p in skipped]


@dataclass
class Entry:
    """One assessment as the roll-up reads it: its heatmap row as if it were its service's only
    assessment (the roll-up adds age, movement and gaps), and the keys it is grouped, ordered
    and counted by. Made by board_entry where the file is read. Between processes the row and
    the cut-down result travel as JSON, which reads back quicker than a pickle, and each is
    read back only when used: the result only for a service assessed more than once, the row
    as it arrives (while workers still read, rather than in the roll-up after them)."""
    file: str
    service: tuple            # framework id, service and organisation as compared (service_identity)
    same: tuple               # the service, framework hash and answers hash: the same assessment twice
    when: tuple               # oldest first (_when)
    framework: dict
    principles: list          # id, title, lens
    rag_labels: dict
    name: str                 # service (organisation), as systemic findings list it
    risks: list               # (rule, principle, severity, title) of each risk finding, in the result's order
    row: object               # ServiceRow, or its JSON
    result: object            # board_digest of the Result, or its JSON

    def __getstate__(self) -> dict:
        return dict(self.__dict__, row=_json(self.row), result=_json(self.result))

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.service_row()

    def service_row(self) -> ServiceRow:
        if isinstance(self.row, str):
            self.row = ServiceRow.model_validate_json(self.row)
        return self.row

    def digest(self) -> Result:
        if isinstance(self.result, str):
            self.result = board_digest(Result.model_validate_json(self.result))
        return self.result


def _json(value) -> str:
    return value if isinstance(value, str) else value.model_dump_json()


def board_entry(result: Result, file: str) -> Entry:
    """The Entry of one assessment (the map step of the roll-up)."""
    r = board_digest(result)
    service = (r.framework["id"], *service_identity(r.assessment))
    return Entry(file=file, service=service, same=(*service, r.framework.get("hash"), r.answers_hash), when=_when((file, r)),
                 framework=r.framework, principles=[{"id": p.id, "title": p.title, "lens": p.lens} for p in r.principles],
                 rag_labels=r.rag_labels, name=_service_name(r),
                 risks=[(f.rule, f.principle, f.severity, f.title) for f in r.findings if f.kind == "risk"],
                 row=_row_of(file, r), result=r)


_one_copy: dict = {}   # in each process: one object for each finding, scale and lens result that many results share


def board_digest(result: Result, file: Optional[str] = None) -> Result:   # file: batch's digest signature
    """The result without what no board output reads: the answers, each principle's
    contributing answers, and each finding's explanation and owner. About a seventh of a saved
    result's size, so results come back from workers quickly; levels, caps, ratings,
    decisions, finding ids and titles (all that the roll-up, movement and gaps use) are kept
    whole. Findings, scales and lens results alike across results are held once, so 10,000
    results fit in memory. Applied twice (in a worker and again where its JSON arrives), it
    gives the same result."""
    fw = result.framework.get("hash")
    return result.model_copy(update={
        "answers": [], "findings": [_one_finding(fw, f) for f in result.findings],
        "principles": [p.model_copy(update={"contributions": [], "not_applicable": [], "unanswered": []})
                       if p.contributions or p.not_applicable or p.unanswered else p for p in result.principles],
        "scale": _one_copy.setdefault(("scale", fw, tuple((s.level, s.name, s.description) for s in result.scale)), result.scale),
        "lenses": _one_copy.setdefault(("lenses", fw, tuple((lens.id, lens.title, lens.applicable, lens.level, lens.level_name, lens.score, lens.rag, tuple(lens.principles))
                                                       for lens in result.lenses)),
                                       result.lenses)})


def _one_finding(fw: Optional[str], f):
    key = ("finding", fw, f.rule, f.principle, f.kind, f.severity, f.title)
    if key not in _one_copy:
        _one_copy[key] = f.model_copy(update={"rationale": "", "recommendation": "", "owner": "", "because": []})
    return _one_copy[key]


# ---------------------------------------------------------------- the roll-up (pure)

def build_portfolio(evaluated: list, skipped: list[Skipped] = (), stale_days: int = STALE_DAYS,
                    files: Optional[int] = None, as_of: Optional[dt.date] = None, large_gap: int = LARGE_GAP) -> Portfolio:
    """The board from Entries (read_board) or from (file, Result) pairs."""
    as_of = as_of or dt.date.today()
    entries = [e if isinstance(e, Entry) else board_entry(e[1], e[0]) for e in evaluated]
    groups: dict[tuple, list[Entry]] = {}
    seen: set[tuple] = set()
    # an answers file and a result saved from it are one assessment: the answers file (scored now) counts
    # (two services that happen to give the same answers are still two services)
    for entry in sorted(entries, key=lambda e: e.file.lower().endswith(".json")):
        if entry.same[-1] and entry.same in seen:
            continue
        seen.add(entry.same)
        groups.setdefault(entry.service, []).append(entry)
    for items in groups.values():
        items.sort(key=lambda e: e.when)
    by_framework: dict[str, list[list[Entry]]] = {}
    for (fid, _, _), items in sorted(groups.items()):
        by_framework.setdefault(fid, []).append(items)
    blocks = []
    for fid, services in sorted(by_framework.items()):
        newest = max((items[-1] for items in services), key=lambda e: e.when)   # its principles head the heatmap
        versions = sorted({e.framework["version"] for items in services for e in items})
        blocks.append(_block(fid, newest.framework["title"], versions, newest.principles, newest.rag_labels,
                             [_row(items, as_of, stale_days, large_gap) for items in services]))
    latest = {items[-1].service_row().key: items[-1] for items in groups.values()}
    titles = {b.id: b.title for b in blocks}
    rows = [r for b in blocks for r in b.services]
    ranked = sorted((r for r in rows if r.risk_known), key=risk_key) + \
        sorted((r for r in rows if not r.risk_known), key=lambda r: (r.answered_share, r.service.casefold(), r.key))
    return Portfolio(as_of=as_of.isoformat(), stale_days=stale_days, large_gap=large_gap,
                     files=files if files is not None else len(entries) + len(skipped),
                     evaluated=len(entries), skipped=list(skipped), frameworks=blocks,
                     systemic=systemic_findings(latest, titles), ranked=[r.key for r in ranked])


def risk_key(row: ServiceRow) -> tuple:
    """RISK_ORDER as a sort key: the riskiest service sorts first."""
    return (RAG_RANK.get(row.overall_rag, 3), -row.risks["high"], -row.risks["medium"], -row.red_share,
            -row.risks["low"], row.overall_score if row.overall_score is not None else math.inf,
            row.service.casefold(), row.key)


def _when(item: tuple[str, Result]) -> tuple:
    """Oldest first: date, then an assessor's after a self-assessment, then a consensus after
    one respondent's, then file name."""
    file, result = item
    meta = result.assessment
    consensus = str(meta.get("respondent") or "").startswith(CONSENSUS_PREFIX)
    return (meta.get("date") or "", KIND_RANK.get(meta.get("kind"), 0), consensus, os.path.basename(file), file)


def _key(result: Result) -> str:
    meta = result.assessment
    return f"{result.framework['id']}/{meta['service']}/{meta.get('organisation') or ''}"


def _row(items: list[Entry], as_of: dt.date, stale_days: int, large_gap: int) -> ServiceRow:
    """A service's row: its latest assessment's, with its age and, when it has more than one
    assessment, its movement and gap (the reduce step of the roll-up)."""
    date = items[-1].service_row().date
    age = (as_of - dt.date.fromisoformat(str(date))).days if date else None
    update = {"age_days": age, "stale": age is None or age > stale_days, "assessments": len(items)}
    if len(items) > 1:
        pairs = [(e.file, e.digest()) for e in items]
        update.update(movement=_movement(pairs), gap=_gap(pairs, large_gap))
    return items[-1].service_row().model_copy(update=update)


def _row_of(file: str, r: Result) -> ServiceRow:
    """One assessment's row, all that it alone decides; age, movement and gap are _row's."""
    meta = r.assessment
    risks = {s: sum(1 for f in r.findings if f.kind == "risk" and f.severity == s) for s in ("high", "medium", "low")}
    levelled = [p for p in r.principles if p.applicable and p.level is not None]
    rated = {p.id: decided_rating(r, p.id) for p in r.principles}    # what was published: decision, else proposal
    overall = decided_overall(r)
    conf = r.confidence
    unknown_why = _risk_unknown(r)
    return ServiceRow(
        key=_key(r), framework=r.framework["id"],
        service=meta["service"], organisation=meta.get("organisation") or "", file=file, date=meta.get("date"), kind=meta.get("kind", ""),
        overall_level=overall.level, overall_rag=overall.rag,
        overall_score=r.overall.get("score"), overall_decided=overall.decided,
        overall_engine_level=_engine(overall)[0], overall_engine_rag=_engine(overall)[1],
        cells=[Cell(principle=p.id, level=rated[p.id].level if p.applicable else None,
                    rag=rated[p.id].rag if p.applicable else None,
                    status=p.status if p.applicable else "not-applicable",
                    capped=p.applicable and any(c.binding for c in p.caps),
                    decided=p.applicable and rated[p.id].decided,
                    engine_level=_engine(rated[p.id])[0] if p.applicable else None,
                    engine_rag=_engine(rated[p.id])[1] if p.applicable else None) for p in r.principles],
        risks=risks, red_share=round(sum(1 for p in levelled if rated[p.id].rag == "red") / len(levelled), 4) if levelled else 0.0,
        risk_known=not unknown_why, risk_unknown_why=unknown_why,
        answered_share=conf.answered_share, evidenced_share=conf.evidenced_share,
        age_days=None, stale=False, assessments=1,     # the service's, set by _row
        low_confidence=conf.answered_share < LOW_ANSWERED or conf.evidenced_share < LOW_EVIDENCED
        or any(p.status in ("not-enough-evidence", "gated") for p in r.principles if p.applicable))


def _engine(rating) -> tuple[Optional[int], Optional[str]]:
    """The engine's level and RAG where a decision overrides them, to show beside the decision
    as the engine's; (None, None) for a proposal or a decision that agrees with it. A decision
    that gives a RAG but no level has no level of its own: the engine's is shown only here."""
    if not (rating.decided and rating.differs):
        return None, None
    return rating.proposed_level, rating.proposed_rag


def _risk_unknown(r: Result) -> str:
    """Why a service's risk cannot be ranked, or "" when it can."""
    if r.confidence.answered_share < LOW_ANSWERED:
        return f"only {round(r.confidence.answered_share * 100)}% of applicable questions answered"
    if r.overall.get("level") is None:
        return "no overall level: not enough evidence"
    return ""


def _movement(items: list[tuple[str, Result]]) -> Optional[Movement]:
    from .compare import compare_results
    file, latest = items[-1]
    earlier = [it for it in items[:-1] if it[1].assessment.get("kind") == latest.assessment.get("kind")]
    if not earlier:
        return None
    previous_file, previous = earlier[-1]
    c = compare_results(previous, latest, allow_other_service=True)   # grouped by service already
    return Movement(previous_file=previous_file, previous_date=previous.assessment.get("date"),
                    overall_from=c.overall.old_level, overall_to=c.overall.new_level, overall_delta=c.overall.delta,
                    up=[p.title for p in c.principles if p.movement == "up"],
                    down=[p.title for p in c.principles if p.movement == "down"],
                    findings_new=sum(1 for f in c.findings_with("new") if f.finding.kind == "risk"),
                    findings_resolved=sum(1 for f in c.findings_with("resolved") if f.finding.kind == "risk"))


def _gap(items: list[tuple[str, Result]], large_gap: int) -> Optional[GapFlag]:
    """Large self/assessor gaps between the latest of each kind, when the service has both."""
    from .gap import gap_results
    by_kind = {r.assessment.get("kind"): (f, r) for f, r in items}   # items are oldest first: the last wins
    if "self" not in by_kind or "assessor" not in by_kind:
        return None
    g = gap_results(by_kind["self"][1], by_kind["assessor"][1], allow_other_service=True, large_gap=large_gap)
    if not g.large:
        return None
    return GapFlag(self_file=by_kind["self"][0], assessor_file=by_kind["assessor"][0], days_apart=g.days_apart,
                   principles=[{"id": p.id, "title": p.title, "self_level": p.self_level,
                                "assessor_level": p.assessor_level, "gap": p.gap} for p in g.large])


def _block(fid: str, title: str, versions: list[str], principles: list[dict], labels: dict[str, str],
           rows: list[ServiceRow]) -> FrameworkBlock:
    rows = sorted(rows, key=lambda r: (r.service.casefold(), r.organisation.casefold(), r.key))
    counts = {p["id"]: {"green": 0, "amber": 0, "red": 0, "none": 0} for p in principles}
    for row in rows:
        for cell in row.cells:
            if cell.principle in counts and cell.status != "not-applicable":
                counts[cell.principle][cell.rag or "none"] += 1
    overall = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for row in rows:
        overall[row.overall_rag or "none"] += 1
    return FrameworkBlock(id=fid, title=title, versions=versions, principles=principles, services=rows,
                          rag_counts=counts, overall_rag_counts=overall, rag_labels=labels)


def systemic_findings(latest: dict[str, Entry], titles: Optional[dict[str, str]] = None) -> list[SystemicFinding]:
    """Risk rules that fire in many services' latest assessments, by reach, then severity."""
    per_framework: dict[str, int] = {}
    hits: dict[tuple[str, str], list[str]] = {}
    sample = {}
    for key, entry in sorted(latest.items()):
        fid = entry.framework["id"]
        per_framework[fid] = per_framework.get(fid, 0) + 1
        for risk in entry.risks:
            hits.setdefault((fid, risk[0]), []).append(entry.name)
            sample.setdefault((fid, risk[0]), risk)
    out = []
    for (fid, rule), services in hits.items():
        total = per_framework[fid]
        if len(services) < max(2, math.ceil(SYSTEMIC_SHARE * total)):
            continue
        _, principle, severity, title = sample[(fid, rule)]
        out.append(SystemicFinding(framework=fid, framework_title=(titles or {}).get(fid, fid), rule=rule,
                                   principle=principle, severity=severity, title=title, services=len(services),
                                   share=round(len(services) / total, 4), service_names=sorted(services, key=str.casefold)))
    return sorted(out, key=lambda s: (-s.services, SEVERITY_ORDER[s.severity], s.framework, s.rule))


def _service_name(result: Result) -> str:
    meta = result.assessment
    return meta["service"] + (f" ({meta['organisation']})" if meta.get("organisation") else "")


# ---------------------------------------------------------------- outputs

CSV_COLUMNS = ("framework", "service", "organisation", "date", "kind", "file", "principle", "level", "rag", "status",
               "risk_rank", "risk_known", "high", "medium", "low", "as_of", "age_days", "stale", "low_confidence",
               "gap_flag", "overall_change", "rating_source", "engine_level", "engine_rag")


def portfolio_csv(portfolio: Portfolio) -> str:
    """One row per service and principle, plus an `overall` row per service: easy to pivot.
    Every cell is neutralised as the report's CSV is, so no cell runs as a formula."""
    import csv
    import io

    from .reports.csv import neutralise
    rank = {key: i + 1 for i, key in enumerate(portfolio.ranked)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def write(cells: list) -> None:
        writer.writerow([neutralise(c) for c in cells])

    write(list(CSV_COLUMNS))
    for block in portfolio.frameworks:
        for row in block.services:
            change = row.movement.overall_delta if row.movement and row.movement.overall_delta is not None else ""
            common = [block.id, row.service, row.organisation, row.date or "", row.kind, row.file]
            flags = [rank[row.key] if row.risk_known else "", str(row.risk_known).lower(), row.risks["high"],
                     row.risks["medium"], row.risks["low"], portfolio.as_of, "" if row.age_days is None else row.age_days,
                     str(row.stale).lower(), str(row.low_confidence).lower(), str(row.gap is not None).lower(), change]
            write(common + ["overall", row.overall_level or "", row.overall_rag or "", "", *flags,
                            "decision" if row.overall_decided else "proposal",
                            row.overall_engine_level or "", row.overall_engine_rag or ""])
            for cell in row.cells:
                write(common + [cell.principle, cell.level or "", cell.rag or "", cell.status, *flags,
                                "decision" if cell.decided else "proposal", cell.engine_level or "", cell.engine_rag or ""])
    for skip in portfolio.skipped:
        write(["", "", "", "", "", skip.file, "skipped", "", "", "; ".join(skip.problems)] + [""] * (len(CSV_COLUMNS) - 10))
    return buffer.getvalue()


HEATMAP_ROWS = 100   # services per framework's heatmap before it shows the riskiest and summarises the rest


@dataclass
class Heatmap:
    """One framework's heatmap as the board shows it: every service, or, past the cap, the
    services most at risk in risk order with every organisation summarised."""
    block: FrameworkBlock
    rows: list[ServiceRow]
    capped: bool
    ranks: dict[str, int]                 # service key -> risk rank (as the CSV's risk_rank), known risk only
    organisations: list[dict] = field(default_factory=list)   # name, services, red, amber, green, none, stale, low_confidence


def heatmaps(portfolio: Portfolio, most: int = HEATMAP_ROWS) -> list[Heatmap]:
    """Each framework's heatmap, cut to the `most` services most at risk (0: never cut). A
    10,000-row table is neither readable nor quick to print; the full list goes to the CSV."""
    known = {r.key for r in portfolio.rows() if r.risk_known}
    ranks = {key: i + 1 for i, key in enumerate(portfolio.ranked) if key in known}
    out = []
    for block in portfolio.frameworks:
        if not most or len(block.services) <= most:
            out.append(Heatmap(block=block, rows=block.services, capped=False, ranks={}))
            continue
        in_block = {r.key: r for r in block.services}
        riskiest = [in_block[k] for k in portfolio.ranked if k in in_block][:most]
        out.append(Heatmap(block=block, rows=riskiest, capped=True, ranks=ranks,
                           organisations=organisation_summary(block.services)))
    return out


def organisation_summary(rows: list[ServiceRow]) -> list[dict]:
    """Per organisation (by name, case aside): its services and how they are rated."""
    groups: dict[str, list[ServiceRow]] = {}
    for row in rows:
        groups.setdefault(row.organisation.casefold(), []).append(row)
    out = []
    for _, members in sorted(groups.items()):
        counts = {rag: sum(1 for r in members if (r.overall_rag or "none") == rag) for rag in ("red", "amber", "green", "none")}
        out.append({"name": members[0].organisation, "services": len(members), **counts,
                    "stale": sum(1 for r in members if r.stale), "low_confidence": sum(1 for r in members if r.low_confidence)})
    return out


SKIPPED_NAMED = "each is named in the error output of the command that made this board, and in its CSV and JSON outputs"


def board_context(portfolio: Portfolio, top_risks: int = 20, listed: int = 40, names_shown: int = 8,
                  heatmap_rows: int = HEATMAP_ROWS, full_list: Optional[str] = None, organisation: Optional[str] = None,
                  skipped_named: str = SKIPPED_NAMED) -> dict:
    """What the board templates show; long lists are cut at `listed` (the heatmap flags every
    row it shows) and each heatmap at `heatmap_rows` services; `full_list` names the CSV
    written beside the report with every service, when there is one; `skipped_named` says where
    the files left out beyond `listed` are named."""
    rows = {r.key: r for r in portfolio.rows()}
    ranked = [rows[k] for k in portfolio.ranked]
    labels = {b.id: b.rag_labels for b in portfolio.frameworks}
    shown = heatmaps(portfolio, heatmap_rows)
    return {"p": portfolio, "title": "Portfolio board report", "listed": listed, "names_shown": names_shown,
            "skipped_named": skipped_named,
            "heatmaps": shown, "heatmap_rows": heatmap_rows or len(rows), "full_list": full_list,
            "every_row_shown": not any(h.capped for h in shown), "organisation": organisation,
            "doc_date": portfolio.as_of, "mixed": len(portfolio.frameworks) > 1,
            "titles": {b.id: b.title for b in portfolio.frameworks},
            "rag_word": lambda framework, rag: rag_word(rag, labels.get(framework, {})),
            "ranked": [r for r in ranked if r.risk_known][:top_risks],
            "ranked_total": sum(1 for r in ranked if r.risk_known),
            "unknown_risk": [r for r in ranked if not r.risk_known],
            "risk_order": RISK_ORDER,
            "moved": [r for r in portfolio.rows() if r.movement is not None],
            "gaps": [r for r in portfolio.rows() if r.gap is not None],
            "gaps_far": any(r.gap.days_apart is not None and r.gap.days_apart > DATES_APART_DAYS
                            for r in portfolio.rows() if r.gap is not None),
            "stale": [r for r in portfolio.rows() if r.stale],
            "low_confidence": [r for r in portfolio.rows() if r.low_confidence],
            "gated": any(c.status == "gated" for r in portfolio.rows() for c in r.cells),
            "decided": any(r.overall_decided or any(c.decided for c in r.cells) for r in portfolio.rows()),
            "thresholds": {"low_answered": LOW_ANSWERED, "low_evidenced": LOW_EVIDENCED, "systemic_share": SYSTEMIC_SHARE,
                           "dates_apart": DATES_APART_DAYS}}
