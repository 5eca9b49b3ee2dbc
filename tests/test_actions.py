"""Tracked actions: ids, owners, due dates, statuses, the `actions:` block and the exports."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

from assess.actions import latest_per_key, tracked_actions
from assess.errors import AssessError
from assess.pipeline import evaluate, load_assessment
from assess.reports import tracker

NO_TEAM = ROOT / "examples" / "service-ownership" / "live-no-team.yaml"     # dated 2026-08-19
AS_OF = dt.date(2026, 11, 1)


def actions_of(path: Path):
    assessment = load_assessment(path)
    return tracked_actions(assessment, evaluate(assessment))


def with_block(tmp_path: Path, block: str, source: Path = NO_TEAM, name: str = "a.yaml", replace: dict | None = None) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text + "\n" + block, encoding="utf-8")
    return path


def test_every_non_green_point_and_finding_above_low_gives_one_action():
    assessment = load_assessment(NO_TEAM)
    result = evaluate(assessment)
    ids = [a.id for a in tracked_actions(assessment, result)]
    assert len(ids) == len(set(ids))
    expected = {f"principle:{p.id}" for p in result.principles if p.applicable and p.rag in ("amber", "red")}
    expected |= {f"finding:{f.rule}" for f in result.findings if f.kind == "risk" and f.severity in ("high", "medium")}
    assert set(ids) == expected
    assert not any(f"finding:{f.rule}" in ids for f in result.findings if f.severity in ("low", "info"))


def test_due_dates_count_from_the_assessment_date_red_sooner_than_amber():
    actions = actions_of(NO_TEAM)
    assessed = dt.date(2026, 8, 19)
    for a in actions:
        assert a.due == assessed + dt.timedelta(days=42 if a.urgency == "red" else 91)
    assert {a.urgency for a in actions} == {"red", "amber"}


def test_recorded_owner_due_and_status_are_used(tmp_path):
    path = with_block(tmp_path, """actions:
  principle:sustained-funding:
    owner: Priya Shah, head of housing
    due: 2026-12-31
  finding:so-live-no-team:
    status: dropped
    reason: The service is being retired in March
""")
    by_id = {a.id: a for a in actions_of(path)}
    funding = by_id["principle:sustained-funding"]
    assert (funding.owner, funding.owner_suggested, funding.due) == ("Priya Shah, head of housing", False, dt.date(2026, 12, 31))
    assert by_id["finding:so-live-no-team"].status == "dropped"
    assert by_id["finding:so-live-no-team"].reason == "The service is being retired in March"


def test_overdue_is_measured_against_the_as_of_date_and_only_for_open_actions(tmp_path):
    path = with_block(tmp_path, """actions:
  finding:so-live-no-team:
    status: done
""")
    actions = {a.id: a for a in actions_of(path)}
    red = actions["principle:sustained-funding"]                      # due 2026-09-30
    assert red.overdue(dt.date(2026, 10, 1)) and not red.overdue(dt.date(2026, 9, 30))
    assert not actions["finding:so-live-no-team"].overdue(dt.date(2030, 1, 1))


@pytest.mark.parametrize("block, line, field, message", [
    ("actions:\n  finding:so-live-no-team:\n    status: dropped\n", 3, "actions.finding:so-live-no-team.status", "needs a reason"),
    ("actions:\n  principle:no-such-thing:\n    owner: X\n", 2, "actions.principle:no-such-thing", "unknown action"),
    ("actions:\n  principle:sustained-funding:\n    status: closed\n", 3, "actions.principle:sustained-funding.status", "not a status"),
    ("actions:\n  principle:sustained-funding:\n    due: next March\n", 3, "actions.principle:sustained-funding.due", "not a date"),
    ("actions:\n  principle:sustained-funding:\n    when: soon\n", 3, "actions.principle:sustained-funding.when", "unknown field"),
    ("actions:\n  principle:sustained-funding:\n    owner: [a, b]\n", 3, "actions.principle:sustained-funding.owner", "must be text"),
])
def test_a_bad_actions_block_is_refused_with_its_line(tmp_path, block, line, field, message):
    path = with_block(tmp_path, block)
    first = len(NO_TEAM.read_text(encoding="utf-8").splitlines()) + 1    # the block starts after a blank line
    with pytest.raises(AssessError) as caught:
        load_assessment(path)
    [d] = caught.value.diagnostics
    assert (d.line, d.field) == (first + line, field) and message in d.message


def test_ids_stay_stable_across_a_reassessment(tmp_path):
    """A later assessment of the same service, with the team back: the points still open keep
    their ids, and the status recorded against an id carries over with it."""
    before = with_block(tmp_path, "", name="before.yaml")
    after = with_block(tmp_path, """actions:
  finding:so-no-research-capacity:
    owner: Ana Ruiz, research lead
""", name="after.yaml", replace={"date: 2026-08-19": "date: 2027-01-10", "team_after_launch: no_team": "team_after_launch: dedicated_multidisciplinary",
                                 "funding_model: project_by_project": "funding_model: baseline_service"})
    old, new = actions_of(before), actions_of(after)
    old_ids, new_ids = {a.id for a in old}, {a.id for a in new}
    assert "finding:so-live-no-team" in old_ids - new_ids          # fixed, so no longer raised
    kept = old_ids & new_ids
    assert "finding:so-no-research-capacity" in kept and len(kept) >= 5
    assert {a.key for a in old if a.id in kept} == {a.key for a in new if a.id in kept}
    # listing both files gives each action once, from the reassessment
    listed = latest_per_key(old + new)
    assert len(listed) == len({a.key for a in listed}) == len(new)
    assert {a.assessed_on for a in listed} == {dt.date(2027, 1, 10)}


def test_jira_csv_parses_with_the_documented_columns():
    actions = actions_of(NO_TEAM)
    text = tracker.jira_csv(actions, AS_OF)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(tracker.JIRA_COLUMNS)
    documented = (ROOT / "docs" / "actions.md").read_text(encoding="utf-8")
    for column in set(tracker.JIRA_COLUMNS):
        assert f"| `{column}` |" in documented
    assert len(rows) == len(actions) + 1
    keys = [r[tracker.JIRA_COLUMNS.index("External ID")] for r in rows[1:]]
    assert keys == [a.key for a in actions] and len(set(keys)) == len(keys)
    for row in rows[1:]:
        assert row[2] == "Task" and row[3] in ("High", "Medium")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[4])
        assert row[9] == "To Do"


def test_github_json_is_one_issue_object_per_action_carrying_its_key():
    actions = actions_of(NO_TEAM)
    issues = json.loads(tracker.github_issues(actions, AS_OF))
    assert len(issues) == len(actions)
    for issue, action in zip(issues, actions):
        assert set(issue) == {"title", "body", "labels"}
        assert action.key in issue["title"] and f"<!-- assess-action: {action.key} -->" in issue["body"]
        assert all(isinstance(label, str) and len(label) <= 50 for label in issue["labels"])
        assert ("overdue" in issue["labels"]) == action.overdue(AS_OF)


def test_exports_are_the_same_on_a_re_export():
    actions = actions_of(NO_TEAM)
    for export in tracker.EXPORTS.values():
        assert export(actions, AS_OF) == export(actions_of(NO_TEAM), AS_OF)


def test_formula_injection_is_neutralised_in_every_csv(tmp_path):
    path = with_block(tmp_path, """actions:
  principle:sustained-funding:
    owner: "=HYPERLINK(\\"http://example.invalid\\")"
""")
    actions = actions_of(path)
    for export in (tracker.plain_csv, tracker.jira_csv):
        cells = [c for row in csv.reader(io.StringIO(export(actions, AS_OF))) for c in row]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        assert "'=HYPERLINK(\"http://example.invalid\")" in cells


def test_cli_lists_open_actions_and_marks_overdue(tmp_path):
    path = with_block(tmp_path, """actions:
  finding:so-live-no-team:
    status: done
""")
    proc = run_cli("actions", str(path), "--as-of", "2026-10-01")
    assert proc.returncode == 0, proc.stderr
    assert "finding:so-live-no-team" not in proc.stdout
    assert re.search(r"2026-09-30\s+OVERDUE\s.*principle:sustained-funding", proc.stdout)
    assert re.search(r"2026-11-18\s+open\s", proc.stdout)
    every = run_cli("actions", str(path), "--as-of", "2026-10-01", "--all", "--format", "csv")
    assert "finding:so-live-no-team" in every.stdout


def test_cli_refuses_a_bad_block_with_file_and_line(tmp_path):
    path = with_block(tmp_path, "actions:\n  finding:so-live-no-team:\n    status: dropped\n")
    proc = run_cli("actions", str(path), "--as-of", "2026-10-01")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert re.search(rf"{re.escape(str(path))}:\d+: actions\.finding:so-live-no-team\.status: .*needs a reason", proc.stderr)


def test_the_answers_schema_knows_the_actions_block():
    import jsonschema

    from assess.frameworks import find_framework
    from assess.schemas import answers_schema
    schema = answers_schema(find_framework("service-ownership"))
    jsonschema.Draft202012Validator.check_schema(schema)
    block = {"principle:sustained-funding": {"owner": "Priya Shah", "due": "2027-03-31"},
             "finding:so-live-no-team": {"status": "dropped", "reason": "Closing in March"}}
    actions = schema["properties"]["actions"]
    assert not list(jsonschema.Draft202012Validator(actions).iter_errors(block))
    assert list(jsonschema.Draft202012Validator(actions).iter_errors({"finding:so-live-no-team": {"status": "dropped"}}))
    assert list(jsonschema.Draft202012Validator(actions).iter_errors({"principle:nope": {}}))


def test_a_guided_run_keeps_the_actions_block_when_it_rewrites_the_file(tmp_path):
    from assess.answers import load_answers
    from assess.questionnaire import Session
    path = with_block(tmp_path, """actions:
  principle:sustained-funding:
    owner: "Priya Shah: head of housing"
    due: 2026-12-31
  finding:so-live-no-team:
    status: dropped
    reason: The service closes in March
  finding:so-no-research-capacity:
    status: open
""")
    before = load_answers(path).actions
    session = Session.load(path)
    rewritten = tmp_path / "rewritten.yaml"
    rewritten.write_text(session.to_yaml(), encoding="utf-8")
    assert load_answers(rewritten).actions == before
    assert session.assessment().actions == before


def test_assess_reassess_carries_the_actions_block_so_ids_owners_and_status_stay(tmp_path):
    earlier = with_block(tmp_path, """actions:
  finding:so-no-research-capacity:
    owner: Ana Ruiz, research lead
    status: dropped
    reason: research is bought in from the partner council
""", name="earlier.yaml")
    later = tmp_path / "later.yaml"
    done = run_cli("reassess", str(earlier), "-o", str(later), "--date", "2027-01-10")
    assert done.returncode == 0, done.stderr
    old = {a.id: a for a in actions_of(earlier)}
    new = {a.id: a for a in actions_of(later)}
    assert set(old) == set(new) and {a.key for a in old.values()} == {a.key for a in new.values()}
    carried = new["finding:so-no-research-capacity"]
    assert (carried.owner, carried.status, carried.reason) == ("Ana Ruiz, research lead", "dropped",
                                                               "research is bought in from the partner council")


def test_the_full_reports_action_plan_shows_the_trackers_ids_owners_and_due_dates(tmp_path):
    from conftest import run_cli_here
    path = with_block(tmp_path, """actions:
  finding:so-live-no-team:
    owner: Priya Shah, head of housing
    due: 2026-12-31
  finding:so-informal-owner:
    status: done
""")
    tracked = {a.id: a for a in actions_of(path)}
    md = run_cli_here("report", str(path), "--format", "md", "--no-plan")
    assert md.returncode == 0, md.stderr
    plan = md.stdout.split("## Action plan", 1)[1].split("\n## ", 1)[0]
    rows = {re.search(r"\| (finding:[a-z0-9-]+) \|", line).group(1): line
            for line in plan.splitlines() if re.search(r"\| finding:", line)}
    assert set(rows) == {k for k in tracked if k.startswith("finding:")}
    for aid, row in rows.items():
        assert f"| {tracked[aid].due.isoformat()}" in row, row
    assert "Priya Shah, head of housing" in rows["finding:so-live-no-team"] and "| 2026-12-31 |" in rows["finding:so-live-no-team"]
    assert ", done |" in rows["finding:so-informal-owner"]
    low = [line for line in plan.splitlines() if "| low |" in line]          # low findings are not tracked
    assert len(low) == 2 and all(line.endswith("| not tracked |") for line in low)
    points = plan.split("### Actions on amber and red principles", 1)[1]
    for aid in (k for k in tracked if k.startswith("principle:")):
        row = next(line for line in points.splitlines() if f"| {aid} |" in line)
        assert f"| {tracked[aid].due.isoformat()} |" in row
    html_path = tmp_path / "report.html"
    assert run_cli_here("report", str(path), "-o", str(html_path), "--no-plan").returncode == 0
    html = html_path.read_text(encoding="utf-8")
    row = html.split('<span class="key">finding:so-live-no-team</span>', 1)[1].split("</tr>", 1)[0]
    assert "Priya Shah, head of housing" in row and '<td class="due">2026-12-31</td>' in row
    assert '<span class="key">principle:sustained-funding</span>' in html
    table = run_cli_here("report", str(path), "--format", "csv")
    by_rule = {r["rule"]: r for r in csv.DictReader(io.StringIO(table.stdout))}
    assert [by_rule["so-live-no-team"][k] for k in ("owner", "action_id", "due", "action_status")] == \
        ["Priya Shah, head of housing", "finding:so-live-no-team", "2026-12-31", "open"]
    assert by_rule["so-informal-owner"]["action_status"] == "done"
    assert by_rule["so-big-bang-change-live"]["action_id"] == ""                       # low: not tracked
