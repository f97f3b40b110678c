#!/usr/bin/env bash
# Stops exactly the processes deploy/local/up.sh started (by their pid files in var/run/), services
# first and Redis last, and waits until each has exited. The data in var/redis/ stays.
# Safe to run when nothing is running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

# stop NAME PIDFILE COMMAND-SUBSTRING SECONDS FORCE: SIGTERM, then wait; with FORCE=yes a process
# still there after SECONDS gets SIGKILL.
stop() {
  local name=$1 pidfile=$2 what=$3 seconds=$4 force=$5 pid
  if ! pid_alive "$pidfile" "$what"; then
    [ -f "$pidfile" ] && echo "== $name: not running (removing a stale pid file)"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  stopped=$((stopped + 1))
  echo "== stopping $name (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 $((seconds * 5))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$force" != yes ]; then
      echo "down: $name (pid $pid) is still running after ${seconds}s; see $(shown_path "$log_dir/$name.log")" >&2
      return 1
    fi
    echo "   $name did not exit within ${seconds}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

status=0
stopped=0
for ((i = ${#stack_processes[@]} - 1; i >= 0; i--)); do
  read -r name _ _ target _ <<<"${stack_processes[$i]}"
  # A service gets --shutdown_grace (10 s by default) to finish in-flight calls.
  stop "$name" "$run_dir/$name.pid" "$target" 20 yes || status=1
done
# Never SIGKILL Redis: a clean shutdown flushes the append-only file.
stop redis "$run_dir/redis.pid" redis-server 60 no || status=1
if [ "$status" = 0 ]; then
  rm -f "$tls_marker"
  if [ "$stopped" = 0 ]; then
    echo "nothing to stop: the local stack is not running"
  else
    echo "stopped; the data stays in $(shown_path "$redis_dir")"
  fi
fi
exit "$status"
