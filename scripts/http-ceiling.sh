#!/usr/bin/env bash
# The machine's own HTTP ceiling: nginx (Debian nginx-light, one worker process, no
# access log) answering every request on a loopback port with a fixed 16-byte JSON body,
# {"status":"ok"} and a newline. A load generator's figure against marking-server means
# little on a shared 2-core machine; its ratio to the same generator against this
# server, measured in the same run, is the figure that holds from run to run.
#
#   scripts/http-ceiling.sh serve [--port P]
#       nginx on 127.0.0.1:P (default: a free port) until standard input ends (or a
#       line, SIGTERM, SIGINT); prints "serving http://127.0.0.1:P/" on standard error once it listens.
#       `marking-bench http lookup` starts it this way and measures it with its own
#       load generator, beside the server's checks and /health.
#   scripts/http-ceiling.sh wrk [--threads T] [--connections C] [--duration S] [URL...]
#       wrk (default -t2 -c64 -d10s --latency) against nginx, then against each URL with
#       the same options; prints requests/s, p99 and the ratio of each to nginx.
#       Example: scripts/http-ceiling.sh wrk http://127.0.0.1:8080/api/v1/health
#
# Installs nginx-light (and wrk for the wrk mode) with apt-get where missing.
set -euo pipefail
. "$(dirname "$0")/lib/server.sh"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

install_missing() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts nginx in the background on 127.0.0.1:$1 with its files in $2; sets NGINX_PID.
start_nginx() {
  local port=$1 dir=$2
  # Keep-alive without a request limit: nginx's default (1,000 a connection) would close
  # the load generator's connections, which marking-server never does.
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  scgi_temp_path $dir/scgi;
  uwsgi_temp_path $dir/uwsgi;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '{"status":"ok"}\n';
    }
  }
}
EOF
  local nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  "$nginx" -p "$dir" -e stderr -c "$dir/nginx.conf" &
  NGINX_PID=$!
  wait_for_http "http://127.0.0.1:$port/" 5 "$NGINX_PID" && return 0
  echo "nginx did not answer on 127.0.0.1:$port within 5 s" >&2
  return 1
}

mode=${1:-}
[ -n "$mode" ] || usage
shift
port=""
threads=2
connections=64
duration=10
urls=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    -h|--help) usage ;;
    http://*) urls+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

case "$mode" in
  serve) install_missing ;;
  wrk) install_missing wrk ;;
  *) usage ;;
esac
[ -n "$port" ] && [ "$port" != 0 ] || port=$(free_port)
dir=$(mktemp -d /tmp/http-ceiling.XXXXXX)
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then
    kill -TERM "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP
start_nginx "$port" "$dir"
ceiling="http://127.0.0.1:$port/"

if [ "$mode" = serve ]; then
  echo "serving $ceiling" >&2
  # Until standard input ends (or a line, or a signal): a parent stops nginx by closing
  # the pipe, which works even where the signals it could send are blocked or ignored
  # in this shell (Foundation's Process starts children from threads that block them),
  # and when the parent dies.
  read -r _ || true
  exit 0
fi

# One wrk run; prints "requests/s p99_ms errors".
measure() {
  local output rate p99 errors
  output=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$1")
  rate=$(awk '/^Requests\/sec:/ {print $2}' <<<"$output")
  p99=$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v *= 1000}; print v}' <<<"$output")
  errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 4; i <= NF; i += 2) n += $i} END {print n + 0}' <<<"$output")
  echo "$rate ${p99:-?} $errors"
}

echo "wrk -t$threads -c$connections -d${duration}s --latency, $(nproc) cores, $(date -u +%FT%TZ)"
read -r base_rate base_p99 base_errors < <(measure "$ceiling")
printf '%-60s %12s %10s %8s %7s\n' target "requests/s" "p99 ms" errors ratio
printf '%-60s %12.0f %10s %8s %7s\n' "nginx ceiling $ceiling" "$base_rate" "$base_p99" "$base_errors" 1.00
for url in "${urls[@]}"; do
  read -r rate p99 errors < <(measure "$url")
  printf '%-60s %12.0f %10s %8s %7.2f\n' "${url:0:60}" "$rate" "$p99" "$errors" "$(awk -v a="$rate" -v b="$base_rate" 'BEGIN {print a / b}')"
done
