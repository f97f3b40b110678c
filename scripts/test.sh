#!/usr/bin/env bash
# The test command of the README and of CI (.ci/run): installs missing Debian packages (needs root or
# sudo), builds everything with the "default" preset (build/) and runs every test with ctest, then
# does the same with AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan", build-asan/).
# Tests start their own redis-server on free loopback ports; nothing needs to be running.
#
#   scripts/test.sh [--no-asan] [CTEST ARGS...]      e.g. scripts/test.sh --no-asan -R registry
#
# Environment: BLOODDRIVE_JOBS (build and test parallelism, default: every core).
# Exit status 0 only when every step passed. A summary of the steps is printed at the end.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

asan=yes
ctest_args=()
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=no ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ctest_args+=("$arg") ;;
  esac
done
jobs=${BLOODDRIVE_JOBS:-$(nproc)}
export BLOODDRIVE_JOBS=$jobs

# Sanitizer reports must fail the run and say where; leave the caller's own settings alone.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summary=()
notes=()  # lines a step adds under its own summary line
failed=0

# step TITLE COMMAND...: runs one step, records its outcome and duration.
step() {
  local title=$1 start=$SECONDS rc
  shift
  echo
  echo "==== $title"
  "$@"
  rc=$?
  local took=$((SECONDS - start))
  if [ "$rc" = 0 ]; then
    summary+=("$(printf '  %-6s %-28s %4ss' ok "$title" "$took")")
  else
    summary+=("$(printf '  %-6s %-28s %4ss  (exit %s)' FAILED "$title" "$took" "$rc")")
    failed=1
  fi
  [ ${#notes[@]} -gt 0 ] && summary+=("${notes[@]}")
  notes=()
  return "$rc"
}

skip() { summary+=("$(printf '  %-6s %-28s' skipped "$1")"); }

# run_tests DIR: ctest in DIR; the names of failed tests go into the summary.
# shellcheck disable=SC2317  # called through step
run_tests() {
  local dir=$1 rc
  ctest --test-dir "$dir" --output-on-failure --timeout 600 -j "$jobs" "${ctest_args[@]}"
  rc=$?
  if [ "$rc" != 0 ] && [ -s "$dir/Testing/Temporary/LastTestsFailed.log" ]; then
    while IFS= read -r t; do notes+=("           failed: ${t#*:}"); done \
      <"$dir/Testing/Temporary/LastTestsFailed.log"
  fi
  return "$rc"
}

# build_and_test PRESET DIR
build_and_test() {
  local preset=$1 dir=$2
  if step "build ($preset)" bash scripts/build.sh "$preset"; then
    step "tests ($preset)" run_tests "$dir"
  else
    skip "tests ($preset)"
  fi
}

total_start=$SECONDS
if step "install packages" bash scripts/install-deps.sh; then
  build_and_test default "$root/build"
  if [ "$asan" = yes ]; then
    build_and_test asan "$root/build-asan"
  else
    skip "build + tests (asan): --no-asan"
  fi
fi

echo
echo "==== summary ($((SECONDS - total_start))s, $jobs jobs)"
printf '%s\n' "${summary[@]}"
if [ "$failed" = 0 ]; then
  echo "ALL PASSED"
else
  echo "FAILED"
fi
exit "$failed"
