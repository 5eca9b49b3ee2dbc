"""A report for a framework with hundreds of findings: past fixed limits, long lists go in brief,
every finding is still named, and reports of ordinary size keep a block per finding."""
from __future__ import annotations

import re

import pytest

from assess.plan import FindingRef, Plan, PrinciplePlan
from assess.reports import render
from assess.reports.bidi import isolate
from assess.reports.context import ACTION_ROWS, EVIDENCE_IN_FULL, EVIDENCE_LINE_CHARS, FINDING_BLOCKS, PLAN_EFFECTS

from conftest import MINI


@pytest.fixture(scope="module")
def mini():
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    assessment = load_answers(MINI / "whole.yaml", [MINI])
    return evaluate(assessment), assessment.framework


def with_risks(result, principle: str, count: int):
    """The result with `count` more low risks on `principle`, each with its own title and recommendation."""
    template = next(f for f in result.findings if f.kind == "risk")
    extra = [template.model_copy(update={"rule": f"many-{i:03d}", "principle": principle, "severity": "low",
                                         "title": f"Added risk {i:03d}", "rationale": f"Reason {i:03d} given.",
                                         "recommendation": f"Fix number {i:03d}."})
             for i in range(count)]
    return result.model_copy(update={"findings": result.findings + extra})


def html(result, framework, plan=None) -> str:
    return render(result, "html", framework=framework, plan=plan).decode("utf-8")


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def principle_section(page: str, pid: str) -> str:
    return section(page, f'id="principle-{pid}"', "</section>")


def test_a_principle_past_the_limit_names_its_risks_by_severity_and_the_others_keep_their_blocks(mini):
    result, framework = mini
    page = html(with_risks(result, "governance", FINDING_BLOCKS + 3), framework)
    governance = principle_section(page, "governance")
    assert f"{FINDING_BLOCKS + 4} risks, too many to set out one by one" in governance   # the added ones and its own
    index = section(governance, 'class="risk-index"', "</ul>")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", index))
    assert re.search(r"High \(1\): Nobody holds the whole service together\. Low \(%d\): Added risk 000; " % (FINDING_BLOCKS + 3), text)
    for i in range(FINDING_BLOCKS + 3):
        assert governance.count(f"Added risk {i:03d}") == 1
        assert f"Reason {i:03d}" not in governance and f"Fix number {i:03d}" not in governance
    assert '<article class="finding' not in governance
    funding = principle_section(page, "funding")
    assert funding.count('<article class="finding') == 3 and "risk-index" not in funding


def test_a_principle_at_the_limit_keeps_a_block_per_risk(mini):
    result, framework = mini
    page = html(with_risks(result, "governance", FINDING_BLOCKS - 1), framework)
    governance = principle_section(page, "governance")
    assert governance.count('<article class="finding') == FINDING_BLOCKS and "risk-index" not in governance
    assert "Reason 000 given." in governance


def action_numbers(table: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table)]


def test_the_action_plan_past_its_limit_lists_the_rest_by_title_numbered_on(mini):
    result, framework = mini
    many = with_risks(result, "funding", ACTION_ROWS + 4)
    total = sum(1 for f in many.findings if f.kind == "risk")
    actions = section(html(many, framework), 'id="actions"', "</section>")
    full, brief = actions.split('class="grid action-table action-brief"')
    assert action_numbers(full) == list(range(1, ACTION_ROWS + 1))
    assert action_numbers(brief) == list(range(ACTION_ROWS + 1, total + 1))
    assert f"Actions {ACTION_ROWS + 1} to {total} in brief" in full
    for f in many.findings:
        if f.kind == "risk":
            assert actions.count(f.title) == 1
            assert (f.recommendation in full) != (f.title in brief)   # a recommendation wherever the full row is


def test_the_action_plan_at_its_limit_has_no_brief_list(mini):
    result, framework = mini
    many = with_risks(result, "funding", ACTION_ROWS - 6)
    actions = section(html(many, framework), 'id="actions"', "</section>")
    assert "action-brief" not in actions and "in brief" not in actions
    assert action_numbers(actions) == list(range(1, ACTION_ROWS + 1))


def plan_clearing(count: int) -> Plan:
    refs = [FindingRef(rule=f"many-{i:03d}", principle="funding", severity="low", title=f"Cleared risk {i:03d}")
            for i in range(count)]
    principle = PrinciplePlan(principle="funding", title="Funding", lens="service-owner", level_now=2, goal=3,
                              level_reached=3, reached=True, changes=[], cost=0, caps_cleared=[],
                              findings_cleared=refs, findings_added=[], other_principles=[], evaluations=1, note="")
    return Plan(service="Mini", framework={}, target=None, principles=[principle])


@pytest.mark.parametrize("count, named, more", [(PLAN_EFFECTS + 3, PLAN_EFFECTS, "Clears 3 more findings."),
                                                (PLAN_EFFECTS + 1, PLAN_EFFECTS, "Clears 1 more finding."),
                                                (PLAN_EFFECTS, PLAN_EFFECTS, None)])
def test_a_plan_names_the_first_findings_it_clears_and_counts_the_rest(mini, count, named, more):
    result, framework = mini
    plan = section(html(result, framework, plan_clearing(count)), 'id="next-level"', "</section>")
    assert [i for i in range(count) if f"Cleared risk {i:03d}" in plan] == list(range(named))
    assert (more in plan) if more else "more finding" not in plan


# ---------------------------------------------------------------- the same limits in Markdown

def markdown(result, framework, plan=None) -> str:
    return render(result, "md", framework=framework, plan=plan).decode("utf-8")


def md_section(page: str, start: str) -> str:
    """From a heading to the next heading of the same or a higher level."""
    level = start.split(" ", 1)[0]
    body = page[page.index(start) + len(start):]
    ends = [m.start() for m in re.finditer(r"^#{1,%d} " % len(level), body, re.M)]
    return body[:ends[0]] if ends else body


def test_markdown_names_a_principles_risks_by_severity_past_the_same_limit(mini):
    result, framework = mini
    page = markdown(with_risks(result, "governance", FINDING_BLOCKS + 3), framework)
    governance = md_section(page, "### Governance")
    assert f"{FINDING_BLOCKS + 4} risks, too many to set out one by one" in governance
    assert re.search(r"- \*\*High \(1\):\*\* Nobody holds the whole service together\.\n- \*\*Low \(%d\):\*\* Added risk 000; "
                     % (FINDING_BLOCKS + 3), governance)
    for i in range(FINDING_BLOCKS + 3):
        assert governance.count(f"Added risk {i:03d}") == 1
        assert f"Reason {i:03d}" not in governance and f"Fix number {i:03d}" not in governance
    funding = md_section(page, "### Funding")
    assert "too many to set out" not in funding and funding.count("Recommendation: ") == 3
    at_limit = md_section(markdown(with_risks(result, "governance", FINDING_BLOCKS - 1), framework), "### Governance")
    assert "too many to set out" not in at_limit and "Reason 000 given." in at_limit


def table_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\| (\d+) \|", text, re.M)]


def test_markdown_lists_actions_past_the_same_limit_by_title_numbered_on(mini):
    result, framework = mini
    many = with_risks(result, "funding", ACTION_ROWS + 4)
    total = sum(1 for f in many.findings if f.kind == "risk")
    actions = md_section(markdown(many, framework), "## Action plan")
    full, brief = actions.split(f"Actions {ACTION_ROWS + 1} to {total} in brief", 1)
    assert table_numbers(full) == list(range(1, ACTION_ROWS + 1))
    assert table_numbers(brief) == list(range(ACTION_ROWS + 1, total + 1))
    for f in many.findings:
        if f.kind == "risk":
            assert actions.count(f.title) == 1
            assert (f.recommendation in full) != (f.title in brief)
    at_limit = md_section(markdown(with_risks(result, "funding", ACTION_ROWS - 6), framework), "## Action plan")
    assert "in brief" not in at_limit and table_numbers(at_limit) == list(range(1, ACTION_ROWS + 1))


@pytest.mark.parametrize("count, named, more", [(PLAN_EFFECTS + 3, PLAN_EFFECTS, "Clears 3 more findings."),
                                                (PLAN_EFFECTS + 1, PLAN_EFFECTS, "Clears 1 more finding."),
                                                (PLAN_EFFECTS, PLAN_EFFECTS, None)])
def test_a_markdown_plan_names_the_same_first_findings_and_counts_the_rest(mini, count, named, more):
    result, framework = mini
    plan = md_section(markdown(result, framework, plan_clearing(count)), "### Reaching the next level")
    assert [i for i in range(count) if f"Cleared risk {i:03d}" in plan] == list(range(named))
    assert (more in plan) if more else "more finding" not in plan


def with_evidence(result, **items: list[str]):
    """The result with the given questions' evidence replaced."""
    answers = [a.model_copy(update={"evidence": items[a.question]}) if a.question in items else a for a in result.answers]
    return result.model_copy(update={"answers": answers})


def evidence_of(n: int, words: str = "Board minutes") -> list[str]:
    return [f"Item {i:02d}: {words}" for i in range(n)]


@pytest.mark.parametrize("count", [EVIDENCE_IN_FULL, EVIDENCE_IN_FULL + 1, EVIDENCE_IN_FULL + 4])
def test_an_answers_evidence_past_the_limit_is_quoted_in_full_then_a_line_each(mini, count):
    result, framework = mini
    long_words = "minutes of the partnership board " * 20          # far longer than a line
    page = html(with_evidence(result, owner=evidence_of(count, long_words)), framework)
    quote = section(page, 'id="evidence-owner"', "</div>")
    full = [i for i in range(count) if f"Item {i:02d}: {long_words.strip()}" in quote]
    assert full == list(range(min(count, EVIDENCE_IN_FULL)))
    assert quote.count("<blockquote>") == len(full)
    rest = count - EVIDENCE_IN_FULL
    if rest <= 0:
        assert "evidence-brief" not in quote and "shortened" not in quote
        return
    lines = re.findall(r"<li><bdi>(.*?)</bdi></li>", section(quote, 'class="evidence-brief"', "</ul>"))
    assert [line[:7] for line in lines] == [f"Item {i:02d}" for i in range(EVIDENCE_IN_FULL, count)]
    assert all(line.endswith("…") and len(line) <= EVIDENCE_LINE_CHARS["page"] for line in lines)
    assert f"{rest} more, shortened to a line{' each' if rest > 1 else ''}: the answers file has" in quote
    assert "assess report --format json" in quote


def test_evidence_on_a_question_no_principle_uses_is_capped_in_the_appendix(mini):
    result, framework = mini
    page = html(with_evidence(result, org_count=evidence_of(EVIDENCE_IN_FULL + 2, "x " * 40)), framework)
    appendix = section(page, 'id="appendix"', "</section>")
    row = section(appendix, "org_count", "</tr>")
    assert row.count('<p class="ev">') == EVIDENCE_IN_FULL
    lines = re.findall(r"<li><bdi>(.*?)</bdi></li>", row)
    assert len(lines) == 2 and all(len(line) <= EVIDENCE_LINE_CHARS["cell"] for line in lines)
    assert 'id="evidence-org_count"' not in page and "2 more, shortened to a line each" in row


def test_short_evidence_past_the_limit_is_listed_whole(mini):
    result, framework = mini
    page = html(with_evidence(result, owner=evidence_of(EVIDENCE_IN_FULL + 1)), framework)
    assert f"<li><bdi>Item {EVIDENCE_IN_FULL:02d}: Board minutes</bdi></li>" in page


@pytest.mark.parametrize("example", ["service-ownership/whole-service-housing.yaml", "service-standard/live-amber.yaml"])
def test_each_evidence_item_is_quoted_once_and_referred_to_elsewhere(example):
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    from conftest import ROOT
    assessment = load_answers(ROOT / "examples" / example)
    result = evaluate(assessment)
    page = html(result, assessment.framework)
    evidenced = [a for a in result.answers if a.evidence]
    assert evidenced
    for a in evidenced:
        for item in a.evidence:
            assert page.count(str(isolate(item))) == 1, item
    anchors = re.findall(r'id="(evidence-[^"]+)"', page)
    assert len(anchors) == len(set(anchors))
    refs = re.findall(r'class="page-ref" href="#(evidence-[^"]+)"', page)
    assert set(refs) <= set(anchors)
    appendix = section(page, 'id="appendix"', "</section>")
    assert appendix.count('class="page-ref"') == len(anchors)      # each quote named once in the appendix
    assert section(page, 'id="principles"', 'id="actions"').count('class="page-ref"') == len(refs) - len(anchors)
    markdown = render(result, "md", framework=assessment.framework).decode("utf-8")
    assert markdown.count(": quoted under ") == len(refs) - len(anchors) > 0
