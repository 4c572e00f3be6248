#!/usr/bin/env bash
# The new-user walk through the HTTP API, with curl only. Starts nothing: run the
# server first, e.g. `marking-server serve --data ./data`, then
#   BASE=http://127.0.0.1:8080 DATA=./data N=1000000 scripts/demo.sh
# The admin token is $MARKING_ADMIN_TOKEN, or the data folder's admin-token file.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
DATA=${DATA:-./data}
N=${N:-1000000}
SHIP=${SHIP:-100000}
(( SHIP > N )) && SHIP=$N
API="$BASE/api/v1"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ADMIN=${MARKING_ADMIN_TOKEN:-$(cat "$DATA/admin-token")}
RUN=$(date +%s)  # makes BINs, GTIN and document numbers new on every run
START_MS=$(( $(date +%s%N) / 1000000 ))

step() { printf '\n== %s\n' "$*"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The first "id" of a JSON answer (answers have sorted keys, the top-level id first).
id_of() { grep -o '"id":[0-9]*' <<<"$1" | head -1 | cut -d: -f2; }
token_of() { grep -o '"token":"mkt_[A-Za-z0-9_-]*"' <<<"$1" | cut -d'"' -f4; }
state_of() { grep -o '"state":"[A-Z_]*"' <<<"$1" | head -1 | cut -d'"' -f4; }
# A BIN with a valid check digit (Kazakhstan's weights, second pass when the first gives 10).
bin() {
  local body=$1 sum=0 i d
  for i in {0..10}; do sum=$(( sum + ${body:i:1} * (i + 1) )); done
  d=$(( sum % 11 ))
  if (( d == 10 )); then
    sum=0; for i in {0..10}; do sum=$(( sum + ${body:i:1} * ((i + 2) % 11 + 1) )); done
    d=$(( sum % 11 ))
  fi
  (( d == 10 )) && return 1
  echo "$body$d"
}
valid_bin() { local b=$1; until bin "$b" >/dev/null; do b=$(( b + 1 )); done; bin "$b"; }
# A GTIN-14 with its check digit from a 13-digit body.
gtin() {
  local body=$1 sum=0 i
  for i in {0..12}; do sum=$(( sum + ${body:i:1} * ( (i % 2 == 0) ? 3 : 1 ) )); done
  echo "$body$(( (10 - sum % 10) % 10 ))"
}
post_json() { curl -sS -X POST "$API/$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }

step "health"
curl -sS "$API/health"; echo

step "register a producer and a retailer (admin)"
P=$(post_json participants "$ADMIN" "{\"name\":\"Demo Producer $RUN\",\"bin\":\"$(valid_bin "$(printf '4051%07d' $(( RUN % 10000000 )))")\",\"roles\":[\"producer\"]}")
PRODUCER=$(id_of "$P"); PTOKEN=$(token_of "$P")
R=$(post_json participants "$ADMIN" "{\"name\":\"Demo Shop $RUN\",\"bin\":\"$(valid_bin "$(printf '4052%07d' $(( RUN % 10000000 )))")\",\"roles\":[\"retailer\"]}")
SHOP=$(id_of "$R"); STOKEN=$(token_of "$R")
echo "producer id $PRODUCER, retailer id $SHOP (tokens shown once, not printed here)"

step "register a product"
GTIN=$(gtin "$(printf '46%011d' $(( RUN % 100000000000 )))")
curl -sS -X PUT "$API/products/$GTIN" -H "Authorization: Bearer $PTOKEN" -H 'Content-Type: application/json' \
  -d '{"tradeName":"Milk 3.2% 1 l","producer":"Demo Producer","country":"KZ","productionPlace":"Astana","price":"450.00"}'; echo

step "order $N codes of $GTIN"
t=$(ms)
O=$(post_json orders "$PTOKEN" "{\"gtin\":\"$GTIN\",\"quantity\":$N}")
ORDER=$(id_of "$O")
echo "$O"; echo "($(( $(ms) - t )) ms)"

step "download them as text"
t=$(ms)
curl -sS "$API/orders/$ORDER/codes?format=text" -H "Authorization: Bearer $PTOKEN" -o "$WORK/codes.txt"
echo "$(wc -l <"$WORK/codes.txt") codes, $(wc -c <"$WORK/codes.txt") bytes ($(( $(ms) - t )) ms)"

step "check one code publicly (no token)"
CODE=$(head -1 "$WORK/codes.txt")
t=$(ms)
curl -sS -G "$API/codes" --data-urlencode "code=$CODE"; echo
echo "($(( $(ms) - t )) ms)"

document() {  # type number file [extra query] -> polls to a final state
  local type=$1 number=$2 file=$3 extra=${4:-} answer id state t
  t=$(ms)
  answer=$(curl -sS -X POST "$API/documents?type=$type&number=$number$extra" -H "Authorization: Bearer $PTOKEN" \
    -H 'Content-Type: text/plain' --data-binary "@$file")
  id=$(id_of "$answer"); state=$(state_of "$answer")
  echo "$type $number: document $id $state"
  while [[ $state == IN_PROGRESS ]]; do
    sleep 0.5
    answer=$(curl -sS "$API/documents/$id" -H "Authorization: Bearer $PTOKEN")
    state=$(state_of "$answer")
  done
  echo "$answer"
  echo "($(( $(ms) - t )) ms)"
  [[ $state == CHECKED_OK ]]
}

step "apply and introduce all $N codes"
document UTILISATION "U-$RUN" "$WORK/codes.txt"
document INTRODUCTION "I-$RUN" "$WORK/codes.txt"

step "ship $SHIP codes to the retailer, the list streamed as text, polled to CHECKED_OK"
head -n "$SHIP" "$WORK/codes.txt" > "$WORK/ship.txt"
document TRANSFER "INV-$RUN" "$WORK/ship.txt" "&receiver=$SHOP"

step "the code's owner after the shipment: the retailer's check shows it, the public one does not"
# The owner an answer shows, or nothing when it shows none.
owner_of() { { grep -o '"owner":[0-9]*' <<<"$1" || true; } | head -1 | cut -d: -f2; }
answer=$(curl -sS -G "$API/codes" --data-urlencode "code=$CODE" -H "Authorization: Bearer $STOKEN")
echo "retailer's check: owner $(owner_of "$answer") (retailer id $SHOP), status $(grep -o '"status":"[A-Z_]*"' <<<"$answer" | cut -d'"' -f4)"
public=$(owner_of "$(curl -sS -G "$API/codes" --data-urlencode "code=$CODE")")
echo "public check: owner ${public:-not shown}"

step "audit trail of this run (admin), last entries"
curl -sS "$API/audit?from=$START_MS" -H "Authorization: Bearer $ADMIN" | sed 's/},{/}\n{/g' | tail -12
echo  # the answer ends without a newline
