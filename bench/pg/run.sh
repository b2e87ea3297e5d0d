#!/usr/bin/env bash
# DriftDB beside PostgreSQL 15, same client (pgbench), loopback. See bench/pg/README.md.
#
#   bench/pg/run.sh DRIFTDB_PORT [SECONDS]
#
# DRIFTDB_PORT: a running driftdb-server's PostgreSQL port on 127.0.0.1 (user driftdb,
# database driftdb, trust). SECONDS: length of each pgbench run (default 30).
#
# The script starts a throwaway PostgreSQL 15 cluster (default settings: fsync = on,
# synchronous_commit = on) on a free port of 127.0.0.1, loads the same data into both, runs
# every workload against both with the same pgbench command line, prints one Markdown table
# and removes the cluster on exit. It drops and recreates its tables in DriftDB at the start.
#
# Environment (all optional):
#   NACCOUNTS=100000        rows in accounts (point reads, updates, time travel)
#   NEVENTS=1000000         rows in events (GROUP BY)
#   COPY_CHUNK=200000       rows per COPY into DriftDB (one COPY is capped at 64 MiB)
#   HISTORY_UPDATES=20000   updates per target before the time-travel runs, half before and
#                           half after the point the time-travel reads ask for
#   MODES="simple"          pgbench -M modes to run, e.g. "simple extended prepared"
#   CLIENTS="1 8 32"        clients for the short transactions
#   CLIENTS_HEAVY="1 8"     clients for the 1000-row transaction and the GROUP BY
#   ONLY="..."              run only these workloads (names as in the table)
#   OUT=dir                 where logs and results.md go (default: a new /tmp directory, kept)
#   PG_BIN=/usr/lib/postgresql/15/bin   PGBENCH=/usr/bin/pgbench   PSQL=/usr/bin/psql
set -euo pipefail

usage() { echo "usage: $0 DRIFTDB_PORT [SECONDS]" >&2; exit 64; }
[[ $# -ge 1 && $# -le 2 ]] || usage
DDB_PORT=$1
DURATION=${2:-30}
[[ $DDB_PORT =~ ^[0-9]+$ && $DURATION =~ ^[0-9]+$ ]] || usage

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NACCOUNTS=${NACCOUNTS:-100000}
NEVENTS=${NEVENTS:-1000000}
COPY_CHUNK=${COPY_CHUNK:-200000}
HISTORY_UPDATES=${HISTORY_UPDATES:-20000}
MODES=${MODES:-simple}
CLIENTS=${CLIENTS:-1 8 32}
CLIENTS_HEAVY=${CLIENTS_HEAVY:-1 8}
ONLY=${ONLY:-}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGBENCH=${PGBENCH:-/usr/bin/pgbench}
PSQL=${PSQL:-/usr/bin/psql}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

for tool in "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$PGBENCH" "$PSQL" awk split python3; do
    command -v "$tool" >/dev/null || die "missing $tool"
done
"$PGBENCH" --version | grep -q '(PostgreSQL) 15\.' || die "$PGBENCH is not PostgreSQL 15's pgbench"

# PostgreSQL refuses to run as root: run its server as the postgres system user then.
if [[ $(id -u) -eq 0 ]]; then
    PG_USER=postgres
    id "$PG_USER" >/dev/null 2>&1 || die "running as root needs a 'postgres' system user"
    as_pg() { runuser -u "$PG_USER" -- "$@"; }
else
    as_pg() { "$@"; }
fi

PGROOT=""
WORK=""
cleanup() {
    local rc=$?
    set +e
    if [[ -n $PGROOT && -f $PGROOT/data/postmaster.pid ]]; then
        log "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m immediate -w stop >/dev/null 2>&1
    fi
    [[ -n $PGROOT ]] && rm -rf "$PGROOT"
    [[ -n $WORK ]] && rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK=$(mktemp -d /tmp/driftdb-bench-work.XXXXXX)

# ---------------------------------------------------------------- connections
ddb_psql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DDB_PORT" -U driftdb -d driftdb "$@"; }
pg_psql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench "$@"; }
# One value, unaligned, no header.
ddb_val() { ddb_psql -At -c "$1"; }
pg_val() { pg_psql -At -c "$1"; }

ddb_val "SELECT 1" >/dev/null 2>"$WORK/ddb_check.err" \
    || die "no DriftDB on 127.0.0.1:$DDB_PORT: $(cat "$WORK/ddb_check.err")"
OUT=${OUT:-$(mktemp -d /tmp/driftdb-bench-results.XXXXXX)}
mkdir -p "$OUT/logs"

# ---------------------------------------------------------------- PostgreSQL
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PGROOT=$(mktemp -d /tmp/driftdb-bench-pg.XXXXXX)
[[ $(id -u) -eq 0 ]] && chown "$PG_USER": "$PGROOT"
PG_PORT=$(free_port)
log "initdb into $PGROOT/data"
as_pg "$PG_BIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C \
    >"$OUT/logs/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$OUT/logs/initdb.log")"
# Only the listening address, port and socket directory differ from the defaults.
as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 120 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PGROOT" \
    start >/dev/null || die "PostgreSQL did not start: $(tail -20 "$PGROOT/server.log")"
PG_PID=$(head -1 "$PGROOT/data/postmaster.pid")
log "PostgreSQL $PG_PID on 127.0.0.1:$PG_PORT"
"$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -c "CREATE DATABASE bench"

PG_VERSION=$(pg_val "SELECT version()")
PG_SETTINGS=$(pg_val "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method',
    'full_page_writes', 'shared_buffers', 'listen_addresses', 'max_connections', 'max_wal_size')")
DDB_VERSION=$(ddb_val "SELECT version()")
log "PostgreSQL settings: $PG_SETTINGS"

# ---------------------------------------------------------------- data
# Deterministic files, loaded identically into both.
log "generating $NACCOUNTS accounts and $NEVENTS events"
awk -v n="$NACCOUNTS" 'BEGIN { for (i = 1; i <= n; i++) printf "%d,owner-%d,%d\n", i, i, (i * 7919) % 100000 }' \
    >"$WORK/accounts.csv"
awk -v n="$NEVENTS" 'BEGIN { srand(42); for (i = 1; i <= n; i++) printf "%d,kind-%02d,%d\n", i, int(rand() * 16), int(rand() * 10000) }' \
    >"$WORK/events.csv"
split -l "$COPY_CHUNK" -d -a 4 "$WORK/accounts.csv" "$WORK/accounts.part."
split -l "$COPY_CHUNK" -d -a 4 "$WORK/events.csv" "$WORK/events.part."

copy_chunks() { # psql-function table file-prefix columns
    local f
    for f in "$WORK/$3".part.*; do
        "$1" -c "\\copy $2 ($4) FROM '$f' WITH (FORMAT csv)"
    done
}

log "PostgreSQL: schema and load"
pg_psql -f "$HERE/setup/postgres.sql" >"$OUT/logs/setup_postgres.log" 2>&1 \
    || die "PostgreSQL schema: $(grep -m1 ERROR "$OUT/logs/setup_postgres.log")"
t0=$(date +%s.%N)
copy_chunks pg_psql accounts accounts "id, owner, balance"
copy_chunks pg_psql accounts_plain accounts "id, owner, balance"
copy_chunks pg_psql events events "id, kind, amount"
t1=$(date +%s.%N)
pg_psql -c "VACUUM ANALYZE" -c "CHECKPOINT"
PG_LOAD=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

log "DriftDB: schema and load (COPY in chunks of $COPY_CHUNK rows)"
ddb_psql -f "$HERE/setup/driftdb.sql" >"$OUT/logs/setup_driftdb.log" 2>&1 \
    || die "DriftDB schema: $(grep -m1 ERROR "$OUT/logs/setup_driftdb.log")"
t0=$(date +%s.%N)
copy_chunks ddb_psql accounts accounts "id, owner, balance"
copy_chunks ddb_psql events events "id, kind, amount"
t1=$(date +%s.%N)
DDB_LOAD=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

for t in accounts events; do
    want=$([[ $t == accounts ]] && echo "$NACCOUNTS" || echo "$NEVENTS")
    p=$(pg_val "SELECT count(*) FROM $t")
    d=$(ddb_val "SELECT count(*) FROM $t")
    [[ $p == "$want" && $d == "$want" ]] || die "$t: PostgreSQL has $p rows, DriftDB $d, expected $want"
done
GROUPBY_Q="SELECT kind, count(*), sum(amount) FROM events GROUP BY kind ORDER BY kind"
if [[ "$(pg_val "$GROUPBY_Q")" == "$(ddb_val "$GROUPBY_Q")" ]]; then
    GROUPBY_CHECK="same result on both"
else
    GROUPBY_CHECK="RESULTS DIFFER"
    pg_val "$GROUPBY_Q" >"$OUT/groupby_postgres.txt"
    ddb_val "$GROUPBY_Q" >"$OUT/groupby_driftdb.txt"
fi
log "loaded: PostgreSQL ${PG_LOAD}s, DriftDB ${DDB_LOAD}s; GROUP BY: $GROUPBY_CHECK"

# ---------------------------------------------------------------- scripts
mkdir -p "$WORK/scripts"
render() { # template asof asof_seq -> path of the concrete script
    local out="$WORK/scripts/$(basename "$1")"
    sed -e "s/@ASOF@/$2/g" -e "s/@ASOF_SEQ@/$3/g" "$1" >"$out"
    echo "$out"
}
# The statement of a rendered script with :id bound, for psql.
statement_of() { grep -v -e '^\\' -e '^--' "$1" | sed "s/:id\b/$2/g"; }

# Time-travel sanity check on both, with the very queries the benchmark runs: account 1's
# balance as of a moment before three updates, and as of a moment between the first and the
# second, must be the balances read at those moments.
tt_check() {
    local id=1 before after ts ts2 seq seq2 p d s p2 d2 s2 ok=1
    before=$(pg_val "SELECT balance FROM accounts WHERE id = $id")
    [[ $before == "$(ddb_val "SELECT balance FROM accounts WHERE id = $id")" ]] || die "accounts differ"
    sleep 0.3
    ts=$(date -u '+%Y-%m-%d %H:%M:%S.%6N+00')
    seq=$(ddb_val "SHOW driftdb.current_sequence")
    sleep 0.3
    for i in 1 2 3; do
        pg_psql -c "UPDATE accounts SET balance = balance + 1 WHERE id = $id"
        ddb_psql -c "UPDATE accounts SET balance = balance + 1 WHERE id = $id"
        if ((i == 1)); then
            sleep 0.3
            ts2=$(date -u '+%Y-%m-%d %H:%M:%S.%6N+00')
            seq2=$(ddb_val "SHOW driftdb.current_sequence")
            sleep 0.3
        fi
    done
    as_of() { # psql-function template ts seq
        "$1" -At -c "$(statement_of "$(render "$HERE/$2" "$3" "$4")" $id)"
    }
    p=$(as_of pg_psql timetravel_postgres.sql "$ts" "$seq")
    d=$(as_of ddb_psql timetravel_driftdb.sql "$ts" "$seq")
    s=$(as_of ddb_psql timetravel_driftdb_seq.sql "$ts" "$seq")
    p2=$(as_of pg_psql timetravel_postgres.sql "$ts2" "$seq2")
    d2=$(as_of ddb_psql timetravel_driftdb.sql "$ts2" "$seq2")
    s2=$(as_of ddb_psql timetravel_driftdb_seq.sql "$ts2" "$seq2")
    after=$(pg_val "SELECT balance FROM accounts WHERE id = $id")
    [[ $p == "$before" && $d == "$before" && $s == "$before" ]] || ok=0
    [[ $p2 == $((before + 1)) && $d2 == $((before + 1)) && $s2 == $((before + 1)) ]] || ok=0
    [[ $after == $((before + 3)) && $after == "$(ddb_val "SELECT balance FROM accounts WHERE id = $id")" ]] || ok=0
    TT_CHECK="account $id: $before before three updates, $after after; as of '$ts' (@SEQ:$seq):"
    TT_CHECK+=" PostgreSQL $p, DriftDB $d, DriftDB by @SEQ $s; as of '$ts2' (@SEQ:$seq2), after the first:"
    TT_CHECK+=" PostgreSQL $p2, DriftDB $d2, DriftDB by @SEQ $s2"
    if ((ok)); then TT_CHECK="correct ($TT_CHECK)"; else TT_CHECK="WRONG ($TT_CHECK)"; fi
    log "time-travel check: $TT_CHECK"
}
tt_check

# ---------------------------------------------------------------- runs
declare -A RES=()   # "workload|clients|mode|target" -> "tps|latency|status"
ROWS=()             # "workload|clients|mode", in run order
FAILURES=()
: >"$OUT/commands.txt"

wanted() { [[ -z $ONLY ]] || [[ " $ONLY " == *" $1 "* ]]; }

bench_one() { # workload target script clients mode
    local w=$1 target=$2 script=$3 c=$4 mode=$5 port user db logf rc tps lat status err
    if [[ $target == postgres ]]; then port=$PG_PORT user=postgres db=bench; else port=$DDB_PORT user=driftdb db=driftdb; fi
    logf="$OUT/logs/${w}_${target}_${mode}_c${c}.log"
    local cmd=("$PGBENCH" -n -h 127.0.0.1 -p "$port" -U "$user" -f "$script" -c "$c" -j "$c"
        -T "$DURATION" -M "$mode" -D "naccounts=$NACCOUNTS" "$db")
    echo "${cmd[*]}" >>"$OUT/commands.txt"
    log "$w c=$c $mode $target"
    rc=0
    "${cmd[@]}" >"$logf" 2>&1 || rc=$?
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$logf")
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$logf")
    status=ok
    if [[ $rc -ne 0 || -z $tps ]]; then
        status=FAILED
        err=$(grep -m1 -E 'error|ERROR|FATAL' "$logf" || tail -1 "$logf")
        FAILURES+=("$w, $c clients, -M $mode, $target: $err (log: $logf)")
        log "  FAILED: $err"
    else
        log "  tps $tps, latency $lat ms"
    fi
    RES["$w|$c|$mode|$target"]="${tps:-}|${lat:-}|$status"
}

run_workload() { # name pg_script|- ddb_script|- clients
    local w=$1 pgs=$2 dds=$3 clients=$4 c mode
    wanted "$w" || return 0
    for mode in $MODES; do
        for c in $clients; do
            ROWS+=("$w|$c|$mode")
            [[ $pgs != - ]] && bench_one "$w" postgres "$pgs" "$c" "$mode"
            [[ $dds != - ]] && bench_one "$w" driftdb "$dds" "$c" "$mode"
        done
    done
    return 0
}

TOTAL_RUNS=$(( $(wc -w <<<"$MODES") * ( $(wc -w <<<"$CLIENTS") * (2 + 2 + 2 + 1 + 2 + 1) \
    + $(wc -w <<<"$CLIENTS_HEAVY") * (2 + 2) ) ))
log "up to $TOTAL_RUNS pgbench runs of ${DURATION}s: about $(( TOTAL_RUNS * (DURATION + 2) / 60 )) min"

S=$HERE
run_workload insert_single "$S/insert_single.sql" "$S/insert_single.sql" "$CLIENTS"
run_workload txn_1000 "$S/txn_1000.sql" "$S/txn_1000.sql" "$CLIENTS_HEAVY"
run_workload select_pk "$S/select_pk.sql" "$S/select_pk.sql" "$CLIENTS"
run_workload update_pk "$S/update_pk.sql" "$S/update_pk.sql" "$CLIENTS"
run_workload update_pk_no_history "$S/update_pk_plain.sql" - "$CLIENTS"

# History for the time-travel reads: updates on both, the point in the middle of them.
hist_updates() {
    local per_client=$(( HISTORY_UPDATES / 2 / 8 )) target port user db
    ((per_client > 0)) || per_client=1
    for target in postgres driftdb; do
        if [[ $target == postgres ]]; then port=$PG_PORT user=postgres db=bench; else port=$DDB_PORT user=driftdb db=driftdb; fi
        "$PGBENCH" -n -h 127.0.0.1 -p "$port" -U "$user" -f "$S/update_pk.sql" -c 8 -j 8 \
            -t "$per_client" -M simple -D "naccounts=$NACCOUNTS" "$db" >>"$OUT/logs/history_$target.log" 2>&1 \
            || die "history updates failed on $target: $(grep -m1 -E 'error|ERROR' "$OUT/logs/history_$target.log")"
    done
}
ASOF="" ASOF_SEQ=""
if wanted timetravel || wanted timetravel_seq; then
    log "history: $HISTORY_UPDATES updates per target, the time-travel point in the middle"
    hist_updates
    sleep 1
    ASOF=$(date -u '+%Y-%m-%d %H:%M:%S.%6N+00')
    ASOF_SEQ=$(ddb_val "SHOW driftdb.current_sequence")
    sleep 1
    hist_updates
    # Fresh statistics, so the plan does not depend on when autovacuum last ran.
    pg_psql -c "ANALYZE accounts, accounts_history"
    HIST_ROWS=$(pg_val "SELECT count(*) FROM accounts_history")
    log "time-travel point: '$ASOF' = @SEQ:$ASOF_SEQ; PostgreSQL history rows: $HIST_ROWS"
    pg_psql -c "EXPLAIN $(statement_of "$(render "$S/timetravel_postgres.sql" "$ASOF" "$ASOF_SEQ")" 1)" \
        >"$OUT/logs/timetravel_postgres_plan.txt"
    run_workload timetravel "$(render "$S/timetravel_postgres.sql" "$ASOF" "$ASOF_SEQ")" \
        "$(render "$S/timetravel_driftdb.sql" "$ASOF" "$ASOF_SEQ")" "$CLIENTS"
    run_workload timetravel_seq - "$(render "$S/timetravel_driftdb_seq.sql" "$ASOF" "$ASOF_SEQ")" "$CLIENTS"
fi
run_workload groupby_1m "$S/groupby.sql" "$S/groupby.sql" "$CLIENTS_HEAVY"

# ---------------------------------------------------------------- report
fmt() { # tps|lat|status -> "tps | lat"
    local tps lat status
    IFS='|' read -r tps lat status <<<"${1:-||}"
    if [[ -z $1 ]]; then echo "— | —"
    elif [[ $status != ok ]]; then echo "FAILED | —"
    else printf '%.1f | %.3f' "$tps" "$lat"; fi
}
ratio() {
    local a b
    a=$(cut -d'|' -f1 <<<"${1:-}"); b=$(cut -d'|' -f1 <<<"${2:-}")
    if [[ -n $a && -n $b && ${1##*|} == ok && ${2##*|} == ok ]]; then
        awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2fx", b / a; else print "—" }'
    else echo "—"; fi
}
{
    echo "## DriftDB beside PostgreSQL 15 (pgbench, loopback)"
    echo
    echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname): $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    echo
    echo "- client: $("$PGBENCH" --version), -T $DURATION per run, -j = -c"
    echo "- PostgreSQL: $PG_VERSION; $PG_SETTINGS; load (COPY) ${PG_LOAD}s, then VACUUM ANALYZE, CHECKPOINT"
    echo "- DriftDB: $DDB_VERSION on 127.0.0.1:$DDB_PORT; load (COPY, $COPY_CHUNK rows each) ${DDB_LOAD}s"
    echo "- data: accounts $NACCOUNTS rows, events $NEVENTS rows (16 kinds); GROUP BY check: $GROUPBY_CHECK"
    echo "- time-travel check: $TT_CHECK"
    [[ -n $ASOF ]] && echo "- time-travel point: '$ASOF' (= @SEQ:$ASOF_SEQ on DriftDB), in the middle of $HISTORY_UPDATES updates per target; PostgreSQL accounts_history then held $HIST_ROWS rows"
    echo
    echo "TPS is pgbench's (without initial connection time); latency is pgbench's average, ms. The last column is DriftDB TPS / PostgreSQL TPS."
    echo
    echo "| workload | clients | -M | PostgreSQL TPS | PostgreSQL latency ms | DriftDB TPS | DriftDB latency ms | DriftDB / PostgreSQL |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|"
    for row in "${ROWS[@]}"; do
        IFS='|' read -r w c mode <<<"$row"
        p=${RES["$w|$c|$mode|postgres"]:-}
        d=${RES["$w|$c|$mode|driftdb"]:-}
        echo "| $w | $c | $mode | $(fmt "$p") | $(fmt "$d") | $(ratio "$p" "$d") |"
    done
    echo
    if ((${#FAILURES[@]})); then
        echo "Failures:"
        echo
        for f in "${FAILURES[@]}"; do echo "- $f"; done
        echo
    fi
    echo "Commands (time-travel scripts are rendered from the templates in bench/pg with the point above):"
    echo
    echo '```'
    cat "$OUT/commands.txt"
    echo '```'
} >"$OUT/results.md"
cp -r "$WORK/scripts" "$OUT/rendered-scripts"
cat "$OUT/results.md"
log "results and logs: $OUT"
