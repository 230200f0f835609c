#!/usr/bin/env bash
# Several nodes on PostgreSQL (issue 6): intake and complete runs/s with one and with two
# `hookflow serve` nodes on one PostgreSQL database, beside the same phases on SQLite, and
# the database cost of one complete run (writes, reads, transactions, round trips, bytes
# sent, WAL bytes) read from the node's /metrics and pg_stat_wal. See bench/README.md.
#
#   bench/postgres.sh                     # 64 connections, 10 s per phase
#   DURATION=5 CONNECTIONS=32 bench/postgres.sh
#
# Settings (environment): CONNECTIONS (64, split over the nodes), DURATION seconds per
# phase (10), WARMUP seconds before each phase (1), BODY, NO_BUILD=1, and
# HOOKFLOW_BENCH_DATABASE_URL (default: HOOKFLOW_TEST_DATABASE_URL, else
# postgres://postgres@127.0.0.1:5432/postgres): a server where this script may create and
# drop a scratch database.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
BODY=${BODY:-'{"name":"Ada"}'}
ADMIN_URL=${HOOKFLOW_BENCH_DATABASE_URL:-${HOOKFLOW_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
# One fresh database per PostgreSQL set-up, so that each starts from the same empty
# tables: measured on the database the one-node phases filled, two nodes would pay for
# bigger indexes and for autovacuum catching up, and the comparison would be unfair.
DBS=(hf_bench_$$_one hf_bench_$$_two)
KEY=bench-admin-key
bench_on_exit() {
    local db
    for db in "${DBS[@]}"; do
        psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
bench_setup pg
for db in "${DBS[@]}"; do
    psql "$ADMIN_URL" -qc "CREATE DATABASE $db"
done

# start_node NAME [serve flags...]: starts a node and sets NODE_URL to its base URL.
# (Called directly, not in $(…): the node must be a child of this shell, not of a
# subshell that would wait for it.)
start_node() {
    local name=$1
    shift
    RUST_LOG=${RUST_LOG:-warn} "$BIN/hookflow" serve --listen 127.0.0.1:0 \
        --data-dir "$BENCH_DIR/$name" --admin-key "$KEY" "$@" \
        >/dev/null 2>"$BENCH_DIR/$name.log" &
    PIDS+=($!)
    NODE_URL=$(wait_for "$BENCH_DIR/$name.log" 'public URL: ' | sed -E 's/.*public URL: *//')
}

stop_nodes() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

INTAKE_JSON=$BENCH_DIR/intake.json
cat >"$INTAKE_JSON" <<'JSON'
{
  "definition": {
    "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    "contentVersion": "1.0.0.0",
    "triggers": {
      "manual": { "type": "Request", "kind": "Http", "inputs": { "method": "POST" } }
    },
    "actions": {
      "Echo": { "type": "Compose", "inputs": "@triggerBody()", "runAfter": {} }
    },
    "outputs": {}
  }
}
JSON

# deploy SERVER: both workflows; prints "INTAKE_URL COMPLETE_URL".
deploy() {
    local server=$1
    HOOKFLOW_SERVER=$server HOOKFLOW_ADMIN_KEY=$KEY "$BIN/hookflow" deploy "$INTAKE_JSON" --name bench-intake >&2
    HOOKFLOW_SERVER=$server HOOKFLOW_ADMIN_KEY=$KEY "$BIN/hookflow" deploy examples/request-response.json --name bench-complete >&2
    echo "$(HOOKFLOW_SERVER=$server HOOKFLOW_ADMIN_KEY=$KEY "$BIN/hookflow" callback-url bench-intake manual)" \
         "$(HOOKFLOW_SERVER=$server HOOKFLOW_ADMIN_KEY=$KEY "$BIN/hookflow" callback-url bench-complete manual)"
}

# on_node URL SERVER: the callback URL with SERVER's scheme, host and port (the signature
# does not cover the host, so any node takes it).
on_node() {
    local path=${1#*://*/}
    echo "${2%/}/$path"
}

# load CONNECTIONS URL: one TSV line (req/s p50 p90 p99 max answered 2xx errors).
load() {
    local connections=$1 url=$2
    if [[ $WARMUP != 0 ]]; then
        "$BIN/hookflow-loadgen" --url "$url" -c "$connections" -d "$WARMUP" --body "$BODY" --format tsv >/dev/null
    fi
    "$BIN/hookflow-loadgen" --url "$url" -c "$connections" -d "$DURATION" --body "$BODY" --format tsv
}

# load_two URL_A URL_B: one load generator with half the connections on each node (one
# generator, as in the one-node phases: two would cost the machine more).
load_two() {
    if [[ $WARMUP != 0 ]]; then
        "$BIN/hookflow-loadgen" --url "$1" --url "$2" -c "$CONNECTIONS" -d "$WARMUP" --body "$BODY" --format tsv >/dev/null
    fi
    "$BIN/hookflow-loadgen" --url "$1" --url "$2" -c "$CONNECTIONS" -d "$DURATION" --body "$BODY" --format tsv
}

metric() {
    curl -s "${1%/}/metrics" | awk -v name="$2" '$1 == name { print $2 }'
}

# Before each PostgreSQL phase: write out everything dirty, so that no phase pays for
# the checkpoint an earlier phase's WAL asked for (each phase writes hundreds of MB).
checkpoint() {
    psql "$ADMIN_URL" -qc "CHECKPOINT"
}

wal_bytes() {
    psql "$ADMIN_URL" -tAc "SELECT wal_bytes FROM pg_stat_wal"
}

echo "measuring: $CONNECTIONS connections, ${DURATION} s per phase (after ${WARMUP} s warm-up)" >&2

# --- SQLite, one node ------------------------------------------------------------------
start_node sqlite
SERVER=$NODE_URL
read -r INTAKE_URL COMPLETE_URL < <(deploy "$SERVER")
echo "  SQLite: intake..." >&2
SQLITE_INTAKE=$(load "$CONNECTIONS" "$INTAKE_URL")
echo "  SQLite: complete runs..." >&2
SQLITE_COMPLETE=$(load "$CONNECTIONS" "$COMPLETE_URL")
stop_nodes

# --- PostgreSQL, one node --------------------------------------------------------------
start_node pg-a --database "${ADMIN_URL%/*}/${DBS[0]}"
A=$NODE_URL
read -r INTAKE_URL COMPLETE_URL < <(deploy "$A")
checkpoint
echo "  PostgreSQL, 1 node: intake..." >&2
PG1_INTAKE=$(load "$CONNECTIONS" "$INTAKE_URL")
checkpoint
echo "  PostgreSQL, 1 node: complete runs (with cost counters)..." >&2
# Warm up first, then count only the measured phase.
if [[ $WARMUP != 0 ]]; then
    "$BIN/hookflow-loadgen" --url "$COMPLETE_URL" -c "$CONNECTIONS" -d "$WARMUP" --body "$BODY" --format tsv >/dev/null
fi
declare -A BEFORE
for m in hookflow_store_writes_total hookflow_store_write_batches_total hookflow_store_round_trips_total hookflow_store_write_bytes_total; do
    BEFORE[$m]=$(metric "$A" "$m")
done
WAL_BEFORE=$(wal_bytes)
PG1_COMPLETE=$(WARMUP=0 load "$CONNECTIONS" "$COMPLETE_URL")
WAL_AFTER=$(wal_bytes)
declare -A DELTA
for m in "${!BEFORE[@]}"; do
    DELTA[$m]=$(awk -v a="${BEFORE[$m]}" -v b="$(metric "$A" "$m")" 'BEGIN { printf "%.0f", b - a }')
done
RUNS=$(cut -f7 <<<"$PG1_COMPLETE")

# --- PostgreSQL, two nodes -------------------------------------------------------------
stop_nodes
start_node pg-a2 --database "${ADMIN_URL%/*}/${DBS[1]}"
A=$NODE_URL
start_node pg-b --database "${ADMIN_URL%/*}/${DBS[1]}"
B=$NODE_URL
read -r INTAKE_URL COMPLETE_URL < <(deploy "$A")
checkpoint
echo "  PostgreSQL, 2 nodes: intake..." >&2
PG2_INTAKE=$(load_two "$INTAKE_URL" "$(on_node "$INTAKE_URL" "$B")")
checkpoint
echo "  PostgreSQL, 2 nodes: complete runs..." >&2
PG2_COMPLETE=$(load_two "$COMPLETE_URL" "$(on_node "$COMPLETE_URL" "$B")")
NODES=$(curl -s -H "Authorization: Bearer $KEY" "${A%/}/api/nodes" | grep -o '"name"' | wc -l)

# --- the table ----------------------------------------------------------------------
row() {
    awk -F'\t' -v name="$1" '{
        printf "%-36s %10s %9s %9s %9s %14s %7s\n", name, $1, $2, $4, $5, $7 "/" $6, $8
    }' <<<"$2"
}
echo
printf "%-36s %10s %9s %9s %9s %14s %7s\n" "phase" "req/s" "p50 ms" "p99 ms" "max ms" "2xx/answered" "errors"
row "SQLite, 1 node: intake" "$SQLITE_INTAKE"
row "SQLite, 1 node: complete runs" "$SQLITE_COMPLETE"
row "PostgreSQL, 1 node: intake" "$PG1_INTAKE"
row "PostgreSQL, 1 node: complete runs" "$PG1_COMPLETE"
row "PostgreSQL, 2 nodes: intake" "$PG2_INTAKE"
row "PostgreSQL, 2 nodes: complete runs" "$PG2_COMPLETE"
echo "(live nodes listed by GET /api/nodes during the 2-node phases: $NODES)"

echo
echo "database cost of one complete run (PostgreSQL, 1 node, $RUNS runs measured):"
awk -v runs="$RUNS" -v writes="${DELTA[hookflow_store_writes_total]}" \
    -v batches="${DELTA[hookflow_store_write_batches_total]}" \
    -v trips="${DELTA[hookflow_store_round_trips_total]}" \
    -v bytes="${DELTA[hookflow_store_write_bytes_total]}" \
    -v wal="$((WAL_AFTER - WAL_BEFORE))" 'BEGIN {
    if (runs == 0) { print "  no runs measured"; exit }
    reads = trips - batches
    printf "  write calls      %8.3f per run (one write function call each)\n", writes / runs
    printf "  transactions     %8.3f per run (%.1f writes per group commit)\n", batches / runs, (batches > 0 ? writes / batches : 0)
    printf "  reads            %8.3f per run\n", reads / runs
    printf "  statements       %8.3f per run (writes + reads + BEGIN/COMMIT per transaction, at most)\n", (writes + reads + 2 * batches) / runs
    printf "  round trips      %8.3f per run (transactions + reads, shared by the runs of a batch)\n", trips / runs
    printf "  round trips a run waits for: %.3f (its write batch + its reads)\n", 1 + reads / runs
    printf "  bytes sent       %8.0f per run (write arguments)\n", bytes / runs
    printf "  WAL written      %8.0f bytes per run (pg_stat_wal, the whole server)\n", wal / runs
}'

echo
awk -v one="$(cut -f1 <<<"$PG1_COMPLETE")" -v two="$(cut -f1 <<<"$PG2_COMPLETE")" \
    -v trips="${DELTA[hookflow_store_round_trips_total]}" -v runs="$RUNS" -v cores="$(nproc)" 'BEGIN {
    printf "goal: >= 5000 complete runs/s with one node (this machine: %d cores): %d  %s\n", cores, one, (one >= 5000 ? "MET" : "MISSED")
    printf "goal: two nodes no slower than one: %d vs %d  %s\n", two, one, (two >= one ? "MET" : "MISSED")
    rt = runs > 0 ? trips / runs : 0
    printf "goal: <= 4 round trips per complete trivial run: %.2f  %s\n", rt, (rt <= 4 ? "MET" : "MISSED")
}'
