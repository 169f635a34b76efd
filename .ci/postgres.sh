#!/usr/bin/env bash
# Starts a PostgreSQL server from Debian's packages for the pin store's PostgreSQL test run and
# prints the connection URL the tests read from CRUST_TEST_PG_URL. Installs the packages first on
# a machine that lacks them.
set -euo pipefail
if [ ! -d /usr/lib/postgresql ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main"' | grep -q .; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
as_postgres() { su postgres -c "$1"; }
as_postgres "psql -p $port -v ON_ERROR_STOP=1 -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crust') THEN CREATE ROLE crust LOGIN PASSWORD 'crust'; END IF; END \\\$\\\$;\"" >&2
if ! as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'crust_test'\"" | grep -q 1; then
  as_postgres "createdb -p $port -O crust crust_test" >&2
fi
echo "postgres://crust:crust@127.0.0.1:$port/crust_test"
