"""Writing replaces regular files atomically, follows symlinks, writes into devices and pipes
without replacing them, and on failure says truthfully what is left."""
from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
import time

import pytest

from assess import yamlio
from assess.errors import AssessError
from assess.yamlio import atomic_write

from conftest import MINI, ROOT


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_regular_file_is_replaced_keeping_its_mode(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    path.chmod(0o600)
    atomic_write(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_file_of_another_owner_keeps_its_owner(tmp_path):
    if os.getuid() != 0:
        pytest.skip("only root can give a file away")
    path = tmp_path / "theirs.txt"
    path.write_text("old")
    os.chown(path, 4321, 4321)
    atomic_write(path, "new")
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321) and path.read_text() == "new"


def test_a_symlink_is_kept_and_its_target_replaced(tmp_path):
    real = tmp_path / "data" / "answers.yaml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "answers.yaml"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "made.html")
    atomic_write(link, "<p>hi</p>")
    assert link.is_symlink() and (tmp_path / "made.html").read_text() == "<p>hi</p>"


def test_a_named_pipe_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic_write(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and leftovers(tmp_path) == []


def private_null(tmp_path):
    """A character device of our own (the same device as /dev/null), so the real one is never at risk."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return node


def test_a_character_device_is_written_into_not_replaced(tmp_path):
    node = private_null(tmp_path)
    atomic_write(node, "discarded")
    assert stat.S_ISCHR(os.lstat(node).st_mode) and leftovers(tmp_path) == []


def test_the_cli_writes_a_report_into_a_device(tmp_path):
    node = private_null(tmp_path)
    run = subprocess.run([sys.executable, "-m", "assess", "report", str(MINI / "whole.yaml"), "-F", str(MINI),
                          "--format", "md", "-o", str(node)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_directory_is_never_replaced(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    with pytest.raises(AssessError, match="is a directory; give a file name"):
        atomic_write(folder, "data")
    assert (folder / "keep.txt").read_text() == "x"


@pytest.mark.parametrize("step, error, reason", [
    ("replace", PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    ("fsync", OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
])
def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, step, error, reason):
    path = tmp_path / "answers.yaml"
    path.write_text("the workshop's answers")

    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(yamlio.os, step, fail)
    with pytest.raises(AssessError) as exc:
        atomic_write(path, "new answers")
    monkeypatch.undo()
    assert str(exc.value) == f"{path}: cannot write: {reason}; the previous file is unchanged"
    assert path.read_text() == "the workshop's answers" and leftovers(tmp_path) == []


def test_a_failed_first_write_does_not_claim_a_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "new.yaml"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(yamlio.os, "fsync", full)
    with pytest.raises(AssessError) as exc:
        atomic_write(path, "data")
    monkeypatch.undo()
    assert str(exc.value) == f"{path}: cannot write: No space left on device; nothing was written"
    assert not path.exists() and leftovers(tmp_path) == []


def test_a_folder_we_cannot_write_in(tmp_path, monkeypatch):
    path = tmp_path / "answers.yaml"
    path.write_text("old")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(yamlio.tempfile, "mkstemp", denied)
    with pytest.raises(AssessError) as exc:
        atomic_write(path, "new")
    monkeypatch.undo()
    assert str(exc.value) == f"{path}: cannot write in {tmp_path}: permission denied; the previous file is unchanged"
    assert path.read_text() == "old"


def test_a_missing_folder(tmp_path):
    with pytest.raises(AssessError, match="does not exist"):
        atomic_write(tmp_path / "nowhere" / "out.txt", "x")


# ---------------------------------------------------------------- temp files a killed write left

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid                    # finished and reaped: no process has this id now (barring reuse)


def test_the_next_write_removes_temp_files_whose_writer_is_gone_or_that_are_old(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("old")
    dead = tmp_path / f".answers.yaml.{_dead_pid()}-ab12cd34.tmp"
    old = tmp_path / ".answers.yaml.x_9y8z7w.tmp"               # the earlier naming, without a process id
    live = tmp_path / f".answers.yaml.{os.getppid()}-ef56gh78.tmp"  # a writer that is still running
    fresh = tmp_path / ".answers.yaml.k1ll3d0z.tmp"            # recent, writer unknown: may be in use
    others = [tmp_path / f".other.yaml.{_dead_pid()}-ab12cd34.tmp", tmp_path / ".answers.yaml.lockish.tmp.bak"]
    for p in [dead, old, live, fresh, *others]:
        p.write_text("half a file")
    # ages are set against the clock the code reads, not the file system's own stamp
    now = time.time()
    for p in [dead, live, fresh, *others]:
        os.utime(p, (now, now))
    hour_ago = now - yamlio.STALE_AFTER - 60
    os.utime(old, (hour_ago, hour_ago))
    atomic_write(path, "new")
    assert path.read_text() == "new"
    assert not dead.exists() and not old.exists()
    assert live.exists() and fresh.exists() and all(p.exists() for p in others)


def test_a_write_names_its_temp_file_with_its_process_id(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        return real_replace(src, dst)
    monkeypatch.setattr(yamlio.os, "replace", spy)
    atomic_write(tmp_path / "r.md", "x")
    assert len(seen) == 1 and seen[0].startswith(f".r.md.{os.getpid()}-") and seen[0].endswith(".tmp")


def test_a_killed_write_leaves_a_temp_file_the_next_write_removes(tmp_path):
    path = tmp_path / "report.md"
    code = ("import os, sys; from assess import yamlio;"
            "yamlio.os.fsync = lambda fd: os.kill(os.getpid(), 9);"
            f"yamlio.atomic_write({str(path)!r}, 'x' * 100000)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == -9 and len(leftovers(tmp_path)) == 1 and not path.exists()
    atomic_write(path, "whole")
    assert leftovers(tmp_path) == [] and path.read_text() == "whole"


def test_probe_folder_says_why_a_folder_takes_no_file(tmp_path):
    assert yamlio.probe_folder(tmp_path / "r.md") == "" and leftovers(tmp_path) == []
    assert "does not exist" in yamlio.probe_folder(tmp_path / "nowhere" / "r.md")
    if os.path.isdir("/proc"):
        assert yamlio.probe_folder("/proc/r.md") == "cannot create files in /proc"
