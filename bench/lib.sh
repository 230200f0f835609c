# Shared by the bench/*.sh scripts (sourced, not run): the release build, a scratch
# directory, background processes stopped on exit, and waiting for a line in a log.
#
#   source "$(dirname "$0")/lib.sh"
#   bench_setup NAME      # cd to the repository, build unless NO_BUILD=1, and make
#                         # BENCH_DIR (default target/bench-NAME) empty
#   ... & PIDS+=($!)      # processes to stop on exit
#   bench_on_exit() {…}   # optional: more to undo on exit, run after the processes stop
#
# The scratch directory is under target/ by default, not /tmp: /tmp is often a tmpfs,
# where an fsync costs nothing and the durable figures would mean nothing.

bench_setup() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    ROOT=$PWD
    BIN=$ROOT/target/release
    if [[ -z ${NO_BUILD:-} ]]; then
        echo "building the release binaries..." >&2
        cargo build --release -p hookflow -p hookflow-bench >&2
    fi
    BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench-$1}
    rm -rf "$BENCH_DIR"
    mkdir -p "$BENCH_DIR"
    PIDS=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if declare -F bench_on_exit >/dev/null; then
        bench_on_exit
    fi
    rm -rf "$BENCH_DIR"
}

# start_hookflow: the release `hookflow serve` on a free loopback port, its data in
# $BENCH_DIR/hookflow, its log in $BENCH_DIR/serve.log, admin key $HOOKFLOW_ADMIN_KEY
# (bench-admin-key unless set). Sets HOOKFLOW_PID and exports HOOKFLOW_SERVER (its URL)
# and HOOKFLOW_ADMIN_KEY, so the CLI talks to it.
start_hookflow() {
    export HOOKFLOW_ADMIN_KEY=${HOOKFLOW_ADMIN_KEY:-bench-admin-key}
    RUST_LOG=${RUST_LOG:-warn} "$BIN/hookflow" serve --listen 127.0.0.1:0 \
        --data-dir "$BENCH_DIR/hookflow" --admin-key "$HOOKFLOW_ADMIN_KEY" \
        2>"$BENCH_DIR/serve.log" &
    HOOKFLOW_PID=$!
    PIDS+=("$HOOKFLOW_PID")
    HOOKFLOW_SERVER=$(wait_for "$BENCH_DIR/serve.log" 'public URL: ' | sed -E 's/.*public URL: *//')
    export HOOKFLOW_SERVER
}

# start_noop: hookflow-ref-noop (reads the body, answers 202, does nothing else) on a free
# loopback port, its log in $BENCH_DIR/noop.log. Sets NOOP_PID and NOOP (its URL).
start_noop() {
    "$BIN/hookflow-ref-noop" --listen 127.0.0.1:0 >"$BENCH_DIR/noop.log" 2>&1 &
    NOOP_PID=$!
    PIDS+=("$NOOP_PID")
    NOOP=$(wait_for "$BENCH_DIR/noop.log" '^listening on ' | sed 's/^listening on //')
}

# wait_for FILE PATTERN: the first line of FILE matching PATTERN, waiting up to 30 s.
wait_for() {
    local i
    for i in $(seq 300); do
        if grep -q -m1 -E "$2" "$1" 2>/dev/null; then
            grep -m1 -E "$2" "$1"
            return 0
        fi
        sleep 0.1
    done
    echo "error: timed out waiting for '$2' in $1:" >&2
    cat "$1" >&2
    return 1
}
