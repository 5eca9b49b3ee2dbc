"""`assess serve` and `assess db`: start-up cost, bad databases, upgrade and export."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, run_cli


def test_help_does_not_import_the_web_stack():
    code = ("import sys; from assess.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('modules:' + ','.join(m for m in ('flask', 'sqlalchemy', 'alembic', 'waitress', 'argon2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1]
    assert out == "modules:"


def test_a_bad_database_url_is_one_line_and_exit_2(tmp_path):
    result = run_cli("db", "upgrade", "--database", "not a url")
    assert result.returncode == 2 and result.stderr.startswith("error: --database: not a database URL")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_then_export_of_an_empty_database(tmp_path):
    data = tmp_path / "data"
    first = run_cli("db", "upgrade", "--data", str(data))
    assert first.returncode == 0 and (data / "assess.db").is_file()
    again = run_cli("db", "upgrade", "--data", str(data))      # already current: nothing to do, no error
    assert again.returncode == 0
    exported = run_cli("db", "export", str(tmp_path / "out"), "--data", str(data))
    assert exported.returncode == 0 and "wrote 0 answers file(s)" in exported.stderr
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert run_cli("db", "export", str(blocked), "--data", str(data)).returncode == 2
