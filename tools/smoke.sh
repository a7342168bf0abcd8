#!/usr/bin/env bash
# Post-deploy smoke test of a running Omni (docs/deploy.md): ./omni smoke https://<app>.azurewebsites.net [options]
#   --key KEY         function key for key-protected routes (default: $OMNI_FUNCTION_KEY)
#   --token TOKEN     Entra ID mode: an access token for Omni's app registration instead of a key, with the app roles
#                     Operations, Messages.Send and Messages.Read (default: $OMNI_TOKEN)
#   --no-key-check    skip "a key-protected route refuses without a key" (for a host that checks none, e.g. ./omni run -- --no-keys)
#   --send-to TO      also send one message end to end: a contact id, or an e-mail address (sent inline, no contact needed)
#   --timeout SECONDS how long to wait for the message to be sent (default 60)
# Needs curl and standard shell tools only. Prints one line per check; on the first failure, one line starting with
# "smoke: FAILED" (and the message's trace, if a message was sent) and a non-zero exit.
set -uo pipefail

fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
ok() { echo "smoke: ok: $*"; }

base="" key="${OMNI_FUNCTION_KEY:-}" token="${OMNI_TOKEN:-}" key_check=1 send_to="" timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    --key) [ $# -ge 2 ] || fail "--key needs a value"; key=$2; shift 2 ;;
    --token) [ $# -ge 2 ] || fail "--token needs a value"; token=$2; shift 2 ;;
    --no-key-check) key_check=0; shift ;;
    --send-to) [ $# -ge 2 ] || fail "--send-to needs a contact id or an e-mail address"; send_to=$2; shift 2 ;;
    --timeout) [[ ${2:-} =~ ^[0-9]+$ ]] || fail "--timeout needs a number of seconds"; timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) [ -z "$base" ] || fail "one base URL only (got '$base' and '$1')"; base=${1%/}; shift ;;
  esac
done
[ -n "$base" ] || fail "usage: ./omni smoke https://<app>.azurewebsites.net [--key KEY | --token TOKEN] [--no-key-check] [--send-to TO] [--timeout S]"
[[ $base =~ ^https?:// ]] || fail "the base URL must start with https:// (or http:// for a local DevHost): $base"
command -v curl >/dev/null || fail "curl is needed"
if [ "$key_check" = 1 ] && [ -z "$key" ] && [ -z "$token" ]; then
  fail "no function key: set OMNI_FUNCTION_KEY or pass --key (az functionapp keys list -g <rg> -n <app> --query functionKeys.default -o tsv)"
fi

body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

# request METHOD PATH [curl args...]: the status code on stdout, the body in $body_file; 000 when nothing answered.
request() {
  local method=$1 path=$2
  shift 2
  curl -sS -o "$body_file" -w '%{http_code}' --max-time 30 -X "$method" "$@" "$base$path" 2>/dev/null || true
}

# The value of the first "name":"value" string in the last body (the JSON is compact: the handler writes it).
json_string() { grep -o "\"$1\":\"[^\"]*\"" "$body_file" | head -n 1 | sed 's/^"[^"]*":"//; s/"$//'; }

# The credential: a function key, or in Entra ID mode a bearer token (never printed).
keyed=() what=key
if [ -n "$token" ]; then
  keyed=(-H "Authorization: Bearer $token") what=token
elif [ -n "$key" ]; then
  keyed=(-H "x-functions-key: $key")
fi

# (a) health: 200 and healthy; a check that is not healthy is named with its error.
status=$(request GET /api/health)
overall=$(json_string status)
if [ "$status" != 200 ] || [ "$overall" != healthy ]; then
  bad=$(grep -oE '"[A-Za-z]+":\{"status":"(degraded|unhealthy)"[^}]*\}' "$body_file" | head -n 1)
  [ "$status" = 000 ] && fail "GET $base/api/health did not answer (wrong URL, or the app is not running)"
  fail "GET /api/health answered $status ${overall:-without a status}${bad:+: $bad}"
fi
ok "GET /api/health 200 healthy"

# (b) a protected read: 401 without the key (or token), 200 with it.
if [ "$key_check" = 1 ]; then
  status=$(request GET /api/stats/channels)
  [ "$status" = 401 ] || fail "GET /api/stats/channels without a $what answered $status, expected 401 (is authLevel function, or App Service authentication, deployed?)"
  ok "GET /api/stats/channels without a $what 401"
else
  echo "smoke: skipped: the 401 check without a key (--no-key-check)"
fi
status=$(request GET /api/stats/channels "${keyed[@]}")
[ "$status" = 200 ] || fail "GET /api/stats/channels with the $what answered $status, expected 200$([ "$status" = 401 ] && echo " (wrong $what?)")$([ "$status" = 403 ] && echo ' (the token lacks the Operations role)')"
ok "GET /api/stats/channels with the $what 200"

[ -n "$send_to" ] || { echo "smoke: passed"; exit 0; }

# (c) one message end to end: accepted, then polled until the provider took it or it ended otherwise.
case "$send_to" in
  *\"*|*\\*) fail "--send-to must not contain quotes or backslashes" ;;
  *@*) recipient="\"to\":{\"email\":\"$send_to\"}" ;;
  *) recipient="\"contactId\":\"$send_to\"" ;;
esac
idempotency_key=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen 2>/dev/null || echo "smoke-$(date +%s)-$$-$RANDOM")
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
payload="{$recipient,\"category\":\"transactional\",\"content\":{\"subject\":\"Omni smoke test\",\"text\":\"Omni smoke test at $stamp. No action needed.\"},\"correlationId\":\"smoke-$idempotency_key\",\"tags\":[\"smoke\"]}"
status=$(request POST /api/messages "${keyed[@]}" -H 'Content-Type: application/json' -H "Idempotency-Key: $idempotency_key" --data-binary "$payload")
case "$status" in
  200|202) ;;
  *) fail "POST /api/messages answered $status: $(head -c 500 "$body_file")" ;;
esac
id=$(json_string id)
[ -n "$id" ] || fail "POST /api/messages answered $status without an id: $(head -c 500 "$body_file")"
ok "POST /api/messages $status, id $id"

print_trace() {
  local trace
  trace=$(grep -o '"trace":\[[^]]*\]' "$body_file" | head -n 1 | sed 's/^"trace":\[//; s/\]$//')
  if [ -n "$trace" ]; then
    echo "smoke: trace of $id:" >&2
    printf '%s\n' "$trace" | sed 's/","/"\n"/g' | sed 's/^"//; s/"$//; s/^/  /' >&2
  else
    echo "smoke: last answer for $id: $(head -c 2000 "$body_file")" >&2
  fi
}

deadline=$(( $(date +%s) + timeout ))
while :; do
  status=$(request GET "/api/messages/$id" "${keyed[@]}")
  message_status=$( [ "$status" = 200 ] && json_string status )
  case "$message_status" in
    sent|delivered|read) ok "message $id $message_status"; echo "smoke: passed"; exit 0 ;;
    undeliverable|expired|capped|rejected)
      print_trace; fail "message $id ended $message_status: $(json_string reason)" ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    print_trace
    fail "message $id still ${message_status:-unreadable (GET answered $status)} after ${timeout}s"
  fi
  sleep 2
done
