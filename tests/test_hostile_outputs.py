"""No command writes its output over one of its own inputs, or over a read-only file, unless
--force is given; an output that cannot be written is refused before any work is done."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli

EXAMPLE = ROOT / "examples" / "service-ownership" / "live-no-team.yaml"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shutil.copy(MINI / "whole.yaml", tmp_path / "a.yaml")
    shutil.copy(MINI / "whole.yaml", tmp_path / "b.yaml")
    (tmp_path / "link.yaml").symlink_to("a.yaml")
    os.link(tmp_path / "a.yaml", tmp_path / "hard.yaml")
    return tmp_path


def run(folder: Path, *args: str):
    return run_cli(*args, "-F", str(MINI), cwd=folder)


# each command with -o, and its output spelled as one of its inputs in several ways
COMMANDS = {
    "report": ("report", "a.yaml", "--format", "md", "-o", "{out}"),
    "report --previous": ("report", "b.yaml", "--previous", "a.yaml", "--format", "md", "-o", "{out}"),
    "compare": ("compare", "a.yaml", "b.yaml", "--format", "md", "-o", "{out}"),
    "portfolio": ("portfolio", ".", "--as-of", "2026-12-01", "--format", "csv", "-o", "{out}"),
}


@pytest.mark.parametrize("spelling", ["a.yaml", "./a.yaml", "link.yaml", "hard.yaml", "{folder}/a.yaml"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_input_is_never_overwritten_without_force(folder, command, spelling):
    before = (folder / "a.yaml").read_bytes()
    out = spelling.format(folder=folder)
    proc = run(folder, *[a.format(out=out) for a in COMMANDS[command]])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and "is also an input of this command" in proc.stderr
    assert "--force" in proc.stderr
    assert (folder / "a.yaml").read_bytes() == before and (folder / "link.yaml").is_symlink()


def test_force_replaces_an_input_when_asked(folder):
    proc = run(folder, "report", "a.yaml", "--format", "md", "-o", "a.yaml", "--force")
    assert proc.returncode == 0, proc.stderr
    assert (folder / "a.yaml").read_text().startswith("# ")


@pytest.mark.parametrize("command", ["report", "compare", "init"])
def test_a_read_only_file_is_replaced_only_with_force(folder, command):
    out = folder / "out.md"
    out.write_text("kept")
    out.chmod(0o444)
    args = {"report": ("report", "a.yaml", "-o", "out.md"), "compare": ("compare", "a.yaml", "b.yaml", "-f", "md", "-o", "out.md"),
            "init": ("init", "mini", "-o", "out.md", "--force")}[command]
    if command == "init":               # init's --force is for an existing file; read-only is that too
        proc = run(folder, *args)
        assert proc.returncode == 0 and out.read_text().startswith("#")
        return
    proc = run(folder, *args)
    assert proc.returncode == 2 and f"-o out.md: is read-only; give --force to replace it" in proc.stderr
    assert out.read_text() == "kept"
    proc = run(folder, *args, "--force")
    assert proc.returncode == 0 and out.read_text() != "kept"
    assert stat.S_IMODE(out.stat().st_mode) == 0o444


def test_merge_never_replaces_a_respondents_file_however_spelled(folder):
    for spelling in ("./a.yaml", "link.yaml", "hard.yaml"):
        proc = run(folder, "merge", "a.yaml", "b.yaml", "-o", spelling, "--force")
        assert proc.returncode == 2 and "respondents' files" in proc.stderr, proc.stderr
    assert (folder / "a.yaml").read_bytes() == (MINI / "whole.yaml").read_bytes()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs a folder that takes no files")
@pytest.mark.parametrize("args", [
    ("report", "a.yaml", "--template-dir", "tpl", "-o", "/proc/report.html"),
    ("compare", "a.yaml", "b.yaml", "-f", "md", "-o", "/proc/compare.md"),
    ("portfolio", "a.yaml", "-f", "csv", "-o", "/proc/board.csv"),
    ("merge", "a.yaml", "b.yaml", "-o", "/proc/consensus.yaml"),
    ("init", "mini", "-o", "/proc/answers.yaml"),
])
def test_an_unwritable_folder_is_reported_before_any_rendering(folder, args):
    # the template would fail if it were rendered: the folder's message shows it never was
    (folder / "tpl").mkdir()
    (folder / "tpl" / "report.html.j2").write_text("{{ nosuchvar }}")
    proc = run(folder, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == f"error: -o {args[-1]}: cannot create files in /proc"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_folder_without_write_permission_is_reported_before_rendering(folder):
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc = run(folder, "report", "a.yaml", "-o", "locked/r.md")
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2 and "cannot write in locked: permission denied" in proc.stderr


def test_the_guided_run_does_not_write_its_report_over_the_answers_file(folder, capsys):
    from types import SimpleNamespace

    from assess.cli.run import Guide

    class Answering(Guide):
        def confirm(self, message, default):
            return True

        def text(self, message, default="", validate=None, instruction=""):
            return "./link.yaml"         # the answers file, spelled through a symlink

    before = (folder / "a.yaml").read_bytes()
    guide = Answering(None, [MINI], lock=None, interrupts=None)
    guide.session = SimpleNamespace(path=folder / "a.yaml", framework=SimpleNamespace(root=MINI))
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        guide.offer_report(result=None)
    finally:
        os.chdir(cwd)
    assert "is the answers file; the report was not written" in capsys.readouterr().out
    assert (folder / "a.yaml").read_bytes() == before


def test_a_report_is_not_written_over_a_template_or_framework_file_it_reads(folder):
    templates = folder / "templates"
    templates.mkdir()
    shutil.copy(ROOT / "report_templates" / "report.html.j2", templates / "report.html.j2")
    before = (templates / "report.html.j2").read_bytes()
    over_template = run(folder, "report", "a.yaml", "--template-dir", "templates", "--format", "html",
                        "-o", "templates/report.html.j2")
    assert over_template.returncode == 2 and "is inside templates, which this command reads" in over_template.stderr
    assert (templates / "report.html.j2").read_bytes() == before
    rules = next(MINI.glob("rules/*/*.yaml"))
    over_rules = run(folder, "report", "a.yaml", "--format", "md", "-o", str(rules))
    assert over_rules.returncode == 2 and "which this command reads" in over_rules.stderr
    beside = run(folder, "report", "a.yaml", "--template-dir", "templates", "--format", "html", "-o", "templates/new.html")
    assert beside.returncode == 0 and (templates / "new.html").is_file(), beside.stderr
