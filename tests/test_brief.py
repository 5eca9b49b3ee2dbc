"""The board pack (`assess report --brief`): short, decision first, done well and to fix per principle, actions."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli_here

from assess.actions import tracked_actions
from assess.pipeline import evaluate, load_assessment
from assess.reports.brief import brief_context, render_brief

EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))   # reassessment pairs and panel decisions too
PAGE_LIMIT = {"service-ownership": 8, "service-standard": 10}


def brief(path: Path, fmt: str = "html"):
    assessment = load_assessment(path)
    result = evaluate(assessment)
    actions = tracked_actions(assessment, result)
    return assessment, result, actions, render_brief(result, fmt, assessment.framework, actions)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_brief_stays_within_its_page_limit(path):
    import io

    import pypdf
    assessment, _, _, data = brief(path, "pdf")
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    assert pages <= PAGE_LIMIT[assessment.framework.id]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_action_is_shown_with_its_owner_and_due_date(path):
    import html
    _, _, actions, data = brief(path)
    text = html.unescape(data.decode("utf-8"))
    for a in actions:
        assert a.id in text and a.owner in text
        assert a.due is not None and a.due.isoformat() in text


def test_strong_answers_are_listed_as_done_well_never_an_empty_line():
    assessment, result, actions, data = brief(ROOT / "examples" / "service-ownership" / "single-org-strong-owner.yaml")
    points = brief_context(result, actions, assessment.framework)["brief_points"]
    assert points and all(bp.done_well for bp in points if bp.rating == "green")
    assert "reaches the expected level yet" not in data.decode("utf-8")


def test_a_red_point_says_what_to_fix_with_owner_not_question_and_answer():
    _, result, actions, data = brief(ROOT / "examples" / "service-ownership" / "live-no-team.yaml")
    text = data.decode("utf-8")
    section = text[text.index('id="brief-sustained-funding"'):]
    section = section[:section.index("</section>")]
    fix = section[section.index("To fix"):]
    assert "Service owner with the finance business partner" in fix
    assert "by 30 September 2026" in fix            # red: six weeks after 19 August 2026


def test_service_standard_brief_speaks_as_a_panel():
    _, result, _, data = brief(ROOT / "examples" / "service-standard" / "live-amber.yaml")
    text = data.decode("utf-8")
    assert "Overall decision" in text and "What the team did well" in text
    assert "What to explore or fix before the next service review" in text
    assert re.search(r"Amber – met with actions</span>", text)


def test_cli_brief_writes_pdf_and_refuses_other_formats(tmp_path):
    example = str(ROOT / "examples" / "service-ownership" / "live-no-team.yaml")
    out = tmp_path / "brief.pdf"
    proc = run_cli_here("report", "--brief", example, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"%PDF")
    refused = run_cli_here("report", "--brief", example, "-o", str(tmp_path / "brief.md"))
    assert refused.returncode == 2 and "pdf or html" in refused.stderr and "Traceback" not in refused.stderr
    with_previous = run_cli_here("report", "--brief", example, "--previous", example, "-o", str(tmp_path / "b.pdf"))
    assert with_previous.returncode == 2 and "--previous" in with_previous.stderr


def test_a_no_is_never_listed_as_done_well():
    _, _, _, data = brief(ROOT / "examples" / "service-standard" / "beta-accessibility-gap.yaml")
    text = data.decode("utf-8")
    for part in text.split("What the team did well")[1:]:
        items = [re.sub(r"<[^>]+>", "", li) for li in part.split("</ul>")[0].split("</li>")]
        assert not any(item.strip().endswith(": no") for item in items)


def test_a_panel_decision_leads_and_the_engine_proposal_stands_beside_it():
    import html
    assessment, result, actions, data = brief(ROOT / "examples" / "decisions" / "housing-panel-decisions.yaml")
    text = re.sub(r"<[^>]+>", "", html.unescape(data.decode("utf-8")))
    row = text[text.index("Joined-up governance", text.index("Level (score)")):][:300]
    assert "Amber" in row and "engine proposed Green" in row
    assert "The panel’s decision" in text and "engine proposed Green, level 3, because" in text
    assert any(a.id == "principle:joined-up-governance" for a in actions), "a decided amber gives its action"


def test_a_reassessment_brief_names_what_was_re_decided():
    import html
    later = sorted((ROOT / "examples" / "service-standard" / "reassessment").glob("*.yaml"))[-1]
    _, result, _, data = brief(later)
    text = re.sub(r"<[^>]+>", "", html.unescape(data.decode("utf-8")))
    assert "This is a reassessment of" in text and result.reassessment.redecided
