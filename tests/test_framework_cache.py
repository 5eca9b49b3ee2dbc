"""The framework cache on disk: it only ever saves time, never changes what a command says."""
from __future__ import annotations

import os
import pickle
import shutil

import pytest

from assess import frameworks, fwcache
from assess.errors import AssessError
from assess.pipeline import evaluate, result_json
from assess.answers import load_answers

from conftest import MINI, ROOT, mini_doc, run_cli

ANSWERS = mini_doc("  org_count: 3\n  channels: [online]\n  owner: named\n")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A private cache folder and a copy of the mini framework; load() reads it as a new process would."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(fwcache.ENV_DIR, str(cache))
    root = tmp_path / "fw"
    shutil.copytree(MINI, root)
    questionnaire = root / "questionnaires" / "mini.yaml"
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")

    def load():
        frameworks._load_cached.cache_clear()   # forget the in-process copy, as a new command would
        return frameworks.load_framework(questionnaire)

    def result() -> str:
        frameworks._load_cached.cache_clear()
        return result_json(evaluate(load_answers(answers, [root])))

    def entries() -> list:
        return sorted(cache.glob("*.pickle")) if cache.exists() else []
    return load, result, entries, questionnaire


def test_second_load_comes_from_the_cache_and_gives_the_same_result(setup, monkeypatch):
    load, result, entries, _ = setup
    fresh = result()
    assert len(entries()) == 1
    calls = []
    monkeypatch.setattr(frameworks, "_load", lambda f: calls.append(f))   # any YAML read would show here
    assert result() == fresh
    assert calls == []


def test_a_cached_framework_brings_its_engine_plan_and_evaluates_without_planning_again(setup, monkeypatch):
    from assess import engine
    load, result, entries, _ = setup
    fresh = result()
    cached = load()
    assert cached.engine_parts and all(part.engine_json for part in cached.engine_parts)

    def no_planning(framework):
        raise AssertionError("the rules were planned again")
    monkeypatch.setattr(engine, "plan_parts", no_planning)
    monkeypatch.setattr(engine, "_engine", engine.DurableEngine())   # a new process's engine: nothing registered yet
    assert result() == fresh


@pytest.mark.parametrize("damage", [
    lambda data: b"",                                   # empty
    lambda data: data[: len(data) // 2],                # cut short
    lambda data: data[:-200] + b"\0" * 200,             # zeroed tail
    lambda data: b"not a cache entry at all\n" + data,  # another file
    lambda data: data.replace(fwcache.code_version().encode(), b"0" * 64),  # another version of assess
])
def test_damaged_or_foreign_entry_is_rebuilt_and_changes_nothing(setup, damage):
    load, result, entries, _ = setup
    fresh = result()
    [entry] = entries()
    entry.write_bytes(damage(entry.read_bytes()))
    assert result() == fresh
    [entry] = entries()
    assert entry.read_bytes().startswith(fwcache.MAGIC)
    assert fwcache.read(setup[3], load().hash, frameworks.Framework) is not None   # rewritten whole


def test_entry_holding_another_framework_is_not_served(setup, tmp_path):
    load, result, entries, questionnaire = setup
    fresh = result()
    [entry] = entries()
    other = frameworks.load_framework(ROOT / "questionnaires" / "service-ownership.yaml")
    entry.write_bytes(fwcache._header(load().hash) + pickle.dumps(other))
    assert result() == fresh
    assert load().id == "mini"


def test_framework_edited_after_caching_is_read_again(setup):
    load, result, entries, questionnaire = setup
    before = result()
    assert load().info.title == "Mini framework for tests"
    text = questionnaire.read_text(encoding="utf-8")
    questionnaire.write_text(text.replace("Mini framework for tests", "Edited mini"), encoding="utf-8")
    assert load().info.title == "Edited mini"
    assert result() != before   # the result names the framework's content hash


def test_edit_that_keeps_size_and_time_is_still_seen(setup):
    """The cache is keyed by content, not by file dates: an edit restoring the mtime is seen."""
    load, result, entries, questionnaire = setup
    assert load().info.title == "Mini framework for tests"
    info = os.stat(questionnaire)
    text = questionnaire.read_text(encoding="utf-8")
    questionnaire.write_text(text.replace("Mini framework for tests", "Mini framework for TESTS"), encoding="utf-8")
    os.utime(questionnaire, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert load().info.title == "Mini framework for TESTS"


def test_broken_framework_is_never_cached_and_keeps_its_lines(setup):
    """Broken after a clean load: the errors come from the YAML, with lines, every time."""
    load, result, entries, questionnaire = setup
    load()
    [clean] = entries()
    clean_bytes = clean.read_bytes()
    rules = questionnaire.parent.parent / "rules" / "mini" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("q: owner", "q: ownr", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(AssessError) as exc:
            load()
        assert any(d.line > 0 and "ownr" in d.message for d in exc.value.diagnostics)
    assert entries() == [clean] and clean.read_bytes() == clean_bytes


def test_misnamed_rule_file_is_reported_even_after_caching(setup):
    load, result, entries, questionnaire = setup
    load()
    assert len(entries()) == 1
    rules = questionnaire.parent.parent / "rules" / "mini"
    shutil.copy(rules / "rules.yaml", rules / "extra.yml")
    with pytest.raises(AssessError, match="rule files end in .yaml"):
        load()


def test_entry_others_may_write_is_not_trusted(setup, monkeypatch):
    load, result, entries, _ = setup
    load()
    [entry] = entries()
    entry.chmod(0o666)
    calls = []
    real = frameworks._load
    monkeypatch.setattr(frameworks, "_load", lambda f: calls.append(f) or real(f))
    load()
    assert len(calls) == 1


def test_cache_off_or_unwritable_still_loads(setup, monkeypatch, tmp_path):
    load, result, entries, _ = setup
    monkeypatch.setenv(fwcache.ENV_DIR, "off")
    assert load().id == "mini"
    assert entries() == []
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(fwcache.ENV_DIR, str(blocker / "cache"))
    assert load().id == "mini" and load().id == "mini"


def test_xdg_cache_home_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv(fwcache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fwcache.cache_dir() == tmp_path / "assess" / "frameworks"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")   # not absolute: ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert fwcache.cache_dir() == tmp_path / "home" / ".cache" / "assess" / "frameworks"
    monkeypatch.setenv("HOME", "not/absolute")   # no usable home folder: no cache, rather than one in the working folder
    assert fwcache.cache_dir() is None


def test_cli_gives_the_same_output_cold_and_warm(tmp_path):
    env = {fwcache.ENV_DIR: str(tmp_path / "cache")}
    example = "examples/service-ownership/health-pathway-unanchored.yaml"
    cold = run_cli("evaluate", example, "--format", "json", env=env)
    warm = run_cli("evaluate", example, "--format", "json", env=env)
    off = run_cli("evaluate", example, "--format", "json", env={fwcache.ENV_DIR: "off"})
    assert cold.returncode == warm.returncode == off.returncode
    assert cold.stdout == warm.stdout == off.stdout and '"findings"' in cold.stdout
    assert list((tmp_path / "cache").glob("*.pickle"))
