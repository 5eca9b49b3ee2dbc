"""The report as Markdown for a wiki page or a pull request: the same sections, no charts.

User text is escaped so it reads literally: no HTML, links or images can come from answers,
and direction controls are removed (Markdown renderers have no reliable way to isolate them).
"""
from __future__ import annotations

import re

from ..models import Result
from .bidi import strip_controls
from ..decisions import proposal_note
from .context import because_label, more_findings, report_context
from .filters import SEVERITY_LABEL, binding_caps, level_text, long_date, num, pct, quiet_caps
from .since import change_text, delta_text, driver_label

_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")                   # only an & that would start an entity needs escaping
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")          # only a < that would start a tag or an autolink
_BULLET_START = re.compile(r"^([-+>])")                 # would start a list or quote at the start of a line
_NUMBER_START = re.compile(r"^(\d+)([.)])(?=\s|$)")     # would start a numbered list


def md(text: object) -> str:
    """Plain text as inert Markdown, one line: what would start a tag or an entity is escaped,
    markup characters are backslashed, and a > is left as it is (it quotes only at a line start)."""
    s = _TAG_START.sub("&lt;", _ENTITY.sub("&amp;", strip_controls(str(text))))
    s = " ".join(_SPECIAL.sub(r"\\\1", s).split())
    return _NUMBER_START.sub(r"\1\\\2", _BULLET_START.sub(r"\\\1", s))


def _row(*cells: object) -> str:
    return "| " + " | ".join(md(c) for c in cells) + " |"


def _table(head: tuple[str, ...], rows: list[tuple]) -> list[str]:
    return [_row(*head), "|" + "|".join("---" for _ in head) + "|", *(_row(*r) for r in rows), ""]


def render_markdown(result: Result, framework=None, comparison=None, plan=None, tracked=None) -> str:
    c = report_context(result, framework, comparison=comparison, plan=plan, tracked=tracked)
    meta, r = c["meta"], result
    out = [f"# {md(meta['service'])}: service {'reassessment' if r.reassessment else 'assessment'}", ""]
    out += _table(("Field", "Value"), [
        ("Organisation", meta.get("organisation") or "Not recorded"),
        ("Framework", f"{r.framework['title']}, version {r.framework['version']}"),
        ("Scope", c["scope_label"]), ("Phase", str(meta.get("phase", "")).capitalize()),
        ("Assessment date", long_date(meta.get("date"))), ("Respondent", meta.get("respondent") or "Not recorded"),
        ("Kind", c["kind_label"]),
        ("Overall decision" if c["overall_rating"].decided else "Overall",
         f"{level_text(c['overall_rating'].level, c['overall_rating'].level_name)} ({c['overall_rating'].rag_label or 'no rating'})"),
    ])
    out += ["## Executive summary", ""] + _decision(c) + [md(c["reading"]), ""]
    out += _table(("Lens", "Level", "Rating"), [(l.title, level_text(l.level, l.level_name), r.rag_labels.get(l.rag, "–") if l.rag else "–")
                                               for l in c["lenses"]])
    out += ["### What matters most", ""]
    out += [f"{i}. **{md(a.finding.title)}** ({a.finding.severity}, {md(a.principle_title)})" for i, a in enumerate(c["top_actions"], 1)] or ["No risks were found."]
    out += ["", "### Strengths", ""]
    out += [f"- **{md(f.title)}**: {md(f.rationale)}" for f in c["strengths"]] or ["No strengths were identified."]
    out += _since(c["since"], {l.id: l.title for l in r.lenses})
    t = c["terms"]
    out += ["", f"## {t.principles.capitalize()}", ""]
    any_caps = any(binding_caps(pv.result) for pv in c["principles"])
    proposed = ("Engine proposed",) if c["decided"] else ()
    out += _table((t.principle.capitalize(), "Level", "Score", "Rating") + proposed + (("Capped by",) if any_caps else ()), [
        (pv.result.title, level_text(pv.rating.level, pv.rating.level_name, pv.result.status if not pv.rating.decided else "scored"),
         num(pv.result.capped_score) if pv.result.capped_score is not None else "–",
         pv.rating.rag_label or "–",
         *((proposal_note(r, pv.rating).removeprefix("engine proposed ") or ("same" if pv.rating.decided else "no decision"),)
           if c["decided"] else ()))
        + ((", ".join(f"{x.rule} (≤ {x.max_level})" for x in binding_caps(pv.result)) or "–",) if any_caps else ())
        for pv in c["principles"]])
    if c["rag_thresholds"] is not None:
        rag = c["rag_thresholds"]
        out += [f"The rating follows the score after caps, not the level: {r.rag_labels['green']} from {num(rag.green)}, "
                f"{r.rag_labels['amber']} from {num(rag.amber)}, {r.rag_labels['red']} below.", ""]
    for pv in c["principles"]:
        p = pv.result
        score = f"score {num(p.score)}" + (f", after caps {num(p.capped_score)}" if p.capped_score != p.score else "")
        out += [f"### {md(p.title)}", ""] + ([md(pv.decision_text), ""] if pv.decision_text else [])
        out += [("Engine's proposal: " if pv.rating.decided else "") + f"{md(level_text(p.level, p.level_name, p.status))}; "
                + (score if p.score is not None else "not scored"), ""]
        if p.contributions:
            out += _table(("Question", "Answer", "Level", "Weight"), [(x.text, x.label, num(x.level), num(x.weight)) for x in p.contributions])
        verb = "Held at level {} by" if p.status == "gated" else "Capped at level {} by"
        out += [f"- {verb.format(x.max_level)} `{md(x.rule)}`: {md(x.reason)}" for x in binding_caps(p)]
        out += [f"- Also capped at level {x.max_level} by `{md(x.rule)}`, which does not change the level: {md(x.reason)}"
                for x in quiet_caps(p)]
        out += [f"- Not applicable: {md(a.text)} (reason: {md(a.na_reason)})" for a in pv.na]
        if pv.risks_in_brief:
            out += ["", f"{len(pv.risks)} risks, too many to set out one by one, so they are named by severity. The action plan "
                        "says what to do about each and who owns it; the CSV report (`assess report --format csv`) gives each "
                        "one's reasoning and the answers behind it.", ""]
            out += [f"- **{SEVERITY_LABEL.get(severity, severity)} ({len(group)}):** " + "; ".join(md(f.title) for f in group) + "."
                    for severity, group in pv.risks_by_severity]
        for f in ([] if pv.risks_in_brief else pv.risks) + pv.strengths:
            out += ["", f"**{md(f.title)}** ({'strength' if f.kind == 'strength' else f.severity + ' risk'}, rule `{md(f.rule)}`)", "",
                    md(f.rationale)]
            if f.recommendation:
                out += ["", f"Recommendation: {md(f.recommendation)}"]
            out += ["", "Because: " + "; ".join(f"{md(because_label(b.ref, c['question_text']))}: {md(b.label)}" for b in f.because)]
        for q in pv.evidence:
            out += ["", f"Evidence for *{md(q.text)}*:"] + [f"> {md(e)}" for e in q.items]
        for e in pv.evidence_elsewhere:
            out += ["", f"Evidence for *{md(e.quote.text)}*: quoted under {md(e.principle_title)}."]
        out.append("")
    out += ["## Action plan", ""]
    listed = c["action_list"]
    out += _table(("#", "Severity", "Finding", "Id", "Recommendation", "Owner", "Due"), [
        (i, a.finding.severity, a.finding.title, _action_id(a), a.finding.recommendation, _owner(a), a.due)
        for i, a in enumerate(listed.full, 1)]) if c["actions"] else ["No risks were found.", ""]
    if listed.rest:
        out += [f"Actions {listed.start_of_rest} to {len(c['actions'])} in brief, by title: the CSV report "
                "(`assess report --format csv`) gives each one's recommendation.", ""]
        out += _table(("#", "Severity", "Finding", "Id", t.principle.capitalize(), "Owner", "Due"), [
            (i, a.finding.severity, a.finding.title, _action_id(a), a.principle_title, _owner(a), a.due)
            for i, a in enumerate(listed.rest, listed.start_of_rest)])
    if c["point_actions"]:
        out += [f"### Actions on amber and red {t.principles}", ""]
        out += _table(("Action", "Id", "Owner", "Due", "Status"), [
            (a.title, a.id, _owner(a), a.due.isoformat() if a.due else "no date",
             a.status.capitalize()) for a in c["point_actions"]])
    out += _next_level(c["next_level"], c["plan_effects_of"])
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


def _decision(c) -> list[str]:
    """The panel's decision and what it changed, then for a reassessment the earlier decisions beside the new."""
    out = []
    if c["decided"]:
        o = c["overall_rating"]
        out += ["### The decision", "", md(c["overall_decision_text"])
                + (f" Decided by {md(o.decided_by)}" + (f" on {long_date(o.date)}" if o.date else "") + "." if o.decided_by else ""), ""]
        out += [f"- **{md(pv.result.title)}**: {md(pv.decision_text)}" for pv in c["overridden"]]
        out += [""] if c["overridden"] else ["Every decision recorded agrees with the engine's proposal.", ""]
    ra = c["reassessment"]
    if ra:
        t = c["terms"]
        out += ["### Reassessment", "", md(f"A reassessment of {ra['of']}" + (f" ({long_date(ra['date'])})" if ra['date'] else "")
                                           + f": {len(ra['redecided'])} re-decided, {len(ra['open'])} still open, "
                                           f"{len(ra['carried'])} carried with the earlier decision; "
                                           f"{ra['carried_answers']} answers carried over."), ""]
        out += _table((t.principle.capitalize(), "Status", "Earlier", "Now"),
                      [(x.title, x.status, x.earlier, x.now) for x in ra["rows"]])
        if ra["carried"]:
            out += [md("Carried with their earlier decision: " + "; ".join(ra["carried"]) + "."), ""]
    return out


def _since(since, lens_titles: dict[str, str]) -> list[str]:
    if since is None:
        return []
    c = since.comparison
    out = ["", "## Since last time", "", md(f"This assessment against {since.earlier}"
                                           + (f" by {c.old.respondent}" if c.old.respondent else "") + "."), ""]
    out += [f"> Note: {md(w)}." for w in since.notes] + ([""] if since.notes else [])
    out += [md(f"Overall level {change_text(c.overall)}. {len(since.new)} new, {len(since.resolved)} resolved and "
               f"{len(since.persisting)} persisting findings; {len(since.answers)} answers changed."), ""]
    out += _table(("Principle or lens", "Lens", "Earlier", "Now", "Change"),
                  [(lc.title, "Lens", _lv(lc.old_level), _lv(lc.new_level), delta_text(lc)) for lc in since.lenses]
                  + [(lc.title, lens_titles.get(lc.lens, lc.lens), _lv(lc.old_level), _lv(lc.new_level), delta_text(lc))
                     for lc in since.principles])
    out += ["### What moved each principle", ""]
    for lc in since.explained:
        out += [f"- **{md(lc.title)}** {md(change_text(lc))}"]
        out += [f"  - Cap lifted: `{md(x.rule)}` (≤ {x.max_level}): {md(x.reason)}" for x in lc.caps_lifted]
        out += [f"  - Cap added: `{md(x.rule)}` (≤ {x.max_level}): {md(x.reason)}" for x in lc.caps_added]
        out += [f"  - {md(driver_label(d))}: {md(d.old_label)} → **{md(d.new_label)}**" for d in lc.drivers]
    if not since.explained:
        out.append("No principle's level, caps or answers changed.")
    for title, items in (("New findings", since.new), ("Resolved findings", since.resolved),
                         ("Persisting findings", since.persisting)):
        out += ["", f"### {title} ({len(items)})", ""]
        for fc in items:
            why = "; ".join(f"{driver_label(d)}: {d.old_label} → {d.new_label}" for d in fc.drivers)
            label = fc.finding.severity if fc.finding.kind == "risk" else "strength"
            out.append(f"- **{md(fc.finding.title)}** ({label})" + (f", because {md(why)}" if why else ""))
        if not items:
            out.append("None.")
    out += ["", "### Every answer that changed", ""]
    out += _table(("Question", "Earlier", "Now"), [(a.text, a.old_label, a.new_label) for a in since.answers]) \
        if since.answers else ["No answer changed.", ""]
    return out


def _action_id(a) -> str:
    return a.tracked.id if a.tracked else "–"


def _owner(a) -> str:
    return a.owner + (" (suggested)" if a.owner_suggested else "")


def _next_level(plans, effects_of) -> list[str]:
    if plans is None:
        return []
    out = ["### Reaching the next level", "",
           "The smallest set of answer changes found that reaches the next level, checked by the rules.", ""]
    for pp in plans:
        now = f"level {pp.level_now}" if pp.level_now is not None else "not enough evidence"
        outcome = "" if pp.reached else f"; best found reaches level {pp.level_reached if pp.level_reached is not None else '–'}"
        out += [f"**{md(pp.title)}**: {md(now)} → level {pp.goal}{md(outcome)}", ""]
        if pp.changes:
            out += _table(("Question", "From", "To"), [(ch.text, ch.from_label, ch.to_label) for ch in pp.changes])
        effects = [f"- Lifts cap `{md(x.rule)}` (≤ {x.max_level}): {md(x.reason)}" for x in pp.caps_cleared]
        for verb, found in (("Clears", pp.findings_cleared), ("Raises", pp.findings_added)):
            cut = effects_of(found)
            effects += [f"- {verb} finding: {md(f.title)}" for f in cut.full]
            effects += [f"- {more_findings(verb, len(cut.rest))}"] if cut.rest else []
        effects += [f"- Also moves {md(m.title)}: {_lv(m.from_level)} → {_lv(m.to_level)}" for m in pp.other_principles]
        effects += [f"- {md(pp.note)}"] if pp.note else []
        out += effects + ([""] if effects else [])
    if not plans:
        out += ["Everything is already at the top level.", ""]
    return out


def _answer_text(a) -> str:
    if not a.active:
        return "Not asked (hidden by an earlier answer)" + (f"; recorded: {a.label}" if a.state == "answered" else "")
    if a.state == "not-applicable":
        return f"Not applicable: {a.na_reason}"
    return a.label


def render(result: Result, template_dirs=None, framework_root=None, framework=None, comparison=None, plan=None,
           warn=None, tracked=None) -> bytes:
    return render_markdown(result, framework, comparison, plan, tracked).encode("utf-8")


def _lv(level) -> str:
    return "–" if level is None else str(level)
