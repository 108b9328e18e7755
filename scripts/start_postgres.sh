#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages and start a throwaway cluster on 127.0.0.1 for the
# API tests; prints the DATABASE_URL to use. Idempotent: a second run reuses the cluster.
# Run as root (CI) or with sudo available.
#   export PLANNER_TEST_DATABASE_URL="$(scripts/start_postgres.sh | tail -n1)"
set -euo pipefail

PORT="${PGPORT:-5433}"
DB_USER="${PG_TEST_USER:-planner}"
DB_PASS="${PG_TEST_PASSWORD:-planner}"
DB_NAME="${PG_TEST_DB:-planner_test}"
DATA_DIR="${PG_TEST_DATA:-/var/tmp/planner-pg}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

$SUDO mkdir -p "$DATA_DIR"
$SUDO chown postgres:postgres "$DATA_DIR"
if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
    as_postgres "$BIN/initdb" -D "$DATA_DIR" -A trust -U postgres >&2
fi
if ! as_postgres "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
    as_postgres "$BIN/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k /tmp" start >&2
fi

psql_admin() { as_postgres psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASS'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi

echo "postgresql://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
