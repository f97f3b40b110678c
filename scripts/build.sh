#!/usr/bin/env bash
# Installs missing packages, configures a CMake preset and builds it (or only the named targets).
#
#   scripts/build.sh [PRESET] [TARGET...]      PRESET: default (build/) or asan (build-asan/)
#
# Environment: BLOODDRIVE_BUILD_DIR builds into another directory than the preset's;
# BLOODDRIVE_JOBS sets the parallelism (default: every core).
# Used by scripts/test.sh and deploy/local/up.sh; fine to run by hand.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-default}
shift || true

case "$preset" in
  default) dir=${BLOODDRIVE_BUILD_DIR:-$root/build} ;;
  asan) dir=${BLOODDRIVE_BUILD_DIR:-$root/build-asan} ;;
  *) echo "build.sh: unknown preset '$preset' (default, asan)" >&2; exit 2 ;;
esac
case "$dir" in /*) ;; *) dir=$root/$dir ;; esac

bash "$root/scripts/install-deps.sh"

# The compiler cache lives in the project (gitignored). CCACHE_BASEDIR makes paths relative, so
# build/, build-asan/ and developers' own build directories share hits for identical sources.
export CCACHE_DIR=${CCACHE_DIR:-$root/.cache/ccache}
export CCACHE_BASEDIR=$root
mkdir -p "$CCACHE_DIR"

# The presets name no generator; Ninja is installed and faster. Only for a new build directory:
# an existing one keeps the generator it was made with.
if [ ! -f "$dir/CMakeCache.txt" ]; then
  export CMAKE_GENERATOR=Ninja
fi

cd "$root"
cmake --preset "$preset" -B "$dir" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$dir" -j "${BLOODDRIVE_JOBS:-$(nproc)}" --target "$@"
else
  cmake --build "$dir" -j "${BLOODDRIVE_JOBS:-$(nproc)}"
fi
