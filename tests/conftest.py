"""Shared test helpers: paths, the mini framework, and running the CLI in a subprocess."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "frameworks" / "mini"

# One framework cache for the whole run, shared by the CLI processes the tests start, and
# never the user's own: tests neither read nor leave entries in ~/.cache.
_CACHE = tempfile.mkdtemp(prefix="assess-test-cache-")
os.environ["ASSESS_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

# pytest-xdist starts its workers with COLUMNS=80 and LINES=24, which would override the size of
# the pseudo-terminals the tests open; without them every run sees the same environment.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run `assess` as a user would, in a fresh process."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "assess", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, input=input, timeout=300)


def run_cli_here(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `assess` inside the test process: the same exit code, stdout and stderr as run_cli
    without the second or so a fresh process spends starting. For checks of what a command says
    and returns; anything about the process itself (start-up, signals, hash seeds) needs run_cli.
    An exception that escapes the command fails the test, as a traceback would. With `cwd` the
    command runs in that folder, and this process returns to its own folder afterwards."""
    from contextlib import chdir, nullcontext

    from typer.testing import CliRunner

    from assess.cli import app
    with chdir(cwd) if cwd else nullcontext():
        done = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(["assess", *args], done.exit_code, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def mini():
    from assess.frameworks import load_framework
    return load_framework(MINI / "questionnaires" / "mini.yaml")


@pytest.fixture
def mini_answers(tmp_path):
    """Write an answers file for the mini framework from YAML text; returns its path."""
    def write(text: str, name: str = "answers.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


MINI_HEADER = """assessment:
  framework: mini
  service: Test service
  scope: {scope}
  phase: {phase}
answers:
"""


def mini_doc(answers: str = "", scope: str = "part", phase: str = "live") -> str:
    return MINI_HEADER.format(scope=scope, phase=phase) + answers
