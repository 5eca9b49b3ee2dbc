"""`assess calibrate DIR...`: how often the tool's ratings agree with recorded panel or expert decisions."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import EXIT_FINDINGS, FrameworksDir, SettingsOption, dirs, fail, handle_errors, write_output


class CalibrateFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


class Split(str, Enum):
    all = "all"
    tune = "tune"
    check = "check"


class Measured(str, Enum):
    points = "points"
    overall = "overall"


class AmberAs(str, Enum):
    met = "met"
    not_met = "not-met"


@handle_errors
def calibrate(folders: List[Path] = typer.Argument(..., metavar="DIR...", help="Folders of cases: NAME.yaml with NAME.decisions.yaml beside it."),
              format: CalibrateFormat = typer.Option(CalibrateFormat.text, "--format", "-f"),
              output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; stdout if not given."),
              min_agreement: Optional[float] = typer.Option(
                  None, "--min-agreement", metavar="X", show_default=False,
                  help="Exit 1 when a framework's agreement is below X (0-1, or a percentage): per-point agreement on "
                       "the cases --split covers unless --on says otherwise, amber counted as --amber-as says."),
              split: Split = typer.Option(Split.all, "--split",
                                          help="Cases to report on and measure --min-agreement on: tune or check shows that "
                                               "split's figures and disagreements alone; all shows every case, then each split."),
              on: Measured = typer.Option(Measured.points, "--on", help="Figure --min-agreement applies to: per-point or overall agreement."),
              amber_as: AmberAs = typer.Option(AmberAs.met, "--amber-as",
                                               help="How the tool's amber counts against a met / not met decision in the headline and --min-agreement."),
              settings: Optional[Path] = SettingsOption,
              frameworks_dir: Optional[List[Path]] = FrameworksDir) -> None:
    """Evaluate every calibration case and report agreement, Cohen's kappa and confusion with the decisions."""
    from ..calibrate import below, calibrate as run, load_cases
    floor = None
    if min_agreement is not None:
        floor = min_agreement / 100 if min_agreement > 1 else min_agreement
        if not 0 <= floor <= 1:
            raise fail(f"--min-agreement must be a share from 0 to 1 or a percentage up to 100, not {min_agreement:g}")
    amber = amber_as.value.replace("-", "_")
    cases = load_cases(list(folders), dirs(frameworks_dir), settings)
    report = run(cases, amber, split.value)
    if cases and not report.frameworks:
        raise fail(f"none of the {len(cases)} case(s) is on split {split.value}: a decisions file names its split "
                   f"with `split: tune` or `split: check`")
    if format == CalibrateFormat.json:
        write_output(report.model_dump_json(indent=2) + "\n", output)
    else:
        write_output((markdown if format == CalibrateFormat.md else text)(report, amber), output)
    if floor is not None:
        failures = below(report, floor, split.value, on.value, amber)
        for line in failures:
            typer.echo(f"below --min-agreement: {line}", err=True)
        if failures:
            raise typer.Exit(EXIT_FINDINGS)


# ---------------------------------------------------------------- rendering

READING_COLUMNS = ["split", "what", "reading", "agreement", "kappa", "no rating", "rated only", "kappa (rated)", "coverage"]


def _pct(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:.0%}"


def _kappa(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:.2f}"


def _splits_line(fw, split: str) -> str:
    if split != "all":
        count = fw.cases[split]
        return f"{count} {split} case{'' if count == 1 else 's'} (only the {split} split is shown)"
    count = fw.cases["all"]
    return f"{count} case{'' if count == 1 else 's'} ({fw.cases['tune']} tune, {fw.cases['check']} check)"


def _headline_rows(fw, amber: str) -> list[list[str]]:
    rows = []
    for split in fw.headline[amber]:
        h = fw.headline[amber][split]
        rows.append([split] + [f"{_pct(h[k].agreement)} ({h[k].agreed}/{h[k].compared})" if h[k].compared else "–"
                               for k in ("points", "overall", "lenses")])
    return rows


def _figure_rows(fw) -> list[list[str]]:
    rows = []
    for split in fw.figures:
        for kind in ("points", "overall", "lenses"):
            for f in fw.figures[split][kind]:
                extra = f"; within one level {_pct(f.within_one)}" if f.within_one is not None else ""
                rated = f.compared - f.unrated
                rows.append([split, kind, f.reading, f"{_pct(f.agreement)} ({f.agreed}/{f.compared}){extra}",
                             _kappa(f.kappa), str(f.unrated), f"{_pct(f.rated_agreement)} ({f.agreed}/{rated})",
                             _kappa(f.rated_kappa), _pct(f.coverage)])
    return rows


def _confusions(fw, split: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for each reading on the points of the cases the report covers."""
    out = []
    cases = "all cases" if split == "all" else f"{split} cases"
    for f in fw.figures[split]["points"]:
        decisions = list(next(iter(f.confusion.values())).keys())
        rows = [[tool] + [str(row[d]) for d in decisions] for tool, row in f.confusion.items()]
        out.append((f"points on {cases}, {f.reading}: tool rating (rows) by decision (columns)", ["tool \\ decision"] + decisions, rows))
    return out


def _table_text(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def _amber_words(amber: str) -> str:
    return f"amber counted as {amber.replace('_', ' ')} against met / not met decisions; rag and level decisions compared by RAG"


WARNINGS_TITLE = "Warnings: answers the framework ignores"
WARNINGS_WHY = ("These cases answer questions the framework does not ask of them (at their phase, or given their "
                "other answers); the tool leaves those answers out, though a panel may have weighed them. "
                "Agreement figures are unchanged.")


def _ignored_words(warning) -> str:
    return "; ".join(f"{i.question} (asked only when {i.asked_when})" for i in warning.ignored_answers)


def text(report, amber: str) -> str:
    out = [f"How amber counts: {report.amber_rule}", ""]
    for fw in report.frameworks:
        out += [f"{fw.title} ({fw.framework}): {_splits_line(fw, report.split)}", "",
                f"Agreement ({_amber_words(amber)}):"]
        out += _table_text(["split", "points", "overall", "lenses"], _headline_rows(fw, amber)) + [""]
        out += ["Every reading:"] + _table_text(READING_COLUMNS, _figure_rows(fw)) + [""]
        for title, header, rows in _confusions(fw, report.split):
            out += [f"Confusion, {title}:"] + _table_text(header, rows) + [""]
        out.append(f"Per principle ({_amber_words(amber)}):")
        out += _table_text(["principle", "agreement", "no rating"],
                           [[p.id, f"{_pct(p.agreement)} ({p.agreed}/{p.decided})", str(p.unrated)] for p in fw.principles])
        out.append("")
        for p in fw.principles:
            for d in p.disagreements:
                out.append(f"  {p.id} in {d.case} [{d.split}]: decided {d.decision}, tool {d.tool}")
                out += [f"      {why}" for why in d.drivers]
                if d.note:
                    out.append(f"      decision note: {d.note}")
        if fw.overall:
            out += ["", "Overall and lens disagreements:"]
            for d in fw.overall:
                out.append(f"  {d.item} in {d.case} [{d.split}]: decided {d.decision}, tool {d.tool}")
                out += [f"      {why}" for why in d.drivers]
        out += ["", f"Incomplete evidence: {len(fw.incomplete)} decided point(s) the tool could not rate"]
        out += [f"  {i['principle']} in {i['case']} [{i['split']}]: {i['status']} (decided {i['decision']})" for i in fw.incomplete]
        if fw.warnings:
            out += ["", f"{WARNINGS_TITLE}. {WARNINGS_WHY}"]
            out += [f"  {w.case} [{w.split}], phase {w.phase}: {_ignored_words(w)}" for w in fw.warnings]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _table_md(header: list[str], rows: list[list[str]]) -> list[str]:
    esc = lambda c: c.replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]


def markdown(report, amber: str) -> str:
    out = ["# Calibration", "", f"**How amber counts.** {report.amber_rule}", ""]
    for fw in report.frameworks:
        out += [f"## {fw.title} (`{fw.framework}`)", "", _splits_line(fw, report.split) + ".", "",
                f"Agreement, {_amber_words(amber)}:", ""]
        out += _table_md(["split", "points", "overall", "lenses"], _headline_rows(fw, amber)) + [""]
        out += ["### Every reading", ""] + _table_md(READING_COLUMNS, _figure_rows(fw)) + [""]
        for title, header, rows in _confusions(fw, report.split):
            out += [f"Confusion, {title}:", ""] + _table_md(header, rows) + [""]
        out += ["### Per principle", ""]
        out += _table_md(["principle", "agreement", "no rating"],
                         [[p.id, f"{_pct(p.agreement)} ({p.agreed}/{p.decided})", str(p.unrated)] for p in fw.principles]) + [""]
        wrong = [(p.id, d) for p in fw.principles for d in p.disagreements] + [(d.item, d) for d in fw.overall]
        if wrong:
            out += ["### Disagreements and what drove them", ""]
            for item, d in wrong:
                out.append(f"- **{item}** in `{d.case}` ({d.split}): decided {d.decision}, tool {d.tool}")
                out += [f"  - {why}" for why in d.drivers]
                if d.note:
                    out.append(f"  - decision note: {d.note}")
            out.append("")
        out += ["### Incomplete evidence", "", f"{len(fw.incomplete)} decided point(s) the tool could not rate.", ""]
        out += [f"- {i['principle']} in `{i['case']}` ({i['split']}): {i['status']}, decided {i['decision']}" for i in fw.incomplete]
        if fw.warnings:
            out += ["", f"### {WARNINGS_TITLE}", "", WARNINGS_WHY, ""]
            out += [f"- `{w.case}` ({w.split}, phase {w.phase}): {_ignored_words(w)}" for w in fw.warnings]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
