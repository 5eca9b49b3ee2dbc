"""Recorded decisions beside the engine's proposal, and reassessments that re-decide only what was open."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from assess.answers import load_answers
from assess.decisions import decided_overall, decided_rating
from assess.errors import AssessError
from assess.pipeline import evaluate, evaluate_file, load_assessment

from conftest import ROOT, run_cli, run_cli_here

PANEL = ROOT / "examples" / "decisions" / "housing-panel-decisions.yaml"
EARLIER = ROOT / "examples" / "service-standard" / "reassessment" / "childcare-beta-2026-11.yaml"
LATER = ROOT / "examples" / "service-standard" / "reassessment" / "childcare-beta-2027-02.yaml"
OVERRIDE_REASON = "two housing associations still take allocation decisions under their own rules"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- the decisions block

def test_the_result_carries_the_proposal_and_the_decision():
    result = evaluate_file(PANEL)
    governance = decided_rating(result, "joined-up-governance")
    assert (governance.rag, governance.proposed_rag, governance.decided, governance.differs) == ("amber", "green", True, True)
    assert OVERRIDE_REASON in governance.reason
    assert governance.decided_by.startswith("Northshire Housing Partnership assessment panel")
    # the per-entry decided_by overrides the block's; a principle with no decision is the proposal
    assert decided_rating(result, "networked-leadership").decided_by.startswith("Tom Okafor")
    framing = decided_rating(result, "whole-problem-framing")
    assert not framing.decided and framing.rag == next(p.rag for p in result.principles if p.id == "whole-problem-framing")
    assert decided_overall(result).decided and not decided_overall(result).differs


def test_an_answers_file_without_decisions_gives_proposals():
    result = evaluate_file(ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml")
    assert result.overall_decision is None and all(p.decision is None for p in result.principles)
    assert not decided_rating(result, "joined-up-governance").decided


def test_a_missing_reason_is_refused_with_its_line(tmp_path):
    text = PANEL.read_text().replace("    outcomes-measurement:\n      rating: amber", "    outcomes-measurement:\n      rating: red")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    for command in ("evaluate", "validate"):
        out = run_cli_here(command, str(bad))
        assert out.returncode == 2, out.stderr
        line = line_of(text, "    outcomes-measurement:")
        assert f"bad.yaml:{line}: decisions.principles.outcomes-measurement:" in out.stderr
        assert "differs from the engine's proposal" in out.stderr and "reason" in out.stderr
        assert "Traceback" not in out.stderr


def test_a_reason_that_is_only_spaces_is_no_reason(tmp_path):
    path = tmp_path / "blank.yaml"
    path.write_text(_blank_reason(PANEL.read_text()))
    with pytest.raises(AssessError) as caught:
        evaluate(load_assessment(path))
    assert any(d.field == "decisions.principles.joined-up-governance" for d in caught.value.diagnostics)


def _blank_reason(text: str) -> str:
    start = text.index("      reason: >-")
    end = text.index("    outcomes-measurement:")
    return text[:start] + "      reason: '   '\n" + text[end:]


@pytest.mark.parametrize("edit, field, message", [
    (("    joined-up-governance:", "    joined-up-governanse:"), "decisions.principles.joined-up-governanse", "did you mean 'joined-up-governance'"),
    (("      rating: amber\n      level: 3", "      rating: purple\n      level: 3"), "decisions.principles.joined-up-governance.rating", "green"),
    (("      rating: amber\n      level: 3", "      rating: amber\n      level: 7"), "decisions.principles.joined-up-governance.level", "above the top"),
    (("  decided_by: Northshire Housing Partnership assessment panel (chair Tom Okafor)\n", ""),
     "decisions.principles.clear-accountability", "who decided is missing"),
    (("  date: 2026-12-02\n", ""), "decisions.overall", "when is missing"),
    (("    rating: green\n    level: 3", "    rating: green\n    levels: 3"), "decisions.overall.levels", "unknown field"),
])
def test_decisions_are_validated_with_their_lines(tmp_path, edit, field, message):
    text = PANEL.read_text()
    assert edit[0] in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(AssessError) as caught:
        load_answers(path)
    hits = [d for d in caught.value.diagnostics if d.field == field]
    assert hits and message in hits[0].message and hits[0].line > 0, caught.value


def test_a_decision_overriding_the_engine_shows_in_every_output_format(tmp_path):
    table = run_cli_here("evaluate", str(PANEL), env={"COLUMNS": "200"})
    assert table.returncode == 0
    governance = next(line for line in table.stdout.splitlines() if "Joined-up governance" in line)
    assert "Amber" in governance and "Green, level 3" in governance     # the decision, then the engine's proposal

    data = json.loads(run_cli_here("evaluate", str(PANEL), "-f", "json").stdout)
    decision = next(p for p in data["principles"] if p["id"] == "joined-up-governance")["decision"]
    assert (decision["rag"], decision["proposed_rag"], decision["differs"]) == ("amber", "green", True)

    outputs = {}
    for ext in ("csv", "md", "html", "pdf", "json"):
        out = tmp_path / f"report.{ext}"
        done = run_cli_here("report", str(PANEL), "-o", str(out), "--no-plan")
        assert done.returncode == 0, done.stderr
        outputs[ext] = out
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].read_text())))
    row = next(r for r in rows if r["principle"] == "joined-up-governance")
    assert (row["principle_rating"], row["rating_source"], row["engine_proposed"]) == ("Amber", "decision", "Green, level 3")
    assert OVERRIDE_REASON in row["decision_reason"]
    assert json.loads(outputs["json"].read_text())["principles"][3]["decision"]["rag"] == "amber"
    md = outputs["md"].read_text()
    assert "| Joined-up governance | Level 3 · Established | 3.51 | Amber | Green, level 3 |" in md
    assert "Decision: Amber, level 3 — engine proposed Green, level 3, because the partnership board meets" in md
    html = outputs["html"].read_text()
    assert "engine proposed Green, level 3, because" in html and "Overall decision" in html
    from report_helpers import pdf_pages_text
    pdf = " ".join(" ".join(p.split()) for p in pdf_pages_text(outputs["pdf"]))
    assert "engine proposed Green, level 3, because the partnership board meets" in pdf
    assert "OVERALL DECISION" in pdf.upper()


def test_a_service_standard_report_leads_with_the_decision(tmp_path):
    out = tmp_path / "later.md"
    assert run_cli_here("report", str(LATER), "-o", str(out), "--no-plan").returncode == 0
    html = tmp_path / "later.html"
    assert run_cli_here("report", str(LATER), "-o", str(html), "--no-plan").returncode == 0
    page = html.read_text()
    assert "engine: Amber – met with actions" in page          # the decision table's cell for point 5
    assert "The engine proposed Amber – met with actions" in page


def test_a_resumed_guided_run_keeps_the_decisions(tmp_path):
    from assess.questionnaire import Session
    path = tmp_path / "panel.yaml"
    shutil.copy(PANEL, path)
    session = Session.load(path)
    path.write_text(session.to_yaml())
    again = load_answers(path)
    assert again.decisions == load_answers(PANEL).decisions
    assert decided_rating(evaluate(again), "joined-up-governance").reason.startswith("The partnership board meets")


# ---------------------------------------------------------------- reassessment

def test_a_reassessment_carries_met_points_and_reopens_only_the_rest(tmp_path):
    new = tmp_path / "again.yaml"
    done = run_cli_here("reassess", str(EARLIER), "-o", str(new), "--date", "2027-02-18")
    assert done.returncode == 0, done.stderr
    a = load_answers(new)
    assert a.reassessment.reopened == ["everyone-can-use"]          # the one red point; ambers were met with actions
    earlier = load_answers(EARLIER)
    assert a.answers == earlier.answers and set(a.reassessment.carried_answers) == set(earlier.answers)
    assert a.meta.date.isoformat() == "2027-02-18"
    carried = a.decisions.principles
    assert "everyone-can-use" not in carried and len(carried) == 13 and all(d.carried for d in carried.values())
    assert carried["define-success"].rating == "amber"
    assert carried["understand-users"].decided_by == "Beta assessment panel (lead assessor Daniel Okoro)"
    assert a.reassessment.earlier.principles["everyone-can-use"].rating == "red"
    assert a.reassessment.earlier.overall.rating == "red"
    result = evaluate(a)
    assert result.reassessment.redecided == [] and len(result.reassessment.carried) == 13


def test_points_named_and_amber_can_be_reopened(tmp_path):
    new = tmp_path / "again.yaml"
    assert run_cli("reassess", str(EARLIER), "-o", str(new), "--date", "2027-02-18",
                   "--points", "understand-users", "--reopen-amber").returncode == 0
    reopened = load_answers(new).reassessment.reopened
    assert set(reopened) == {"understand-users", "everyone-can-use", "define-success", "reliable-service"}
    bad = run_cli_here("reassess", str(EARLIER), "-o", str(tmp_path / "x.yaml"), "--points", "understand-user")
    assert bad.returncode == 2 and "did you mean 'understand-users'" in bad.stderr
    exists = run_cli_here("reassess", str(EARLIER), "-o", str(new))
    assert exists.returncode == 2 and "already exists" in exists.stderr


def test_a_carried_decision_cannot_sit_on_a_reopened_point(tmp_path):
    text = LATER.read_text().replace("  reopened:\n    - everyone-can-use\n", "  reopened:\n    - everyone-can-use\n    - define-success\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(AssessError) as caught:
        load_answers(path)
    assert any(d.field == "decisions.principles.define-success.carried" for d in caught.value.diagnostics)


def test_the_reassessment_report_lists_what_was_re_decided_beside_the_earlier_decision(tmp_path):
    result = evaluate_file(LATER)
    assert result.reassessment.redecided == ["everyone-can-use"]
    assert result.reassessment.earlier["everyone-can-use"].rag == "red"
    out = tmp_path / "later.md"
    assert run_cli_here("report", str(LATER), "-o", str(out), "--no-plan").returncode == 0
    md = out.read_text()
    assert md.startswith("# Apply for help with childcare costs: service reassessment")
    assert "### Reassessment" in md and "1 re-decided, 0 still open, 13 carried" in md
    assert "| Overall | re-decided | Red – not met | Amber – met with actions |" in md
    assert "| 5\\. Make sure everyone can use the service | re-decided | Red – not met | Green – met |" in md


def test_compare_on_the_pair_uses_the_decisions_and_says_so():
    out = run_cli_here("compare", str(EARLIER), str(LATER), env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    point5 = next(line for line in out.stdout.splitlines() if "5. Make sure everyone" in line)
    assert "Red – not met (decided) to Green – met (decided)" in point5      # the engine proposed amber
    assert "recorded decisions" in out.stdout


def test_portfolio_rates_services_by_their_decisions(tmp_path):
    from assess.portfolio import build_portfolio
    import datetime as dt
    board = build_portfolio([(str(LATER), evaluate_file(LATER))], [], 365, files=1, as_of=dt.date(2027, 3, 1))
    row = board.rows()[0]
    cell = next(c for c in row.cells if c.principle == "everyone-can-use")
    assert (cell.rag, cell.decided) == ("green", True) and row.overall_decided


def test_the_board_shows_what_an_overriding_decision_says_and_marks_the_engines_view(tmp_path):
    from assess.board import render_html
    from assess.portfolio import board_context, build_portfolio, portfolio_csv
    import datetime as dt
    overridden = tmp_path / "childcare.yaml"      # the overall decision, too, now overrides with a rating only
    overridden.write_text(LATER.read_text().replace('  overall:\n    rating: "amber"',
                                                    '  overall:\n    rating: "red"\n    reason: "Not ready for public beta."'))
    board = build_portfolio([(str(overridden), evaluate_file(overridden))], [], 365, files=1, as_of=dt.date(2027, 3, 1))
    row = board.rows()[0]
    # everyone-can-use: decided green with no level, over the engine's amber at level 2
    cell = row.cell("everyone-can-use")
    assert (cell.level, cell.rag, cell.decided, cell.engine_level, cell.engine_rag) == (None, "green", True, 2, "amber")
    agreed = row.cell("define-success")            # a decision that agrees keeps the engine's level, with no aside
    assert (agreed.level, agreed.rag, agreed.engine_rag) == (2, "amber", None)
    assert (row.overall_level, row.overall_rag, row.overall_engine_level, row.overall_engine_rag) == (None, "red", 2, "amber")
    html = render_html("portfolio.html.j2", board_context(board))
    assert "<td class=\"rag-green\">Green – met, decided (engine: 2 Amber – met with actions)</td>" in html
    assert "Red – not met, decided (engine: 2 Amber – met with actions)" in html
    assert "2 Green – met" not in html and "2 Red – not met" not in html
    assert "<td class=\"rag-amber\">2 Amber – met with actions, decided</td>" in html
    rows = {r["principle"]: r for r in csv.DictReader(io.StringIO(portfolio_csv(board)))}
    assert [rows["everyone-can-use"][k] for k in ("level", "rag", "rating_source", "engine_level", "engine_rag")] == \
        ["", "green", "decision", "2", "amber"]
    assert [rows["overall"][k] for k in ("level", "rag", "engine_level", "engine_rag")] == ["", "red", "2", "amber"]
    assert [rows["define-success"][k] for k in ("level", "engine_level", "engine_rag")] == ["2", "", ""]


def test_calibration_scores_a_reassessment_on_its_re_decided_points_only(tmp_path):
    from assess.calibrate import load_cases, pairs_of
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(LATER, folder / "childcare-reassessed.yaml")
    (folder / "childcare-reassessed.decisions.yaml").write_text(
        "case: childcare-reassessed\nframework: service-standard\nsource: expert scenario\nprovenance: a test\n"
        "decided_by: expert\ndate: 2027-02-25\nsplit: tune\nscale: met\noverall: met\n"
        "points:\n  everyone-can-use: met\n  define-success: met\n  understand-users: met\n")
    pairs = pairs_of(load_cases([folder])[0])
    assert [p.item for p in pairs if p.kind == "points"] == ["everyone-can-use"]


# ---------------------------------------------------------------- `assess decide` in a terminal

def _decide(path: Path, *extra: str, frameworks: Path = ROOT / "tests" / "frameworks" / "mini"):
    import sys
    from test_run_terminal import Terminal
    return Terminal(argv=[sys.executable, "-m", "assess", "decide", str(path), "-F", str(frameworks), *extra])


def test_decide_records_decisions_saves_each_and_resumes(tmp_path):
    path = tmp_path / "whole.yaml"
    shutil.copy(ROOT / "tests" / "frameworks" / "mini" / "whole.yaml", path)
    term = _decide(path)
    term.expect("Who decided")
    term.type("Mini panel")
    term.expect("Date of the decisions")
    term.type("")                                   # the assessment's date, offered as the default
    term.expect("Engine's proposal: Red, level 2")  # Accountability
    term.choose("y", "Agree: Red")
    term.expect("Engine's proposal: Red, level 1")  # Funding
    term.choose("a", "Amber")
    term.expect("Why does the decision differ")
    term.type("")                                   # refused: a reason is required
    term.shows("needs a reason")
    term.send("Funding was agreed after the self-assessment\r")
    term.expect("Decision on Governance")
    term.send("\x03")                               # Ctrl-C: the two decisions are already saved
    assert term.wait() != 0
    saved = load_answers(path, [ROOT / "tests" / "frameworks" / "mini"])
    assert saved.decisions.decided_by == "Mini panel" and saved.decisions.date.isoformat() == "2026-11-28"
    assert {k: (d.rating, d.reason) for k, d in saved.decisions.principles.items()} == {
        "accountability": ("red", ""), "funding": ("amber", "Funding was agreed after the self-assessment")}

    term = _decide(path)                            # resumes at what has no decision yet
    term.expect("Decision on Governance")
    term.choose("y", "Agree: Red")
    term.expect("Decision on Overall")
    term.choose("y", "Agree: Red")
    term.expect("Summary")
    assert term.wait() == 0
    result = evaluate(load_assessment(path, [ROOT / "tests" / "frameworks" / "mini"]))
    assert decided_rating(result, "funding").differs and decided_overall(result).decided


def test_decide_offers_levels_where_the_framework_rates_by_level(tmp_path):
    frameworks = tmp_path / "mini"
    shutil.copytree(ROOT / "tests" / "frameworks" / "mini", frameworks)
    questionnaire = frameworks / "questionnaires" / "mini.yaml"
    questionnaire.write_text(questionnaire.read_text().replace("  version: 1.0.0\n", "  version: 1.0.0\n  ratings: level\n"))
    path = tmp_path / "whole.yaml"
    shutil.copy(frameworks / "whole.yaml", path)
    term = _decide(path, frameworks=frameworks)
    term.expect("Who decided")
    term.type("Mini panel")
    term.expect("Date of the decisions")
    term.type("")
    term.expect("Engine's proposal: Red, level 2")  # Accountability
    # each level with the RAG it reads as under the thresholds (green from 3.5, amber from 2.5)
    term.choose("y", "Agree: level 2 – Emerging (Red)", "Level 1 – Initial (Red)", "Level 3 – Defined (Amber)",
                "Level 4 – Managed (Green)")
    term.expect("Engine's proposal: Red, level 1")  # Funding
    term.choose("3", "Level 3 – Defined (Amber)")
    term.expect("Why does the decision differ")
    term.type("Funding was agreed after the self-assessment")
    term.expect("Decision on Governance")
    term.send("\x03")
    assert term.wait() != 0
    saved = load_answers(path, [frameworks]).decisions.principles
    assert {k: (d.rating, d.level, d.reason) for k, d in saved.items()} == {
        "accountability": ("red", 2, ""), "funding": ("amber", 3, "Funding was agreed after the self-assessment")}
    result = evaluate(load_assessment(path, [frameworks]))
    assert (decided_rating(result, "funding").level, decided_rating(result, "funding").differs) == (3, True)
    assert not decided_rating(result, "accountability").differs


def test_decide_refuses_without_a_terminal(tmp_path):
    path = tmp_path / "whole.yaml"
    shutil.copy(ROOT / "tests" / "frameworks" / "mini" / "whole.yaml", path)
    out = run_cli_here("decide", str(path), "-F", str(ROOT / "tests" / "frameworks" / "mini"))
    assert out.returncode == 2 and "`assess decide` asks its questions in a terminal" in out.stderr
    assert "decisions: block" in out.stderr and path.read_text() == (ROOT / "tests/frameworks/mini/whole.yaml").read_text()


def test_an_answer_changed_in_a_guided_run_is_no_longer_marked_carried(tmp_path):
    from assess.questionnaire import Session
    path = tmp_path / "later.yaml"
    shutil.copy(LATER, path)
    session = Session.load(path)
    assert "accessibility_statement" in session.reassessment.carried_answers
    session.set_answer("accessibility_statement", "published")            # the same answer: still carried
    assert "accessibility_statement" in session.reassessment.carried_answers
    session.set_answer("accessibility_statement", "published_reviewed")
    assert "accessibility_statement" not in session.reassessment.carried_answers
    path.write_text(session.to_yaml())
    assert "accessibility_statement" not in load_answers(path).reassessment.carried_answers


def test_decide_on_a_reassessment_asks_only_about_the_reopened_points(tmp_path):
    import sys
    from test_run_terminal import Terminal
    path = tmp_path / "again.yaml"
    assert run_cli_here("reassess", str(EARLIER), "-o", str(path), "--date", "2027-02-18").returncode == 0
    term = Terminal(argv=[sys.executable, "-m", "assess", "decide", str(path)])
    term.expect("Who decided")
    term.type("Reassessment panel")
    term.expect("Date of the decisions")
    term.type("\x15" + "2027-02-25")          # clear the offered assessment date first
    term.shows("earlier decision: Red – not met")
    term.choose("g", "Decision on 5. Make sure everyone can use the service")
    term.expect("Why does the decision differ")
    term.type("The panel saw the fixes working with screen reader users")
    term.expect("Decision on Overall")
    term.choose("y", "Agree")
    term.expect("Summary")
    assert term.wait() == 0
    decided = load_answers(path).decisions
    assert decided.principles["everyone-can-use"].rating == "green" and not decided.principles["everyone-can-use"].carried
    assert sum(1 for d in decided.principles.values() if d.carried) == 13 and decided.overall is not None
    assert evaluate_file(path).reassessment.redecided == ["everyone-can-use"]


def test_gap_and_plan_say_where_decisions_stand_in():
    from assess.gap import gap_results
    from assess.plan import plan_actions
    gap = gap_results(evaluate_file(EARLIER), evaluate_file(LATER))
    assert any("recorded decisions" in w for w in gap.warnings)
    point5 = next(p for p in gap.principles if p.id == "everyone-can-use")
    assert point5.assessor_level == 2          # the engine's level: the decision gives no level
    plan = plan_actions(load_assessment(PANEL), principle="joined-up-governance")
    assert len(plan.decisions) == 1 and "engine proposed Green" in plan.decisions[0]
    assert not plan_actions(load_assessment(PANEL), principle="clear-accountability").decisions
