"""The report as Markdown for a wiki page or a pull request: the same sections, no charts.

User text is escaped so it reads literally: no HTML, links or images can come from answers.
"""
from __future__ import annotations

import re

from ..models import Result
from .context import because_label, report_context
from .filters import level_text, long_date, num, pct

_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")
_BULLET_START = re.compile(r"^([-+>])")                 # would start a list or quote at the start of a line
_NUMBER_START = re.compile(r"^(\d+)([.)])(?=\s|$)")     # would start a numbered list


def md(text: object) -> str:
    """Plain text as inert Markdown: HTML-escaped, markup characters backslashed, one line."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = " ".join(_SPECIAL.sub(r"\\\1", s).split())
    return _NUMBER_START.sub(r"\1\\\2", _BULLET_START.sub(r"\\\1", s))


def _row(*cells: object) -> str:
    return "| " + " | ".join(md(c) for c in cells) + " |"


def _table(head: tuple[str, ...], rows: list[tuple]) -> list[str]:
    return [_row(*head), "|" + "|".join("---" for _ in head) + "|", *(_row(*r) for r in rows), ""]


def render_markdown(result: Result, framework=None) -> str:
    c = report_context(result, framework)
    meta, r = c["meta"], result
    out = [f"# {md(meta['service'])}: service assessment", ""]
    out += _table(("Field", "Value"), [
        ("Organisation", meta.get("organisation") or "Not recorded"),
        ("Framework", f"{r.framework['title']}, version {r.framework['version']}"),
        ("Scope", c["scope_label"]), ("Phase", str(meta.get("phase", "")).capitalize()),
        ("Assessment date", long_date(meta.get("date"))), ("Respondent", meta.get("respondent") or "Not recorded"),
        ("Kind", c["kind_label"]),
        ("Overall", f"{level_text(r.overall['level'], r.overall['level_name'])} ({r.overall['rag_label'] or 'no rating'})"),
    ])
    out += ["## Executive summary", "", md(c["reading"]), ""]
    out += _table(("Lens", "Level", "Rating"), [(l.title, level_text(l.level, l.level_name), r.rag_labels.get(l.rag, "–") if l.rag else "–")
                                               for l in c["lenses"]])
    out += ["### What matters most", ""]
    out += [f"{i}. **{md(a.finding.title)}** ({a.finding.severity}, {md(a.principle_title)})" for i, a in enumerate(c["top_actions"], 1)] or ["No risks were found."]
    out += ["", "### Strengths", ""]
    out += [f"- **{md(f.title)}**: {md(f.rationale)}" for f in c["strengths"]] or ["No strengths were identified."]
    out += ["", "## Principles", ""]
    out += _table(("Principle", "Level", "Rating", "Capped by"), [
        (pv.result.title, level_text(pv.result.level, pv.result.level_name, pv.result.status),
         r.rag_labels.get(pv.result.rag, "–") if pv.result.rag else "–",
         ", ".join(f"{x.rule} (≤ {x.max_level})" for x in pv.result.caps) or "–") for pv in c["principles"]])
    for pv in c["principles"]:
        p = pv.result
        out += [f"### {md(p.title)}", "", f"{md(level_text(p.level, p.level_name, p.status))}; score {num(p.score)}"
                + (f", after caps {num(p.capped_score)}" if p.caps else ""), ""]
        if p.contributions:
            out += _table(("Question", "Answer", "Level", "Weight"), [(x.text, x.label, num(x.level), num(x.weight)) for x in p.contributions])
        out += [f"- Capped at level {x.max_level} by `{md(x.rule)}`: {md(x.reason)}" for x in p.caps]
        out += [f"- Not applicable: {md(a.text)} (reason: {md(a.na_reason)})" for a in pv.na]
        for f in pv.risks + pv.strengths:
            out += ["", f"**{md(f.title)}** ({'strength' if f.kind == 'strength' else f.severity + ' risk'}, rule `{md(f.rule)}`)", "",
                    md(f.rationale)]
            if f.recommendation:
                out += ["", f"Recommendation: {md(f.recommendation)}"]
            out += ["", "Because: " + "; ".join(f"{md(because_label(b.ref, c['question_text']))}: {md(b.label)}" for b in f.because)]
        for text, items in pv.evidence:
            out += ["", f"Evidence for *{md(text)}*:"] + [f"> {md(e)}" for e in items]
        out.append("")
    out += ["## Action plan", ""]
    out += _table(("#", "Severity", "Finding", "Recommendation", "Owner"), [
        (i, a.finding.severity, a.finding.title, a.finding.recommendation, a.owner + (" (suggested)" if a.owner_suggested else ""))
        for i, a in enumerate(c["actions"], 1)]) if c["actions"] else ["No risks were found.", ""]
    out += ["## Methodology", "", "Levels are the weighted mean of answered, applicable questions, held down by any cap a rule "
            "sets. Not applicable answers are excluded, never scored as zero; too few answers gives “not enough evidence”.", ""]
    out += _table(("Level", "Name", "Meaning"), [(s.level, s.name, s.description or "–") for s in r.scale])
    out += [f"Answered {pct(r.confidence.answered_share)} of applicable questions; {pct(r.confidence.evidenced_share)} with evidence.", "",
            f"Framework hash: `{r.framework['hash']}`  ", f"Answers hash: `{r.answers_hash}`", ""]
    out += ["## Appendix: every answer", ""]
    for s in c["sections"]:
        out += [f"### {md(s.title)}", ""]
        out += _table(("Question", "Answer", "Evidence and notes"), [
            (a.text, _answer_text(a), "; ".join(a.evidence + ([f"Note: {a.note}"] if a.note else [])) or "–") for a in s.answers])
    return "\n".join(out).rstrip() + "\n"


def _answer_text(a) -> str:
    if not a.active:
        return "Not asked (hidden by an earlier answer)" + (f"; recorded: {a.label}" if a.state == "answered" else "")
    if a.state == "not-applicable":
        return f"Not applicable: {a.na_reason}"
    return a.label


def render(result: Result, template_dirs=None, framework_root=None, framework=None) -> bytes:
    return render_markdown(result, framework).encode("utf-8")
