#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server: a new cluster in a temp folder, owned and
# run by a non-root user, on loopback only. ASSESS_TEST_POSTGRES_URL points the tests at it.
# The server is stopped and the folder removed when the command ends, whether it passed or not.
# It listens on a free port, so several runs on one machine do not collide;
# ASSESS_TEST_POSTGRES_PORT=N asks for port N instead (and fails if N is taken).
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed (bash scripts/system-deps.sh installs it)" >&2
  exit 1
fi
tmp=$(mktemp -d /tmp/assess-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then            # PostgreSQL refuses to run as root
  chown postgres "$tmp"
  as_owner=(runuser -u postgres --)
fi
stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
"${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -A trust -U assess -E UTF8 >/dev/null
start_on() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
    -o "-p $1 -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1
}
port_taken() { grep -q "could not bind\|already in use" "$tmp/server.log" 2>/dev/null; }
if [ -n "${ASSESS_TEST_POSTGRES_PORT:-}" ]; then
  port=$ASSESS_TEST_POSTGRES_PORT
  if ! start_on "$port"; then
    port_taken && echo "PostgreSQL could not listen on port $port (ASSESS_TEST_POSTGRES_PORT): it is in use" >&2 \
      || cat "$tmp/server.log" >&2
    exit 1
  fi
else
  # A random port in the dynamic range; another run (or any program) may hold it, so on a
  # bind failure try another rather than give up.
  started=
  for _ in $(seq 1 20); do
    port=$((49152 + RANDOM % 16384))
    rm -f "$tmp/server.log"
    if start_on "$port"; then started=1; break; fi
    port_taken || { cat "$tmp/server.log" >&2; exit 1; }
  done
  [ -n "$started" ] || { echo "PostgreSQL found no free port after 20 tries" >&2; exit 1; }
fi
export ASSESS_TEST_POSTGRES_URL="postgresql+psycopg://assess@127.0.0.1:$port/postgres"
"$@"
