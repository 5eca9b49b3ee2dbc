"""scripts/with-postgres.sh: a throwaway PostgreSQL server per run, on a port no other run holds."""
import glob
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "with-postgres.sh"

# Each run creates a cluster (seconds apiece): part of the slow share.
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                 reason="PostgreSQL is not installed (bash scripts/system-deps.sh installs it)")]

# The command run under the script: print the URL it was given and check the server answers on it.
PROBE = ("import os, socket, sys, urllib.parse, pathlib;"
         "url = os.environ['ASSESS_TEST_POSTGRES_URL']; print(url, flush=True);"
         "socket.create_connection(('127.0.0.1', urllib.parse.urlsplit(url).port), timeout=5).close();"
         "gate = sys.argv[1:] and pathlib.Path(sys.argv[1]);"
         "import time\n"
         "while gate and not gate.exists(): time.sleep(0.05)")


def run_script(env_extra=None, *args, **popen):
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_TEST_POSTGRES_PORT"}
    env.update(env_extra or {})
    return subprocess.Popen(["bash", str(SCRIPT), sys.executable, "-c", PROBE, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def port_of(url):
    return int(url.rsplit(":", 1)[1].split("/")[0])


def test_two_runs_at_once_get_different_ports(tmp_path):
    gate = tmp_path / "release"
    first = run_script(None, str(gate))
    try:
        first_url = first.stdout.readline().strip()     # the first server is up and held open
        assert first_url, first.stderr.read()
        second = run_script()
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert port_of(out.strip()) != port_of(first_url)
    finally:
        gate.touch()
        first.communicate(timeout=60)
    assert first.returncode == 0


def test_the_port_variable_still_chooses_the_port():
    with socket.socket() as probe:                       # a port free just now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = run_script({"ASSESS_TEST_POSTGRES_PORT": str(port)})
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert port_of(out.strip()) == port


def test_a_taken_port_asked_for_by_name_is_a_clear_failure():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = run_script({"ASSESS_TEST_POSTGRES_PORT": str(port)})
        out, err = run.communicate(timeout=120)
    assert run.returncode != 0
    assert out == ""                                     # the command never ran
    assert f"port {port}" in err and "in use" in err
