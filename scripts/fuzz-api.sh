#!/usr/bin/env bash
# Fuzzes the running API against openapi.yaml with schemathesis: every generated
# request, as the admin, as a producer and without a token, must get an answer that
# is not a 5xx. Starts its own server on a temporary folder and port; not part of CI
# (it installs schemathesis from PyPI and runs for a few minutes). Exits non-zero when
# schemathesis reports any failure, its own internal errors included, or any recorded
# answer is a 5xx. Prints, per caller, the test cases generated and the requests sent.
#
#   scripts/fuzz-api.sh [EXAMPLES_PER_OPERATION]   (default 150)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/server.sh
EXAMPLES=${1:-150}
PORT=${PORT:-8097}
command -v st >/dev/null || pip install -q schemathesis
ports_free "PORT=N" "$PORT" || exit 2
swift build -c release --product marking-server
DATA=$(mktemp -d)
ADMIN="fuzz-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MARKING_ADMIN_TOKEN=$ADMIN .build/release/marking-server serve --data "$DATA" --port "$PORT" --anonymous-rate 0 --token-rate 0 >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
API=http://127.0.0.1:$PORT/api/v1
wait_for_http "$API/health" 60 "$SERVER" || { echo "the server did not start; its log:" >&2; tail -5 "$DATA/server.log" >&2; exit 1; }

PRODUCER=$(curl -sS -X POST "$API/participants" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"Fuzz LLP","bin":"040512000001","roles":["producer","importer"]}' |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["token"]["token"])')
curl -sS -X PUT "$API/products/04607000000014" -H "Authorization: Bearer $PRODUCER" -d '{"tradeName":"Fuzz"}' >/dev/null
curl -sS -X POST "$API/orders" -H "Authorization: Bearer $PRODUCER" -d '{"gtin":"04607000000014","quantity":100}' >/dev/null

status=0
for who in admin producer public; do
  case $who in
    admin) auth=(-H "Authorization: Bearer $ADMIN") ;;
    producer) auth=(-H "Authorization: Bearer $PRODUCER") ;;
    public) auth=() ;;
  esac
  echo "== as $who"
  st run "$API/openapi.yaml" --url "$API" "${auth[@]}" -c not_a_server_error -n "$EXAMPLES" --workers 2 \
    --report har --report-har-path "$DATA/$who.har" |
    grep -E "^ +[0-9]+ generated|FAILED|Server error|Internal Server Error" || status=1
  # Test cases of the stateful phase send several requests: the recorded exchanges say how many went.
  python3 - "$DATA/$who.har" <<'EOF' || status=1
import json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
errors = sum(1 for entry in entries if entry["response"]["status"] >= 500)
print(f"  {len(entries)} requests sent, {errors} answered with a 5xx")
sys.exit(1 if errors else 0)
EOF
done
if grep -F -e "$ADMIN" -e "$PRODUCER" "$DATA/server.log"; then
  echo "the server log holds a token"; status=1
fi
exit $status
