#!/usr/bin/env bash
# A local three-node NATS JetStream cluster on loopback, for development and manual
# fault tests (DESIGN.md section 10):
#
#   scripts/cluster.sh up     [--dir DIR] [--base-port N]   start (or report) the nodes and the three engine replicas
#   scripts/cluster.sh status [--dir DIR]                   show nodes, ports, JetStream leader
#   scripts/cluster.sh down   [--dir DIR] [--wipe]          stop the nodes (--wipe: delete their data)
#
# Node i (1..3) listens for clients on N+i-1 (default 4222..4224), for routes on
# N+2000+i-1 (6222..) and for monitoring on N+4000+i-1 (8222..). Each node keeps
# its JetStream store, log and pid file under DIR/nI (default: .cluster/ in the
# repository). `up` prints the client URLs, comma-separated, for --cluster.
# To kill one node hard: kill -9 "$(cat DIR/n2/nats.pid)".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/server.sh

command=${1:-}
[ $# -gt 0 ] && shift
dir=.cluster
base_port=${NATS_BASE_PORT:-4222}
wipe=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --wipe) wipe=1; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
nodes=(n1 n2 n3)
cluster_name=marking

# The ports of a running cluster are those it was started with.
if [ -f "$dir/cluster.env" ]; then
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
fi
client_port() { echo $((base_port + $1)); }
route_port() { echo $((base_port + 2000 + $1)); }
monitor_port() { echo $((base_port + 4000 + $1)); }
pid_of() { cat "$dir/$1/nats.pid" 2>/dev/null || true; }
alive() { pid_alive "$(pid_of "$1")"; }
urls() {
  local list=() i
  for i in 0 1 2; do list+=("nats://127.0.0.1:$(client_port $i)"); done
  (IFS=,; echo "${list[*]}")
}
# The JetStream meta leader as node i's monitoring endpoint reports it, or "".
meta_leader() {
  command -v curl >/dev/null 2>&1 || { echo ""; return; }
  curl -s --max-time 1 "http://127.0.0.1:$(monitor_port "$1")/jsz" 2>/dev/null \
    | sed -n 's/.*"leader": *"\([^"]*\)".*/\1/p' | head -1 || true
}

start_nats() {
  command -v nats-server >/dev/null 2>&1 || { echo "nats-server is not installed (run scripts/setup.sh)" >&2; exit 1; }
  local routes=() i
  for i in 0 1 2; do routes+=("nats://127.0.0.1:$(route_port $i)"); done
  for i in 0 1 2; do
    local name=${nodes[$i]}
    alive "$name" && continue
    ports_free --base-port "$(client_port $i)" "$(route_port $i)" "$(monitor_port $i)" || exit 1
    mkdir -p "$dir/$name/store"
    nohup nats-server -js -sd "$dir/$name/store" -a 127.0.0.1 -p "$(client_port $i)" -n "$name" \
      --cluster_name "$cluster_name" --cluster "nats://127.0.0.1:$(route_port $i)" \
      --routes "$(IFS=,; echo "${routes[*]}")" -m "$(monitor_port $i)" \
      -l "$dir/$name/nats.log" -P "$dir/$name/nats.pid" >/dev/null 2>&1 &
  done
  # Ready when every node runs and JetStream has elected a meta leader.
  local waited=0
  until alive n1 && alive n2 && alive n3 \
    && { ! command -v curl >/dev/null 2>&1 || [ -n "$(meta_leader 0)" ]; }; do
    sleep 0.2
    waited=$((waited + 1))
    if [ $waited -gt 150 ]; then
      echo "the cluster did not come up in 30 s; logs in $dir/n*/nats.log" >&2
      exit 1
    fi
  done
}

# --- engine replicas -------------------------------------------------------------
# Three marking-server replicas, rI on http://127.0.0.1:N+4100+i-1 (8322..8324), each
# with its own data folder DIR/rI, all sharing one key ring (DIR/keys.json: every
# replica must derive the same storage keys and tails) and one admin token
# (DIR/admin-token, or MARKING_ADMIN_TOKEN). The binary is $MARKING_SERVER, or the
# release build (built when missing).
replicas=(r1 r2 r3)
http_port() { echo $((base_port + 4100 + $1)); }
replica_pid() { cat "$dir/$1/serve.pid" 2>/dev/null || true; }
replica_alive() { pid_alive "$(replica_pid "$1")"; }
# Rates are unlimited: the benches and the fault run drive all their load from one address.
start_replica() {
  local i=$1 name=${replicas[$1]} binary
  replica_alive "$name" && return 0
  binary=$(marking_server_binary) || exit 1
  mkdir -p "$dir/$name"
  [ -f "$dir/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/admin-token"
  chmod 600 "$dir/admin-token"
  MARKING_ADMIN_TOKEN=${MARKING_ADMIN_TOKEN:-$(cat "$dir/admin-token")} nohup "$binary" serve \
    --cluster "$(urls)" --node "$name" --data "$dir/$name" --keys "$dir/keys.json" --port "$(http_port "$i")" \
    --checkpoint-every "${CHECKPOINT_EVERY:-600}" \
    --anonymous-rate 0 --token-rate 0 \
    >"$dir/$name/serve.log" 2>&1 &
  echo $! > "$dir/$name/serve.pid"
  if ! wait_for_http "http://127.0.0.1:$(http_port "$i")/api/v1/health" 30 "$(replica_pid "$name")"; then
    echo "replica $name did not start; its log: $dir/$name/serve.log" >&2
    tail -3 "$dir/$name/serve.log" >&2
    exit 1
  fi
}
start_replicas() {
  # The first replica creates the shared key ring; the others start once it exists.
  local i
  for i in 0 1 2; do start_replica "$i"; done
}
stop_replicas() {
  local name
  for name in "${replicas[@]}"; do
    replica_alive "$name" && kill "$(replica_pid "$name")" 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    replica_alive r1 || replica_alive r2 || replica_alive r3 || break
    sleep 0.1
  done
  for name in "${replicas[@]}"; do
    replica_alive "$name" && kill -9 "$(replica_pid "$name")" 2>/dev/null || true
    rm -f "$dir/$name/serve.pid"
  done
}
status_replicas() {
  local i
  for i in 0 1 2; do
    local name=${replicas[$i]} health="down"
    if replica_alive "$name"; then
      health=$(curl -s --max-time 2 "http://127.0.0.1:$(http_port "$i")/api/v1/health" || echo "not answering")
    fi
    printf '%s http://127.0.0.1:%s  %s\n' "$name" "$(http_port "$i")" "$health"
  done
  echo "replicas: http://127.0.0.1:$(http_port 0),http://127.0.0.1:$(http_port 1),http://127.0.0.1:$(http_port 2)"
}
# ---------------------------------------------------------------------------------

print_status() {
  local down=0
  # Ask the live nodes; a leader that is down is stale news (an election is on).
  local leader="" i
  for i in 0 1 2; do
    alive "${nodes[$i]}" || continue
    leader=$(meta_leader $i)
    [ -n "$leader" ] && break
  done
  for i in 0 1 2; do
    local name=${nodes[$i]} state=down
    if alive "$name"; then state="up (pid $(pid_of "$name"))"; else down=1; fi
    local role=""
    [ "$name" = "$leader" ] && alive "$name" && role=" jetstream-leader"
    printf '%s nats://127.0.0.1:%s  monitor http://127.0.0.1:%s  %s%s\n' \
      "$name" "$(client_port $i)" "$(monitor_port $i)" "$state" "$role"
  done
  echo "urls: $(urls)"
  status_replicas
  return $down
}

case "$command" in
  up)
    mkdir -p "$dir"
    [ -f "$dir/cluster.env" ] || echo "base_port=$base_port" > "$dir/cluster.env"
    start_nats
    start_replicas
    print_status
    ;;
  status)
    print_status
    ;;
  down)
    stop_replicas
    for name in "${nodes[@]}"; do
      pid=$(pid_of "$name")
      [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
      alive n1 || alive n2 || alive n3 || break
      sleep 0.1
    done
    for name in "${nodes[@]}"; do
      alive "$name" && kill -9 "$(pid_of "$name")" 2>/dev/null || true
      rm -f "$dir/$name/nats.pid"
    done
    if [ $wipe -eq 1 ]; then rm -rf "$dir"; echo "stopped; $dir removed"; else echo "stopped; data kept in $dir"; fi
    ;;
  *)
    echo "usage: scripts/cluster.sh up|status|down [--dir DIR] [--base-port N] [--wipe]" >&2
    exit 2
    ;;
esac
