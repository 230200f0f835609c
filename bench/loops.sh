#!/usr/bin/env bash
# Long loops: one run of a Foreach over ITEMS items, (1) with a Compose inside (steps of
# up to 1,000 actions each; the trigger's 202 comes after the first is stored), (2) with
# an append to an array variable inside (the same, each item appended), and (3) with an
# HTTP call to hookflow-ref-noop inside (20 calls in flight; results that arrive while
# the run is being written share the next write). Prints, for each, the seconds until
# the run finished, the microseconds per item, so a cost that grows with the loop's
# length shows as a per-item figure that grows with ITEMS, and how long the trigger's
# caller waited for its 202. See bench/README.md.
#
#   bench/loops.sh                       # 20000 Compose items, 5000 HTTP items
#   ITEMS=100000 HTTP_ITEMS=20000 bench/loops.sh
#
# Settings (environment): ITEMS (20000), HTTP_ITEMS (5000), BENCH_DIR (scratch directory
# on the disk to measure; default target/bench-loops), NO_BUILD=1.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
ITEMS=${ITEMS:-20000}
HTTP_ITEMS=${HTTP_ITEMS:-5000}
bench_setup loops

start_hookflow
start_noop

# deploy NAME INNER_ACTION: a Request trigger, an array variable and a Foreach over
# range(0, body.n).
deploy() {
    cat >"$BENCH_DIR/$1.json" <<JSON
{
  "definition": {
    "\$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    "contentVersion": "1.0.0.0",
    "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "method": "POST" } } },
    "actions": {
      "Init": {
        "type": "InitializeVariable", "runAfter": {},
        "inputs": { "variables": [ { "name": "collected", "type": "array" } ] }
      },
      "Each": {
        "type": "Foreach", "foreach": "@range(0, triggerBody()?['n'])",
        "runAfter": { "Init": ["Succeeded"] },
        "actions": { "Inner": $2 }
      }
    },
    "outputs": {}
  },
  "kind": "Stateful"
}
JSON
    "$BIN/hookflow" deploy "$BENCH_DIR/$1.json" --name "$1" >&2
}
deploy loop-compose '{ "type": "Compose", "inputs": "@items('"'"'Each'"'"')", "runAfter": {} }'
deploy loop-append '{ "type": "AppendToArrayVariable", "inputs": { "name": "collected", "value": { "item": "@{items('"'"'Each'"'"')}" } }, "runAfter": {} }'
deploy loop-http '{ "type": "Http", "inputs": { "method": "POST", "uri": "@triggerBody()?['"'"'url'"'"']", "body": "@items('"'"'Each'"'"')" }, "runAfter": {} }'

# run NAME ITEMS: fires the workflow once and waits for its run to finish; prints one
# table row (seconds from the request to the run's end, microseconds per item).
run() {
    local name=$1 items=$2 url start answer run answered status
    url=$("$BIN/hookflow" callback-url "$name" manual)
    start=$(date +%s.%N)
    answer=$(curl -sS -D - -o /dev/null -w 'answered-after: %{time_total}\n' -X POST \
        -H 'content-type: application/json' \
        -d "{\"n\": $items, \"url\": \"$NOOP/item\"}" "$url" | tr -d '\r')
    run=$(awk -F': ' 'tolower($1) == "x-ms-workflow-run-id" { print $2 }' <<<"$answer")
    answered=$(awk -F': ' '$1 == "answered-after" { print $2 * 1000 }' <<<"$answer")
    [[ -n $run ]] || { echo "error: no run started for $name" >&2; exit 1; }
    while :; do
        status=$("$BIN/hookflow" runs show "$name" "$run" | awk 'NR == 1 { print $3 }')
        case $status in Running | Waiting) sleep 0.05 ;; *) break ;; esac
    done
    awk -v name="$name" -v items="$items" -v status="$status" -v s="$start" -v e="$(date +%s.%N)" \
        -v answered="$answered" 'BEGIN {
        printf "%-14s %9d %10s %10.2f %12.1f %12.1f\n", name, items, status, e - s, (e - s) * 1e6 / items, answered
    }'
}

echo "measuring: one run each, $ITEMS Compose items, $HTTP_ITEMS HTTP items" >&2
printf "%-14s %9s %10s %10s %12s %12s\n" "workflow" "items" "status" "seconds" "us/item" "202 after ms"
run loop-compose "$ITEMS"
run loop-append "$ITEMS"
run loop-http "$HTTP_ITEMS"
