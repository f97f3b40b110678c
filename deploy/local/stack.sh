# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Shared by up.sh, down.sh and seed.sh (sourced, not run): what the local stack is made of and
# where its files live.
#
# Environment (all optional):
#   BLOODDRIVE_BUILD_DIR         where the binaries are built (default: build/, the "default" preset)
#   BLOODDRIVE_LOCAL_REDIS_PORT  the stack's Redis port (default 6390, so a system Redis on 6379 is left alone)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${BLOODDRIVE_BUILD_DIR:-$root/build}
case "$build_dir" in /*) ;; *) build_dir=$root/$build_dir ;; esac
var_dir=$root/var
log_dir=$var_dir/log
run_dir=$var_dir/run
redis_dir=$var_dir/redis
redis_port=${BLOODDRIVE_LOCAL_REDIS_PORT:-6390}
call_bin=$build_dir/clients/grpc_call/blooddrive-call
tokens_bin=$build_dir/clients/tokens/blooddrive-tokens
coordinator_bin=$build_dir/clients/coordinator/blooddrive-coordinator
clinic_bin=$build_dir/clients/clinic/blooddrive-clinic
# Secrets (mode 0700): the credentials file (token hashes), the demo principals' tokens
# (<name>.token), Redis passwords (redis-<user>.password), the Redis ACL file and, with --tls, the
# private CA and certificates (tls/).
secrets_dir=$var_dir/secrets
credentials_file=$secrets_dir/credentials.textproto
tls_dir=$secrets_dir/tls
tls_marker=$run_dir/tls  # present while the stack serves TLS (up.sh --tls)

# The processes of the stack, in start order (down.sh stops them in reverse), one per line:
#   name  health-port (- for none)  source dir  CMake target (built into <build dir>/<source dir>/)  [flags...]
# A process whose source dir does not exist yet is skipped, so the list can name what is coming.
# Those with a Redis user in deploy/redis/service-acl.txt get its address and credentials; those
# with a port get --listen=127.0.0.1:<port>. Those without a port are clients of the services (the
# SMS gateway): they get no service token, and call with a demo principal's token (flags column).
sms_outbox=$var_dir/sms/outbox.jsonl  # where the stack's SMS gateway "sends" messages
sms_inbox=$var_dir/sms/inbox.jsonl    # where a donor's reply "arrives" (one JSON line each)
stack_processes=(
  "registry    50051 services/registry    blooddrive-registry"
  "eligibility 50052 services/eligibility blooddrive-eligibility"
  "scheduling  50053 services/scheduling  blooddrive-scheduling"
  "reminders   50054 services/reminders   blooddrive-reminders"
  "sms-gateway -     clients/sms_gateway  blooddrive-sms-gateway --feed=127.0.0.1:50054 --gateway_id=local-1 --token_file=$secrets_dir/gateway.token --provider=file --out_file=$sms_outbox --in_file=$sms_inbox"
)

# Prints the entries of stack_processes whose sources exist.
present_processes() {
  local entry src
  for entry in "${stack_processes[@]}"; do
    read -r _ _ src _ <<<"$entry"
    [ -f "$root/$src/CMakeLists.txt" ] && echo "$entry"
  done
  return 0
}

# True when the pid file names a live process whose command line contains $2. Checking the command
# line keeps a recycled pid (after a reboot, say) from being mistaken for ours.
pid_alive() {
  local pidfile=$1 what=$2 pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$what"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The path to show a user for a file under the project: relative when they stand in the project.
shown_path() {
  if [ "$PWD" = "$root" ]; then echo "${1#"$root"/}"; else echo "$1"; fi
}

# redis-cli as the operators' user (the default user, with its password from var/secrets/).
redis_admin() {
  REDISCLI_AUTH=$(cat "$secrets_dir/redis-admin.password" 2>/dev/null) redis-cli --no-auth-warning \
    -p "$redis_port" "$@"
}

# Prints the blooddrive-call flags for calling the stack as principal $1 (a token in var/secrets/;
# "" for none): the token file and, when the stack serves TLS, the CA and a client certificate.
call_flags() {
  [ -n "${1:-}" ] && echo "--token_file=$secrets_dir/$1.token"
  if [ -f "$tls_marker" ]; then
    echo "--tls_ca=$tls_dir/ca.pem"
    echo "--tls_cert=$tls_dir/client.pem"
    echo "--tls_key=$tls_dir/client.key"
  fi
  return 0
}

# The same for blooddrive-coordinator and blooddrive-clinic (their flags are spelled with '-').
cli_flags() {
  call_flags "$@" | sed -e 's/^--token_file=/--token-file=/' -e 's/^--tls_\(ca\|cert\|key\)=/--tls-\1=/'
}
