#!/usr/bin/env bash
# Regenerates sql/tests/slt/corpus_select.slt against a throwaway PostgreSQL 15 on a free
# loopback port and fails if the answers differ from the ones committed (so the expected
# answers stay PostgreSQL's). Skips, saying so, when the machine has no PostgreSQL 15 server.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/initdb" ]; then
    echo "corpus check skipped: no PostgreSQL 15 server in $bin"
    exit 0
fi
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() {
    as_postgres "$bin/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
as_postgres "$bin/initdb -D $dir/data -A trust -U postgres" >/dev/null
as_postgres "$bin/pg_ctl -D $dir/data -w -l $dir/log -o \"-p $port -k $dir -c listen_addresses=127.0.0.1\" start" >/dev/null
python3 tests/corpus/generate_select.py "postgresql://postgres@127.0.0.1:$port/postgres" "$dir/corpus_select.slt"
if ! diff -q "$dir/corpus_select.slt" sql/tests/slt/corpus_select.slt >/dev/null; then
    diff "$dir/corpus_select.slt" sql/tests/slt/corpus_select.slt | head -40
    echo "sql/tests/slt/corpus_select.slt differs from PostgreSQL 15's answers: regenerate it"
    exit 1
fi
echo "corpus answers match PostgreSQL 15"
