"""A programme board's view of many services, from a folder of answers files.

Files are evaluated in worker processes (one engine per process: durable-rules has no locks),
then rolled up here without further engine work. A service is its framework, service name and
organisation; its latest assessment (by date, then file name) fills the heatmap, and the one
before it (of the same kind) gives its movement. Staleness is measured from the newest
assessment date in the portfolio, never from today, so the same files give the same report.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Callable, Iterable, Optional

from pydantic import BaseModel

from .models import SEVERITY_ORDER, Result

STALE_DAYS = 365
LOW_ANSWERED = 0.8        # share of applicable questions answered, below which confidence is low
LOW_EVIDENCED = 0.3       # share of scored answers with evidence, below which confidence is low
SEVERITY_WEIGHT = {"high": 3, "medium": 2, "low": 1, "info": 0}
RAG_WEIGHT = {"red": 2, "amber": 1}
SYSTEMIC_SHARE = 0.1      # a rule is systemic when it fires in this share of services (and at least two)
IN_PROCESS_BELOW = 16     # fewer files than this are evaluated without starting workers


class Skipped(BaseModel):
    file: str
    problems: list[str]


class Cell(BaseModel):
    principle: str
    level: Optional[int]
    rag: Optional[str]
    status: str
    capped: bool


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
    cells: list[Cell]
    risks: dict[str, int]          # severity -> count of risk findings
    risk_score: int
    answered_share: float
    evidenced_share: float
    age_days: Optional[int]
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


class SystemicFinding(BaseModel):
    framework: str
    rule: str
    principle: str
    severity: str
    title: str
    services: int
    share: float
    service_names: list[str]


class Portfolio(BaseModel):
    reference_date: Optional[str]   # the newest assessment date: staleness is measured from it
    stale_days: int
    files: int
    evaluated: int
    skipped: list[Skipped]
    frameworks: list[FrameworkBlock]
    systemic: list[SystemicFinding]
    ranked: list[str]               # service keys, highest risk first

    def rows(self) -> list[ServiceRow]:
        return [row for block in self.frameworks for row in block.services]

    def row(self, key: str) -> ServiceRow:
        return next(r for r in self.rows() if r.key == key)


# ---------------------------------------------------------------- finding and evaluating files

def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Answers files under the given folders (recursively) plus files named directly."""
    from .errors import AssessError, Diagnostic
    found: list[Path] = []
    problems = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += [f for f in sorted(path.rglob("*")) if f.suffix.lower() in (".yaml", ".yml") and f.is_file()
                      and not any(part.startswith(".") for part in f.relative_to(path).parts)]
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Diagnostic(str(path), 0, "", "no such file or folder"))
    if problems:
        raise AssessError(problems)
    return list(dict.fromkeys(found))


def _evaluate_batch(paths: list[str], frameworks_dirs: list[str]) -> list[tuple]:
    """In a worker: evaluate each file; a bad file becomes its problems, never an exception."""
    from .errors import AssessError, EngineError
    from .pipeline import evaluate_file
    out = []
    for path in paths:
        try:
            out.append(("ok", path, evaluate_file(path, [Path(d) for d in frameworks_dirs])))
        except AssessError as exc:
            out.append(("skip", path, [str(d) for d in exc.diagnostics]))
        except EngineError as exc:
            out.append(("skip", path, [f"{path}: {exc}"]))
        except Exception as exc:   # one broken file must not stop a board report of hundreds
            out.append(("skip", path, [f"{path}: could not be evaluated ({type(exc).__name__}: {exc})"]))
    return out


def evaluate_files(files: list[Path], frameworks_dirs: Optional[list[Path]] = None, workers: Optional[int] = None,
                   on_progress: Optional[Callable[[int], None]] = None) -> tuple[list[tuple[str, Result]], list[Skipped]]:
    """Evaluate every file, in worker processes when there are enough; results in file order."""
    names = [str(f) for f in files]
    dirs = [str(d) for d in frameworks_dirs or []]
    workers = workers or os.cpu_count() or 1
    outcomes: list[tuple] = []
    if workers <= 1 or len(names) < IN_PROCESS_BELOW:
        for name in names:
            outcomes += _evaluate_batch([name], dirs)
            if on_progress:
                on_progress(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        size = max(1, min(25, math.ceil(len(names) / (workers * 4))))
        batches = [names[i:i + size] for i in range(0, len(names), size)]
        # spawn: each worker starts clean and builds its own engine, nothing inherited mid-state
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_evaluate_batch, batch, dirs): batch for batch in batches}
            for future in as_completed(futures):
                try:
                    done = future.result()
                except Exception as exc:   # a worker that died takes only its own batch with it
                    done = [("skip", name, [f"{name}: the worker evaluating it stopped ({type(exc).__name__})"])
                            for name in futures[future]]
                outcomes += done
                if on_progress:
                    on_progress(len(done))
    order = {name: i for i, name in enumerate(names)}
    outcomes.sort(key=lambda o: order[o[1]])
    evaluated = [(o[1], o[2]) for o in outcomes if o[0] == "ok"]
    skipped = [Skipped(file=o[1], problems=o[2]) for o in outcomes if o[0] == "skip"]
    return evaluated, skipped


# ---------------------------------------------------------------- the roll-up (pure)

def build_portfolio(evaluated: list[tuple[str, Result]], skipped: list[Skipped] = (), stale_days: int = STALE_DAYS,
                    files: Optional[int] = None) -> Portfolio:
    groups: dict[tuple, list[tuple[str, Result]]] = {}
    for file, result in evaluated:
        meta = result.assessment
        groups.setdefault((result.framework["id"], meta["service"], meta.get("organisation") or ""), []).append((file, result))
    for items in groups.values():
        items.sort(key=_when)
    reference = max((items[-1][1].assessment.get("date") or "" for items in groups.values()), default="") or None
    by_framework: dict[str, list[list[tuple[str, Result]]]] = {}
    for (fid, _, _), items in sorted(groups.items()):
        by_framework.setdefault(fid, []).append(items)
    blocks = []
    for fid, services in sorted(by_framework.items()):
        newest = max((items[-1] for items in services), key=_when)[1]   # its principles head the heatmap
        versions = sorted({r.framework["version"] for items in services for _, r in items})
        principles = [{"id": p.id, "title": p.title, "lens": p.lens} for p in newest.principles]
        blocks.append(_block(fid, newest.framework["title"], versions, principles,
                             [_row(items, reference, stale_days) for items in services]))
    latest_results = {_key(fid, svc, org): items[-1][1] for (fid, svc, org), items in groups.items()}
    ranked = sorted((r for b in blocks for r in b.services),
                    key=lambda r: (-r.risk_score, r.overall_score if r.overall_score is not None else -1, r.service, r.key))
    return Portfolio(reference_date=reference, stale_days=stale_days, files=files if files is not None else len(evaluated) + len(skipped),
                     evaluated=len(evaluated), skipped=list(skipped), frameworks=blocks,
                     systemic=systemic_findings(latest_results), ranked=[r.key for r in ranked])


def _when(item: tuple[str, Result]) -> tuple:
    file, result = item
    return (result.assessment.get("date") or "", Path(file).name, file)


def _key(framework: str, service: str, organisation: str) -> str:
    return f"{framework}/{service}/{organisation}"


def _row(items: list[tuple[str, Result]], reference: Optional[str], stale_days: int) -> ServiceRow:
    file, r = items[-1]
    meta = r.assessment
    risks = {s: sum(1 for f in r.findings if f.kind == "risk" and f.severity == s) for s in ("high", "medium", "low")}
    rags = [p.rag for p in r.principles if p.applicable]
    date = meta.get("date")
    age = (dt.date.fromisoformat(reference) - dt.date.fromisoformat(date)).days if date and reference else None
    conf = r.confidence
    return ServiceRow(
        key=_key(r.framework["id"], meta["service"], meta.get("organisation") or ""), framework=r.framework["id"],
        service=meta["service"], organisation=meta.get("organisation") or "", file=file, date=date, kind=meta.get("kind", ""),
        overall_level=r.overall.get("level"), overall_rag=r.overall.get("rag"), overall_score=r.overall.get("score"),
        cells=[Cell(principle=p.id, level=p.level if p.applicable else None, rag=p.rag if p.applicable else None,
                    status=p.status if p.applicable else "not-applicable", capped=bool(p.caps)) for p in r.principles],
        risks=risks, risk_score=sum(SEVERITY_WEIGHT[s] * n for s, n in risks.items()) + sum(RAG_WEIGHT.get(x, 0) for x in rags),
        answered_share=conf.answered_share, evidenced_share=conf.evidenced_share, age_days=age,
        stale=age is None or age > stale_days,
        low_confidence=conf.answered_share < LOW_ANSWERED or conf.evidenced_share < LOW_EVIDENCED
        or any(p.status == "not-enough-evidence" for p in r.principles if p.applicable),
        assessments=len(items), movement=_movement(items), gap=_gap(items))


def _movement(items: list[tuple[str, Result]]) -> Optional[Movement]:
    from .compare import compare_results
    file, latest = items[-1]
    earlier = [it for it in items[:-1] if it[1].assessment.get("kind") == latest.assessment.get("kind")]
    if not earlier:
        return None
    previous_file, previous = earlier[-1]
    c = compare_results(previous, latest)
    return Movement(previous_file=previous_file, previous_date=previous.assessment.get("date"),
                    overall_from=c.overall.old_level, overall_to=c.overall.new_level, overall_delta=c.overall.delta,
                    up=[p.title for p in c.principles if p.movement == "up"],
                    down=[p.title for p in c.principles if p.movement == "down"],
                    findings_new=sum(1 for f in c.findings_with("new") if f.finding.kind == "risk"),
                    findings_resolved=sum(1 for f in c.findings_with("resolved") if f.finding.kind == "risk"))


def _gap(items: list[tuple[str, Result]]) -> Optional[GapFlag]:
    """Large self/assessor gaps between the latest of each kind, when the service has both."""
    from .gap import gap_results
    by_kind = {r.assessment.get("kind"): (f, r) for f, r in items}   # items are oldest first: the last wins
    if "self" not in by_kind or "assessor" not in by_kind:
        return None
    g = gap_results(by_kind["self"][1], by_kind["assessor"][1])
    if not g.large:
        return None
    return GapFlag(self_file=by_kind["self"][0], assessor_file=by_kind["assessor"][0],
                   principles=[{"id": p.id, "title": p.title, "self_level": p.self_level,
                                "assessor_level": p.assessor_level, "gap": p.gap} for p in g.large])


def _block(fid: str, title: str, versions: list[str], principles: list[dict], rows: list[ServiceRow]) -> FrameworkBlock:
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
                          rag_counts=counts, overall_rag_counts=overall)


def systemic_findings(latest: dict[str, Result]) -> list[SystemicFinding]:
    """Risk rules that fire in many services' latest assessments, by reach, then severity."""
    per_framework: dict[str, int] = {}
    hits: dict[tuple[str, str], list[str]] = {}
    sample = {}
    for key, result in sorted(latest.items()):
        fid = result.framework["id"]
        per_framework[fid] = per_framework.get(fid, 0) + 1
        for f in result.findings:
            if f.kind == "risk":
                hits.setdefault((fid, f.rule), []).append(result.assessment["service"])
                sample.setdefault((fid, f.rule), f)
    out = []
    for (fid, rule), services in hits.items():
        total = per_framework[fid]
        if len(services) < max(2, math.ceil(SYSTEMIC_SHARE * total)):
            continue
        f = sample[(fid, rule)]
        out.append(SystemicFinding(framework=fid, rule=rule, principle=f.principle, severity=f.severity,
                                   title=f.title, services=len(services), share=round(len(services) / total, 4),
                                   service_names=sorted(services)))
    return sorted(out, key=lambda s: (-s.services, SEVERITY_ORDER[s.severity], s.framework, s.rule))


# ---------------------------------------------------------------- outputs

CSV_COLUMNS = ("framework", "service", "organisation", "date", "kind", "file", "principle", "level", "rag", "status",
               "risk_score", "stale", "low_confidence", "gap_flag", "overall_change")


def portfolio_csv(portfolio: Portfolio) -> str:
    """One row per service and principle, plus an `overall` row per service: easy to pivot."""
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for block in portfolio.frameworks:
        for row in block.services:
            change = row.movement.overall_delta if row.movement and row.movement.overall_delta is not None else ""
            common = [block.id, _cell_text(row.service), _cell_text(row.organisation), row.date or "", row.kind, row.file]
            flags = [row.risk_score, str(row.stale).lower(), str(row.low_confidence).lower(), str(row.gap is not None).lower(), change]
            writer.writerow(common + ["overall", row.overall_level or "", row.overall_rag or "", "", *flags])
            for cell in row.cells:
                writer.writerow(common + [cell.principle, cell.level or "", cell.rag or "", cell.status, *flags])
    for skip in portfolio.skipped:
        writer.writerow(["", "", "", "", "", skip.file, "skipped", "", "", "; ".join(skip.problems)] + [""] * 5)
    return buffer.getvalue()


def _cell_text(text: str) -> str:
    """Keep a spreadsheet from running a formula typed into a service name."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def board_context(portfolio: Portfolio, top_risks: int = 20, listed: int = 40) -> dict:
    """What the board templates show; long lists are cut at `listed` (the heatmap flags every row)."""
    rows = {r.key: r for r in portfolio.rows()}
    return {"p": portfolio, "title": "Portfolio board report", "listed": listed,
            "doc_date": portfolio.reference_date or "2000-01-01",
            "ranked": [rows[k] for k in portfolio.ranked[:top_risks]], "ranked_total": len(portfolio.ranked),
            "moved": [r for r in portfolio.rows() if r.movement is not None],
            "gaps": [r for r in portfolio.rows() if r.gap is not None],
            "stale": [r for r in portfolio.rows() if r.stale],
            "low_confidence": [r for r in portfolio.rows() if r.low_confidence],
            "thresholds": {"low_answered": LOW_ANSWERED, "low_evidenced": LOW_EVIDENCED, "systemic_share": SYSTEMIC_SHARE}}
