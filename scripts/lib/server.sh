# Sourced, not run: what the scripts that start marking-server or nginx share
# (scripts/faults.sh, cluster-faults.sh, cluster.sh, fuzz-api.sh, http-ceiling.sh):
# the release-binary lookup and the port helpers, in one place. Expects the
# repository as the current folder.

# Prints the marking-server binary to use: $MARKING_SERVER, or the release build,
# built when missing. `marking_server_binary SECONDS` first waits up to SECONDS for a
# release build another shell may have under way. Returns 2 when there is none.
marking_server_binary() {
  local wait=${1:-0} binary=${MARKING_SERVER:-}
  if [ -z "$binary" ]; then
    binary=$(pwd)/.build/release/marking-server
    local waited=0
    while [ ! -x "$binary" ] && [ "$waited" -lt "$wait" ]; do
      [ $((waited % 60)) -eq 0 ] && echo "waiting for $binary (a release build may be running; ${waited}s so far)" >&2
      sleep 10
      waited=$((waited + 10))
    done
    if [ ! -x "$binary" ]; then
      echo "building marking-server (release)" >&2
      swift build -c release --product marking-server >&2
    fi
  fi
  [ -x "$binary" ] || { echo "no marking-server binary at $binary" >&2; return 2; }
  echo "$binary"
}

# Process $1 runs, and is not a zombie waiting for a parent that does not reap.
pid_alive() {
  local state
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo R)
  [ "$state" != Z ]
}

# Whether something listens on loopback port $1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# `ports_free HINT PORT...`: fails naming the first port in use, and what to try instead.
ports_free() {
  local hint=$1 port
  shift
  for port in "$@"; do
    if port_busy "$port"; then echo "port $port is in use: try another $hint" >&2; return 1; fi
  done
}

# `wait_for_http URL SECONDS [PID]`: waits until URL answers (any HTTP answer), for
# at most SECONDS; fails at once when process PID, if given, has ended.
wait_for_http() {
  local url=$1 seconds=$2 pid=${3:-} deadline
  deadline=$(( $(date +%s) + seconds ))
  until curl -s --max-time 1 -o /dev/null "$url" 2>/dev/null; do
    if [ -n "$pid" ] && ! pid_alive "$pid"; then return 1; fi
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# `start_driver SECONDS COMMAND...`: runs a fault driver in the background, bounded to
# SECONDS, in a session and process group of its own, and sets DRIVER to its pid (the
# group's id). Run in the background so that Ctrl-C reaches the caller's trap at once;
# in a group of its own so that stop_driver ends it with every process it started,
# even one whose threads would keep it alive after a SIGTERM.
start_driver() {
  local seconds=$1
  shift
  setsid timeout --signal=TERM --kill-after=30 "$seconds" "$@" &
  DRIVER=$!
}

# Ends the driver start_driver started and its whole process group: SIGTERM, up to
# 5 s to finish, then SIGKILL.
stop_driver() {
  [ -n "${DRIVER:-}" ] || return 0
  kill -TERM -- "-$DRIVER" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$DRIVER" || break; sleep 0.1; done
  kill -KILL -- "-$DRIVER" 2>/dev/null || true
  DRIVER=""
}
