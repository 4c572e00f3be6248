#!/usr/bin/env bash
# The single-node fault run (issue 14, acceptance): `marking-server serve` on loopback
# in a temporary folder, against a release build. Four parts (scripts/faults.py says
# each in full):
#   1. 20 SIGKILLs of serve during orders, documents, token revocations and violation
#      reports, each followed by a restart and a check that every acknowledged change
#      and its audit line are there, and that retried orders were placed once;
#   2. a slow-reader download beside a second producer's downloads, then SIGTERM with
#      the slow reader still connected (serve must exit within seconds);
#   3. a flood of anonymous checks and violation reports beside a producer's work
#      (the producer's p99 under 100 ms; the flood meets 429s, never a 5xx);
#   4. a missing key file, and another store's key file: serve must refuse to start.
# Prints one line per check and a summary; exit 1 when a check fails.
#
#   scripts/faults.sh [--port N] [--seed N] [--keep DIR] [-- ARGS for scripts/faults.py]
#
#   --port N     serve's port (default 18480; N+1 is used once, in part 4)
#   --seed N     the random choices of a run, to repeat one
#   --keep DIR   copy the data folder and serve's log there (always done on failure,
#                into /tmp/faults-logs.*)
# The binary is $MARKING_SERVER, or .build/release/marking-server (built when missing).
# Everything it starts it stops, and its folder is removed, on success, failure or
# Ctrl-C. The whole run is bounded (20 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/server.sh

port=18480
seed=""
keep=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --) shift; extra+=("$@"); break ;;
    *) echo "unknown option: $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
for tool in python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed" >&2; exit 2; }
done
MARKING_SERVER=$(marking_server_binary) || exit 2
ports_free --port "$port" $((port + 1)) || exit 2

dir=$(mktemp -d "${TMPDIR:-/tmp}/faults.XXXXXX")
status=1
cleanup() {
  trap - EXIT INT TERM
  stop_driver
  # A serve the driver left behind, by the pid file it keeps.
  for pidfile in "$dir"/*/serve.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [ -n "$keep" ] || [ "$status" -ne 0 ]; then
    local logs=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/faults-logs.XXXXXX")}
    mkdir -p "$logs"
    cp "$dir"/data/serve.log "$logs/" 2>/dev/null || true
    echo "serve's log kept in $logs"
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM

started=$(date +%s)
echo "fault run in $dir on port $port, binary $MARKING_SERVER"
args=(--binary "$MARKING_SERVER" --dir "$dir" --port "$port")
[ -n "$seed" ] && args+=(--seed "$seed")
start_driver 1200 python3 scripts/faults.py "${args[@]}" "${extra[@]}"
status=0
wait "$DRIVER" || status=$?
DRIVER=""
[ "$status" -eq 124 ] && echo "the fault run did not finish within its bound (1200 s)"
echo "ran $(( $(date +%s) - started )) s"
exit "$status"
