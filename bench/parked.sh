#!/usr/bin/env bash
# Issue 4's capacity benchmark: park PARKED runs in HttpWebhook actions, then report the
# server's RSS, the database size, the restart-to-ready time, RSS after the restart, and
# the time to resume every parked run by calling its callback URL. See bench/README.md.
#
#   bench/parked.sh                      # 1,000,000 parked runs (takes a while)
#   PARKED=100000 bench/parked.sh        # a smaller run
#
# Settings (environment): PARKED (1000000), CONNECTIONS (64), BENCH_DIR (scratch directory
# on the disk to measure; default target/bench-parked), NO_BUILD=1.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
PARKED=${PARKED:-1000000}
CONNECTIONS=${CONNECTIONS:-64}
bench_setup parked

export HOOKFLOW_ADMIN_KEY=bench-admin-key
LISTEN=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve() {
    RUST_LOG=${RUST_LOG:-warn} "$BIN/hookflow" serve --listen "$LISTEN" \
        --data-dir "$BENCH_DIR/hookflow" --admin-key "$HOOKFLOW_ADMIN_KEY" \
        2>>"$BENCH_DIR/serve.log" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}
serve
HOOKFLOW_SERVER=$(wait_for "$BENCH_DIR/serve.log" 'public URL: ' | sed -E 's/.*public URL: *//')
export HOOKFLOW_SERVER

# Subscriptions go to ref-sqlite, which keeps every subscribe body (with its callbackUrl)
# durably and answers 202, so the actions wait; unsubscribes go to ref-noop.
"$BIN/hookflow-ref-sqlite" --listen 127.0.0.1:0 --db "$BENCH_DIR/subscriptions.sqlite" \
    >"$BENCH_DIR/sqlite.log" 2>&1 &
PIDS+=($!)
SUBSCRIBE=$(wait_for "$BENCH_DIR/sqlite.log" '^listening on ' | sed 's/^listening on //')
start_noop

cat >"$BENCH_DIR/parked.json" <<JSON
{"definition": {
  "\$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
  "triggers": {"manual": {"type": "Request", "kind": "Http"}},
  "actions": {"Wait": {"type": "HttpWebhook", "inputs": {
    "subscribe": {"method": "POST", "uri": "$SUBSCRIBE/subscribe", "body": {"callbackUrl": "@{listCallbackUrl()}"}},
    "unsubscribe": {"method": "POST", "uri": "$NOOP/unsubscribe"}},
    "runAfter": {}}}
}}
JSON
"$BIN/hookflow" deploy "$BENCH_DIR/parked.json" --name bench-parked >&2
START_URL=$("$BIN/hookflow" callback-url bench-parked manual)

metric() {
    curl -s "$HOOKFLOW_SERVER/metrics" | awk -v name="$1" '$1 == name { printf "%d\n", $2 }'
}
completed() {
    curl -s "$HOOKFLOW_SERVER/metrics" |
        awk '/^hookflow_runs_completed_total/ { n += $2 } END { printf "%d\n", n }'
}
subscribed() {
    python3 - "$BENCH_DIR/subscriptions.sqlite" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM bodies").fetchone()[0])
PY
}
rss_mib() {
    awk '/^VmRSS/ { printf "%.0f\n", $2 / 1024 }' "/proc/$SERVER_PID/status"
}

echo "parking $PARKED runs ($CONNECTIONS connections)..." >&2
T0=$(date +%s.%N)
"$BIN/hookflow-loadgen" --url "$START_URL" -c "$CONNECTIONS" -n "$PARKED" --format tsv \
    >"$BENCH_DIR/park.tsv"
# Parked = subscribed and nothing in flight.
while (($(subscribed) < PARKED)) || (($(metric hookflow_outbound_in_flight) > 0)); do
    sleep 1
done
T1=$(date +%s.%N)
RSS_PARKED=$(rss_mib)
DB_SIZE=$(du -sm "$BENCH_DIR/hookflow" | cut -f1)

echo "restarting..." >&2
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
R0=$(date +%s.%N)
serve
until curl -sf "$HOOKFLOW_SERVER/healthz" >/dev/null; do
    sleep 0.05
done
R1=$(date +%s.%N)
sleep 2
RSS_RESTARTED=$(rss_mib)

echo "resuming them all..." >&2
python3 - "$BENCH_DIR/subscriptions.sqlite" "$BENCH_DIR/callbacks.txt" <<'PY'
import json, sqlite3, sys
with open(sys.argv[2], "w") as out:
    for (body,) in sqlite3.connect(sys.argv[1]).execute("SELECT body FROM bodies"):
        out.write(json.loads(body)["callbackUrl"] + "\n")
PY
C0=$(date +%s.%N)
"$BIN/hookflow-loadgen" --url "$HOOKFLOW_SERVER/" --urls-file "$BENCH_DIR/callbacks.txt" \
    -c "$CONNECTIONS" -n "$PARKED" --format tsv >"$BENCH_DIR/resume.tsv"
while (($(completed) < PARKED)); do
    sleep 0.5
done
C1=$(date +%s.%N)

echo
awk -v n="$PARKED" -v t0="$T0" -v t1="$T1" -v rss="$RSS_PARKED" -v db="$DB_SIZE" \
    -v r0="$R0" -v r1="$R1" -v rss2="$RSS_RESTARTED" -v c0="$C0" -v c1="$C1" \
    -v park="$(cat "$BENCH_DIR/park.tsv")" -v resume="$(cat "$BENCH_DIR/resume.tsv")" 'BEGIN {
    split(park, p, "\t"); split(resume, r, "\t")
    printf "parked runs:                 %d (starts answered 2xx: %s/%s)\n", n, p[7], p[6]
    printf "time to park them:           %.1f s (%.0f runs/s)\n", t1 - t0, n / (t1 - t0)
    printf "server RSS, all parked:      %d MiB\n", rss
    printf "database size:               %d MiB\n", db
    printf "restart to ready (/healthz): %.2f s\n", r1 - r0
    printf "server RSS after restart:    %d MiB\n", rss2
    printf "time to resume them all:     %.1f s (%.0f runs/s; callbacks answered 2xx: %s/%s)\n", c1 - c0, n / (c1 - c0), r[7], r[6]
    printf "\n"
    printf "goal: RSS <= 512 MiB with %d parked: %d MiB  %s\n", n, rss, (rss <= 512 ? "MET" : "MISSED")
    printf "goal: restart-to-ready <= 10 s: %.2f s  %s\n", r1 - r0, (r1 - r0 <= 10 ? "MET" : "MISSED")
    if (n < 1000000) printf "(the goals are for 1,000,000 parked runs; this run parked %d)\n", n
}'
