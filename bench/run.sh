#!/usr/bin/env bash
# The issue's benchmarks, against the release binary over loopback; see bench/README.md.
#
#   bench/run.sh                      # 64 connections, 10 s per phase
#   DURATION=5 CONNECTIONS=32 bench/run.sh
#
# Settings (environment): CONNECTIONS (64), DURATION seconds per phase (10), WARMUP
# seconds before each measured phase (1), BODY (the request body), BENCH_DIR (a scratch
# directory on the disk to measure; default target/bench-run, removed afterwards),
# NO_BUILD=1 to use the binaries already in target/release.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
BODY=${BODY:-'{"name":"Ada"}'}
bench_setup run

# --- the servers --------------------------------------------------------------------
start_hookflow

start_noop
NOOP_URL=$NOOP/
"$BIN/hookflow-ref-sqlite" --listen 127.0.0.1:0 --db "$BENCH_DIR/ref.sqlite" \
    >"$BENCH_DIR/sqlite.log" 2>&1 &
SQLITE_PID=$!
PIDS+=("$SQLITE_PID")
SQLITE_URL=$(wait_for "$BENCH_DIR/sqlite.log" '^listening on ' | sed 's/^listening on //')/

# --- the workflows ------------------------------------------------------------------
# (a) intake: a Request trigger and one Compose, no Response: 202 once the run is committed.
cat >"$BENCH_DIR/intake.json" <<'JSON'
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
  },
  "kind": "Stateful"
}
JSON
"$BIN/hookflow" deploy "$BENCH_DIR/intake.json" --name bench-intake >&2
# (b) complete runs: Request -> Compose -> Response.
"$BIN/hookflow" deploy examples/request-response.json --name bench-complete >&2
INTAKE_URL=$("$BIN/hookflow" callback-url bench-intake manual)
COMPLETE_URL=$("$BIN/hookflow" callback-url bench-complete manual)

# --- the load -----------------------------------------------------------------------
# cpu_ticks PID: the process's user + system CPU so far, in clock ticks (/proc/PID/stat).
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# load PID URL [extra loadgen args...]: one TSV line (req/s p50 p90 p99 max answered 2xx
# errors), then the CPU time the server PID used per answered request, in microseconds.
load() {
    local pid=$1 url=$2 before after out
    shift 2
    if [[ $WARMUP != 0 ]]; then
        "$BIN/hookflow-loadgen" --url "$url" -c "$CONNECTIONS" -d "$WARMUP" \
            --body "$BODY" --format tsv "$@" >/dev/null
    fi
    before=$(cpu_ticks "$pid")
    out=$("$BIN/hookflow-loadgen" --url "$url" -c "$CONNECTIONS" -d "$DURATION" \
        --body "$BODY" --format tsv "$@")
    after=$(cpu_ticks "$pid")
    awk -F'\t' -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '{
        printf "%s\t%.1f\n", $0, ($6 > 0 ? ticks * 1e6 / hz / $6 : 0)
    }' <<<"$out"
}

echo "measuring: $CONNECTIONS connections, ${DURATION} s per phase (after ${WARMUP} s warm-up)" >&2
echo "  ref-noop..." >&2
NOOP=$(load "$NOOP_PID" "$NOOP_URL")
echo "  ref-sqlite..." >&2
SQLITE=$(load "$SQLITE_PID" "$SQLITE_URL")
echo "  (a) intake..." >&2
INTAKE=$(load "$HOOKFLOW_PID" "$INTAKE_URL")
echo "  (b) complete runs..." >&2
COMPLETE=$(load "$HOOKFLOW_PID" "$COMPLETE_URL")
INTAKE_RPS=$(cut -f1 <<<"$INTAKE")
HALF=$(awk -v r="$INTAKE_RPS" 'BEGIN { h = int(r / 2); print (h < 1 ? 1 : h) }')
echo "  (a) intake open loop at $HALF req/s..." >&2
LATENCY=$(load "$HOOKFLOW_PID" "$INTAKE_URL" --rate "$HALF")
# The durable reference at the same rate, for comparison.
echo "  ref-sqlite open loop at $HALF req/s..." >&2
SQLITE_LATENCY=$(load "$SQLITE_PID" "$SQLITE_URL" --rate "$HALF")

# --- the table ----------------------------------------------------------------------
DURABLE=$(cut -f1 <<<"$SQLITE")
row() {
    awk -F'\t' -v name="$1" -v durable="$DURABLE" '{
        pct = durable > 0 ? sprintf("%.0f %%", 100 * $1 / durable) : "-"
        printf "%-34s %10s %9s %9s %9s %14s %7s %9s %10s\n", name, $1, $2, $4, $5, $7 "/" $6, $8, pct, $9
    }' <<<"$2"
}
echo
printf "%-34s %10s %9s %9s %9s %14s %7s %9s %10s\n" \
    "phase" "req/s" "p50 ms" "p99 ms" "max ms" "2xx/answered" "errors" "% durable" "CPU us/req"
row "ref-noop (machine ceiling)" "$NOOP"
row "ref-sqlite (durable ceiling)" "$SQLITE"
row "(a) intake, 202 after commit" "$INTAKE"
row "(b) Request->Compose->Response" "$COMPLETE"
row "(a) intake at $HALF req/s" "$LATENCY"
row "ref-sqlite at $HALF req/s" "$SQLITE_LATENCY"

echo
awk -F'\t' -v intake="$INTAKE_RPS" -v durable="$DURABLE" -v complete="$(cut -f1 <<<"$COMPLETE")" \
    -v p99="$(cut -f4 <<<"$LATENCY")" -v cores="$(nproc)" 'BEGIN {
    pct = durable > 0 ? 100 * intake / durable : 0
    printf "goal: intake >= 70 %% of durable ceiling: %.0f %%  %s\n", pct, (pct >= 70 ? "MET" : "MISSED")
    printf "goal: >= 10000 complete runs/s on 2 cores (this machine: %d cores): %d  %s\n", cores, complete, (complete >= 10000 ? "MET" : "MISSED")
    printf "goal: p99 intake latency <= 10 ms at half load: %.3f ms  %s\n", p99, (p99 <= 10 ? "MET" : "MISSED")
}'
