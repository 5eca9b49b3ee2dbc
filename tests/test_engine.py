"""The durable-rules adapter: no threads, errors name the rule, state is always deleted."""
from __future__ import annotations

import json
import threading

import pytest

from assess.answers import ANSWERED, Answer, Assessment
from assess.engine import DurableEngine, engine, engine_facts, evaluate_reference
from assess.errors import EngineError
from assess.models import AssessmentMeta


def make(mini, scope="whole", phase="live", **answers) -> Assessment:
    meta = AssessmentMeta(framework="mini", service="S", scope=scope, phase=phase)
    return Assessment(framework=mini, meta=meta, answers={k: Answer(ANSWERED, v) for k, v in answers.items()})


def test_no_background_threads(mini):
    before = threading.active_count()
    eng = DurableEngine()
    eng.evaluate(mini, make(mini).facts())
    assert threading.active_count() == before


def test_derived_facts_chain_and_negation_of_unanswered(mini):
    effects = engine().evaluate(mini, make(mini, org_count=5, forum="none").facts())
    # anchor unanswered: `not anchor == yes` holds, so the chain reaches the finding
    assert effects.derived == {"multi_organisation": True, "unanchored": True}
    assert "mini-unanchored-finding" in effects.fired
    effects = engine().evaluate(mini, make(mini, scope="part", org_count=1, forum="none").facts())
    assert effects.derived == {"multi_organisation": False, "unanchored": False}
    assert "mini-unanchored-finding" not in effects.fired


def test_an_action_that_raises_names_the_rule_and_gives_no_result(mini, monkeypatch):
    eng = DurableEngine()
    eng.evaluate(mini, make(mini).facts())  # registers the ruleset
    handle, actions, _, _ = eng._rulesets[eng.ruleset_name(mini)][0]

    def boom(session):
        raise RuntimeError("disk on fire")
    name = next(n for n in actions if n.startswith("mini-project-funded#"))
    monkeypatch.setitem(actions, name, ("mini-project-funded", boom))
    with pytest.raises(EngineError) as exc:
        eng.evaluate(mini, make(mini, funding_model="project").facts())
    assert exc.value.rule_id == "mini-project-funded"
    assert "disk on fire" in str(exc.value)
    # the engine is still usable afterwards, and its session was cleaned up
    monkeypatch.setitem(actions, name, ("mini-project-funded", lambda s: s.fired.add("mini-project-funded")))
    assert "mini-project-funded" in eng.evaluate(mini, make(mini, funding_model="project").facts()).fired


def test_more_sessions_than_the_engine_limit(mini):
    """Live sessions are capped near 1,024 per ruleset; deleting each one keeps us far from it."""
    eng = DurableEngine()
    for i in range(1500):
        eng.evaluate(mini, make(mini, org_count=i % 7).facts())


@pytest.mark.parametrize("value", [1e-06, 0.000123, 1e+11, 2.5, 3])
def test_numbers_that_json_writes_in_exponent_form(mini, value):
    assessment = make(mini, org_count=value, funding_model="annual", team_size=value)
    facts = assessment.facts()
    assert engine().evaluate(mini, facts) == evaluate_reference(mini, facts)
    for fact in engine_facts(mini, facts, "1"):
        if isinstance(fact.get("v"), (int, float)) and not isinstance(fact["v"], bool):
            assert isinstance(fact["v"], int) and "e" not in json.dumps(fact["v"])


def test_values_are_normalised_before_they_reach_the_engine(mini):
    """The engine treats '9' > 10 as true; answers enter it typed, never as text."""
    assessment = make(mini, org_count=9, funding_model="annual", team_size=2)
    facts = {f["q"]: f for f in engine_facts(mini, assessment.facts(), "1") if f["t"] == "a"}
    assert facts["org_count"]["v"] == 9000 and isinstance(facts["org_count"]["v"], int)
    effects = engine().evaluate(mini, assessment.facts())
    assert "mini-small-team" in effects.fired  # 2 < 2.5 compared as numbers


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_memory_stays_flat_over_10000_evaluations(mini):
    eng = engine()
    samples = [make(mini, org_count=i % 9, owner="named", decision_rights="no", forum="none") for i in range(10)]
    for a in samples * 50:   # warm up caches and allocator pools
        eng.evaluate(mini, a.facts())
    start = rss_kb()
    for i in range(10_000):
        eng.evaluate(mini, samples[i % 10].facts())
    growth_mb = (rss_kb() - start) / 1024
    assert growth_mb < 10, f"RSS grew by {growth_mb:.1f} MB over 10,000 evaluations"


QUIET_RULES = """rules:
  - id: mini-nobody-owns
    principle: accountability
    when: {q: owner, equals: nobody}
    finding:
      severity: high
      title: Nobody owns the service
      rationale: No owner.
      recommendation: Name one.
"""

NOTHING_FIRES = """
import sys
from assess.answers import load_answers
from assess.engine import engine
from assess.frameworks import load_framework
framework = load_framework(sys.argv[1])
assessment = load_answers(sys.argv[2], [sys.argv[3]])
eng = engine()
for _ in range(1500):   # past the ~1,024 live-session limit: every session must be deleted
    effects = eng.evaluate(framework, assessment.facts())
    assert effects.fired == () and effects.derived == {}, effects
print("clean")
"""


def test_an_assessment_on_which_no_rule_fires_evaluates_and_exits_cleanly(tmp_path):
    """delete_state crashed the process for a session in which no action ran; the sentinel rule
    always runs one. In a subprocess, so a segfault fails this test instead of killing pytest."""
    import shutil
    import subprocess
    import sys

    from conftest import MINI, ROOT
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    (root / "rules" / "mini" / "rules.yaml").write_text(QUIET_RULES)
    answers = tmp_path / "answers.yaml"
    answers.write_text("assessment:\n  framework: mini\n  service: S\n  scope: part\n  phase: live\n"
                       "answers:\n  owner: named\n")
    run = subprocess.run([sys.executable, "-c", NOTHING_FIRES, str(root / "questionnaires" / "mini.yaml"), str(answers), str(root)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0 and run.stdout == "clean\n", (run.returncode, run.stderr[-2000:])
    cli = subprocess.run([sys.executable, "-m", "assess", "evaluate", str(answers), "-F", str(root), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert cli.returncode == 0, (cli.returncode, cli.stderr[-2000:])
    assert json.loads(cli.stdout)["findings"] == []
