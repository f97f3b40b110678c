#!/usr/bin/env bash
# Starts the local blooddrive stack on this machine, on loopback only:
#   1. installs missing Debian packages (needs root or sudo) and builds the service binaries;
#   2. starts redis-server with deploy/redis/local.conf (port 6390, AOF, data in var/redis/);
#   3. starts every service built so far (logs in var/log/, pid files in var/run/), and the SMS
#      gateway with the file provider: every SMS "sent" is a JSON line in var/sms/outbox.jsonl;
#   4. waits until each answers its gRPC health check with SERVING;
#   5. loads the demo donors of the Astana branch (idempotent) and prints what to try next.
# Security is on (docs/security.md): every service requires a bearer token. The first run makes
# var/secrets/: Redis passwords and ACL users (one least-privilege user per service), a credentials
# file and tokens for demo principals (coordinator, clinic, gateway, portal, admin) and for each
# service. With --tls it also makes a private CA and loopback certificates and serves TLS + mTLS.
# Running it again while the stack is up starts nothing new: it re-checks health and prints the hints.
# deploy/local/down.sh stops what this started; the data stays in var/redis/.
#
#   deploy/local/up.sh [--tls]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$root"

want_tls=0
for arg in "$@"; do
  case "$arg" in
    --tls) want_tls=1 ;;
    *) echo "usage: deploy/local/up.sh [--tls]" >&2; exit 2 ;;
  esac
done

mkdir -p "$log_dir" "$run_dir" "$redis_dir"
mkdir -p -m 700 "$secrets_dir" "$(dirname "$sms_outbox")"
chmod 700 "$secrets_dir" "$(dirname "$sms_outbox")"  # the outbox holds phone numbers
bash scripts/install-deps.sh

# build TARGET...: builds into the stack's build directory, showing only the tail of a failure.
build() {
  if ! BLOODDRIVE_BUILD_DIR=$build_dir bash scripts/build.sh default "$@" >>"$log_dir/build.log" 2>&1; then
    tail -n 40 "$log_dir/build.log" >&2
    echo "up: the build failed (above: the last 40 lines of $(shown_path "$log_dir")/build.log)" >&2
    exit 1
  fi
}

echo "== building in $(shown_path "$build_dir")/ (output in $(shown_path "$log_dir")/build.log)"
[ -x "$call_bin" ] || echo "   the first build takes several minutes"
: >"$log_dir/build.log"
build blooddrive-call blooddrive-tokens
# Only the services whose target exists in the configured build: a service still being written
# (its folder there, its binary not yet) is left out rather than failing the stack.
available=$(cmake --build "$build_dir" --target help 2>/dev/null || true)
processes=()
targets=()
while IFS= read -r entry; do
  read -r name _ _ target _ <<<"$entry"
  if grep -qE "^(\.\.\. )?$target(:| |\$)" <<<"$available"; then
    processes+=("$entry")
    targets+=("$target")
  else
    echo "   $name: not built yet (no target $target), skipped"
  fi
done < <(present_processes)
[ ${#targets[@]} -gt 0 ] && build "${targets[@]}"

# --- secrets -----------------------------------------------------------------------------------
umask 077
# Redis: a password per ACL user of deploy/redis/service-acl.txt plus the operators' (default)
# user; the ACL file holds only SHA-256 hashes of them.
secret() { [ -s "$1" ] || openssl rand -hex 24 >"$1"; }
sha256() { printf '%s' "$(cat "$1")" | sha256sum | cut -d' ' -f1; }
secret "$secrets_dir/redis-admin.password"
{
  echo "user default reset on #$(sha256 "$secrets_dir/redis-admin.password") ~* &* +@all"
  while read -r user rules; do
    [[ -z "$user" || "$user" == \#* ]] && continue
    secret "$secrets_dir/redis-$user.password"
    echo "user $user reset on #$(sha256 "$secrets_dir/redis-$user.password") resetchannels $rules"
  done <"$root/deploy/redis/service-acl.txt"
} >"$secrets_dir/redis-users.acl"

# Tokens: one per demo principal and per service, minted when its token file is missing (a lost
# token is revoked and replaced).
minted=0
mint() {
  local file=$1 principal=$2
  shift 2
  [ -s "$secrets_dir/$file.token" ] && return 0
  "$tokens_bin" --credentials_file="$credentials_file" revoke --principal="$principal" 2>/dev/null || true
  "$tokens_bin" --credentials_file="$credentials_file" mint --principal="$principal" "$@" \
    --out="$secrets_dir/$file.token" 2>>"$log_dir/tokens.log"
  minted=1
}
mint coordinator coordinator-astana --role=coordinator --branch=kz-astana \
  --sites=sites/astana-old-town,sites/astana-central,sites/astana-left-bank
mint clinic clinic-old-town --role=clinic --sites=sites/astana-old-town
mint gateway sms-gateway-1 --role=sms-gateway
mint portal donor-portal --role=portal
mint admin ops-admin --role=admin
for entry in "${stack_processes[@]}"; do
  read -r name port _ <<<"$entry"
  [ "$port" = - ] && continue  # a client (the SMS gateway) is no service
  mint "$name-service" "$name" --role=service
done

# TLS: with --tls, or kept while the stack that was started with it still runs.
if [ "$want_tls" = 1 ]; then
  bash "$root/deploy/local/tls-certs.sh" "$tls_dir"
  touch "$tls_marker"
elif [ -f "$tls_marker" ] && ! pid_alive "$run_dir/redis.pid" redis-server; then
  rm -f "$tls_marker"
fi
umask 022

# --- Redis -------------------------------------------------------------------------------------
redis_pidfile=$run_dir/redis.pid
if pid_alive "$redis_pidfile" redis-server; then
  pid=$(cat "$redis_pidfile")
  if ! redis_admin info server 2>/dev/null | grep -q "^process_id:$pid"$'\r'; then
    echo "up: the stack's redis-server (pid $pid) is running, but not on port $redis_port." >&2
    echo "    Run deploy/local/down.sh first to change the port." >&2
    exit 1
  fi
  echo "== redis-server already running (pid $pid, port $redis_port)"
  if ! redis_admin acl load >/dev/null 2>&1; then
    echo "up: the running redis-server did not load var/secrets/redis-users.acl (started before" >&2
    echo "    the stack had ACL users?). Run deploy/local/down.sh, then this script again." >&2
    exit 1
  fi
else
  rm -f "$redis_pidfile"
  if port_in_use "$redis_port"; then
    echo "up: port $redis_port is taken by a process this script did not start." >&2
    echo "    Stop it, or choose another port: BLOODDRIVE_LOCAL_REDIS_PORT=6391 $0" >&2
    exit 1
  fi
  echo "== starting redis-server on 127.0.0.1:$redis_port (data in $(shown_path "$redis_dir"))"
  redis-server "$root/deploy/redis/local.conf" --port "$redis_port" --dir "$redis_dir" \
    --logfile "$log_dir/redis.log" --pidfile "$redis_pidfile" --daemonize yes \
    --aclfile "$secrets_dir/redis-users.acl"
fi
# Loading a large append-only file takes a while; Redis answers LOADING until it is done.
for _ in $(seq 1 120); do
  [ "$(redis_admin ping 2>/dev/null)" = PONG ] && break
  sleep 0.5
done
if [ "$(redis_admin ping 2>/dev/null)" != PONG ]; then
  echo "up: redis-server does not answer PING on port $redis_port; last lines of its log:" >&2
  tail -n 20 "$log_dir/redis.log" >&2 || true
  exit 1
fi

# --- services ----------------------------------------------------------------------------------
# start_process ENTRY: starts one process of the stack (unless it is running already).
start_process() {
  local entry=$1 name port src target flags bin pidfile log where
  read -r name port src target flags <<<"$entry"
  bin=$build_dir/$src/$target
  pidfile=$run_dir/$name.pid
  log=$log_dir/$name.log
  if pid_alive "$pidfile" "$target"; then
    echo "== $name already running (pid $(cat "$pidfile"))"
    # New tokens (minted above) take effect on SIGHUP.
    [ "$minted" = 1 ] && kill -HUP "$(cat "$pidfile")"
    if [ "$bin" -nt "$pidfile" ]; then
      echo "   note: $target was rebuilt after it started; deploy/local/down.sh && deploy/local/up.sh runs the new one"
    fi
    return 0
  fi
  rm -f "$pidfile"
  args=()
  if [ "$port" != - ]; then
    if port_in_use "$port"; then
      echo "up: port $port (for $name) is taken by a process this script did not start; stop it first." >&2
      exit 1
    fi
    args+=(--listen="127.0.0.1:$port")
  fi
  # shellcheck disable=SC2206  # the flags column is split into words on purpose
  args+=($flags)
  where=""
  [ "$port" != - ] && where=" on 127.0.0.1:$port"
  echo "== starting $name$where (log $(shown_path "$log"))"
  echo "--- $(date -u +%FT%TZ) up.sh: $target ${args[*]}" >>"$log"
  # Its own session: a Ctrl-C in this terminal or closing it does not reach the services.
  # Secrets go through the environment (BLOODDRIVE_<FLAG>), never the command line.
  service_env=(
    BLOODDRIVE_CREDENTIALS_FILE="$credentials_file"
    BLOODDRIVE_SERVICE_TOKEN_FILE="$secrets_dir/$name-service.token"
  )
  # A client (the SMS gateway: its token file is in the flags column) with TLS verifies the
  # services with the CA and shows the client certificate.
  if [ "$port" = - ]; then
    service_env=()
    if [ -f "$tls_marker" ]; then
      service_env+=(
        BLOODDRIVE_TLS_CA="$tls_dir/ca.pem" BLOODDRIVE_TLS_CERT="$tls_dir/client.pem"
        BLOODDRIVE_TLS_KEY="$tls_dir/client.key"
      )
    fi
  fi
  # Services that keep state in Redis get its address and their own ACL user; the environment
  # (not flags) carries them, so a service without Redis (eligibility) simply has no such flags.
  if [ -f "$secrets_dir/redis-$name.password" ]; then
    service_env+=(
      BLOODDRIVE_REDIS="127.0.0.1:$redis_port"
      BLOODDRIVE_REDIS_USER="$name"
      BLOODDRIVE_REDIS_PASSWORD="$(cat "$secrets_dir/redis-$name.password")"
    )
  fi
  if [ -f "$tls_marker" ] && [ "$port" != - ]; then
    service_env+=(
      BLOODDRIVE_TLS_CERT="$tls_dir/server.pem" BLOODDRIVE_TLS_KEY="$tls_dir/server.key"
      BLOODDRIVE_TLS_CLIENT_CA="$tls_dir/ca.pem"
      BLOODDRIVE_DOWNSTREAM_TLS_CA="$tls_dir/ca.pem"
      BLOODDRIVE_DOWNSTREAM_TLS_CERT="$tls_dir/server.pem"
      BLOODDRIVE_DOWNSTREAM_TLS_KEY="$tls_dir/server.key"
    )
  fi
  env "${service_env[@]}" setsid "$bin" "${args[@]}" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

for entry in "${processes[@]}"; do
  start_process "$entry"
done

# --- health ------------------------------------------------------------------------------------
failed=0
for entry in "${processes[@]}"; do
  read -r name port src target _ <<<"$entry"
  pidfile=$run_dir/$name.pid
  log=$log_dir/$name.log
  if [ "$port" = - ]; then
    # No health port (the SMS gateway): it must still be running a moment after its start (bad
    # flags end it at once; an unreachable service does not, it retries).
    sleep 0.5
    if pid_alive "$pidfile" "$target"; then
      echo "   $name: running (log $(shown_path "$log"))"
    else
      echo "up: $name exited. Last lines of $(shown_path "$log"):" >&2
      tail -n 20 "$log" | sed 's/^/    /' >&2
      failed=1
    fi
    continue
  fi
  answer=""
  ok=0
  restarts=0
  for _ in $(seq 1 60); do
    if ! pid_alive "$pidfile" "$target"; then
      # The port can be held for a moment by some program's outgoing connection (50051-50054 lie
      # in Linux's ephemeral range): try again a few times before giving up.
      if [ "$restarts" -lt 3 ] && tail -n 3 "$log" | grep -q "Address already in use"; then
        restarts=$((restarts + 1))
        sleep 1
        start_process "$entry"
        continue
      fi
      answer="the process exited"
      break
    fi
    # shellcheck disable=SC2046  # one flag per line
    if answer=$("$call_bin" $(call_flags) --addr="127.0.0.1:$port" --timeout=1s grpc.health.v1.Health/Check '{}' 2>&1) &&
      grep -q '"SERVING"' <<<"$answer"; then
      ok=1
      break
    fi
    sleep 0.5
  done
  if [ "$ok" = 1 ]; then
    echo "   $name: SERVING on 127.0.0.1:$port"
  else
    echo "up: $name is not SERVING on 127.0.0.1:$port ($answer). Last lines of $(shown_path "$log"):" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
    failed=1
  fi
done
if [ "$failed" = 1 ]; then
  echo "up: the stack is not healthy; deploy/local/down.sh stops what was started." >&2
  exit 1
fi

# --- demo data and hints -----------------------------------------------------------------------
bash "$root/deploy/local/seed.sh" 127.0.0.1:50051

donor() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$var_dir/demo-donors.tsv"; }
call="$(shown_path "$call_bin")"
secrets=$(shown_path "$secrets_dir")
tls_flags=""
if [ -f "$tls_marker" ]; then
  tls_flags=" --tls_ca=$secrets/tls/ca.pem --tls_cert=$secrets/tls/client.pem --tls_key=$secrets/tls/client.key"
fi
as() { echo "$call --token_file=$secrets/$1.token$tls_flags"; }
coordinator=$(as coordinator)
dmitry=$(donor demo-donor-dmitry)
farrukh=$(donor demo-donor-farrukh)
today=$(TZ=Asia/Almaty date +%Y-%m-%d)
IFS=- read -r y m d <<<"$today"
y=$((10#$y)) m=$((10#$m)) d=$((10#$d))
r=blooddrive.v1.DonorRegistry
up_list=""
eligibility_hints=""
sms_hints=""
for entry in "${processes[@]}"; do
  read -r name port _ <<<"$entry"
  if [ "$port" = - ]; then up_list+=", $name"; else up_list+=", $name on 127.0.0.1:$port"; fi
  if [ "$name" = eligibility ]; then
    aigerim=$(donor demo-donor-aigerim)
    e="--addr=127.0.0.1:$port blooddrive.v1.Eligibility"
    on_today="\"date\": {\"year\": $y, \"month\": $m, \"day\": $d}"
    eligibility_hints="
  # eligibility (active rule pack kz-astana): may Айгерім Сапарова give whole blood today? Eligible
  # or not, every reason (rule, source, until when) and the next eligible date of each type
  \$call --pretty $e/CheckEligibility '{\"donor\": \"$aigerim\", \"donationType\": \"DONATION_TYPE_WHOLE_BLOOD\", $on_today}'
  # a migrant with a passport but no IIN, deferred after malaria-area travel: two reasons
  \$call --pretty $e/CheckEligibility '{\"donor\": \"$farrukh\", \"donationType\": \"DONATION_TYPE_WHOLE_BLOOD\", $on_today}'
  # the rule packs loaded (services/eligibility/packs; kill -HUP \$(cat $(shown_path "$run_dir")/eligibility.pid) re-reads them)
  \$call $e/ListRulePacks '{}'
"
  fi
  if [ "$name" = sms-gateway ]; then
    sms_hints="
  # the SMS gateway (file provider) appends every message it sends as one JSON line here
  tail -f $(shown_path "$sms_outbox")
"
  fi
done
cat <<EOF

The stack is up: redis-server on 127.0.0.1:$redis_port$up_list.
Every RPC needs a token: var/secrets/ holds tokens of a coordinator (Astana branch), a clinic
(Old Town), an SMS gateway, a portal and an admin$( [ -f "$tls_marker" ] && echo "; TLS with client certificates is on")
(docs/security.md). Try (from $root):

  # health (no token needed), and every method the call tool knows
  $call$tls_flags grpc.health.v1.Health/Check '{}'
  $call --list
  # as the coordinator; the same call without a token is UNAUTHENTICATED
  call="$coordinator"

  # find a donor by phone (any format; a number without a country code is read as Kazakh)
  \$call $r/FindDonors '{"phone": "8 701 555 01 23"}'
  # by the start of a name, in any script and case
  \$call $r/FindDonors '{"namePrefix": "сапар"}'
  \$call $r/FindDonors '{"namePrefix": "jasur"}'
  # by identity document (an Uzbek passport)
  \$call $r/FindDonors '{"document": {"type": "DOCUMENT_TYPE_PASSPORT", "issuingCountry": "UZ", "number": "AB1234567"}}'

  # O+ donors of the Old Town site
  \$call $r/ListDonors '{"bloodGroup": "BLOOD_GROUP_O_POSITIVE", "homeSite": "sites/astana-old-town"}'

  # record today's donation for Дмитрий Кузнецов (running it again changes nothing: same requestId)
  \$call $r/RecordDonation '{"requestId": "try-donation-$today", "parent": "$dmitry", "donation": {"donationDate": {"year": $y, "month": $m, "day": $d}, "donationType": "DONATION_TYPE_WHOLE_BLOOD", "site": "sites/astana-old-town", "volumeMl": 450, "hemoglobinGPerL": 148, "outcome": "DONATION_OUTCOME_DONATED"}}'
  # everything the eligibility rules would see about him, and a deferred donor
  \$call --pretty $r/GetDonorFacts '{"name": "$dmitry"}'
  \$call --pretty $r/GetDonorFacts '{"name": "$farrukh"}'
$eligibility_hints$sms_hints
  # a portal may look a donor up by phone, but not list donors or search by name
  $(as portal) $r/FindDonors '{"phone": "8 701 555 01 23"}'
  $(as portal) $r/FindDonors '{"namePrefix": "сапар"}'      # PERMISSION_DENIED
  # the audit log of changes (who, what, when, outcome; no personal data)
  REDISCLI_AUTH=\$(cat $secrets/redis-admin.password) redis-cli -p $redis_port XREVRANGE reg:audit + - COUNT 5
  # tokens: list, mint, revoke (then: kill -HUP the services, or run up.sh again)
  $(shown_path "$tokens_bin") --credentials_file=$secrets/credentials.textproto list

  # stop the stack (the data stays in $(shown_path "$redis_dir"); delete it for a clean start)
  $(shown_path "$root/deploy/local/down.sh")
EOF
