# Sourced by scripts that need a queue: a PostgreSQL server of their own, as the tests start one
# (TestSupport/PrivatePostgres.swift): initdb in DIR, a Unix socket only, a random scram password in
# PGPASSWORD, the address in EVOLVE_QUEUE_URL (for `--queue env:EVOLVE_QUEUE_URL`). As root the server runs
# as the `postgres` user, so DIR's parents must be searchable by it.
#   pg_start DIR; …; pg_stop
pg_start() {
  pg_dir="$1"
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "$(basename "$0"): no PostgreSQL server under /usr/lib/postgresql; install it (apt-get install -y postgresql) and run again" >&2
    return 1
  fi
  pg_as=()
  mkdir -p "$pg_dir/socket"
  PGPASSWORD="pg-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  export PGPASSWORD
  (umask 077; printf '%s' "$PGPASSWORD" >"$pg_dir/pw")
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$pg_dir"
    pg_as=(setpriv --reuid postgres --regid postgres --init-groups --)
  fi
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U evolve --auth-local=scram-sha-256 --auth-host=reject \
    --pwfile="$pg_dir/pw" --no-sync -E UTF8 >/dev/null
  rm -f "$pg_dir/pw"
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o \
    "-k $pg_dir/socket -c listen_addresses= -c fsync=off -c max_connections=60" start >/dev/null
  export EVOLVE_QUEUE_URL="postgresql://evolve@/postgres?host=$pg_dir/socket"
}

# Fast shutdown (ends open sessions); safe to call twice or when pg_start failed.
pg_stop() {
  if [ -n "${pg_dir:-}" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# One SQL statement's rows, unaligned, against that server.
pg_sql() {
  "$pg_bin/psql" -X -A -t -q -h "$pg_dir/socket" -U evolve -d postgres -c "$1"
}
