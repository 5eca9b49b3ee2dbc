#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server: a new cluster in a temp folder, owned and
# run by a non-root user, on loopback only. ASSESS_TEST_POSTGRES_URL points the tests at it.
# The server is stopped and the folder removed when the command ends, whether it passed or not.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed (bash scripts/system-deps.sh installs it)" >&2
  exit 1
fi
port=${ASSESS_TEST_POSTGRES_PORT:-54329}
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
"${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export ASSESS_TEST_POSTGRES_URL="postgresql+psycopg://assess@127.0.0.1:$port/postgres"
"$@"
