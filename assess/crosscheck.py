"""Checks across a framework's files once each item has passed its schema.

Ids, references between questions, principles, lenses and rules, conditions, placeholders
in text, derived facts, and the limits of the engine. Every problem is collected with its
file, line and field; nothing that loads can fail later when the engine compiles it.
"""
from __future__ import annotations

from typing import Iterable

from . import conditions as cond
from .errors import Diagnostic
from .itemwise import Dropped, fact_refs
from .models import META_VALUES
from .placeholders import FINDING_TEXTS, META_PLACEHOLDERS, TextSite, describe_malformed, malformed, references

MAX_MULTI_OPTIONS = 200   # the engine keeps ~252 fields per fact; each option of a multi question is one


def check_framework(fw, doc, rule_docs: list, problems: list[Diagnostic], dropped: Dropped) -> None:
    """Fill in fw's indexes (questions, conditions, facts, sources) and report every problem."""
    paths, order = _index_questions(fw, doc, problems)
    _check_structure(fw, doc, problems, dropped)
    _check_questions(fw, doc, paths, problems, dropped)
    rule_paths = _index_rules(fw, rule_docs, problems, dropped)
    fw.text_sites = list(_text_sites(fw, doc, paths, rule_paths))
    _check_texts(fw, problems, dropped)
    _parse_conditions(fw, doc, paths, order, rule_paths, problems, dropped)


def _report_in(doc, problems: list[Diagnostic]):
    return lambda path, msg: problems.append(doc.diag(path, msg))


def _duplicates(doc, paths: list[tuple], ids: list[str], what: str, problems: list[Diagnostic]) -> None:
    seen = set()
    for path, ident in zip(paths, ids):
        if ident in seen:
            problems.append(doc.diag(path, f"duplicate {what} id {ident!r}"))
        seen.add(ident)


def _index_questions(fw, doc, problems: list[Diagnostic]) -> tuple[dict[str, tuple], dict[str, int]]:
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
            fw.question_sources[q.id] = (doc.file, doc.line(path + ("id",)))
            paths[q.id] = path
            order[q.id] = len(order)
    return paths, order


def _check_structure(fw, doc, problems: list[Diagnostic], dropped: Dropped) -> None:
    lens_ids = [lens.id for lens in fw.info.lenses]
    principle_ids = [p.id for p in fw.principles]
    _duplicates(doc, [("framework", "lenses", i, "id") for i in range(len(lens_ids))], lens_ids, "lens", problems)
    _duplicates(doc, [("principles", i, "id") for i in range(len(principle_ids))], principle_ids, "principle", problems)
    _duplicates(doc, [("sections", i, "id") for i in range(len(fw.sections))], [s.id for s in fw.sections], "section", problems)
    for i, p in enumerate(fw.principles):
        fw.principle_sources.setdefault(p.id, (doc.file, doc.line(("principles", i, "id"))))
        if p.lens not in lens_ids and p.lens not in dropped.lenses:
            problems.append(doc.diag(("principles", i, "lens"), f"unknown lens {p.lens!r}; expected one of {', '.join(lens_ids)}"))


def _check_questions(fw, doc, paths: dict[str, tuple], problems: list[Diagnostic], dropped: Dropped) -> None:
    levels = len(fw.info.scale)
    informed: dict[str, int] = {p.id: 0 for p in fw.principles}
    for qid, q in fw.questions.items():
        path = paths[qid]
        if q.type == "multi" and len(q.options) > MAX_MULTI_OPTIONS:
            problems.append(doc.diag(path + ("options",), f"{len(q.options)} options; a multi question may have at most "
                                                          f"{MAX_MULTI_OPTIONS} (split it into several questions)"))
        first_at: dict[str, int] = {}
        for oi, opt in enumerate(q.options):
            if opt.id in first_at:
                earlier = doc.line(path + ("options", first_at[opt.id], "id"))
                problems.append(doc.diag(path + ("options", oi, "id"), f"duplicate option id {opt.id!r} (first at line {earlier})"))
            first_at.setdefault(opt.id, oi)
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
                if inform.principle not in dropped.principles:
                    problems.append(doc.diag(path + ("informs", ii, "principle"),
                                             f"unknown principle {inform.principle!r}{cond.suggest(inform.principle, informed)}"))
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
        if informed.get(p.id) == 0 and p.id not in dropped.principles:
            problems.append(doc.diag(("principles", i, "id"), f"principle {p.id!r} has no scored questions informing it"))


def _index_rules(fw, rule_docs: list, problems: list[Diagnostic], dropped: Dropped) -> dict[str, tuple]:
    levels = len(fw.info.scale)
    principle_ids = {p.id for p in fw.principles}
    rule_paths: dict[str, tuple] = {}
    for rdoc, rfile in rule_docs:
        for ri, rule in enumerate(rfile.rules):
            path = ("rules", ri)
            if rule.id in rule_paths:
                other, other_path = rule_paths[rule.id]
                problems.append(rdoc.diag(path + ("id",), f"duplicate rule id {rule.id!r} (also in {other.file}:{other.line(other_path)})"))
                continue
            rule_paths[rule.id] = (rdoc, path)
            fw.rule_sources[rule.id] = (rdoc.file, rdoc.line(path + ("id",)))
            if rule.principle and rule.principle not in principle_ids and rule.principle not in dropped.principles:
                problems.append(rdoc.diag(path + ("principle",), f"unknown principle {rule.principle!r}{cond.suggest(rule.principle, principle_ids)}"))
            for ci, cap in enumerate(rule.caps):
                target = cap.principle or rule.principle
                if target not in principle_ids and target not in dropped.principles:
                    problems.append(rdoc.diag(path + ("caps", ci, "principle"), f"unknown principle {target!r}"))
                if cap.max_level >= levels:
                    problems.append(rdoc.diag(path + ("caps", ci, "max_level"), f"a cap must be below the top level {levels}"))
            if rule.derive:
                fw.derived.setdefault(rule.derive, []).append(rule.id)
    return rule_paths


# ---------------------------------------------------------------- text and placeholders

def _text_sites(fw, doc, paths: dict[str, tuple], rule_paths: dict[str, tuple]) -> Iterable[TextSite]:
    def site(d, path: tuple, subject: str, text: str, filled: bool = False) -> TextSite:
        field = d.diag(path, "").field   # the dotted path as the file numbers it (items may have been dropped)
        return TextSite(d.file, d.line(path), field, subject, text, filled)

    info = fw.info
    yield site(doc, ("framework", "title"), info.id, info.title)
    yield site(doc, ("framework", "description"), info.id, info.description)
    for i, level in enumerate(info.scale):
        yield site(doc, ("framework", "scale", i, "name"), f"level {level.level}", level.name)
        yield site(doc, ("framework", "scale", i, "description"), f"level {level.level}", level.description)
    for i, lens in enumerate(info.lenses):
        yield site(doc, ("framework", "lenses", i, "title"), lens.id, lens.title)
        yield site(doc, ("framework", "lenses", i, "description"), lens.id, lens.description)
    for i, p in enumerate(fw.principles):
        yield site(doc, ("principles", i, "title"), p.id, p.title)
        yield site(doc, ("principles", i, "description"), p.id, p.description)
    for si, section in enumerate(fw.sections):
        yield site(doc, ("sections", si, "title"), section.id, section.title)
        yield site(doc, ("sections", si, "description"), section.id, section.description)
    for qid, path in paths.items():
        q = fw.questions[qid]
        for key in ("text", "help", "evidence_prompt"):
            yield site(doc, path + (key,), qid, getattr(q, key))
        for oi, option in enumerate(q.options):
            yield site(doc, path + ("options", oi, "label"), qid, option.label)
            yield site(doc, path + ("options", oi, "help"), qid, option.help)
        for key, label in q.scale_labels.items():
            yield site(doc, path + ("scale_labels", str(key)), qid, label)
    for rule_id, (rdoc, path) in rule_paths.items():
        rule = fw.rule(rule_id)
        yield site(rdoc, path + ("description",), rule_id, rule.description)
        if rule.finding:
            for key in FINDING_TEXTS:
                yield site(rdoc, path + ("finding", key), rule_id, getattr(rule.finding, key), filled=True)


def _check_texts(fw, problems: list[Diagnostic], dropped: Dropped) -> None:
    """Malformed placeholders anywhere; unknown ones where they are filled (lint reports the rest)."""
    for s in fw.text_sites:
        if not s.text:
            continue
        for snippet, fix in malformed(s.text, fw.questions):
            problems.append(Diagnostic(s.file, s.line, s.field, describe_malformed(snippet, fix)))
        if not s.filled:
            continue
        for kind, ref in references(s.text):
            known = fw.questions if kind == "answer" else META_PLACEHOLDERS
            if ref not in known and not (kind == "answer" and ref in dropped.questions):
                problems.append(Diagnostic(s.file, s.line, s.field, f"unknown placeholder {{{kind}:{ref}}}{cond.suggest(ref, known)}"))


# ---------------------------------------------------------------- conditions and derived facts

def _parse_conditions(fw, doc, paths, order, rule_paths, problems: list[Diagnostic], dropped: Dropped) -> None:
    report = _report_in(doc, problems)
    # a dropped rule's fact: its consumers are checked as if it existed; with a whole rules file
    # unreadable, any fact may have come from it, so facts are not checked at all
    facts = None if dropped.unread_rules else set(fw.derived) | dropped.facts
    for si, section in enumerate(fw.sections):
        section_node = None
        if section.show_if is not None:
            first = order.get(section.questions[0].id, 0)
            ctx = cond.ConditionContext(fw.questions, facts, report, allow_facts=False, earlier_than=order, position=first,
                                        dropped=dropped.questions)
            section_node = cond.parse(section.show_if, ctx, ("sections", si, "show_if"))
        for q in section.questions:
            if fw.section_of.get(q.id) != section.id or paths.get(q.id, (None, si))[1] != si:
                continue
            own = None
            if q.show_if is not None:
                ctx = cond.ConditionContext(fw.questions, facts, report, allow_facts=False, earlier_than=order,
                                            position=order[q.id], dropped=dropped.questions)
                own = cond.parse(q.show_if, ctx, paths[q.id] + ("show_if",))
            parts = tuple(n for n in (section_node, own) if n is not None)
            fw.visibility[q.id] = None if not parts else parts[0] if len(parts) == 1 else cond.All(parts)
    for i, p in enumerate(fw.principles):
        fw.principle_applies[p.id] = _parse_optional(p.applies_if, fw, facts, report, ("principles", i, "applies_if"), dropped)
    for i, lens in enumerate(fw.info.lenses):
        fw.lens_applies[lens.id] = _parse_optional(lens.applies_if, fw, facts, report, ("framework", "lenses", i, "applies_if"), dropped)

    used_facts: set[str] = set(dropped.used_facts)
    depends: dict[str, set[str]] = {f: set() for f in fw.derived}
    for rule_id, (rdoc, path) in rule_paths.items():
        rule = fw.rule(rule_id)
        ctx = cond.ConditionContext(fw.questions, facts, _report_in(rdoc, problems), dropped=dropped.questions)
        node = cond.parse(rule.when, ctx, path + ("when",))
        # a condition that did not parse (its error is reported) still uses the facts it names
        used_facts |= set(fact_refs(rule.when))
        if node is None:
            continue
        fw.rule_conditions[rule_id] = node
        refs = {leaf.ref for leaf in cond.leaves(node) if leaf.kind == "fact"}
        used_facts |= refs
        if rule.derive:
            depends[rule.derive] |= refs
        try:
            cond.alternatives(node)
        except cond.TooManyAlternatives as exc:
            problems.append(rdoc.diag(path + ("when",), f"this condition expands to {exc.count:,} alternatives; the engine "
                                                        f"takes at most {exc.limit} per rule: simplify it or derive a fact"))
    for fact_name, rule_ids in sorted(fw.derived.items()):
        rdoc, path = rule_paths[rule_ids[0]]
        if fact_name not in used_facts and not dropped.unread_rules:
            problems.append(rdoc.diag(path + ("derive",), f"derived fact {fact_name!r} is used by no condition"))
        _check_complement(fw, fact_name, rule_ids, rule_paths, problems)
    fw.fact_order = _topological(depends, rule_paths, fw, problems)
    if not problems:
        _check_capacity(fw, rule_paths, problems)


def _check_capacity(fw, rule_paths, problems: list[Diagnostic]) -> None:
    """A large framework is split over several engine rulesets; what fits in none is refused here."""
    from .engine import TooLarge, plan_parts
    try:
        fw.engine_parts = plan_parts(fw)   # kept: the engine registers these as they are
    except TooLarge as exc:
        for group, why in exc.refused:
            rdoc, path = rule_paths[group.rule_ids[0]]
            if group.derives:
                problems.append(rdoc.diag(path + ("derive",), f"derived fact {group.derives!r} with its {len(group.rule_ids)} "
                                                              f"rule(s) is too large for the rules engine: {why}"))
            else:
                problems.append(rdoc.diag(path + ("when",), f"this rule is too large for the rules engine: {why}"))


def _check_complement(fw, fact_name: str, rule_ids: list[str], rule_paths, problems: list[Diagnostic]) -> None:
    """The engine settles a fact as false when none of its rules holds; that negation must stay small."""
    if not all(r in fw.rule_conditions for r in rule_ids):
        return   # a condition that did not parse is reported already
    try:
        cond.complement_alternatives(fw.rule_conditions[r] for r in rule_ids)
    except cond.TooManyAlternatives as exc:
        rdoc, path = rule_paths[rule_ids[0]]

        def located(r: str) -> str:
            d, p = rule_paths[r]
            line = d.line(p + ("id",))
            return f"{r} (line {line})" if d.file == rdoc.file else f"{r} ({d.file}:{line})"
        where = ", ".join(located(r) for r in rule_ids)
        problems.append(rdoc.diag(path + ("derive",),
                                  f"derived fact {fact_name!r} is false when none of its rules holds: {where}; that "
                                  f"expands to {exc.count:,} alternatives, more than the engine's {exc.limit}. Simplify "
                                  f"those conditions, or let each rule derive a fact of its own and derive {fact_name!r} from those"))


def _parse_optional(raw, fw, facts, report, path, dropped: Dropped):
    if raw is None:
        return None
    return cond.parse(raw, cond.ConditionContext(fw.questions, facts, report, allow_facts=False, dropped=dropped.questions), path)


def _topological(depends: dict[str, set[str]], rule_paths, fw, problems: list[Diagnostic]) -> list[str]:
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
