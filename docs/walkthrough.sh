#!/usr/bin/env bash
# The README's walk-through, as one script: the seed's scenarios against a
# running `npm start`. Needs curl and jq.
set -euo pipefail
API=${API:-http://localhost:3000}
TOKEN=$(npm run -s token -- --account acme --user alice)
now() { date +%s%3N; }
call() { # METHOD PATH [JSON]
  curl -s -X "$1" "$API$2" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' ${3:+-d "$3"}
}
step() { printf '\n## %s\n' "$*"; }

step "1. The web creates two products and a customer"
call PUT /v1/records/products/p-100 '{"name":"Espresso machine","sku":"EM-1","priceCents":49900,"currency":"EUR"}' | jq -c .
call PUT /v1/records/products/p-200 '{"name":"Grinder","sku":"GR-2","priceCents":19900,"currency":"EUR"}' | jq -c .
call PUT /v1/records/customers/c-1 '{"name":"Café Central","email":"orders@cafe-central.example"}' | jq -c .

step "2. The iPad's first Sync Now stores what it does not have (seed rule 1)"
SYNC=$(call POST /v1/sync/now "{\"deviceId\":\"ipad-7\",\"clientTime\":$(now),\"cursor\":null}")
echo "$SYNC" | jq -c '{changes: (.changes | map_values(map(.id))), hasMore, reset}'
CURSOR=$(echo "$SYNC" | jq -r .cursor)

step "3. Trade show, offline: the iPad edits p-100 and p-200 and creates a lead; its clock is 3 hours behind"
SKEW=$((3 * 3600 * 1000))
EDITED_AT=$(( $(now) - SKEW ))
echo "iPad stamps its edits with its own clock: $EDITED_AT"

step "4. Meanwhile the web edits p-200 again and deletes c-1"
sleep 1
call PUT /v1/records/products/p-200 '{"name":"Grinder","sku":"GR-2","priceCents":17900,"currency":"EUR"}' | jq -c '.record | {id, priceCents, updatedAt}'
curl -s -o /dev/null -w 'DELETE c-1 → %{http_code}\n' -X DELETE "$API/v1/records/customers/c-1" -H "authorization: Bearer $TOKEN"

step "5. The rep logs in: login push sends everything; the device's data is not changed"
call POST /v1/sync/push "{\"deviceId\":\"ipad-7\",\"clientTime\":$(( $(now) - SKEW )),\"changes\":{
  \"products\":[{\"id\":\"p-100\",\"updatedAt\":$((EDITED_AT + 1000)),\"name\":\"Espresso machine\",\"sku\":\"EM-1\",\"priceCents\":44900,\"currency\":\"EUR\"},
                {\"id\":\"p-200\",\"updatedAt\":$EDITED_AT,\"name\":\"Grinder (demo unit)\",\"sku\":\"GR-2\",\"priceCents\":15000,\"currency\":\"EUR\"}],
  \"customers\":[{\"id\":\"c-1\",\"updatedAt\":$((EDITED_AT + 2000)),\"name\":\"Café Central\",\"notes\":\"wants a demo\"},
                 {\"id\":\"c-lead-9\",\"updatedAt\":$((EDITED_AT + 3000)),\"name\":\"Roastery Nord\",\"email\":\"hi@roastery-nord.example\"}]}}" | jq -c '.results'

step "6. The web sees the iPad's newer price and its new lead"
call GET /v1/records/products/p-100 | jq -c '.record | {id, priceCents}'
call GET /v1/records/customers/c-lead-9 | jq -c '.record | {id, name}'

step "7. Account sync page on the iPad: what is waiting for it"
call GET "/v1/sync/status?deviceId=ipad-7" | jq -c '{account, device: (.device | {lastSyncAt, lastPushAt}), pending: (.collections | map_values(.pendingChanges)), upToDate}'

step "8. Sync Now: the web's newer p-200 overrides the iPad's edit (2b); deleted c-1 is deleted even though the iPad edited it (2c)"
SYNC=$(call POST /v1/sync/now "{\"deviceId\":\"ipad-7\",\"clientTime\":$(now),\"cursor\":\"$CURSOR\"}")
echo "$SYNC" | jq -c '.changes.products[] | select(.id == "p-200") | {id, name, priceCents}'
echo "$SYNC" | jq -c '.changes.customers[] | select(.id == "c-1")'
echo "$SYNC" | jq -c '{hasMore, reset}'

step "9. Account sync page again: up to date"
call GET "/v1/sync/status?deviceId=ipad-7" | jq -c '{lastSyncBy: .account.lastSyncBy, pending: (.collections | map_values(.pendingChanges)), upToDate}'
