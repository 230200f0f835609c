#!/usr/bin/env bash
# Issue 4's webhook benchmarks, against the release binary over loopback; see
# bench/README.md.
#
#   bench/webhooks.sh                    # 64 connections, 10 s per phase
#   DURATION=5 CONNECTIONS=32 bench/webhooks.sh
#
# (a) webhook-trigger callbacks -> complete runs: an HttpWebhook trigger (subscribed to
#     the stand-in service when deployed) whose run is one Compose; the load generator
#     POSTs to the trigger's callback URL; each 202 means the run is committed, and the
#     run completes in that same write.
# (b) webhook-action round trips: a Request trigger starts a run; its HttpWebhook action
#     subscribes at the stand-in (`hookflow standin --callback-after 0`), which calls the
#     action's callback URL back at once; the run resumes, unsubscribes and completes.
#     Runs are started for DURATION seconds; the figure is runs completed per second from
#     the first start to the last completion (read from /metrics).
#
# Settings (environment): CONNECTIONS (64), DURATION seconds per phase (10), BENCH_DIR
# (scratch directory on the disk to measure; default target/bench-webhooks), NO_BUILD=1.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
bench_setup webhooks

start_hookflow

# The stand-in prints a line per subscription and callback; keep them out of the way.
"$BIN/hookflow" standin --listen 127.0.0.1:0 --callback-after 0 >"$BENCH_DIR/standin.log" 2>&1 &
PIDS+=($!)
STANDIN_PID=$!
STANDIN=$(wait_for "$BENCH_DIR/standin.log" '^stand-in listening on ' | sed 's/^stand-in listening on //')
# The trigger's subscription goes to a service that only says yes (no automatic callback,
# so the only runs of (a) are the load's).
start_noop

cat >"$BENCH_DIR/trigger.json" <<JSON
{"definition": {
  "\$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
  "triggers": {"hook": {"type": "HttpWebhook", "inputs": {
    "subscribe": {"method": "POST", "uri": "$NOOP/subscribe", "body": {"callbackUrl": "@{listCallbackUrl()}"}},
    "unsubscribe": {"method": "POST", "uri": "$NOOP/unsubscribe"}}}},
  "actions": {"Echo": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}}}
}}
JSON
cat >"$BENCH_DIR/action.json" <<JSON
{"definition": {
  "\$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
  "triggers": {"manual": {"type": "Request", "kind": "Http"}},
  "actions": {"Wait": {"type": "HttpWebhook", "inputs": {
    "subscribe": {"method": "POST", "uri": "$STANDIN/subscribe", "body": {"callbackUrl": "@{listCallbackUrl()}"}},
    "unsubscribe": {"method": "POST", "uri": "$STANDIN/unsubscribe", "body": {"callbackUrl": "@{listCallbackUrl()}"}}},
    "runAfter": {}}}
}}
JSON
"$BIN/hookflow" deploy "$BENCH_DIR/trigger.json" --name bench-webhook-trigger >&2
"$BIN/hookflow" deploy "$BENCH_DIR/action.json" --name bench-webhook-action >&2
TRIGGER_URL=$("$BIN/hookflow" callback-url bench-webhook-trigger hook)
ACTION_URL=$("$BIN/hookflow" callback-url bench-webhook-action manual)

# completed: runs this server completed, from /metrics.
completed() {
    curl -s "$HOOKFLOW_SERVER/metrics" |
        awk '/^hookflow_runs_completed_total/ { n += $2 } END { printf "%d\n", n }'
}
started() {
    curl -s "$HOOKFLOW_SERVER/metrics" |
        awk '/^hookflow_runs_started_total / { printf "%d\n", $2 }'
}

echo "measuring: $CONNECTIONS connections, ${DURATION} s per phase" >&2
echo "  (a) webhook-trigger callbacks..." >&2
"$BIN/hookflow-loadgen" --url "$TRIGGER_URL" -c "$CONNECTIONS" -d 1 --format tsv >/dev/null
TRIGGER=$("$BIN/hookflow-loadgen" --url "$TRIGGER_URL" -c "$CONNECTIONS" -d "$DURATION" --format tsv)

# cpu_ticks PID: user + system CPU the process used so far, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

echo "  (b) webhook-action round trips..." >&2
SERVER_CPU0=$(cpu_ticks "$HOOKFLOW_PID")
STANDIN_CPU0=$(cpu_ticks "$STANDIN_PID")
BEFORE_DONE=$(completed)
BEFORE_STARTED=$(started)
T0=$(date +%s.%N)
ACTION=$("$BIN/hookflow-loadgen" --url "$ACTION_URL" -c "$CONNECTIONS" -d "$DURATION" --format tsv)
TARGET=$(($(started) - BEFORE_STARTED))
# Wait (up to 5 minutes) until every run started by the phase has completed.
for _ in $(seq 3000); do
    DONE=$(($(completed) - BEFORE_DONE))
    if ((DONE >= TARGET)); then
        break
    fi
    sleep 0.1
done
T1=$(date +%s.%N)
DONE=$(($(completed) - BEFORE_DONE))
SERVER_CPU=$(($(cpu_ticks "$HOOKFLOW_PID") - SERVER_CPU0))
STANDIN_CPU=$(($(cpu_ticks "$STANDIN_PID") - STANDIN_CPU0))

echo
printf "%-46s %10s %9s %9s %14s %7s\n" "phase" "per s" "p50 ms" "p99 ms" "2xx/answered" "errors"
awk -F'\t' '{ printf "%-46s %10s %9s %9s %14s %7s\n", "(a) webhook-trigger callback -> complete run", $1, $2, $4, $7 "/" $6, $8 }' <<<"$TRIGGER"
awk -v done="$DONE" -v target="$TARGET" -v t0="$T0" -v t1="$T1" -v starts="$ACTION" 'BEGIN {
    split(starts, s, "\t")
    printf "%-46s %10.0f %9s %9s %14s %7s\n", "(b) webhook-action round trips", done / (t1 - t0), s[2], s[4], done "/" target, s[8]
}'
awk -v done="$DONE" -v server="$SERVER_CPU" -v standin="$STANDIN_CPU" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    if (done > 0)
        printf "(b) CPU per round trip: server %.0f us, stand-in %.0f us\n", server * 1e6 / hz / done, standin * 1e6 / hz / done
}'
echo
awk -F'\t' -v done="$DONE" -v t0="$T0" -v t1="$T1" -v a="$(cut -f1 <<<"$TRIGGER")" 'BEGIN {
    b = done / (t1 - t0)
    printf "goal: (a) >= 10000 webhook-trigger runs/s: %d  %s\n", a, (a >= 10000 ? "MET" : "MISSED")
    printf "goal: (b) >= 3000 webhook-action round trips/s: %d  %s\n", b, (b >= 3000 ? "MET" : "MISSED")
}'
