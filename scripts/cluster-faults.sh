#!/usr/bin/env bash
# The cluster fault run (issue 15, point 7): a fresh three-replica cluster on loopback
# in a temporary folder, a mixed load on random replicas (emission orders with every
# code downloaded, utilisation, introduction, transfers and shipments, retirements,
# public checks) and at least 20 SIGKILLs of random replicas and nats-server nodes at
# random moments (never two of one kind down at once), each restarted with
# scripts/cluster.sh up. Then: everything up, lag 0 everywhere, and the checks: every
# acknowledged order and document on every replica in its final state, every
# downloaded code known and genuine everywhere, no serial issued twice, equal digests
# (marking-server cluster verify). Prints a summary; exit 1 when a check fails.
#
#   scripts/cluster-faults.sh [--duration S] [--kills N] [--base-port N] [--seed N] [--keep-logs DIR]
#
#   --duration S     seconds of load with kills (default 200)
#   --kills N        kill events (default 22; a double fault kills one node more)
#   --base-port N    nats on N..N+2, routes N+2000.., monitoring N+4000.., replicas' HTTP on
#                    N+4100..N+4102 (default 15222)
#   --seed N         the random choices of a run, to repeat one
#   --keep-logs DIR  copy the replicas' and nats logs there (always done on failure,
#                    into /tmp/cluster-faults-logs.*)
#   -- ARGS          passed on to scripts/cluster_faults.py (python3 scripts/cluster_faults.py
#                    --help: order sizes, threads, down times, the double-fault chance, ...)
# The binary is $MARKING_SERVER, or .build/release/marking-server (waited for up to
# 20 minutes when a build is under way, then built). Everything it starts it stops,
# and its folder is removed, on success, failure or Ctrl-C. The whole run is bounded:
# the load, then at most ~25 minutes of draining, recovery and verification.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib/server.sh

duration=200
kills=22
base_port=15222
seed=""
keep_logs=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep-logs) keep_logs=$2; shift 2 ;;
    --) shift; extra+=("$@"); break ;;
    *) echo "unknown option: $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
for tool in nats-server curl python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (scripts/setup.sh installs nats-server)" >&2; exit 2; }
done

# The binary: given, or the release build (another build may be running: wait for it).
MARKING_SERVER=$(marking_server_binary 1200) || exit 2
export MARKING_SERVER

for i in 0 1 2; do
  ports_free --base-port $((base_port + i)) $((base_port + 2000 + i)) $((base_port + 4000 + i)) $((base_port + 4100 + i)) || exit 2
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/cluster-faults.XXXXXX")
status=1
cleanup() {
  trap - EXIT INT TERM
  stop_driver
  if [ -n "$keep_logs" ] || [ "$status" -ne 0 ]; then
    local logs=${keep_logs:-$(mktemp -d "${TMPDIR:-/tmp}/cluster-faults-logs.XXXXXX")}
    mkdir -p "$logs"
    for node in r1 r2 r3 n1 n2 n3; do
      [ -d "$dir/$node" ] || continue
      mkdir -p "$logs/$node"
      cp "$dir/$node"/*.log* "$logs/$node/" 2>/dev/null || true
    done
    echo "logs kept in $logs"
  fi
  scripts/cluster.sh down --dir "$dir" >/dev/null 2>&1 || true
  # Whatever a cluster.sh up in flight at Ctrl-C started after that: by its pid file.
  sleep 0.5
  for pidfile in "$dir"/r?/serve.pid "$dir"/n?/nats.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM

started=$(date +%s)
echo "cluster in $dir (base port $base_port), binary $MARKING_SERVER"
scripts/cluster.sh up --dir "$dir" --base-port "$base_port"

args=(--dir "$dir" --repo "$root" --binary "$MARKING_SERVER" --duration "$duration" --kills "$kills")
[ -n "$seed" ] && args+=(--seed "$seed")
start_driver $((duration + 1500)) python3 scripts/cluster_faults.py "${args[@]}" "${extra[@]}"
status=0
wait "$DRIVER" || status=$?
DRIVER=""
[ "$status" -eq 124 ] && echo "the fault run did not finish within its bound ($((duration + 1500)) s)"
echo "ran $(( $(date +%s) - started )) s"
exit "$status"
