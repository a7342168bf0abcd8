#!/usr/bin/env bash
# Replays the README quick start ("Run it locally") with curl against a running DevHost and checks every answer; stops
# at the first one that is not what the README says, with a line saying which. It starts nothing itself:
#
#   ./omni run                                  # or: ./omni run -- --clock 23:00@Europe/London (night in London)
#   tools/quickstart/replay.sh [DevHost URL] [function key] [master key]
#   # defaults http://127.0.0.1:7071, local-function-key, local-master-key
#
# Step 2 depends on the hour as the DevHost sees it (GET /_devhost → clock.now): inside Ada's quiet hours (21:00–08:00
# London) the shipping notice must be deferred, outside them delivered. Every README command is in this file verbatim
# (tests/Omni.EndToEnd.Tests/QuickStartTests.cs checks it), so the two cannot drift apart. Needs bash, curl, grep and
# GNU date; no jq.
set -euo pipefail

OMNI=${1:-http://127.0.0.1:7071}
OMNI=${OMNI%/}
# The DevHost checks function keys as Azure does; local-function-key is its well-known default (docs/devhost.md).
KEY="x-functions-key: ${2:-local-function-key}"
# Erasing a contact is admin-only: it takes the master key, local-master-key by default.
ADMIN="x-functions-key: ${3:-local-master-key}"
RUN=$(date +%s)
id() { grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4; }

STEP="setup"
fail() { echo "quickstart: FAILED at $STEP: $*" >&2; exit 1; }
ok() { echo "quickstart: ok   $STEP${1:+ — $1}"; }

# expect TEXT PATTERN WHAT: TEXT must contain PATTERN (a fixed string).
expect() { case "$1" in *"$2"*) ;; *) fail "$3: expected $2 in: ${1:0:600}" ;; esac; }

# poll PATTERN WHAT COMMAND...: runs COMMAND until its output contains PATTERN (20 s at most); prints that output.
poll() {
  local want=$1 what=$2 out=""
  shift 2
  for _ in $(seq 1 100); do
    out=$("$@" 2>/dev/null || true)
    case "$out" in *"$want"*) printf '%s' "$out"; return 0 ;; esac
    sleep 0.2
  done
  fail "$what: expected $want within 20 s; last answer: ${out:0:600}"
}

STEP="the DevHost at $OMNI"
DEVHOST=$(curl -s --max-time 5 "$OMNI/_devhost") || fail "no answer (start it with ./omni run)"
NOW=$(printf '%s' "$DEVHOST" | grep -o '"now":"[^"]*"' | cut -d'"' -f4)
[ -n "$NOW" ] || fail "GET /_devhost has no clock.now: ${DEVHOST:0:300}"
HOUR=$(TZ=Europe/London date -d "$NOW" +%H) || fail "cannot read the time $NOW (GNU date needed)"
NIGHT=false
if [ "${HOUR#0}" -ge 21 ] || [ "${HOUR#0}" -lt 8 ]; then NIGHT=true; fi
ok "London time as the app sees it: $(TZ=Europe/London date -d "$NOW" +%H:%M) (quiet hours: $NIGHT)"

STEP="0. Ada"
curl -s -H "$ADMIN" -X DELETE $OMNI/api/contacts/ada-lovelace >/dev/null
ANSWER=$(curl -s -H "$KEY" -X PUT $OMNI/api/contacts/ada-lovelace -H 'content-type: application/json' -d '{
  "displayName": "Ada Lovelace", "timeZone": "Europe/London", "quietHours": {"start": "21:00", "end": "08:00"},
  "preferredChannels": ["sms", "email"], "defaultRegion": "GB",
  "addresses": {"sms": {"value": "07400 123456"}, "email": {"value": "ada@example.org"}}}')
expect "$ANSWER" '"value":"+447400123456"' "the contact was not created with her number in E.164"
ok

STEP="1. A security code goes out at once"
CODE=$(curl -s -H "$KEY" $OMNI/api/messages -H 'content-type: application/json' -H "Idempotency-Key: code-$RUN" \
  -d '{"contactId": "ada-lovelace", "category": "security", "urgency": "high", "content": {"text": "Your code is 482913"}}' | id)
expect "$CODE" "msg_" "POST /api/messages gave no message id"
ANSWER=$(poll '"status":"delivered"' "the code's delivery" curl -s -H "$KEY" $OMNI/api/messages/$CODE)
expect "$ANSWER" '"channel":"sms"' "the code did not go by SMS"
ok "delivered by SMS"

STEP="2. A shipping notice waits for the end of quiet hours"
SHIP=$(curl -s -H "$KEY" $OMNI/api/messages -H 'content-type: application/json' -H "Idempotency-Key: ship-$RUN" \
  -d '{"contactId": "ada-lovelace", "category": "transactional", "content": {"text": "Your order has shipped", "subject": "Shipped"}}' | id)
expect "$SHIP" "msg_" "POST /api/messages gave no message id"
if [ "$NIGHT" = true ]; then
  ANSWER=$(poll '"status":"deferred"' "the notice's deferral" curl -s -H "$KEY" $OMNI/api/messages/$SHIP)
  expect "$ANSWER" 'Inside quiet hours 21:00–08:00 (Europe/London)' "the deferral does not name the quiet hours"
  ok "deferred until 08:00 London"
else
  ANSWER=$(poll '"status":"delivered"' "the notice's delivery" curl -s -H "$KEY" $OMNI/api/messages/$SHIP)
  ok "delivered (it is day in London)"
fi
STEP="2. Quiet hours off for the rest of the tour"
ANSWER=$(curl -s -H "$KEY" -X PATCH $OMNI/api/contacts/ada-lovelace -H 'content-type: application/merge-patch+json' -d '{"quietHours": null}')
expect "$ANSWER" '"quietHours":null' "PATCH did not remove the quiet hours"
ok

STEP="3. STOP by SMS"
curl -s -H "$KEY" $OMNI/api/contacts/ada-lovelace/consent -H 'content-type: application/json' \
  -d '{"channel": "sms", "category": "marketing", "state": "opted-in", "source": "form", "byContact": true, "evidence": "Sign-up form", "actor": "web"}' >/dev/null
curl -s -H "$KEY" $OMNI/api/contacts/ada-lovelace/consent -H 'content-type: application/json' \
  -d '{"channel": "email", "category": "marketing", "state": "opted-in", "source": "form", "byContact": true, "evidence": "Sign-up form", "actor": "web"}' >/dev/null
ANSWER=$(curl -s $OMNI/_devhost/sandbox/inbound -H 'content-type: application/json' -d '{"channel": "sms", "from": "+447400123456", "text": "STOP"}')
expect "$ANSWER" '"eventType":"Microsoft.Communication.SMSReceived"' "the customer simulator did not deliver the STOP"
poll '"evidence":"keyword=STOP' "the opt-out in Ada's consent history" curl -s -H "$KEY" $OMNI/api/contacts/ada-lovelace/consent >/dev/null
ok "SMS opted out"

STEP="3. The next marketing message goes by e-mail"
SALE=$(curl -s -H "$KEY" $OMNI/api/messages -H 'content-type: application/json' -H "Idempotency-Key: sale-$RUN" \
  -d '{"contactId": "ada-lovelace", "category": "marketing", "urgency": "high", "content": {"text": "Our winter sale starts today", "subject": "Winter sale"}}' | id)
expect "$SALE" "msg_" "POST /api/messages gave no message id"
ANSWER=$(poll '"status":"delivered"' "the sale's delivery" curl -s -H "$KEY" $OMNI/api/messages/$SALE)
expect "$ANSWER" '"attempts":[{"step":0,"channel":"email"' "the sale did not go by e-mail first"
ok "delivered by e-mail"

STEP="3. START by SMS"
ANSWER=$(curl -s $OMNI/_devhost/sandbox/inbound -H 'content-type: application/json' -d '{"channel": "sms", "from": "+447400123456", "text": "START"}')
expect "$ANSWER" '"path":"' "the customer simulator did not deliver the START"
poll '"evidence":"keyword=START' "the opt-in in Ada's consent history" curl -s -H "$KEY" $OMNI/api/contacts/ada-lovelace/consent >/dev/null
ok "SMS opted in again"

STEP="4. Fallback from SMS to e-mail"
curl -s -X PUT $OMNI/_devhost/sandbox/rules -H 'content-type: application/json' -d '[{"channel": "sms", "to": "+447400123456", "response": "permanent"}]' >/dev/null
PARCEL=$(curl -s -H "$KEY" $OMNI/api/messages -H 'content-type: application/json' -H "Idempotency-Key: parcel-$RUN" \
  -d '{"contactId": "ada-lovelace", "category": "transactional", "urgency": "high", "content": {"text": "Your parcel arrives today", "subject": "Delivery today"}}' | id)
expect "$PARCEL" "msg_" "POST /api/messages gave no message id"
ANSWER=$(poll '"status":"delivered"' "the parcel notice's delivery by e-mail" curl -s -H "$KEY" $OMNI/api/messages/$PARCEL)
expect "$ANSWER" '"step":0,"channel":"sms","status":"failed"' "the SMS step did not fail"
expect "$ANSWER" '"step":1,"channel":"email"' "the fallback step is not e-mail"
ok "SMS refused, delivered by e-mail"

STEP="4. Ada opens the e-mail"
ANSWER=$(curl -s $OMNI/_devhost/sandbox/messages/$PARCEL/events -H 'content-type: application/json' -d '{"type": "opened"}')
expect "$ANSWER" '"eventType":"Microsoft.Communication.EmailEngagementTrackingReportReceived"' "the sandbox sent no engagement report"
poll '"status":"read"' "the message to be read" curl -s -H "$KEY" $OMNI/api/messages/$PARCEL >/dev/null
curl -s -X PUT $OMNI/_devhost/sandbox/rules -H 'content-type: application/json' -d '[]' >/dev/null
ok "read"

STEP="5. Ada's timeline"
ANSWER=$(poll '"text":"START"' "the START on the timeline" curl -s -H "$KEY" $OMNI/api/contacts/ada-lovelace/timeline)
expect "$ANSWER" '"text":"STOP"' "the STOP is not on the timeline"
expect "$ANSWER" "\"messageId\":\"$PARCEL\"" "the parcel notice is not on the timeline"
ok

STEP="6. The dashboard"
STATUS=$(curl -s -H "$KEY" $OMNI/api/dashboard -o /dev/null -w '%{http_code}')
[ "$STATUS" = 200 ] || fail "GET /api/dashboard answered $STATUS"
ok

echo "quickstart: every step behaved as the README says"
