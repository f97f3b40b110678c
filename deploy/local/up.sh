#!/usr/bin/env bash
# Starts the local blooddrive stack on this machine, on loopback only:
#   1. installs missing Debian packages (needs root or sudo) and builds the service binaries;
#   2. starts redis-server with deploy/redis/local.conf (port 6390, AOF, data in var/redis/);
#   3. starts every service built so far (logs in var/log/, pid files in var/run/), and the SMS
#      gateway with the file provider: every SMS "sent" is a JSON line in var/sms/outbox.jsonl;
#   4. waits until each answers its gRPC health check with SERVING;
#   5. loads the demo data of the Astana branch (idempotent): donors with their donation history,
#      the Old Town blood centre and a mobile unit, published drives and a few bookings; then
#      prints what to try next with blooddrive-coordinator and blooddrive-clinic.
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
build blooddrive-call blooddrive-tokens blooddrive-coordinator blooddrive-clinic
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
bash "$root/deploy/local/seed_drives.sh"

donor() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$var_dir/demo-donors.tsv"; }
demo_drive() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$var_dir/demo-drives.tsv"; }
secrets=$(shown_path "$secrets_dir")
tls_env=""
if [ -f "$tls_marker" ]; then
  tls_env="BLOODDRIVE_TLS_CA=$secrets/tls/ca.pem BLOODDRIVE_TLS_CERT=$secrets/tls/client.pem BLOODDRIVE_TLS_KEY=$secrets/tls/client.key "
fi
tomorrow=$(TZ=Asia/Almaty date -d tomorrow +%Y-%m-%d)
old_town_tomorrow=$(demo_drive old-town-tomorrow)
mobile=$(demo_drive mobile)
up_list=""
for entry in "${processes[@]}"; do
  read -r name port _ <<<"$entry"
  if [ "$port" = - ]; then up_list+=", $name"; else up_list+=", $name on 127.0.0.1:$port"; fi
done
if [ -n "$(demo_drive old-town-today)" ]; then
  clinic_day="today"
  clinic_roster="\$clinic roster"
else
  clinic_day="tomorrow (Old Town's day is over in Astana; check-in opens on the drive's day)"
  clinic_roster="\$clinic roster --date=$tomorrow"
fi
cat <<EOF

The stack is up: redis-server on 127.0.0.1:$redis_port$up_list.
Demo data: the Astana branch of the Kazakh Red Crescent (sites/astana-old-town, a fixed blood
centre, and sites/astana-mobile, a bus), 8 donors in kk/ru/en/uz/ky/tg (labour migrants with
passports among them), published drives with a few bookings. Every call needs a token; var/secrets/
holds one for a coordinator (Astana branch) and one for the Old Town clinic$( [ -f "$tls_marker" ] && echo "; TLS with client certificates is on").
Try (from $root; every command has --help, and --json for scripts):

  coordinator="${tls_env}$(shown_path "$coordinator_bin") --token-file=$secrets/coordinator.token"
  clinic="${tls_env}BLOODDRIVE_SITE=astana-old-town $(shown_path "$clinic_bin") --token-file=$secrets/clinic.token"

  # the coordinator: the coming drives, how full tomorrow's is by slot and by blood group
  \$coordinator drive list --from=$(TZ=Asia/Almaty date +%Y-%m-%d)
  \$coordinator availability $old_town_tomorrow
  \$coordinator report $old_town_tomorrow
  # book a donor who phoned in; then a donor who is deferred (the refusal says until when)
  \$coordinator book --drive=$old_town_tomorrow --time=10:00 --donor=$(donor demo-donor-yerlan)
  \$coordinator book --drive=$old_town_tomorrow --time=10:00 --donor=$(donor demo-donor-farrukh)
  # import the branch's spreadsheet (a report per row; running it again imports nothing twice)
  \$coordinator donor import deploy/local/demo/donors.csv
  # invite the eligible O and A donors to the university drive (an SMS in each donor's language)
  \$coordinator invite $mobile --groups=O+,O-,A+
  \$coordinator donor show $(donor demo-donor-aigerim)

  # the clinic, $clinic_day: the roster in Astana time, check-in, outcome
  $clinic_roster
  \$clinic check-in BOOKING     # BOOKING as the roster prints it: drives/.../bookings/...
  \$clinic outcome BOOKING donated --volume=450 --hb=142

  # SMS: every message the gateway "sends" is a JSON line here (quiet hours 21:00-09:00 Astana)
  tail -f $(shown_path "$sms_outbox")
  # a donor replies STOP in Kazakh: the gateway passes it on and the donor is opted out
  echo '{"id": "demo-reply-1", "from": "+77015550123", "text": "ТОҚТАТУ"}' >> $(shown_path "$sms_inbox")

  # any RPC as JSON: $(shown_path "$call_bin") --list
  # stop the stack (the data stays in $(shown_path "$redis_dir"); delete it for a clean start)
  $(shown_path "$root/deploy/local/down.sh")
EOF
