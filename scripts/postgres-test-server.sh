#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 server for tests and local development.
#
#   scripts/postgres-test-server.sh          start it (idempotent); the last stdout line is its URI
#   scripts/postgres-test-server.sh stop     stop it (data is kept; delete $INET_PG_DIR to wipe it)
#   scripts/postgres-test-server.sh status   print the URI if it is running, exit 1 otherwise
#
# The server listens on 127.0.0.1 only, at $PGPORT (default 55432; if that default is taken by
# something else a free port is chosen), with its data under $INET_PG_DIR (default /tmp/inet-pg).
# It has a role `inet` with password `inet` (scram-sha-256 over TCP) owning a database `inet`;
# the superuser `postgres` is reachable only through the Unix socket inside $INET_PG_DIR.
# PostgreSQL refuses to run as root, so as root every server command runs as the `postgres`
# system user (created by Debian's `postgresql` package). Tests read the URI from
# INET_TEST_POSTGRES_URI:
#
#   export INET_TEST_POSTGRES_URI="$(scripts/postgres-test-server.sh | tail -n1)"
set -euo pipefail

PG_DIR="${INET_PG_DIR:-/tmp/inet-pg}"
DATA="$PG_DIR/data"
SOCK="$PG_DIR/sock"
LOG="$PG_DIR/server.log"
PORT_FILE="$PG_DIR/port"

log() { echo "postgres-test-server: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then echo "$PG_BINDIR"; return; fi
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin /usr/pgsql-15/bin; do
    if [[ -x "$d/pg_ctl" ]]; then echo "$d"; return; fi
  done
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/pg_ctl" ]]; then
    pg_config --bindir; return
  fi
  die "PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BINDIR)"
}
BIN="$(find_bindir)"

# Runs a command as the user that owns the server: `postgres` when we are root, else ourselves.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

uri() { echo "postgresql://inet:inet@127.0.0.1:$1/inet"; }

running_port() {
  [[ -f "$PORT_FILE" && -f "$DATA/postmaster.pid" ]] || return 1
  as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
  local port
  port="$(cat "$PORT_FILE")"
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" || return 1
  echo "$port"
}

cmd="${1:-start}"
case "$cmd" in
  stop)
    if [[ -f "$DATA/postmaster.pid" ]]; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    else
      log "not running"
    fi
    exit 0
    ;;
  status)
    port="$(running_port)" || { log "not running"; exit 1; }
    uri "$port"
    exit 0
    ;;
  start) ;;
  *) die "unknown command '$cmd' (use start, stop or status)" ;;
esac

if port="$(running_port)"; then
  log "already running on port $port"
  if [[ -n "${PGPORT:-}" && "$PGPORT" != "$port" ]]; then
    log "warning: PGPORT=$PGPORT ignored; stop the server first to move it"
  fi
  uri "$port"
  exit 0
fi

# Choose the port: an explicit PGPORT must be free; the default falls back to any free port.
if [[ -n "${PGPORT:-}" ]]; then
  port="$PGPORT"
  port_in_use "$port" && die "port $port (PGPORT) is already in use by another process"
else
  port=55432
  while port_in_use "$port"; do
    port=$(( (RANDOM % 20000) + 40000 ))
  done
fi

mkdir -p "$PG_DIR"
if [[ "$(id -u)" == 0 ]]; then
  chown postgres: "$PG_DIR"
  # The postgres user must be able to reach $PG_DIR through every parent directory.
  as_pg test -x "$PG_DIR" || die "user postgres cannot enter $PG_DIR; choose another INET_PG_DIR"
fi
as_pg mkdir -p "$SOCK"
as_pg chmod 700 "$SOCK"

if [[ ! -f "$DATA/PG_VERSION" ]]; then
  log "initialising $DATA"
  as_pg rm -rf "$DATA"
  # Only the socket (mode 0700, owner only) trusts the superuser; TCP needs a password.
  as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >&2 \
    || as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
         --auth-local=trust --auth-host=scram-sha-256 >&2
  as_pg tee "$DATA/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
host    all       inet      127.0.0.1/32   scram-sha-256
EOF
fi

# Settings passed on the command line so that a changed port or socket dir takes effect.
log "starting on 127.0.0.1:$port (log: $LOG)"
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$SOCK' \
      -c fsync=on -c password_encryption=scram-sha-256 -c max_connections=200" >&2 \
  || { tail -n 30 "$LOG" >&2 || true; die "server did not start"; }
echo "$port" | as_pg tee "$PORT_FILE" >/dev/null

psql_su() {
  as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$port" -U postgres -d postgres "$@"
}
psql_su <<'EOF' >&2
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inet') THEN
    CREATE ROLE inet LOGIN CREATEDB PASSWORD 'inet';
  ELSE
    ALTER ROLE inet LOGIN CREATEDB PASSWORD 'inet';
  END IF;
END
$$;
EOF
if [[ "$(psql_su -tA -c "SELECT 1 FROM pg_database WHERE datname = 'inet'")" != 1 ]]; then
  psql_su -c "CREATE DATABASE inet OWNER inet" >&2
fi

"$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" || die "server started but does not accept connections"
log "ready"
uri "$port"
